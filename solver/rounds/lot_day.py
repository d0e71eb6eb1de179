"""Days of a lot's visits and carers, from an instance's areas, as providers run them.

Each client lives at a random point within its area: a disc around the area's x_km/y_km whose size
is the area's (solver/travel.py). A day has visits_per_week / 7 visits; a client has at most one
visit in each of the four windows (synthetic.py's windows and shares), so an area whose visits
outnumber four per client gets extra clients: the instance's hours and visits, not its client
count, set the day's work. Durations follow the area's visit-length mix; a client needs two carers
at every visit with the area's double-handed share, and a carer trained to give medication with
synthetic.py's MEDICATION_SHARE (TRAINED_SHARE of carers are; a double-handed visit needs one).

A client's care plan is a timetable: each visit has a planned start, drawn within its window,
and must start within VISIT_TOLERANCE_MINUTES of it (the usual contract tolerance; a routing engine
given the whole 2-3 hour window would cluster visits in a way no care plan allows), or within the
tighter tolerance of a time-critical visit (medication, say). The plans change over the week as a
caseload does (PlanChanges): clients go into hospital and their visits are cancelled for the stay,
packages start and end midweek. Week after week the same: day d has the plans of day d mod WEEK.
`share` keeps that share of the lot's clients, picked at random: one provider's clients when
several share the lot, which thins them out over the same ground.

Carers live in the lot's areas (weighted by hours) and work split shifts (synthetic.py's PIECES)
on DAYS_WORKED of the week's seven days, days off staggered, so the people on duty change from day
to day. The roster is sized to the work, as a provider short of staff sizes it (ROSTER_SLACK):
every day has just enough people on duty for the week's busiest window. A slack below 1 routes a
short-staffed week, and staffing.py says how many more carers each short day needs.

Placements and timetables come from the seed's generator, the week's changes from a second one
(seeded [seed, 1]) and skills from a third ([seed, 2]), so a lot has the same clients, places and
timetables whatever the changes and skills.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..instance import Instance
from ..instance.schema import MIX_COLUMNS, VISIT_LENGTHS_MINUTES
from ..roads import travel_minutes
from ..travel import area_sizes_km2, road_speed_kmh
from .problem import Carer, Problem, Visit
from .synthetic import (MEDICATION, MEDICATION_SHARE, PIECES, TRAINED_SHARE, TRAVEL_GUESS_MINUTES, WINDOW_SHARE,
                        WINDOWS, medication_fields, trained_carers)

MAX_VISITS_PER_CLIENT = len(WINDOWS)
VISIT_TOLERANCE_MINUTES = 30.0
WEEK = 7  # days in the rota's cycle and in the care plans' week
DAYS_WORKED = 5
# Carers on duty per carer the busiest window needs. Home care runs about 10% of its posts vacant
# (Skills for Care 2024-25, ../shared/domain.md §3): a provider is short of carers, so it rosters to
# the work with nothing spare, not 25% over it (synthetic.py's STAFFING_SLACK, kept by its benchmarks).
ROSTER_SLACK = 1.0


@dataclass(frozen=True)
class PlanChanges:
    """How a week's care plans depart from one fixed timetable. Each change is drawn per client (per
    visit for time-critical) from the lot's seed, so every day of the week agrees on it."""

    # 3.0 hospital admissions per 1,000 home-care days among older home-care clients (Smith et al.,
    # "Hospitalization and emergency department visits among seniors receiving homecare", BMC
    # Geriatrics 5:9, 2005); at a 9-day stay about 2.6% of clients are in hospital on any day.
    admissions_per_client_day: float = 0.003
    # Mean stay of an emergency admission, 9.1 days in 2022 (Health Foundation, "Longer hospital stays
    # and fewer admissions", 2023); the client's visits are cancelled for it.
    hospital_days: int = 9
    # Assumption (no published weekly figure found): a long-term package lasts about a year, so about
    # 1 in 50 clients' packages start in a given week and, the caseload steady, as many end.
    package_change_share: float = 0.02
    # Assumption (no published share found): medication support is in most packages, but a set time
    # matters for a minority of visits (insulin, Parkinson's drugs, anticoagulants, pain relief).
    time_critical_share: float = 0.2
    # Assumption: the tighter tolerance councils' specifications give a time-critical visit.
    time_critical_tolerance: float = 15.0

    def __post_init__(self) -> None:
        if not (0 <= self.admissions_per_client_day and self.hospital_days >= 1
                and 0 <= self.package_change_share <= 0.5 and 0 <= self.time_critical_share <= 1
                and self.time_critical_tolerance >= 0):
            raise ValueError(f"impossible plan changes: {self}")


PLAN_CHANGES = PlanChanges()
# The idealised week of earlier versions: one timetable every day, every visit at the usual tolerance.
FIXED_PLANS = PlanChanges(admissions_per_client_day=0.0, package_change_share=0.0, time_critical_share=0.0)
DRAWS_PER_CLIENT = 4 + MAX_VISITS_PER_CLIENT  # _days_away's four, then one per window for time-critical


def _in_disc(rng: np.random.Generator, centre: np.ndarray, radius: float, n: int) -> np.ndarray:
    r = radius * np.sqrt(rng.random(n))
    angle = rng.uniform(0, 2 * math.pi, n)
    return centre + np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def on_duty(person: int, day: int) -> bool:
    """Whether a person of the roster works on a day: DAYS_WORKED days in WEEK, days off staggered."""
    return (person + day) % WEEK < DAYS_WORKED


def roster_size(needed: int) -> int:
    """The fewest people such that every day of the week has `needed` of them on duty."""
    people = needed
    while min(sum(on_duty(p, d) for p in range(people)) for d in range(WEEK)) < needed:
        people += 1
    return people


def carers_needed(days: list[list[Visit]], slack: float = ROSTER_SLACK) -> dict[str, int]:
    """Carers each piece of the split shift needs on duty: slack times the care and a guessed journey
    of its busiest window over the days, per minute of that window; at least 2, for double-handed
    visits."""
    return {piece: max(math.ceil(slack * max(
        sum(v.carers_needed * (v.service + TRAVEL_GUESS_MINUTES) for v in visits if v.id.endswith(w))
        / (WINDOWS[w][1] - WINDOWS[w][0]) for visits in days for w in windows)), 2)
        for piece, (_, _, windows) in PIECES.items()}


def _days_away(draws: np.ndarray, changes: PlanChanges) -> frozenset[int]:
    """Days of the week (0..WEEK-1) a client has no visits, from four uniform draws: a hospital stay,
    its first day uniform over the stays that overlap the week and its chance such that the share in
    hospital is the same every day; and a package that starts on a later day, or one that ends."""
    rate, stay = changes.admissions_per_client_day, changes.hospital_days
    firsts = WEEK + stay - 1  # stays overlapping the week begin on day -(stay - 1) .. WEEK - 1
    away: set[int] = set()
    if draws[0] < rate * firsts / (1 + rate * stay):
        first = int(draws[1] * firsts) - (stay - 1)
        away.update(range(max(first, 0), min(first + stay, WEEK)))
    change = 1 + int(draws[3] * (WEEK - 1))  # day 1 .. WEEK - 1
    if draws[2] < changes.package_change_share:
        away.update(range(change))  # a new package, starting on that day
    elif draws[2] < 2 * changes.package_change_share:
        away.update(range(change, WEEK))  # a package ended the day before
    return frozenset(away)


def _care_plans(instance: Instance, areas: list[str], rng: np.random.Generator, events: np.random.Generator,
                skills: np.random.Generator, share: float, tolerance: float, radius: dict[str, float],
                changes: PlanChanges,
                medication_share: float) -> tuple[list[Visit], list[np.ndarray], dict[str, frozenset[int]]]:
    """Every kept client's visits, the clients' places and the days each client has no visits.
    `events` draws every client's changes and `skills` its medication need, kept or not, so that
    `share` thins the same week."""
    names = list(WINDOWS)
    visits: list[Visit] = []
    points: list[np.ndarray] = []
    away: dict[str, frozenset[int]] = {}
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
            draws = events.random(DRAWS_PER_CLIENT)
            medication = skills.random() < medication_share
            if rng.random() >= share:
                continue
            client, location = f"{area}-{k:03d}", len(points)
            points.append(place)
            away[client] = _days_away(draws, changes)
            for w, service, at in zip(windows, services, planned):
                start, end = WINDOWS[names[w]]
                critical = draws[4 + w] < changes.time_critical_share
                within = min(tolerance, changes.time_critical_tolerance) if critical else tolerance
                visits.append(Visit(f"{client}-{names[w]}", location, max(start, at - within),
                                    min(end - service, at + within), float(service), needed, client,
                                    **medication_fields(medication, needed)))
    return visits, points, away


def lot_day(instance: Instance, areas: list[str], seed: int = 0, day: int = 0, name: str = "",
            share: float = 1.0, tolerance: float = VISIT_TOLERANCE_MINUTES, slack: float = ROSTER_SLACK,
            changes: PlanChanges = PLAN_CHANGES, medication_share: float = MEDICATION_SHARE) -> Problem:
    """Day `day` (0 = the first of the week) of the areas' visits and the carers on duty, medication_share
    of clients needing a medication-trained carer. The same seed gives the same clients, care plans
    and roster on every day; the day decides which clients are at home and who is on."""
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    if not slack > 0:
        raise ValueError("slack must be above 0")
    rng, events, skills = (np.random.default_rng(s) for s in (seed, [seed, 1], [seed, 2]))
    radius = {a: math.sqrt(km2 / math.pi) for a, km2 in area_sizes_km2(instance).items()}
    plans, points, away = _care_plans(instance, areas, rng, events, skills, share, tolerance, radius, changes,
                                      medication_share)
    week = [[v for v in plans if d not in away[v.client]] for d in range(WEEK)]
    visits = week[day % WEEK]
    roster = {piece: roster_size(n) for piece, n in carers_needed(week, slack).items()}
    people = max(roster.values())
    table = instance.areas.loc[areas]
    hours = table["care_hours_per_week"].to_numpy(dtype=float)
    home_areas = rng.choice(len(areas), size=people, p=hours / hours.sum() if hours.sum() > 0 else None)
    homes = [_in_disc(rng, table[["x_km", "y_km"]].to_numpy(dtype=float)[a], radius[areas[a]], 1)[0]
             for a in home_areas]
    trained = trained_carers(skills, people, TRAINED_SHARE if medication_share else 0.0)
    carers = [Carer(f"c{i:03d}-{piece}", len(points) + i, start, end, person=f"c{i:03d}",
                    skills=MEDICATION if trained[i] else frozenset())
              for i in range(people) for piece, (start, end, _) in PIECES.items()
              if i < roster[piece] and on_duty(i, day)]
    xy = np.array(points + homes, dtype=float).reshape(-1, 2)
    return Problem(visits, carers, travel_minutes(xy, road_speed_kmh(instance, areas)),
                   coordinates=xy, name=name or f"{'+'.join(areas)} day {day + 1}")
