"""The routing engines on Solomon's VRPTW instances, against the best-known distance-only costs.

Prints per instance: cost, best known, gap, seconds, routes and whether the independent validator
accepts the solution; then the mean and worst gap.

    .venv/bin/python benchmarks/solomon.py [--engine pyvrp|ortools|both|auto] [--time-limit 10]
                                           [--instances 'C1*,R101'] [--seed 0]
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.rounds import read_solomon, route, validate  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "solomon"


def chosen(patterns: str) -> list[Path]:
    """Instance files matching any comma-separated name or glob (C101, 'R1*'), in name order."""
    paths = sorted(REFERENCE.glob("*.txt"))
    wanted = [p.strip().upper() for p in patterns.split(",") if p.strip()]
    return [p for p in paths if any(fnmatch.fnmatch(p.stem.upper(), w) for w in wanted)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", default="pyvrp", choices=["auto", "ortools", "pyvrp", "both"])
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    parser.add_argument("--instances", default="*", help="comma-separated names or globs, e.g. 'C1*,R101'")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with open(REFERENCE / "best_known.csv") as f:
        best = {row["instance"]: float(row["distance_only_cost"]) for row in csv.DictReader(f)}
    print(f"engine {args.engine}, {args.time_limit:g} s per instance, seed {args.seed}")
    print(f"{'instance':9} {'cost':>9} {'best':>9} {'gap':>7} {'seconds':>8} {'routes':>6} {'engine':>8}  valid")
    gaps = []
    for path in chosen(args.instances):
        problem = read_solomon(path)
        solution = route(problem, args.time_limit, args.seed, args.engine)
        violations = validate(problem, solution)
        known = best[problem.name]
        gap = (solution.objective - known) / known
        if not violations:
            gaps.append(gap)
        verdict = "OK" if not violations else f"NO: {len(violations)} ({violations[0]})"
        print(f"{problem.name:9} {solution.objective:9.2f} {known:9.2f} {gap:7.2%} {solution.runtime:8.1f} "
              f"{len(solution.routes):6d} {solution.engine:>8}  {verdict}", flush=True)
    if gaps:
        print(f"valid {len(gaps)}; mean gap {statistics.fmean(gaps):.2%}, worst gap {max(gaps):.2%}")


if __name__ == "__main__":
    main()
