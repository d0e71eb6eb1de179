"""Carers' paid travel between visits, estimated for any group of areas and any provider's share
of its clients, and what it costs.

The estimate is the continuous approximation (Beardwood-Halton-Hammersley) fitted on routing runs:
a round through N visits scattered over A km² is about 0.7124·sqrt(N·A) km long; summed area by
area (density is uneven), at the road model's detour factor and speeds by rurality
(solver/roads.py), and divided by a window's visits, that is the round's driving; each visit adds
the road model's fixed minutes of a trip and the access time (parking, the walk to the door), on
the trips between visits routed rounds make per visit. Per contact hour: driving_h and stops_h.
Routed lot-days (solver/rounds, on the same road model, as providers run them) then fit

    routed = trips_per_visit·stops_per_visit_h + exp(log_c + a·log(driving_h) + b_n·log(N))

the stops known exactly per trip, the driving fitted (solver/travel_fit.py; coefficients and
held-out error in solver/data/travel_fit.json).

A provider with share s of a lot's clients serves s·N visits over the same ground, so its driving
per contact hour grows as it thins out: that is how the number of providers sharing a lot, and a
fragmented market, show in travel; each visit's stop costs the same however the lot is shared.

Against the published 8-20 paid travel minutes per contact hour, 12 an urban base case, and about
3 miles per visit (../shared/domain.md §3), the shipped instances' current markets estimate 9.7
(Wiltshire), 8.6 (Kent), 10.1 (shire), 11.9 (county) and 7.2-7.3 on the dense urban ones
(Birmingham, city), at 0.3-1.9 miles per visit (benchmarks/travel_estimator.py). The minutes are mostly each
trip's fixed part and access time (about six sevenths of routed travel), so they sit in the
published range but move little with a provider's share; the miles stay below the published figure
because routed rounds (planned afresh every day by a solver, clients in compact patches, a
provider's clients near its office) keep each trip short, where real rotas carry history. The design's `cost.travel_cost_weight` scales the travel cost for sensitivity runs.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from .instance import Instance
from .instance.schema import MIX_COLUMNS, VISIT_LENGTHS_MINUTES
from .roads import ACCESS_MINUTES, DETOUR_FACTOR, SPEED_KMH, fixed_minutes_per_trip

PUBLISHED_MINUTES_PER_CONTACT_HOUR = (8.0, 20.0)  # paid travel, test range; 12 urban base case (domain.md §3)
BHH_CONSTANT = 0.7124
WINDOWS_PER_DAY = 4
KM_PER_MILE = 1.609344
FIT_PATH = Path(__file__).resolve().parent / "data" / "travel_fit.json"
FEATURES = ("log_driving_h", "log_n")  # with an intercept, log_c
REGRESSION = ("log_c", "a", "b_n")
COEFFICIENTS = (*REGRESSION, "trips_per_visit")


@functools.cache
def load_fit(path: Path = FIT_PATH) -> dict:
    """The fitted coefficients and their provenance (without the per-lot results)."""
    record = json.loads(Path(path).read_text())
    return {"model": record["model"], "coefficients": record["coefficients"], "provenance": record["provenance"]}


def area_sizes_km2(instance: Instance) -> dict[str, float]:
    """Each area's km² from the spacing of its neighbours: a hexagonal cell of side spacing s has
    area (√3/2)·s²."""
    xy = instance.areas[["x_km", "y_km"]]
    spacing: dict[str, list[float]] = {a: [] for a in instance.area_ids}
    for a, b in instance.adjacency:
        d = math.dist(xy.loc[a], xy.loc[b])
        spacing[a].append(d)
        spacing[b].append(d)
    return {a: (math.sqrt(3) / 2) * float(np.median(spacing[a]) ** 2 if spacing[a] else 1.0)
            for a in instance.area_ids}


def lot_features(instance: Instance, areas: list[str], share: float | np.ndarray = 1.0,
                 sizes: dict[str, float] | None = None) -> dict[str, float]:
    """What the estimator sees of one provider with `share` of the areas' clients (one share, or
    one per area): km², one window's visits, hours-weighted speed, mean visit minutes, rural share
    of hours, the round's driving and each visit's stop. `sizes` (area km², from area_sizes_km2) saves recomputing them for many
    lots."""
    if sizes is None:
        sizes = area_sizes_km2(instance)
    table = instance.areas.loc[areas]
    share = np.broadcast_to(np.asarray(share, dtype=float), (len(areas),))
    own_hours = share * table["care_hours_per_week"].to_numpy(dtype=float)
    weights = own_hours / max(float(own_hours.sum()), 1e-9)
    per_window = share * table["visits_per_week"].to_numpy(dtype=float) / 7 / WINDOWS_PER_DAY
    n = max(float(per_window.sum()), 1.0)
    minutes = (table[list(MIX_COLUMNS)] * np.array(VISIT_LENGTHS_MINUTES)).sum(axis=1).to_numpy()
    mean_visit = float(weights @ minutes)
    speeds = table["rurality"].map(SPEED_KMH).to_numpy(dtype=float)
    own = np.array([sizes[a] for a in areas]) * per_window
    driving = float(DETOUR_FACTOR * BHH_CONSTANT * np.sum(np.sqrt(own) / speeds) / n * 60 * 60 / mean_visit)
    stops = visit_stop_minutes_per_contact_hour(instance, areas, share)
    return {"areas": len(areas), "share": float(weights @ share), "area_km2": float(sum(sizes[a] for a in areas)),
            "visits_per_window": n, "speed_kmh": float(weights @ speeds), "mean_visit_minutes": mean_visit,
            "rural_share": float(weights[(table["rurality"] == "rural").to_numpy()].sum()),
            "driving_h": driving, "log_driving_h": _log(driving), "stops_per_visit_h": stops, "log_n": _log(n)}


def _log(x: float) -> float:
    return math.log(x) if x > 0 else float("-inf")


def predict(coefficients: dict[str, float], features: dict[str, float]) -> float:
    """Travel minutes per contact hour from fitted coefficients: the stops, and the fitted driving."""
    x = [1.0] + [features[f] for f in FEATURES]
    driving = math.exp(sum(coefficients[c] * v for c, v in zip(REGRESSION, x))) if all(map(math.isfinite, x)) else 0.0
    return coefficients["trips_per_visit"] * features["stops_per_visit_h"] + driving


def travel_minutes_per_contact_hour(instance: Instance, areas: list[str], share: float | np.ndarray = 1.0,
                                    sizes: dict[str, float] | None = None) -> float:
    """Paid travel minutes per contact hour of a provider serving `share` of the areas' clients
    (one share, or one per area)."""
    visits = share * instance.areas.loc[areas, "visits_per_week"].to_numpy(dtype=float)
    if float(np.sum(visits)) <= 0:
        return 0.0
    return predict(load_fit()["coefficients"], lot_features(instance, areas, share, sizes))


def market_travel_minutes_per_contact_hour(instance: Instance, areas: list[str], hours: Iterable[float],
                                           sizes: dict[str, float] | None = None) -> float:
    """The areas' travel per contact hour when providers deliver these hours each: every provider
    travels at its own share, and the shares weight the result."""
    hours = [h for h in hours if h > 0]
    total = math.fsum(hours)
    return math.fsum(h / total * travel_minutes_per_contact_hour(instance, areas, h / total, sizes)
                     for h in hours) if total > 0 else 0.0


def incumbent_travel(instance: Instance) -> pd.DataFrame:
    """The current market's travel: each incumbent over the areas it serves, at its share of each
    area's hours; columns provider_id, hours_per_week, travel_minutes_per_contact_hour."""
    sizes = area_sizes_km2(instance)
    area_hours = instance.areas["care_hours_per_week"]
    rows = []
    for provider, held in instance.incumbency.groupby("provider_id"):
        held = held[held["hours_per_week"] > 0]
        if held.empty:
            continue
        areas = list(held["area_id"])
        share = np.minimum(1.0, held["hours_per_week"].to_numpy(dtype=float) / area_hours.loc[areas].to_numpy())
        rows.append({"provider_id": provider, "hours_per_week": float(held["hours_per_week"].sum()),
                     "travel_minutes_per_contact_hour": travel_minutes_per_contact_hour(instance, areas, share, sizes)})
    return pd.DataFrame(rows, columns=["provider_id", "hours_per_week", "travel_minutes_per_contact_hour"])


def road_speed_kmh(instance: Instance, areas: list[str]) -> float:
    """The areas' road speed beyond each trip's fixed part (solver/roads.py), from their rurality:
    the speed of their minutes per km weighted by care hours (a harmonic mean)."""
    table = instance.areas.loc[areas]
    hours = table["care_hours_per_week"].to_numpy(dtype=float)
    weights = hours / hours.sum() if hours.sum() > 0 else np.full(len(hours), 1 / max(len(hours), 1))
    return 1 / float(weights @ (1 / table["rurality"].map(SPEED_KMH).to_numpy(dtype=float)))


def visit_stop_minutes_per_contact_hour(instance: Instance, areas: list[str],
                                        share: float | np.ndarray = 1.0) -> float:
    """Each visit's fixed part of a trip and access time (solver/roads.py), weighted by the
    provider's care hours (its share of each area's), over the visits of a contact hour."""
    table = instance.areas.loc[areas]
    hours = np.broadcast_to(np.asarray(share, dtype=float), (len(areas),)) * table["care_hours_per_week"].to_numpy(
        dtype=float)
    weights = hours / hours.sum() if hours.sum() > 0 else np.full(len(hours), 1 / max(len(hours), 1))
    per_stop = table["rurality"].map(fixed_minutes_per_trip).to_numpy(dtype=float) + ACCESS_MINUTES
    minutes = (table[list(MIX_COLUMNS)] * np.array(VISIT_LENGTHS_MINUTES)).sum(axis=1).to_numpy()
    return float(weights @ per_stop) * 60 / float(weights @ minutes)


def stop_minutes_per_contact_hour(instance: Instance, areas: list[str], share: float | np.ndarray = 1.0) -> float:
    """Travel minutes per contact hour that are not driving: the stops of the trips between visits
    routed rounds make per visit (the rest start a shift from home)."""
    return load_fit()["coefficients"]["trips_per_visit"] * visit_stop_minutes_per_contact_hour(instance, areas, share)


def lot_travel_minutes(instance: Instance, areas: list[str], providers: int,
                       sizes: dict[str, float] | None = None) -> float:
    """A lot's travel per contact hour when `providers` share it evenly (0 with none)."""
    return travel_minutes_per_contact_hour(instance, areas, 1 / providers, sizes) if providers > 0 else 0.0
