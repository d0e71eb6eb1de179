"""Which contract design serves a county best, and at what price: every shipped configuration (or
those named) optimised on each shipped instance named, then all scored with the same evaluation and
the same Monte Carlo stress test of demand and provider exits.

    .venv/bin/python benchmarks/compare_designs.py shire
    .venv/bin/python benchmarks/compare_designs.py tiny city --configs balanced durham-zones --out out/bench

Prints the comparison (as `tender compare` does), the verdict and the time taken per design; with
--out, writes the full reports per instance there.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.compare import compare, comparison_table, print_comparison  # noqa: E402
from solver.instance import load_instance  # noqa: E402
from solver.reports import write_reports  # noqa: E402
from solver.stress import StressSettings  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("instances", nargs="*", default=["shire"], help="shipped instances (default shire)")
    parser.add_argument("--configs", nargs="+", default=None, help="configuration names (default: all in configs/)")
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per design, a cap (default: each config's)")
    parser.add_argument("--node-limit", type=int, default=None, help="award-stage nodes per design (default: each config's)")
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--exit-rate", type=float, default=0.13)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="write reports to OUT/INSTANCE")
    args = parser.parse_args()
    paths = ([ROOT / "configs" / f"{name}.yaml" for name in args.configs] if args.configs
             else sorted((ROOT / "configs").glob("*.yaml")))
    settings = StressSettings(draws=args.draws, seed=args.seed, exit_rate=args.exit_rate)
    console = Console(width=140)
    for name in args.instances:
        instance = load_instance(ROOT / "instances" / name)
        began = time.perf_counter()
        candidates = compare(instance, paths, settings=settings,
                             adjust=lambda c: replace(c, solver=replace(
                                 c.solver, seed=args.seed, time_limit=args.time_limit or c.solver.time_limit,
                                 node_limit=args.node_limit or c.solver.node_limit)))
        table = comparison_table(instance, candidates)
        print_comparison(console, instance, table, settings)
        for candidate in candidates:
            if candidate.failure:
                console.print(f"{candidate.name}: {candidate.outcome}: {' '.join(candidate.failure.split())}",
                              highlight=False)
        console.print(f"{len(paths)} designs in {time.perf_counter() - began:.0f} s", highlight=False)
        if args.out is not None:
            write_reports(instance, candidates, table, args.out / name)
            console.print(f"wrote {args.out / name}", highlight=False)


if __name__ == "__main__":
    main()
