"""Speed and quality of `tender design`: time, objective, bound and gap of each stage.

    .venv/bin/python benchmarks/design_speed.py --instances shire county --configs balanced \
        --time-limit 60 --repeats 3

Each run is the whole design (screening of lot counts, exact lot MIP, award MIP), with each stage's
seconds (the award stage's of the chosen lot count; screening is the rest). Figures are the
solver's own: a stage stopped by the time limit shows status 'feasible' with the bound it proved.
'lot gap' is against the lot MIP's bound (lots grown from candidate centres), 'any-lot gap' against
the bound for every balanced partition ('-' when the instance is too large for it). 'award gap' is
against the award stage's bound (the Lagrangian bound over lots where it is higher), 'LP gap'
against the LP relaxation's bound alone ('-' for a model small enough to be branched on whole).
With several repeats the table shows each run and the median time and gaps. By default: shire, county (1,000
synthetic areas) and kent (902 real LSOAs with their true borders, the real-geography scale instance).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.design.config import load_config  # noqa: E402
from solver.design.mip import relative_gap  # noqa: E402
from solver.design.optimise import Infeasible, optimise  # noqa: E402
from solver.evaluate import evaluate  # noqa: E402
from solver.instance import load_instance  # noqa: E402


def fmt(value: float | None, pattern: str) -> str:
    return pattern.format(value) if value is not None else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", nargs="+", default=["shire", "county", "kent"])
    parser.add_argument("--configs", nargs="+", default=["balanced"])
    parser.add_argument("--time-limit", type=float, default=None, help="a cap (default: the configuration's)")
    parser.add_argument("--node-limit", type=int, default=None, help="award-stage nodes (default: the configuration's)")
    parser.add_argument("--gap", type=float, default=None, help="stop gap (default: the configuration's)")
    parser.add_argument("--solver", default="highs", choices=["highs", "cbc"])
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    header = (f"{'instance':10} {'config':22} {'solver':6} {'run':>3} {'seconds':>8} {'lots':>4} {'lot source':28} "
              f"{'lot s':>6} {'lot status':>11} {'lot gap':>8} {'any-lot gap':>11} {'award s':>7} {'award status':>12} "
              f"{'award obj £/yr':>15} "
              f"{'award bound':>15} {'award gap':>9} {'LP gap':>7} {'expected £/yr':>14} {'reproducible':>12}")
    print(header)
    for name in args.instances:
        instance = load_instance(ROOT / "instances" / name)
        for config_name in args.configs:
            config = load_config(ROOT / "configs" / f"{config_name}.yaml")
            settings = {k: v for k, v in (("name", args.solver), ("time_limit", args.time_limit),
                                          ("node_limit", args.node_limit), ("gap", args.gap)) if v is not None}
            config = replace(config, solver=replace(config.solver, **settings))
            times, gaps = [], []
            for run in range(1, args.repeats + 1):
                began = time.perf_counter()
                try:
                    design = optimise(instance, config)
                except Infeasible as infeasible:
                    print(f"{name:10} {config_name:22} {args.solver:6} {run:3d} infeasible: "
                          f"{'; '.join(infeasible.explanation)}")
                    continue
                seconds = time.perf_counter() - began
                kpis = evaluate(instance, config, design)
                lot, award = design.solve["lot_stage"], design.solve["award_stage"]
                times.append(seconds)
                gaps.append(award.get("gap"))
                print(f"{name:10} {config_name:22} {args.solver:6} {run:3d} {seconds:8.1f} {len(design.lots):4d} "
                      f"{design.solve['lot_source'][:28]:28} {fmt(lot.get('seconds'), '{:.1f}'):>6} "
                      f"{lot.get('status', '-')[:11]:>11} "
                      f"{fmt(lot.get('gap'), '{:.2%}'):>8} {fmt(lot.get('all_partition_gap'), '{:.2%}'):>11} "
                      f"{fmt(award.get('seconds'), '{:.1f}'):>7} {award['status']:>12} {fmt(award['objective'], '{:,.0f}'):>15} "
                      f"{fmt(award['bound'], '{:,.0f}'):>15} {fmt(award['gap'], '{:.2%}'):>9} "
                      f"{fmt(relative_gap(award['objective'], (award.get('bounds') or {}).get('lp_relaxation')), '{:.2%}'):>7} "
                      f"{kpis['expected_cost_gbp_per_year']:14,.0f} {str(design.solve['reproducible']):>12}")
            if len(times) > 1:
                known = [g for g in gaps if g is not None]
                print(f"{name:10} {config_name:22} median of {len(times)}: {statistics.median(times):.1f} s, award gap "
                      f"{fmt(statistics.median(known) if known else None, '{:.2%}')}")


if __name__ == "__main__":
    main()
