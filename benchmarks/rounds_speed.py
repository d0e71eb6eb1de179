"""How fast the routing engines plan synthetic lot-days of 100, 300 and 800 visits, and lot-days of
a shipped instance as `tender rounds` routes them.

Each size is run as a plain day (every engine) and as a day with about 10% of clients
double-handed and 30% needing a medication-trained carer (solver/rounds/synthetic.py; every engine
but PyVRP, which cannot synchronise carers). Prints, per day and engine: the
double-handed and skill-restricted visits, carers' shifts, the
independent parts the day splits into, time to the first plan serving every visit, total time at
the time limit, travel minutes, paid travel (between visits) per contact hour, unserved visits
and the validator's verdict. Target: an 800-visit day routed in under 60 s.

The second table grows contiguous lots of the instance to about 300, 800 and 1,300 visits a day
and routes --days consecutive days of each as `tender rounds` does (care plans with a ±30-minute
tolerance, a five-day rota, ~10% double-handed, continuity from day two, geographic patches
above 300 visits): seconds for all days, unserved visits, validator, travel per contact hour and
carers per client.

    .venv/bin/python benchmarks/rounds_speed.py [--sizes 100,300,800] [--time-limit 30]
                                                [--engines pyvrp,ortools,hybrid] [--seed 1]
                                                [--instance shire] [--lot-visits 300,800,1300] [--days 2]
                                                [--lot-engines auto,ortools,hybrid]
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
from itertools import pairwise
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.rounds import Problem, Solution, route, validate  # noqa: E402
from solver.rounds.decompose import split  # noqa: E402
from solver.instance import load_instance  # noqa: E402
from solver.rounds.continuity import carers_per_client, route_days  # noqa: E402
from solver.rounds.lot_day import lot_day as instance_lot_day  # noqa: E402
from solver.rounds.synthetic import MEDICATION_SHARE, lot_day  # noqa: E402
from solver.travel_fit import grow_lot  # noqa: E402

DOUBLE_HANDED_SHARE = 0.1


def travel_and_contact(problem: Problem, solution: Solution) -> tuple[float, float]:
    """Minutes of travel between visits (not from or to home) and of visits, over every carer."""
    travel = contact = 0.0
    for r in solution.routes:
        visits = [problem.visit_by_id[s.visit] for s in r.stops]
        travel += sum(problem.travel[a.location, b.location] for a, b in pairwise(visits))
        contact += sum(v.service for v in visits)
    return travel, contact


def per_contact_hour(totals: list[tuple[float, float]]) -> float:
    """Paid travel minutes per contact hour, as in ../shared/domain.md §3."""
    travel, contact = (sum(t) for t in zip(*totals)) if totals else (0.0, 0.0)
    return travel / (contact / 60) if contact else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100,300,800")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per day and engine")
    parser.add_argument("--engines", default="pyvrp,ortools,hybrid")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--instance", default="shire", help="shipped instance for the lot-day table")
    parser.add_argument("--lot-visits", default="300,800,1300", help="visits a day of the instance's lots")
    parser.add_argument("--days", type=int, default=2, help="consecutive days routed per instance lot")
    parser.add_argument("--lot-engines", default="auto", help="engines routing the instance's lot-days")
    args = parser.parse_args()
    synthetic_days(args)
    instance_days(args)


def synthetic_days(args: argparse.Namespace) -> None:
    print(f"time limit {args.time_limit:g} s, seed {args.seed}")
    print(f"{'visits':>6} {'engine':>8} {'2-hand':>6} {'skilled':>7} {'shifts':>6} {'parts':>5} {'first s':>8} "
          f"{'total s':>8} "
          f"{'travel':>8} {'tr/ch':>6} {'unserved':>8}  valid")
    engines = args.engines.split(",")
    for size in (int(s) for s in args.sizes.split(",") if s):
        runs = [(0.0, e) for e in engines] + [(DOUBLE_HANDED_SHARE, e) for e in engines if e != "pyvrp"]
        for share, engine in runs:
            problem = lot_day(size, args.seed, double_handed_share=share,
                              medication_share=MEDICATION_SHARE if share else 0.0)
            solution = route(problem, args.time_limit, args.seed, engine)
            violations = validate(problem, solution)
            first = solution.first_feasible_seconds
            print(f"{size:6d} {engine:>8} {sum(v.carers_needed == 2 for v in problem.visits):6d} "
                  f"{sum(bool(v.skills or v.roles) for v in problem.visits):7d} "
                  f"{len(problem.carers):6d} {len(split(problem)[0]):5d} "
                  f"{'-' if first is None else f'{first:.1f}':>8} {solution.runtime:8.1f} {solution.objective:8.0f} "
                  f"{per_contact_hour([travel_and_contact(problem, solution)]):6.1f} {len(solution.unserved):8d}  "
                  f"{'OK' if not violations else f'NO: {len(violations)} ({violations[0]})'}", flush=True)



def instance_days(args: argparse.Namespace) -> None:
    instance = load_instance(ROOT / "instances" / args.instance)
    print(f"\n{args.instance} lot-days as tender rounds routes them, {args.days} days at {args.time_limit:g} s a day")
    print(f"{'visits':>6} {'areas':>5} {'shifts':>6} {'engine':>8} {'seconds':>8} {'travel':>8} {'unserved':>8} "
          f"{'tr/ch':>6} {'carers/client':>13}  valid")
    for target, engine in ((int(v), e) for v in args.lot_visits.split(",") if v for e in args.lot_engines.split(",")):
        areas = grow_lot(instance, len(instance.areas), np.random.default_rng(args.seed), max_visits=target)
        days = route_days(lambda d: instance_lot_day(instance, areas, args.seed, d), args.days, args.time_limit,
                          args.seed, engine)
        violations = [v for problem, solution in days for v in validate(problem, solution)]
        print(f"{len(days[0][0].visits):6d} {len(areas):5d} {len(days[0][0].carers):6d} {engine:>8} "
              f"{sum(s.runtime for _, s in days):8.1f} {sum(s.objective for _, s in days):8.0f} "
              f"{sum(len(s.unserved) for _, s in days):8d} "
              f"{per_contact_hour([travel_and_contact(p, s) for p, s in days]):6.1f} {carers_per_client(days):13.2f}  "
              f"{'OK' if not violations else f'NO: {len(violations)} ({violations[0]})'}", flush=True)


if __name__ == "__main__":
    main()
