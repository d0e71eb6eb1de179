"""Days of a lot's visits and carers, from an instance's areas.

Each client lives at a random point within its area: a disc around the area's x_km/y_km whose size
is the area's (solver/travel.py). A day has visits_per_week / 7 visits; a client has at most one
visit in each of the four windows (synthetic.py's windows and shares), so an area whose visits
outnumber four per client gets extra clients: the instance's hours and visits, not its client
count, set the day's work. Durations follow the area's visit-length mix; a client needs two carers
at every visit with the area's double-handed share.

A client's care plan is the same every day: each visit has a planned start, drawn within its
window, and must start within VISIT_TOLERANCE_MINUTES of it (the usual contract tolerance; a
routing engine given the whole 2-3 hour window would cluster visits in a way no care plan allows).
`share` keeps that share of the lot's clients, picked at random: one provider's clients when
several share the lot, which thins them out over the same ground.

Carers live in the lot's areas (weighted by hours) and work split shifts (synthetic.py's PIECES)
on DAYS_WORKED of the week's seven days, days off staggered, so the people on duty change from day
to day; the roster is sized so that every day has enough of them for its busiest window.
"""

from __future__ import annotations

import math

import numpy as np

from ..instance import Instance
from ..instance.schema import MIX_COLUMNS, VISIT_LENGTHS_MINUTES
from ..travel import DETOUR_FACTOR, SPEED_KMH, area_sizes_km2
from .problem import Carer, Problem, Visit, travel_minutes
from .synthetic import PIECES, STAFFING_SLACK, TRAVEL_GUESS_MINUTES, WINDOW_SHARE, WINDOWS

MAX_VISITS_PER_CLIENT = len(WINDOWS)
VISIT_TOLERANCE_MINUTES = 30.0
DAYS_WORKED = 5


def lot_speed_kmh(instance: Instance, areas: list[str]) -> float:
    """Average road speed, weighted by care hours, from the areas' rurality."""
    table = instance.areas.loc[areas]
    weights = table["care_hours_per_week"] / max(float(table["care_hours_per_week"].sum()), 1e-9)
    return float((weights * table["rurality"].map(SPEED_KMH)).sum())


def _in_disc(rng: np.random.Generator, centre: np.ndarray, radius: float, n: int) -> np.ndarray:
    r = radius * np.sqrt(rng.random(n))
    angle = rng.uniform(0, 2 * math.pi, n)
    return centre + np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def on_duty(person: int, day: int) -> bool:
    """Whether a person of the roster works on a day: DAYS_WORKED days in seven, days off staggered."""
    return (person + day) % 7 < DAYS_WORKED


def roster_size(needed: int) -> int:
    """The fewest people such that every day of the week has `needed` of them on duty."""
    people = needed
    while min(sum(on_duty(p, d) for p in range(people)) for d in range(7)) < needed:
        people += 1
    return people


def _care_plans(instance: Instance, areas: list[str], rng: np.random.Generator, share: float, tolerance: float,
                radius: dict[str, float]) -> tuple[list[Visit], list[np.ndarray]]:
    """Every kept client's visits (the same each day) and the clients' places."""
    names = list(WINDOWS)
    visits: list[Visit] = []
    points: list[np.ndarray] = []
    for area, row in instance.areas.loc[areas].iterrows():
        n_visits = round(float(row["visits_per_week"]) / 7)
        if n_visits == 0:
            continue
        n_clients = min(max(int(row["clients"]), math.ceil(n_visits / MAX_VISITS_PER_CLIENT), 1), n_visits)
        counts = np.full(n_clients, n_visits // n_clients)
        counts[rng.choice(n_clients, n_visits % n_clients, replace=False)] += 1
        centre = row[["x_km", "y_km"]].to_numpy(dtype=float)
        mix = row[list(MIX_COLUMNS)].to_numpy(dtype=float)
        for k, count in enumerate(counts):
            place = _in_disc(rng, centre, radius[area], 1)[0]
            needed = 2 if rng.random() < row["double_handed_share"] else 1
            windows = sorted(rng.choice(len(names), size=int(count), replace=False, p=WINDOW_SHARE))
            services = rng.choice(VISIT_LENGTHS_MINUTES, size=len(windows), p=mix / mix.sum())
            planned = [rng.uniform(WINDOWS[names[w]][0], WINDOWS[names[w]][1] - s) for w, s in zip(windows, services)]
            if rng.random() >= share:
                continue
            client, location = f"{area}-{k:03d}", len(points)
            points.append(place)
            for w, service, at in zip(windows, services, planned):
                start, end = WINDOWS[names[w]]
                visits.append(Visit(f"{client}-{names[w]}", location, max(start, at - tolerance),
                                    min(end - service, at + tolerance), float(service), needed, client))
    return visits, points


def lot_day(instance: Instance, areas: list[str], seed: int = 0, day: int = 0, name: str = "",
            share: float = 1.0, tolerance: float = VISIT_TOLERANCE_MINUTES) -> Problem:
    """Day `day` (0 = the first of the week) of the areas' visits and the carers on duty. The same
    seed gives the same clients, care plans and roster on every day; the day decides who is on."""
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    rng = np.random.default_rng(seed)
    radius = {a: math.sqrt(km2 / math.pi) for a, km2 in area_sizes_km2(instance).items()}
    visits, points = _care_plans(instance, areas, rng, share, tolerance, radius)
    staff = {piece: max(math.ceil(STAFFING_SLACK * max(
        sum(v.carers_needed * (v.service + TRAVEL_GUESS_MINUTES) for v in visits if v.id.endswith(w))
        / (WINDOWS[w][1] - WINDOWS[w][0]) for w in windows)), 2) for piece, (_, _, windows) in PIECES.items()}
    roster = {piece: roster_size(n) for piece, n in staff.items()}
    people = max(roster.values())
    table = instance.areas.loc[areas]
    hours = table["care_hours_per_week"].to_numpy(dtype=float)
    home_areas = rng.choice(len(areas), size=people, p=hours / hours.sum() if hours.sum() > 0 else None)
    homes = [_in_disc(rng, table[["x_km", "y_km"]].to_numpy(dtype=float)[a], radius[areas[a]], 1)[0]
             for a in home_areas]
    carers = [Carer(f"c{i:03d}-{piece}", len(points) + i, start, end, person=f"c{i:03d}")
              for i in range(people) for piece, (start, end, _) in PIECES.items()
              if i < roster[piece] and on_duty(i, day)]
    xy = np.array(points + homes, dtype=float).reshape(-1, 2)
    return Problem(visits, carers, travel_minutes(xy, DETOUR_FACTOR, lot_speed_kmh(instance, areas)),
                   coordinates=xy, name=name or f"{'+'.join(areas)} day {day + 1}")
