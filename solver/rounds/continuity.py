"""Routing consecutive days so that clients keep the carers they know.

Carers work runs. The week's first day is routed freely, and the clients each carer serves become
its run. On later days continuity of carer is a rule (HARD_CONTINUITY): a client's visits go only to
the people who have served that client before (either piece of their split shift) when one of them
is on duty; a client none of whose people is on duty (the rota has days off) may have anyone, who
then joins the people the client knows. A coordinator sends a stranger rather than miss a visit: a
day on which the rule leaves visits unserved, their people on duty but full, is routed again with
those visits open to every carer, and if some are still unserved, with the rule as a preference.
As a preference (hard=False, or that last resort), any other carer costs the continuity penalty,
in minutes of travel, so the engine trades a little travel for familiar faces.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from .engine import route
from .problem import Problem, Solution

CONTINUITY_PENALTY_MINUTES = 15.0
HARD_CONTINUITY = True
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
    """The day with each visit preferring the shifts of the people its client knows; an infinite
    penalty makes them the only carers allowed (ortools_engine.py)."""
    shifts: dict[str, set[str]] = defaultdict(set)
    for c in problem.carers:
        shifts[c.who].add(c.id)
    visits = [replace(v, preferred=frozenset(s for who in known.get(v.client, ()) for s in shifts[who]))
              for v in problem.visits]
    return replace(problem, visits=visits, continuity_penalty=penalty)


def open_to_all(problem: Problem, ids: set[str]) -> Problem:
    """The day with the visits named free of any preference."""
    return replace(problem, visits=[replace(v, preferred=frozenset()) if v.id in ids else v for v in problem.visits])


def _route_known(problem: Problem, time_limit: float, seed: int, engine: str,
                 penalty: float) -> tuple[Problem, Solution]:
    """Route a day under the hard rule, then, while visits with known carers are unserved, again
    with those visits open to all and then with the rule a preference at `penalty` minutes; the
    first that serves the most visits wins."""
    best = (problem, route(problem, time_limit, seed, engine, PATCH_VISITS))
    preferring = {v.id for v in problem.visits if v.preferred}
    for relax in (lambda held: open_to_all(problem, held), lambda held: replace(problem, continuity_penalty=penalty)):
        held = preferring & set(best[1].unserved)
        if not held:
            break
        relaxed = relax(held)
        again = route(relaxed, time_limit, seed, engine, PATCH_VISITS)
        if len(again.unserved) < len(best[1].unserved):
            best = (relaxed, again)
    return best


def route_days(make_day: Callable[[int], Problem], days: int, time_limit: float, seed: int = 0,
               engine: str = "auto", penalty: float = CONTINUITY_PENALTY_MINUTES,
               hard: bool = HARD_CONTINUITY) -> list[tuple[Problem, Solution]]:
    """Route days 0..days-1 in turn, each within time_limit seconds (up to three times that for a
    day the hard rule cannot staff), later days keeping clients with the carers they met on earlier
    ones: as the hard rule, or as a preference at `penalty` minutes; neither when penalty is 0."""
    routed: list[tuple[Problem, Solution]] = []
    for day in range(days):
        problem = make_day(day)
        if routed and penalty > 0:
            problem = prefer_known(problem, known_carers(routed), math.inf if hard else penalty)
        if math.isinf(problem.continuity_penalty):
            routed.append(_route_known(problem, time_limit, seed, engine, penalty))
        else:
            routed.append((problem, route(problem, time_limit, seed, engine, PATCH_VISITS)))
    return routed


def carers_per_client(days: list[tuple[Problem, Solution]]) -> float:
    """The mean number of different people a client saw over the days (a double-handed visit shows
    two)."""
    known = known_carers(days)
    return sum(len(people) for people in known.values()) / len(known) if known else 0.0
