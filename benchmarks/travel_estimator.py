"""How well the travel estimator fitted on routing runs (solver/travel_fit.py) predicts routed travel
on held-out lots, and how the published-figure calibration the cost uses (solver/travel.py's
ROUND_FACTOR, ~12 min per contact hour on an urban patch) compares with routed travel.

By default it reads the per-lot routing results saved with the fit (solver/data/travel_fit.json);
--lots N routes N fresh lots (2-5 s each) and fits again, without overwriting the saved file.

    .venv/bin/python benchmarks/travel_estimator.py [--lots N] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np
import pandas as pd

from solver.travel_fit import FIT_PATH, ape, predict, run


def tables(record: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    lots = pd.DataFrame([r for r in record["lots"] if r["held_out"] is not None])
    lots["fitted"] = [predict(record["coefficients"], r["features"]) for r in lots.to_dict("records")]
    lots["ape"] = [ape(f, r) for f, r in zip(lots["fitted"], lots["routed"])]
    lots["rurality"] = pd.cut(lots["features"].map(lambda f: f["rural_share"]), [-0.01, 0.2, 0.6, 1.0],
                              labels=["mostly urban/town", "mixed", "mostly rural"])
    rows = []
    for (name, group), frame in lots.groupby(["instance", "rurality"], observed=True):
        rows.append({"instance": name, "rurality": group, "lots": len(frame),
                     "routed min/h": frame["routed"].median(), "fitted min/h": frame["fitted"].median(),
                     "calibrated min/h": frame["calibrated"].median(),
                     "calibrated / routed": (frame["calibrated"] / frame["routed"]).median(),
                     "held-out lots": int(frame["held_out"].sum())})
    held = lots[lots["held_out"]]
    errors = pd.DataFrame([{"set": s, "lots": len(f), "median APE %": f["ape"].median(),
                            "p90 APE %": np.percentile(f["ape"], 90)}
                           for s, f in [("train", lots[~lots["held_out"]]), ("held out", held)]])
    return pd.DataFrame(rows), errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lots", type=int, default=0, help="route this many fresh lots (default: saved runs)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    record = run(args.lots, args.seed) if args.lots else json.loads(FIT_PATH.read_text())
    by_group, errors = tables(record)
    c, p = record["coefficients"], record["provenance"]
    print(f"fit of {p['date']} on {', '.join(p['instances'])}: {p['lots']} lots routed, {p['lots_used']} used "
          f"({p['train_lots']} train, {p['test_lots']} held out), {p['seconds']:.0f} s")
    print(f"routed min per contact hour = exp({c['log_c']:.3f} + {c['a']:.3f}·log(base_h) "
          f"{c['b_rural']:+.3f}·rural_share {c['b_n']:+.3f}·log(N))")
    if "cv5_median_ape_pct" in p:
        print(f"5-fold cross-validation over all lots: median APE {p['cv5_median_ape_pct']:.1f}%, "
              f"90th percentile {p['cv5_p90_ape_pct']:.1f}%")
    print()
    print(errors.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    print()
    print(by_group.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    lots = pd.DataFrame(record["lots"])
    lots = lots[lots["held_out"].notna()]
    print(f"\nall lots: published-figure calibration (cost term) {lots['calibrated'].median():.1f} min/h median, "
          f"routed {lots['routed'].median():.2f} min/h median, ratio {(lots['calibrated'] / lots['routed']).median():.1f}")


if __name__ == "__main__":
    main()
