"""The routing problem of a lot's day and its answer, independent of any engine.

Times are minutes (from midnight for care rounds; Solomon instances use their own time unit).
Locations are indices into the travel matrix: visits and carers' homes point into it, so a client
with four visits a day is one location.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise

import numpy as np

from ..roads import straight_km

EPS = 1e-6  # minutes: tolerance for comparing times


@dataclass(frozen=True)
class Visit:
    """One visit: service must *start* within [earliest, latest], or, when the window is soft
    (tardiness_cost set), may start later at that cost per minute late (in minutes of travel).
    A double-handed visit (carers_needed=2) needs two carers, the second starting `delay`
    (min, max) minutes after the first: (0, 0), the default, is together, by two different carers;
    with a delay one carer may serve both parts if it finishes the first in time. Every carer
    serving the visit holds `skills`; the first and second carers of a double visit also hold
    `roles[0]` and `roles[1]` (empty: the carers are interchangeable).
    `preferred` names the carers (shift ids) the client already knows: any other carer costs the
    problem's continuity_penalty. Demand is only for capacitated benchmarks such as Solomon's;
    each carer serving the visit carries it."""

    id: str
    location: int
    earliest: float
    latest: float
    service: float
    carers_needed: int = 1
    client: str = ""
    demand: int = 0
    preferred: frozenset[str] = frozenset()
    skills: frozenset[str] = frozenset()
    roles: tuple[frozenset[str], frozenset[str]] | tuple[()] = ()
    delay: tuple[float, float] = (0.0, 0.0)
    tardiness_cost: float | None = None

    def needs(self, part: int) -> frozenset[str]:
        """The skills of the carer serving part 0 or 1 (the first or second carer)."""
        return self.skills | self.roles[part] if self.roles else self.skills

    @property
    def together(self) -> bool:
        """Whether the two carers of a double-handed visit start at once (no delay)."""
        return self.delay[1] == 0

    @property
    def due(self) -> float:
        """The latest start allowed: the window's end when hard, none when soft."""
        return self.latest if self.tardiness_cost is None else math.inf


@dataclass(frozen=True)
class BreakWindow:
    """A break of `duration` minutes starting within [earliest, latest], taken between visits
    (while waiting or on the way) or at home, but never during a visit."""

    earliest: float
    latest: float
    duration: float


@dataclass(frozen=True)
class Carer:
    """One shift of one carer, from home and back within [shift_start, shift_end]. A split shift is
    two Carers with the same home and person (the person's id, when it is not the shift's).
    max_working bounds visit time plus travel *between* visits: the legs from and to home are not
    working time (National Minimum Wage rules, domain.md §3), and neither is waiting."""

    id: str
    home: int
    shift_start: float
    shift_end: float
    max_working: float | None = None
    break_window: BreakWindow | None = None
    capacity: int | None = None
    person: str = ""
    skills: frozenset[str] = frozenset()

    @property
    def who(self) -> str:
        """The person working this shift."""
        return self.person or self.id


def travel_minutes(xy_km: np.ndarray, detour: float, speed_kmh: float) -> np.ndarray:
    """Plain travel minutes between points, straight-line km × detour at one speed, with no fixed part or
    access time: for problems built by hand, whose minutes are meant to follow the geometry. Care rounds
    take theirs from the road model (solver.roads.travel_minutes)."""
    return straight_km(xy_km) * detour * 60.0 / speed_kmh


@dataclass
class Problem:
    """A day to route. Treat it as immutable: lookups by id are cached."""

    visits: list[Visit]
    carers: list[Carer]
    travel: np.ndarray  # minutes from location i to location j
    coordinates: np.ndarray | None = None  # km, one row per location; for maps only
    name: str = ""
    continuity_penalty: float = 0.0  # minutes of travel worth saving a visit by a carer not preferred
    max_tardiness_weight: float = 0.0  # minutes of travel worth a minute off the largest tardiness

    def __post_init__(self) -> None:
        self.travel = np.asarray(self.travel, dtype=float)
        n = self.travel.shape[0]
        if self.travel.shape != (n, n) or (self.travel < 0).any():
            raise ValueError("travel must be a square matrix of non-negative minutes")
        for kind, ids in (("visit", [v.id for v in self.visits]), ("carer", [c.id for c in self.carers])):
            if len(set(ids)) != len(ids):
                raise ValueError(f"{kind} ids must be unique")
        for v in self.visits:
            if not 0 <= v.location < n or v.carers_needed not in (1, 2) or v.earliest > v.latest or v.service < 0:
                raise ValueError(f"visit {v.id}: bad location, carers_needed, window or service")
            if (not 0 <= v.delay[0] <= v.delay[1] or len(v.roles) not in (0, 2)
                    or (v.carers_needed == 1 and (v.roles or any(v.delay)))):
                raise ValueError(f"visit {v.id}: two roles and a delay (0 <= min <= max) are for double-handed visits")
            if v.tardiness_cost is not None and v.tardiness_cost < 0:
                raise ValueError(f"visit {v.id}: negative tardiness cost")
        for c in self.carers:
            if not 0 <= c.home < n or c.shift_start > c.shift_end:
                raise ValueError(f"carer {c.id}: bad home or shift")
            b = c.break_window
            if b and max(b.earliest, c.shift_start) > min(b.latest, c.shift_end - b.duration):
                raise ValueError(f"carer {c.id}: the break cannot fit in the shift")

    @cached_property
    def visit_by_id(self) -> dict[str, Visit]:
        return {v.id: v for v in self.visits}

    @cached_property
    def carer_by_id(self) -> dict[str, Carer]:
        return {c.id: c for c in self.carers}

    @property
    def has_double_handed(self) -> bool:
        return any(v.carers_needed == 2 for v in self.visits)

    @property
    def has_breaks(self) -> bool:
        return any(c.break_window for c in self.carers)

    @property
    def has_working_limits(self) -> bool:
        """True when some carer's working-time limit can bind, i.e. is shorter than the shift."""
        return any(c.max_working is not None and c.max_working < c.shift_end - c.shift_start for c in self.carers)

    @property
    def has_preferences(self) -> bool:
        return self.continuity_penalty > 0 and any(v.preferred for v in self.visits)

    @property
    def has_hard_continuity(self) -> bool:
        """Preferences with an infinite penalty: the rule that only known carers may serve."""
        return self.has_preferences and math.isinf(self.continuity_penalty)

    @property
    def has_skills(self) -> bool:
        return any(v.skills or v.roles for v in self.visits)

    @property
    def has_delays(self) -> bool:
        return any(any(v.delay) for v in self.visits)

    @property
    def has_soft_windows(self) -> bool:
        return any(v.tardiness_cost is not None for v in self.visits)

    def qualified(self, carer: Carer, visit: Visit, part: int) -> bool:
        """Whether this carer holds the skills of this part of the visit."""
        return visit.needs(part) <= carer.skills

    def unpreferred(self, carer: str, visit: Visit) -> bool:
        """Whether this carer serving this visit costs the continuity penalty."""
        return bool(visit.preferred) and carer not in visit.preferred

    @property
    def has_loads(self) -> bool:
        return any(v.demand for v in self.visits) or any(c.capacity is not None for c in self.carers)


@dataclass(frozen=True)
class Stop:
    visit: str
    arrival: float  # leaving the previous place as soon as its work (and any break there) is done
    start: float  # start of service, after any wait


@dataclass
class Route:
    carer: str
    depart: float  # leaves home
    stops: list[Stop]
    back: float  # home again, leaving the last visit at once
    break_start: float | None = None


@dataclass
class Solution:
    engine: str
    routes: list[Route]  # carers with at least one visit
    objective: float  # objective(problem, routes): travel minutes (home legs included), with any tardiness costs
    runtime: float  # seconds, model building included
    unserved: list[str] = field(default_factory=list)
    first_feasible_seconds: float | None = None  # when every visit was first served within the rules


def build_route(problem: Problem, carer: Carer, visits: list[Visit], starts: list[float], depart: float,
                break_start: float | None = None) -> Route:
    """A Route from an engine's order and start times. Arrivals and the return home follow from the
    travel matrix (a break between two places is taken before travelling on), so every engine
    reports them the same way."""

    def pause(free_at: float, until: float) -> float:
        taken = break_start is not None and free_at - EPS <= break_start < until
        return carer.break_window.duration if taken else 0.0  # type: ignore[union-attr]

    stops, place, free_at = [], carer.home, depart
    for visit, start in zip(visits, starts):
        stops.append(Stop(visit.id, float(free_at + pause(free_at, start) + problem.travel[place, visit.location]),
                          start))
        place, free_at = visit.location, start + visit.service
    home = float(free_at + problem.travel[place, carer.home])
    return Route(carer.id, depart, stops, home + pause(free_at, home), break_start)


def route_travel(problem: Problem, route: Route) -> float:
    home = problem.carer_by_id[route.carer].home
    path = [home] + [problem.visit_by_id[s.visit].location for s in route.stops] + [home]
    return float(sum(problem.travel[a, b] for a, b in pairwise(path)))


def total_travel(problem: Problem, routes: list[Route]) -> float:
    return math.fsum(route_travel(problem, r) for r in routes)


def tardiness(problem: Problem, routes: list[Route]) -> list[tuple[float, float]]:
    """(minutes late, cost per minute) of every start of a visit with a soft window; 0 minutes when on
    time."""
    return [(max(0.0, s.start - v.latest), v.tardiness_cost) for r in routes for s in r.stops
            if (v := problem.visit_by_id.get(s.visit)) is not None and v.tardiness_cost is not None]


def objective(problem: Problem, routes: list[Route]) -> float:
    """The problem's objective from the routes alone: total travel, plus each late start's minutes
    at its visit's tardiness cost, plus the largest tardiness at max_tardiness_weight. Without soft
    windows it is the total travel."""
    late = tardiness(problem, routes)
    return (total_travel(problem, routes) + math.fsum(minutes * cost for minutes, cost in late)
            + problem.max_tardiness_weight * max((minutes for minutes, _ in late), default=0.0))
