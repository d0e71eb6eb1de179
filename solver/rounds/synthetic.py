"""Synthetic lot-days for tests and speed benchmarks, calibrated to ../shared/domain.md §3.

Clients cluster in a town with the rest scattered over the lot; each has one to four visits a day
in the four usual windows; visits last 15, 30, 45 or 60 minutes (mostly 30); a share of clients
needs two carers at every visit, and a share (when asked for) a carer trained to give medication.
Carers work split shifts (a morning piece for breakfast and lunch,
an evening piece for tea and bed, each a Carer of its own from the same home) and are sized from
the busiest window with some slack.
"""

from __future__ import annotations

import math

import numpy as np

from ..roads import travel_minutes
from .problem import BreakWindow, Carer, Problem, Visit

WINDOWS = {"morning": (420, 600), "lunch": (720, 840), "tea": (960, 1080), "bed": (1140, 1320)}
WINDOW_SHARE = (0.35, 0.25, 0.20, 0.20)
DURATIONS = (15, 30, 45, 60)
DURATION_SHARE = (0.10, 0.65, 0.15, 0.10)
VISITS_PER_CLIENT = (1, 2, 3, 4)
VISITS_PER_CLIENT_SHARE = (0.15, 0.25, 0.25, 0.35)
PIECES = {"am": (390, 870, ("morning", "lunch")), "pm": (930, 1350, ("tea", "bed"))}  # 06:30-14:30, 15:30-22:30
RURALITY = "town"  # the road model's class (solver/roads.py)
# Spread of a 300-visit day; a day of n visits covers n/300 times the area, so that every size has
# the same density. Optimised rounds then need about 15-16 paid travel minutes per contact hour
# (100 and 300 visits, 5 s each, with the road model's fixed part and access time), within domain.md's 8-20.
TOWN_SHARE, TOWN_SD_KM, LOT_RADIUS_KM, VISITS_AT_THAT_SPREAD = 0.7, 4.5, 20.0, 300
TRAVEL_GUESS_MINUTES = 10.0  # per visit, for sizing the workforce only
STAFFING_SLACK = 1.25
MORNING_BREAK = BreakWindow(earliest=600, latest=690, duration=20)  # 10:00-11:30
# Assumptions (no published share was found): clients needing medication support at every visit,
# and carers trained to give it; a double-handed visit needs the skill of one of its two carers.
MEDICATION_SHARE, TRAINED_SHARE = 0.3, 0.6
MEDICATION = frozenset({"medication"})


def _places(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    in_town = rng.random(n) < TOWN_SHARE
    radius = LOT_RADIUS_KM * scale * np.sqrt(rng.random(n))
    angle = rng.uniform(0, 2 * math.pi, n)
    scattered = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return np.where(in_town[:, None], rng.normal(0, TOWN_SD_KM * scale, (n, 2)), scattered)


def lot_day(n_visits: int, seed: int = 0, double_handed_share: float = 0.1, breaks: bool = False,
            medication_share: float = 0.0) -> Problem:
    """A day of n_visits visits; `breaks` gives every morning piece a 20-minute break 10:00-11:30;
    `medication_share` of clients need a medication-trained carer (TRAINED_SHARE of carers are)."""
    rng = np.random.default_rng(seed)
    skills = np.random.default_rng([seed, 1])  # its own stream: the day without skills is unchanged
    names = list(WINDOWS)
    visits: list[Visit] = []
    client = 0
    while len(visits) < n_visits:
        count = min(int(rng.choice(VISITS_PER_CLIENT, p=VISITS_PER_CLIENT_SHARE)), n_visits - len(visits))
        needed = 2 if rng.random() < double_handed_share else 1
        medication = skills.random() < medication_share
        for w in sorted(rng.choice(len(WINDOWS), size=count, replace=False, p=WINDOW_SHARE)):
            start, end = WINDOWS[names[w]]
            service = float(rng.choice(DURATIONS, p=DURATION_SHARE))
            visits.append(Visit(id=f"k{client:04d}-{names[w]}", location=client, earliest=start, latest=end - service,
                                service=service, carers_needed=needed, client=f"k{client:04d}",
                                **medication_fields(medication, needed)))
        client += 1

    carers_needed = {}
    for piece, (_, _, windows) in PIECES.items():
        busiest = max(sum(v.carers_needed * (v.service + TRAVEL_GUESS_MINUTES) for v in visits if v.id.endswith(w))
                      / (WINDOWS[w][1] - WINDOWS[w][0]) for w in windows)
        carers_needed[piece] = max(math.ceil(busiest * STAFFING_SLACK), 2 if double_handed_share else 1)
    people = max(carers_needed.values())
    scale = math.sqrt(n_visits / VISITS_AT_THAT_SPREAD)
    homes = rng.normal(0, TOWN_SD_KM * scale * 1.5, (people, 2))
    trained = trained_carers(skills, people, TRAINED_SHARE if medication_share else 0.0)
    carers = [Carer(id=f"p{i:03d}-{piece}", home=client + i, shift_start=start, shift_end=end,
                    break_window=MORNING_BREAK if breaks and piece == "am" else None, person=f"p{i:03d}",
                    skills=MEDICATION if trained[i] else frozenset())
              for i in range(people) for piece, (start, end, _) in PIECES.items() if i < carers_needed[piece]]
    xy = np.vstack([_places(rng, client, scale), homes])
    return Problem(visits=visits, carers=carers, travel=travel_minutes(xy, RURALITY), coordinates=xy,
                   name=f"lot-day {n_visits} visits, seed {seed}")


def trained_carers(rng: np.random.Generator, people: int, share: float) -> np.ndarray:
    """Which of the people are medication-trained: a random share of them, rounded up, so that a
    small team has someone trained whenever the share is above 0."""
    return rng.permutation(people) < math.ceil(share * people)


def medication_fields(needed: bool, carers: int) -> dict:
    """A visit's skill fields: medication from its one carer, or from either of two."""
    if not needed:
        return {}
    return {"skills": MEDICATION} if carers == 1 else {"roles": (MEDICATION, frozenset())}
