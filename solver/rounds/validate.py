"""Checks a Solution against its Problem from the routes alone, whatever the engine claimed.

Rules: every visit served exactly once (a double-handed one by two carers, the second starting
within the visit's delay of the first: together, by two different carers, by default); every
carer holds the skills of the part it serves; service starts within its window (a soft window's
end may be passed: `lateness` reports by how much); every arrival allows for the travel (and any
break) since the previous place; routes inside the carer's shift; working time (visits and travel
between them) within the carer's budget; loads within capacity; a working carer with a break
window takes the break inside it and inside the shift, never during a visit.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from .problem import EPS, Carer, Problem, Route, Solution, Visit, tardiness


@dataclass(frozen=True)
class Violation:
    kind: str  # missed, duplicate, unknown, sync, delay, skill, early, late, travel, shift, working, capacity, break
    where: str  # the visit or carer concerned
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} at {self.where}: {self.detail}"


@dataclass(frozen=True)
class Tally:
    """What became of the visits asked for: served within every rule, unserved (on no route), or
    served in breach of a rule; `breaches` are the violations other than the unserved visits."""

    asked: int = 0
    served: int = 0
    unserved: int = 0
    broken: int = 0
    breaches: tuple[Violation, ...] = ()

    @property
    def kinds(self) -> Counter[str]:
        return Counter(v.kind for v in self.breaches)

    def __add__(self, other: Tally) -> Tally:
        return Tally(self.asked + other.asked, self.served + other.served, self.unserved + other.unserved,
                     self.broken + other.broken, self.breaches + other.breaches)


def tally(problem: Problem, solution: Solution, violations: list[Violation]) -> Tally:
    """Sort the visits by the validator's findings. A violation at a carer (its shift, working time,
    break or way home) breaks every visit on that carer's route; a visit served by one of its two
    carers is served in breach, not unserved."""
    on_route: dict[str, set[str]] = defaultdict(set)
    for route in solution.routes:
        on_route[route.carer].update(stop.visit for stop in route.stops)
    routed = set().union(*on_route.values())
    unserved = {v.id for v in problem.visits if v.id not in routed}
    breaches = tuple(x for x in violations if not (x.kind == "missed" and x.where in unserved))
    touched = set().union(*({x.where} if x.where in problem.visit_by_id else on_route.get(x.where, set())
                            for x in breaches))
    broken = len(touched & (set(problem.visit_by_id) - unserved))
    return Tally(len(problem.visits), len(problem.visits) - len(unserved) - broken, len(unserved), broken, breaches)


def validate(problem: Problem, solution: Solution) -> list[Violation]:
    found = _coverage(problem, solution)
    for route in solution.routes:
        if route.carer in problem.carer_by_id:
            found += _route(problem, problem.carer_by_id[route.carer], route)
    return found


def _coverage(problem: Problem, solution: Solution) -> list[Violation]:
    found = []
    served: dict[str, list[tuple[str, float]]] = defaultdict(list)
    carers_seen = set()
    for route in solution.routes:
        if route.carer not in problem.carer_by_id:
            found.append(Violation("unknown", route.carer, "no such carer"))
        elif route.carer in carers_seen:
            found.append(Violation("duplicate", route.carer, "carer has two routes"))
        carers_seen.add(route.carer)
        for stop in route.stops:
            served[stop.visit].append((route.carer, stop.start))
    found += [Violation("unknown", v, "no such visit") for v in served if v not in problem.visit_by_id]
    for visit in problem.visits:
        by = served.get(visit.id, [])
        if len(by) < visit.carers_needed:
            found.append(Violation("missed", visit.id, f"served by {len(by)} of {visit.carers_needed} carers"))
        elif len(by) > visit.carers_needed:
            found.append(Violation("duplicate", visit.id, f"served {len(by)} times, needs {visit.carers_needed}"))
        elif all(carer in problem.carer_by_id for carer, _ in by):
            found += _parts(problem, visit, by)
    return found


def _parts(problem: Problem, visit: Visit, by: list[tuple[str, float]]) -> list[Violation]:
    """The rules between a visit's carers: skills and, for a double-handed visit, the delay between
    them, under either order of its two carers."""
    orders = [by] if len(by) == 1 else [by, by[::-1]]
    skilled = [order for order in orders if all(problem.qualified(problem.carer_by_id[carer], visit, part)
                                                 for part, (carer, _) in enumerate(order))]
    if not skilled:
        return [Violation("skill", visit.id, f"{' and '.join(c for c, _ in by)} lack skills "
                                             f"{', '.join(sorted(visit.needs(0) | visit.needs(len(by) - 1)))}")]
    if len(by) == 1:
        return []
    found = []
    (first, start_a), (second, start_b) = by
    if first == second and visit.together:
        found.append(Violation("sync", visit.id, f"both carers are {first}"))
    low, high = visit.delay
    if not any(low - EPS <= b - a <= high + EPS for (_, a), (_, b) in skilled):
        kind = "sync" if visit.together else "delay"
        found.append(Violation(kind, visit.id, f"carers start at {start_a:.2f} and {start_b:.2f}, "
                                               f"delay {low:g}-{high:g} min"))
    return found


def lateness(problem: Problem, solution: Solution) -> tuple[float, float]:
    """Total and largest minutes late of the starts of visits with soft windows."""
    late = [minutes for minutes, _ in tardiness(problem, solution.routes)]
    return sum(late), max(late, default=0.0)


def _route(problem: Problem, carer: Carer, route: Route) -> list[Violation]:
    found: list[Violation] = []
    stops = [(s, problem.visit_by_id[s.visit]) for s in route.stops if s.visit in problem.visit_by_id]
    if not stops:
        return found
    if route.depart < carer.shift_start - EPS or route.back > carer.shift_end + EPS:
        found.append(Violation("shift", carer.id, f"out {route.depart:.2f}-{route.back:.2f}, "
                                                  f"shift {carer.shift_start:.2f}-{carer.shift_end:.2f}"))
    b, window = route.break_start, carer.break_window
    pause = window.duration if window and b is not None else 0.0
    break_placed = False

    def leg(free_at: float, until: float, travel: float) -> float:
        """Earliest arrival over a leg, taking the break there if it falls in the gap."""
        nonlocal break_placed
        if not pause or not free_at - EPS <= b < until:  # type: ignore[operator]
            return free_at + travel
        break_placed = True
        if b + pause > until + EPS or until - free_at < travel + pause - EPS:  # type: ignore[operator]
            found.append(Violation("break", carer.id, f"break at {b:.2f} leaves no time to travel"))
        return free_at + travel + pause

    place, free_at, working = carer.home, route.depart, 0.0
    for i, (stop, visit) in enumerate(stops):
        travel = float(problem.travel[place, visit.location])
        if stop.arrival < leg(free_at, stop.start, travel) - EPS or stop.start < stop.arrival - EPS:
            found.append(Violation("travel", visit.id, f"{carer.id} cannot start at {stop.start:.2f}"))
        if stop.start < visit.earliest - EPS:
            found.append(Violation("early", visit.id, f"starts {stop.start:.2f}, window opens {visit.earliest:.2f}"))
        if stop.start > visit.due + EPS:
            found.append(Violation("late", visit.id, f"starts {stop.start:.2f}, window closes {visit.latest:.2f}"))
        working += visit.service + (travel if i else 0.0)
        place, free_at = visit.location, stop.start + visit.service
    if route.back < leg(free_at, route.back, float(problem.travel[place, carer.home])) - EPS:
        found.append(Violation("travel", carer.id, f"cannot be home by {route.back:.2f}"))

    if carer.max_working is not None and working > carer.max_working + EPS:
        found.append(Violation("working", carer.id, f"works {working:.2f} of at most {carer.max_working:.2f} min"))
    load = sum(visit.demand for _, visit in stops)
    if carer.capacity is not None and load > carer.capacity:
        found.append(Violation("capacity", carer.id, f"load {load} over capacity {carer.capacity}"))
    if window:
        found += _break(carer, route, break_placed)
    return found


def _break(carer: Carer, route: Route, placed_in_a_gap: bool) -> list[Violation]:
    window, b = carer.break_window, route.break_start
    assert window is not None
    if b is None:
        return [Violation("break", carer.id, "no break")]
    found = []
    if not window.earliest - EPS <= b <= window.latest + EPS:
        found.append(Violation("break", carer.id,
                               f"break at {b:.2f} outside {window.earliest:.2f}-{window.latest:.2f}"))
    if b < carer.shift_start - EPS or b + window.duration > carer.shift_end + EPS:
        found.append(Violation("break", carer.id, f"break at {b:.2f} outside the shift"))
    at_home = b + window.duration <= route.depart + EPS or b >= route.back - EPS
    if not (placed_in_a_gap or at_home):
        found.append(Violation("break", carer.id, f"break at {b:.2f} overlaps a visit or leaving home"))
    return found
