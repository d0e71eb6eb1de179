"""The routing engines on Solomon's VRPTW instances, against the best-known distance-only costs.

Prints per instance and engine (one after the other, each with the whole time limit): cost, gap to
the best known, seconds and whether the independent validator accepts the solution; then each
engine's mean and worst gap over its valid solutions. The header names the engine `auto` routes
home-care days with (double-handed visits): the one whose column answers the product's question.

    .venv/bin/python benchmarks/solomon.py [--engines pyvrp,ortools,hybrid] [--time-limit 10]
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
from solver.rounds.engine import automatic  # noqa: E402
from solver.rounds.synthetic import lot_day  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "solomon"


def chosen(patterns: str) -> list[Path]:
    """Instance files matching any comma-separated name or glob (C101, 'R1*'), in name order."""
    paths = sorted(REFERENCE.glob("*.txt"))
    wanted = [p.strip().upper() for p in patterns.split(",") if p.strip()]
    return [p for p in paths if any(fnmatch.fnmatch(p.stem.upper(), w) for w in wanted)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engines", default="pyvrp,ortools,hybrid",
                        help="comma-separated engines, each a column: auto, ortools, pyvrp, hybrid, both")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance and engine")
    parser.add_argument("--instances", default="*", help="comma-separated names or globs, e.g. 'C1*,R101'")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    with open(REFERENCE / "best_known.csv") as f:
        best = {row["instance"]: float(row["distance_only_cost"]) for row in csv.DictReader(f)}
    print(f"{args.time_limit:g} s per instance and engine, seed {args.seed}; per engine: cost, gap to best known, "
          "seconds, validator")
    print(f"the home-care engine (auto on a double-handed day): {automatic(lot_day(20, double_handed_share=0.3))}")
    columns = " ".join(f"{e + ' cost':>13} {'gap':>7} {'s':>5} {'ok':>3}" for e in engines)
    print(f"{'instance':9} {'best':>9} {columns}")
    gaps: dict[str, list[float]] = {e: [] for e in engines}
    invalid = dict.fromkeys(engines, 0)
    for path in chosen(args.instances):
        problem = read_solomon(path)
        known = best[problem.name]
        cells = []
        for engine in engines:
            solution = route(problem, args.time_limit, args.seed, engine)
            gap = (solution.objective - known) / known
            valid = not validate(problem, solution)
            if valid:
                gaps[engine].append(gap)
            else:
                invalid[engine] += 1
            cells.append(f"{solution.objective:13.2f} {gap:7.2%} {solution.runtime:5.1f} {'OK' if valid else 'NO':>3}")
        print(f"{problem.name:9} {known:9.2f} " + " ".join(cells), flush=True)
    for engine in engines:
        if gaps[engine]:
            print(f"{engine:8} valid {len(gaps[engine])}, invalid {invalid[engine]}; mean gap "
                  f"{statistics.fmean(gaps[engine]):.2%}, worst gap {max(gaps[engine]):.2%}")


if __name__ == "__main__":
    main()
