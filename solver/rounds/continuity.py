"""Routing consecutive days so that clients keep the carers they know.

Day one is routed freely. On each later day a client's visits prefer the people who have served
that client before (both pieces of their split shift); any other carer costs the continuity
penalty, in minutes of travel, so the engine trades a little travel for familiar faces. The rota
(lot_day.py) changes who is on duty, which is what makes continuity cost anything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Callable

from .engine import route
from .problem import Problem, Solution

CONTINUITY_PENALTY_MINUTES = 15.0
PATCH_VISITS = 300  # a day's part above this is cut into geographic patches (decompose.py)


def known_carers(days: list[tuple[Problem, Solution]]) -> dict[str, set[str]]:
    """Client -> the people who served any of the client's visits on the days given."""
    known: dict[str, set[str]] = defaultdict(set)
    for problem, solution in days:
        for r in solution.routes:
            for stop in r.stops:
                known[problem.visit_by_id[stop.visit].client].add(problem.carer_by_id[r.carer].who)
    return known


def prefer_known(problem: Problem, known: dict[str, set[str]], penalty: float) -> Problem:
    """The day with each visit preferring the shifts of the people its client knows."""
    shifts: dict[str, set[str]] = defaultdict(set)
    for c in problem.carers:
        shifts[c.who].add(c.id)
    visits = [replace(v, preferred=frozenset(s for who in known.get(v.client, ()) for s in shifts[who]))
              for v in problem.visits]
    return replace(problem, visits=visits, continuity_penalty=penalty)


def route_days(make_day: Callable[[int], Problem], days: int, time_limit: float, seed: int = 0,
               engine: str = "auto", penalty: float = CONTINUITY_PENALTY_MINUTES) -> list[tuple[Problem, Solution]]:
    """Route days 0..days-1 in turn, each within time_limit seconds, later days preferring the
    carers clients met on earlier ones (no preference when penalty is 0)."""
    routed: list[tuple[Problem, Solution]] = []
    for day in range(days):
        problem = make_day(day)
        if routed and penalty > 0:
            problem = prefer_known(problem, known_carers(routed), penalty)
        routed.append((problem, route(problem, time_limit, seed, engine, PATCH_VISITS)))
    return routed


def carers_per_client(days: list[tuple[Problem, Solution]]) -> float:
    """The mean number of different people a client saw over the days (a double-handed visit shows
    two)."""
    known = known_carers(days)
    return sum(len(people) for people in known.values()) / len(known) if known else 0.0
