"""What routed rounds mean for each carer: contact, travel between visits (working time), travel
from and to home (not working time), waiting and mileage. A split shift's two pieces, and the
days routed, add up to one carer's pay period."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

from ..roads import DETOUR_FACTOR, straight_km
from ..travel import KM_PER_MILE
from .pay import WAITING_COUNTED_UP_TO_MINUTES, CarerWeek
from .problem import Problem, Solution


def carer_weeks(days: list[tuple[Problem, Solution]], speed_kmh: float,
                counted_up_to: float = WAITING_COUNTED_UP_TO_MINUTES) -> dict[str, CarerWeek]:
    """One CarerWeek per person who served at least one visit, summed over the days given. Mileage
    counts travel between visits only, the legs a provider reimburses: straight-line km between the
    places × the road model's detour (solver/roads.py) where the problem has coordinates, else its
    minutes at `speed_kmh`. A wait of at most `counted_up_to` minutes is working time (pay.py)."""
    contact: dict[str, list[float]] = defaultdict(list)
    between: dict[str, float] = defaultdict(float)
    home: dict[str, float] = defaultdict(float)
    waiting: dict[str, float] = defaultdict(float)
    counted: dict[str, float] = defaultdict(float)
    miles: dict[str, float] = defaultdict(float)
    for problem, solution in days:
        km = None if problem.coordinates is None else straight_km(problem.coordinates) * DETOUR_FACTOR
        for r in solution.routes:
            carer = problem.carer_by_id[r.carer]
            who, base = carer.who, carer.home
            places = [problem.visit_by_id[s.visit].location for s in r.stops]
            contact[who] += [problem.visit_by_id[s.visit].service for s in r.stops]
            legs = list(pairwise(places))
            between[who] += sum(float(problem.travel[a, b]) for a, b in legs)
            miles[who] += (sum(float(km[a, b]) for a, b in legs) if km is not None else
                           sum(float(problem.travel[a, b]) for a, b in legs) * speed_kmh / 60) / KM_PER_MILE
            home[who] += float(problem.travel[base, places[0]] + problem.travel[places[-1], base])
            waits = [max(0.0, s.start - s.arrival) for s in r.stops[1:]]
            waiting[who] += sum(waits)
            counted[who] += sum(w for w in waits if w <= counted_up_to)
    return {who: CarerWeek(tuple(contact[who]), between[who], home[who], waiting[who], counted[who], miles[who])
            for who in sorted(contact)}
