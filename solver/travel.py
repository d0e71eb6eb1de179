"""A fast estimate of carers' travel between visits, for any group of areas.

Continuous approximation (Beardwood-Halton-Hammersley): a round through N visits scattered over
A km² is about 0.7124·sqrt(N·A) km long, so a visit is about 0.7124·sqrt(A/N) km from the next.
Visits fall into four daily windows (morning, lunch, tea, bed), so N counts one window's visits.
Road distance is the straight line times a detour factor; speeds depend on rurality.

Two calibrations of that formula, which answer different questions:

- travel_minutes_per_contact_hour (the published-figure calibration, used by the design's cost
  term, evaluate.py and lot_day.py's staffing guess): real rounds lose more to time windows,
  continuity (the same few carers per client), short shifts and carers' own patterns than the
  formula sees, so ROUND_FACTOR scales it until a typical urban patch needs about 12 paid travel
  minutes per contact hour, the urban base case of ../shared/domain.md §3. This is what providers
  report paying for, and what the tender's cost should price.
- routed_travel_minutes_per_contact_hour (fitted on routing runs, solver/travel_fit.py, coefficients
  in solver/data/travel_fit.json): what an optimised round needs, as solver/rounds/ routes a lot's
  day with no continuity constraints and long split shifts. It is a lower bound on practical travel,
  far below the published figure (about a fifth of it; benchmarks/travel_estimator.py compares
  the two), and is for comparing lots' geography and checking the routing model, not for pricing.
  The model is exp(log_c + a·log(base_h) + b_rural·rural_share + b_n·log(N)) with base_h the
  formula's minutes per contact hour before ROUND_FACTOR, summed area by area (uneven density),
  rural_share the share of hours in rural areas and N one window's visits (solver/travel_fit.py).
"""

from __future__ import annotations

import math

import numpy as np

from .instance import Instance
from .instance.schema import MIX_COLUMNS, VISIT_LENGTHS_MINUTES

BHH_CONSTANT = 0.7124
DETOUR_FACTOR = 1.3
SPEED_KMH = {"urban": 18.0, "town": 25.0, "rural": 32.0}
WINDOWS_PER_DAY = 4
ROUND_FACTOR = 3.4
EMPLOYER_ON_COST = 1.25  # employer NI, pension and holiday on travel pay
KM_PER_MILE = 1.609344


def area_sizes_km2(instance: Instance) -> np.ndarray:
    """Each area's size from the spacing of its neighbours: a hexagonal cell of side spacing s has
    area (√3/2)·s²."""
    xy = instance.areas[["x_km", "y_km"]]
    spacing: dict[str, list[float]] = {a: [] for a in instance.area_ids}
    for a, b in instance.adjacency:
        d = math.dist(xy.loc[a], xy.loc[b])
        spacing[a].append(d)
        spacing[b].append(d)
    return np.array([(math.sqrt(3) / 2) * (np.median(spacing[a]) ** 2 if spacing[a] else 1.0)
                     for a in instance.area_ids])


def travel_minutes_per_contact_hour(instance: Instance, areas: list[str]) -> float:
    table = instance.areas.loc[areas]
    sizes = dict(zip(instance.area_ids, area_sizes_km2(instance)))
    hours = float(table["care_hours_per_week"].sum())
    visits_per_window = float(table["visits_per_week"].sum()) / 7 / WINDOWS_PER_DAY
    if hours <= 0 or visits_per_window <= 0:
        return 0.0
    area_km2 = sum(sizes[a] for a in areas)
    km_per_visit = ROUND_FACTOR * DETOUR_FACTOR * BHH_CONSTANT * math.sqrt(area_km2 / max(visits_per_window, 1.0))
    weights = table["care_hours_per_week"] / hours
    speed = float((weights * table["rurality"].map(SPEED_KMH)).sum())
    minutes_per_visit = km_per_visit / speed * 60
    mean_visit_minutes = float((table[list(MIX_COLUMNS)] * np.array(VISIT_LENGTHS_MINUTES)).sum(axis=1).mul(weights).sum())
    return minutes_per_visit * 60 / mean_visit_minutes


def lot_travel_cost_per_week(instance: Instance, areas: list[str]) -> float:
    """Carers' paid travel time (at the National Living Wage with on-costs) plus mileage, £/week."""
    hours = float(instance.areas.loc[areas, "care_hours_per_week"].sum())
    travel_hours = hours * travel_minutes_per_contact_hour(instance, areas) / 60
    table = instance.areas.loc[areas]
    speed = float((table["care_hours_per_week"] * table["rurality"].map(SPEED_KMH)).sum() / max(hours, 1e-9))
    miles = travel_hours * speed / KM_PER_MILE
    policy = instance.policy
    return (travel_hours * policy["national_living_wage_gbp_per_hour"] * EMPLOYER_ON_COST
            + miles * policy["mileage_rate_gbp_per_mile"])


def routed_travel_minutes_per_contact_hour(instance: Instance, areas: list[str]) -> float:
    """Paid travel minutes per contact hour an optimised round needs (no continuity constraints,
    long shifts), from the coefficients fitted on routing runs (solver/travel_fit.py). Not the
    published-figure calibration the cost uses: see the module docstring."""
    # imported here because travel_fit imports this module
    from .travel_fit import load_fit, lot_features, predict

    if float(instance.areas.loc[areas, "visits_per_week"].sum()) <= 0:
        return 0.0
    return predict(load_fit()["coefficients"], lot_features(instance, areas))
