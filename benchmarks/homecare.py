"""Home care routing on Mankowska et al.'s (2014) instances: skills, double services with delays,
tardiness (../shared/reference/mankowska/), against the best published objectives.

Each instance is routed as `route(engine="auto")` routes it: these days are small, so by the CP-SAT
engine (solver/rounds/improve.py: OR-Tools' routes in a sixth of the time limit, improved by
CP-SAT in what is left). Prints per instance the published objective,
(distance + total tardiness + largest tardiness) / 3, the best published value, the gap, seconds,
and the validator's verdict, each the median over --repeats runs (seeds --seed, --seed + 1, ...);
then the mean gap per set (A: 10 patients, proven optima; B: 25 patients, best found). With
--engine ortools (or hybrid), that engine alone has the whole time.

    .venv/bin/python benchmarks/homecare.py [--instances 'A*,B1'] [--time-limit 10] [--repeats 1]
                                            [--engine auto|cpsat|ortools|hybrid] [--seed 0]
"""

from __future__ import annotations

import argparse
import fnmatch
import re
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.rounds import route, validate  # noqa: E402
from solver.rounds.mankowska import instance_name, published_objective, read_mankowska  # noqa: E402

REFERENCE = ROOT.parent / "shared" / "reference" / "mankowska"


def best_published() -> dict[str, float]:
    """The README's table of best published values, by instance name (A1, ..., B10)."""
    return {name: float(value) for name, value in
            re.findall(r"\|\s*([AB]\d+)\s*\|\s*([\d.]+)", (REFERENCE / "README.md").read_text())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", default="*", help="comma-separated names or globs, e.g. 'A*,B1'")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per instance")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--engine", default="auto", choices=["auto", "cpsat", "ortools", "hybrid"])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    best = best_published()
    wanted = [w.strip().upper() for w in args.instances.split(",") if w.strip()]
    paths = sorted((p for p in REFERENCE.glob("InstanzCPLEX_HCSRP_*.txt")
                    if any(fnmatch.fnmatch(instance_name(p), w) for w in wanted)),
                   key=lambda p: (instance_name(p)[0], int(instance_name(p)[1:])))
    print(f"engine {args.engine}, {args.time_limit:g} s per instance, median of {args.repeats} from seed {args.seed}")
    print(f"{'instance':8} {'objective':>9} {'best':>8} {'gap':>7} {'seconds':>7} {'unserved':>8}  valid")
    gaps: dict[str, list[float]] = {}
    for path in paths:
        problem = read_mankowska(path)
        runs = [route(problem, args.time_limit, args.seed + r, args.engine) for r in range(args.repeats)]
        verdicts = [validate(problem, s) for s in runs]
        value = statistics.median(published_objective(problem, s) for s in runs)
        known = best[problem.name]
        gap = (value - known) / known
        if not any(verdicts):
            gaps.setdefault(problem.name[0], []).append(gap)
        unserved = statistics.median(len(s.unserved) for s in runs)
        bad = next((v for v in verdicts if v), [])
        verdict = "OK" if not bad else f"NO: {len(bad)} ({bad[0]})"
        seconds = statistics.median(s.runtime for s in runs)
        print(f"{problem.name:8} {value:9.2f} {known:8.2f} {gap:7.2%} {seconds:7.1f} {unserved:8g}  {verdict}",
              flush=True)
    for group, values in sorted(gaps.items()):
        print(f"set {group}: valid {len(values)}, mean gap {statistics.fmean(values):.2%}, worst {max(values):.2%}")


if __name__ == "__main__":
    main()
