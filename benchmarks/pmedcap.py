"""The lot engine as a capacitated p-median (contiguity off) on OR-Library's pmedcap instances.

Prints time, objective, bound and gap to the proven optimum of each instance, and which limit
(branch-and-bound nodes or time) stopped the MIP when one did.

    .venv/bin/python benchmarks/pmedcap.py [--time-limit 120] [--node-limit 50] [--instances 1-15] [--solver highs]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.design.lots import NODE_LIMIT, LotProblem, solve_lots  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "pmedcap"


def read_pmedcap(path: Path) -> tuple[int, LotProblem]:
    """Optimum and problem; distances are Euclidean rounded down, as in the published optima."""
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    optimum = int(rows[0][1])
    n, p, capacity = (int(v) for v in rows[1][:3])
    points = np.array([[float(r[1]), float(r[2])] for r in rows[2:2 + n]])
    demand = np.array([float(r[3]) for r in rows[2:2 + n]])
    distance = np.floor(np.hypot(points[:, None, 0] - points[None, :, 0], points[:, None, 1] - points[None, :, 1]))
    return optimum, LotProblem(weight=demand, distance=distance, k=p, lower=0.0, upper=float(capacity),
                               cost_weight=np.ones(n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--node-limit", type=int, default=NODE_LIMIT, help="branch-and-bound nodes per MIP")
    parser.add_argument("--instances", default="1-15", help="range such as 1-10")
    parser.add_argument("--solver", default="highs", choices=["highs", "cbc"])
    args = parser.parse_args()
    first, last = (int(v) for v in args.instances.split("-"))
    print(f"{'instance':10} {'n':>4} {'p':>3} {'optimum':>8} {'found':>8} {'bound':>9} {'gap':>7} "
          f"{'vs opt':>7} {'status':>10} {'stopped':>7} {'seconds':>8}")
    hits = 0
    for number in range(first, last + 1):
        path = REFERENCE / f"pmedcap{number:02d}.txt"
        optimum, problem = read_pmedcap(path)
        began = time.perf_counter()
        result = solve_lots(problem, args.solver, args.time_limit, gap=0.0, node_limit=args.node_limit)
        report = result.report
        seconds = time.perf_counter() - began
        found = result.partition.objective if result.partition else math.nan
        hits += int(abs(found - optimum) < 0.5)
        bound = f"{report.bound:9.1f}" if report.bound is not None else f"{'-':>9}"
        gap = f"{report.gap:7.2%}" if report.gap is not None else f"{'-':>7}"
        print(f"{path.stem:10} {len(problem.weight):4d} {problem.k:3d} {optimum:8d} {found:8.0f} {bound} {gap} "
              f"{(found - optimum) / optimum:7.2%} {report.status:>10} {report.stopped_by or '-':>7} {seconds:8.1f}")
    print(f"proven optimum found on {hits} of {last - first + 1}")


if __name__ == "__main__":
    main()
