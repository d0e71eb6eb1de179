"""What routed rounds mean for each carer: contact, travel between visits (working time), travel
from and to home (not working time), waiting and mileage. A split shift's two pieces, and the
days routed, add up to one carer's pay period."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from ..travel import KM_PER_MILE
from .pay import CarerWeek
from .problem import Problem, Solution


def carer_weeks(days: list[tuple[Problem, Solution]], speed_kmh: float) -> dict[str, CarerWeek]:
    """One CarerWeek per person who served at least one visit, summed over the days given. Mileage
    counts travel between visits only, the legs a provider reimburses; minutes convert to miles at
    the speed that made the travel matrix."""
    contact: dict[str, list[float]] = defaultdict(list)
    between: dict[str, float] = defaultdict(float)
    home: dict[str, float] = defaultdict(float)
    waiting: dict[str, float] = defaultdict(float)
    for problem, solution in days:
        for r in solution.routes:
            carer = problem.carer_by_id[r.carer]
            who, base = carer.who, carer.home
            places = [problem.visit_by_id[s.visit].location for s in r.stops]
            contact[who] += [problem.visit_by_id[s.visit].service for s in r.stops]
            between[who] += sum(float(problem.travel[a, b]) for a, b in pairwise(places))
            home[who] += float(problem.travel[base, places[0]] + problem.travel[places[-1], base])
            waiting[who] += sum(max(0.0, s.start - s.arrival) for s in r.stops[1:])
    return {who: CarerWeek(tuple(contact[who]), between[who], home[who], waiting[who],
                           between[who] * speed_kmh / 60 / KM_PER_MILE) for who in sorted(contact)}
