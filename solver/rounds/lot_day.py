"""One day of a lot's visits and carers, from an instance's areas.

Each client lives at a random point within its area: a disc around the area's x_km/y_km whose size
is the area's (solver/travel.py). The day has visits_per_week / 7 visits; a client has at most one
visit in each of the four windows (synthetic.py's windows and shares), so an area whose visits
outnumber four per client gets extra clients: the instance's hours and visits, not its client
count, set the day's work. Durations follow the area's visit-length mix; a client needs two carers
at every visit with the area's double-handed share. Carers live in the lot's areas (weighted by
hours) and work split shifts sized from the busiest window, as in synthetic.py.
"""

from __future__ import annotations

import math

import numpy as np

from ..instance import Instance
from ..instance.schema import MIX_COLUMNS, VISIT_LENGTHS_MINUTES
from ..travel import DETOUR_FACTOR, SPEED_KMH, area_sizes_km2, travel_minutes_per_contact_hour
from .problem import Carer, Problem, Visit, travel_minutes
from .synthetic import PIECES, STAFFING_SLACK, TRAVEL_GUESS_MINUTES, WINDOW_SHARE, WINDOWS

MAX_VISITS_PER_CLIENT = len(WINDOWS)


def lot_speed_kmh(instance: Instance, areas: list[str]) -> float:
    """Average road speed, weighted by care hours, from the areas' rurality."""
    table = instance.areas.loc[areas]
    weights = table["care_hours_per_week"] / max(float(table["care_hours_per_week"].sum()), 1e-9)
    return float((weights * table["rurality"].map(SPEED_KMH)).sum())


def _in_disc(rng: np.random.Generator, centre: np.ndarray, radius: float, n: int) -> np.ndarray:
    r = radius * np.sqrt(rng.random(n))
    angle = rng.uniform(0, 2 * math.pi, n)
    return centre + np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def lot_day(instance: Instance, areas: list[str], seed: int = 0, day: int = 0, name: str = "") -> Problem:
    """A day of the areas' visits and enough carers for it. The same seed gives the same clients and
    carers' homes on every day; `day` varies which windows and durations the day's visits take."""
    places = np.random.default_rng(seed)
    pattern = np.random.default_rng([seed, day])
    radius = dict(zip(instance.area_ids, np.sqrt(area_sizes_km2(instance) / math.pi)))
    table = instance.areas.loc[areas]
    names = list(WINDOWS)
    visits: list[Visit] = []
    points: list[np.ndarray] = []
    for area, row in table.iterrows():
        n_visits = round(float(row["visits_per_week"]) / 7)
        if n_visits == 0:
            continue
        n_clients = max(int(row["clients"]), math.ceil(n_visits / MAX_VISITS_PER_CLIENT), 1)
        n_clients = min(n_clients, n_visits)
        counts = np.full(n_clients, n_visits // n_clients)
        counts[pattern.choice(n_clients, n_visits % n_clients, replace=False)] += 1
        centre = row[["x_km", "y_km"]].to_numpy(dtype=float)
        mix = row[list(MIX_COLUMNS)].to_numpy(dtype=float)
        for k, count in enumerate(counts):
            client, location = f"{area}-{k:03d}", len(points)
            points.append(_in_disc(places, centre, radius[area], 1)[0])
            needed = 2 if pattern.random() < row["double_handed_share"] else 1
            for w in sorted(pattern.choice(len(names), size=int(count), replace=False, p=WINDOW_SHARE)):
                start, end = WINDOWS[names[w]]
                service = float(pattern.choice(VISIT_LENGTHS_MINUTES, p=mix / mix.sum()))
                visits.append(Visit(f"{client}-{names[w]}", location, start, end - service, service, needed, client))

    mean_visit = float(np.mean([v.service for v in visits])) if visits else 0.0
    guess = max(TRAVEL_GUESS_MINUTES, travel_minutes_per_contact_hour(instance, areas) * mean_visit / 60)
    staff = {piece: max(math.ceil(STAFFING_SLACK * max(
        sum(v.carers_needed * (v.service + guess) for v in visits if v.id.endswith(w))
        / (WINDOWS[w][1] - WINDOWS[w][0]) for w in windows)), 2) for piece, (_, _, windows) in PIECES.items()}
    people = max(staff.values())
    hours = table["care_hours_per_week"].to_numpy(dtype=float)
    home_areas = places.choice(len(areas), size=people, p=hours / hours.sum() if hours.sum() > 0 else None)
    homes = [_in_disc(places, table[["x_km", "y_km"]].to_numpy(dtype=float)[a], radius[areas[a]], 1)[0]
             for a in home_areas]
    carers = [Carer(f"c{i:03d}-{piece}", len(points) + i, start, end)
              for i in range(people) for piece, (start, end, _) in PIECES.items() if i < staff[piece]]
    xy = np.array(points + homes, dtype=float).reshape(-1, 2)
    return Problem(visits, carers, travel_minutes(xy, DETOUR_FACTOR, lot_speed_kmh(instance, areas)),
                   coordinates=xy, name=name or f"{'+'.join(areas)} day {day + 1}")
