"""How well the travel estimator (solver/travel.py, fitted by solver/travel_fit.py) predicts routed
travel on lots it was not fitted on, and what it says of each shipped instance's current market
beside the published 8-20 paid travel minutes per contact hour (../shared/domain.md §3).

By default it reads the per-lot routing results saved with the fit (solver/data/travel_fit.json);
--lots N routes N fresh lots and fits again, without overwriting the saved file.

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

from solver.care_cost import lot_assumptions
from solver.instance import load_instance
from solver.instance.geometry import GRID_CRS
from solver.instance.schema import MIX_COLUMNS, VISIT_LENGTHS_MINUTES
from solver.travel import (
    FIT_PATH,
    PUBLISHED_MINUTES_PER_CONTACT_HOUR,
    area_sizes_km2,
    incumbent_travel,
    predict,
    travel_minutes_per_contact_hour,
)
from solver.travel_fit import ape, run

INSTANCES = ("tiny", "shire", "city", "county", "wiltshire", "birmingham", "kent")


def error_tables(record: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    lots = pd.DataFrame([r for r in record["lots"] if r["held_out"] is not None])
    lots["fitted"] = [predict(record["coefficients"], r["features"]) for r in lots.to_dict("records")]
    lots["ape"] = [ape(f, r) for f, r in zip(lots["fitted"], lots["routed"])]
    lots["rurality"] = pd.cut(lots["features"].map(lambda f: f["rural_share"]), [-0.01, 0.2, 0.6, 1.0],
                              labels=["mostly urban/town", "mixed", "mostly rural"])
    lots["provider share"] = pd.cut(lots["share"], [0, 0.25, 0.6, 1.0], labels=["< 25%", "25-60%", "> 60%"])
    held = lots[lots["held_out"]]
    errors = pd.DataFrame([{"set": s, "lots": len(f), "median APE %": f["ape"].median(),
                            "p90 APE %": np.percentile(f["ape"], 90)}
                           for s, f in [("train", lots[~lots["held_out"]]), ("held out", held)]])
    groups = []
    for column in ("instance", "rurality", "provider share"):
        for value, frame in lots.groupby(column, observed=True):
            groups.append({"group": f"{column}: {value}", "lots": len(frame),
                           "routed min/h": frame["routed"].median(), "fitted min/h": frame["fitted"].median(),
                           "median APE % (all)": frame["ape"].median(),
                           "carers per client": frame["carers_per_client"].median()})
    return errors, pd.DataFrame(groups)


def market_table() -> pd.DataFrame:
    """Each shipped instance's current market: every incumbent over the areas it serves, at its share
    of each, its travel per contact hour and the miles per visit that travel drives (the road
    model's speeds, less each visit's fixed part and access time), hours-weighted."""
    low, high = PUBLISHED_MINUTES_PER_CONTACT_HOUR
    rows = []
    for name in INSTANCES:
        instance = load_instance(ROOT / "instances" / name)
        sizes = area_sizes_km2(instance)
        travel = incumbent_travel(instance).set_index("provider_id")
        held = instance.incumbency[instance.incumbency["hours_per_week"] > 0].groupby("provider_id")["area_id"]
        miles = [lot_assumptions(instance, list(held.get_group(p)), t).miles
                 * mean_visit_minutes(instance, list(held.get_group(p))) / 60
                 for p, t in travel["travel_minutes_per_contact_hour"].items()]
        minutes = np.average(travel["travel_minutes_per_contact_hour"], weights=travel["hours_per_week"])
        rows.append({"instance": name, "kind": "real" if instance.crs == GRID_CRS else "synthetic",
                     "incumbents": len(travel), "travel min/h": minutes,
                     "miles/visit": np.average(miles, weights=travel["hours_per_week"]),
                     "in 8-20": low <= minutes <= high,
                     "one provider per area min/h": np.average(
                         [travel_minutes_per_contact_hour(instance, [a], 1.0, sizes) for a in instance.area_ids],
                         weights=instance.areas["care_hours_per_week"])})
    return pd.DataFrame(rows)


def mean_visit_minutes(instance, areas: list[str]) -> float:
    table = instance.areas.loc[areas]
    minutes = (table[list(MIX_COLUMNS)] * np.array(VISIT_LENGTHS_MINUTES)).sum(axis=1)
    return float(np.average(minutes, weights=table["care_hours_per_week"].clip(lower=1e-9)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lots", type=int, default=0, help="route this many fresh lots (default: saved runs)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    record = run(args.lots, args.seed) if args.lots else json.loads(FIT_PATH.read_text())
    errors, groups = error_tables(record)
    c, p = record["coefficients"], record["provenance"]
    print(f"fit of {p['date']} on {', '.join(p['instances'])}: {p['lots']} lots routed, {p['lots_used']} used "
          f"({p['train_lots']} train, {p['test_lots']} held out), {p['seconds']:.0f} s of routing")
    print(f"routed min per contact hour = {c['trips_per_visit']:.3f}·stops_per_visit_h + exp({c['log_c']:.3f} + "
          f"{c['a']:.3f}·log(driving_h) {c['b_n']:+.3f}·log(N))")
    print(f"5-fold cross-validation over all lots: median APE {p['cv5_median_ape_pct']:.1f}%, "
          f"90th percentile {p['cv5_p90_ape_pct']:.1f}%\n")
    print(errors.to_string(index=False, float_format=lambda x: f"{x:.1f}"))
    print()
    print(groups.to_string(index=False, float_format=lambda x: f"{x:.2f}"))
    print("\nCurrent market of each shipped instance (each incumbent over the areas it serves, at its share of "
          "each), beside one provider serving each area alone; published: 8-20 paid minutes per contact hour, 12 "
          "an urban base case, about 3 miles per visit (../shared/domain.md §3)")
    print(market_table().to_string(index=False, float_format=lambda x: f"{x:.1f}"))


if __name__ == "__main__":
    main()
