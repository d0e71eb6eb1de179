"""How fast the routing engines plan synthetic lot-days of 100, 300 and 800 visits.

Each size is run as a plain day (every engine) and as a day with about 10% of clients
double-handed (OR-Tools only: PyVRP cannot synchronise carers). Prints, per day and engine: the
double-handed visits, carers' shifts, the
independent parts the day splits into, time to the first plan serving every visit, total time at
the time limit, travel minutes, paid travel (between visits) per contact hour, unserved visits
and the validator's verdict. Target: an 800-visit day routed in under 60 s.

    .venv/bin/python benchmarks/rounds_speed.py [--sizes 100,300,800] [--time-limit 30]
                                                [--engines pyvrp,ortools] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.rounds import Problem, Solution, route, validate  # noqa: E402
from solver.rounds.decompose import split  # noqa: E402
from solver.rounds.synthetic import lot_day  # noqa: E402

DOUBLE_HANDED_SHARE = 0.1


def paid_travel_per_contact_hour(problem: Problem, solution: Solution) -> float:
    """Travel between visits (not from or to home) per hour of visits, as in ../shared/domain.md §3."""
    travel = contact = 0.0
    for r in solution.routes:
        visits = [problem.visit_by_id[s.visit] for s in r.stops]
        travel += sum(problem.travel[a.location, b.location] for a, b in pairwise(visits))
        contact += sum(v.service for v in visits)
    return travel / (contact / 60) if contact else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,300,800")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per day and engine")
    parser.add_argument("--engines", default="pyvrp,ortools")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"time limit {args.time_limit:g} s, seed {args.seed}")
    print(f"{'visits':>6} {'engine':>8} {'2-hand':>6} {'shifts':>6} {'parts':>5} {'first s':>8} {'total s':>8} "
          f"{'travel':>8} {'tr/ch':>6} {'unserved':>8}  valid")
    engines = args.engines.split(",")
    for size in (int(s) for s in args.sizes.split(",")):
        runs = [(0.0, e) for e in engines]
        if "ortools" in engines:
            runs.append((DOUBLE_HANDED_SHARE, "ortools"))
        for share, engine in runs:
            problem = lot_day(size, args.seed, double_handed_share=share)
            solution = route(problem, args.time_limit, args.seed, engine)
            violations = validate(problem, solution)
            first = solution.first_feasible_seconds
            print(f"{size:6d} {engine:>8} {sum(v.carers_needed == 2 for v in problem.visits):6d} "
                  f"{len(problem.carers):6d} {len(split(problem)[0]):5d} "
                  f"{'-' if first is None else f'{first:.1f}':>8} {solution.runtime:8.1f} {solution.objective:8.0f} "
                  f"{paid_travel_per_contact_hour(problem, solution):6.1f} {len(solution.unserved):8d}  "
                  f"{'OK' if not violations else f'NO: {len(violations)} ({violations[0]})'}", flush=True)


if __name__ == "__main__":
    main()
