"""PyVRP's search on what it can model, then OR-Tools on every rule, starting from PyVRP's routes.

OR-Tools models every rule of a care day but searches plain time windows poorly (10 s an
instance: 4.6% above best-known on Solomon RC2, 6.5% on 200-customer Gehring-Homberger); PyVRP
searches them well (0.4%) but lacks most of the rules. So:

- a plain problem (nothing PyVRP lacks): PyVRP for most of the time, its routes feasible as they
  stand, then OR-Tools from them for the rest;
- otherwise: OR-Tools on the full problem until its first plan serving every visit (on a day too
  full to serve, that is all the time and the answer), PyVRP on a relaxation of the problem
  (`relax`) for half the time left, starting from the first plan, then OR-Tools on the full
  problem from PyVRP's routes for the rest, having dropped from them what the rules reject, for
  its search to insert again. Started from a plan that serves every visit, PyVRP keeps serving
  them all (a visit's prize is above what dropping it saves); started from its own construction,
  it left 19 of 291 visits out of a shire lot-day's patch in 5 s, and OR-Tools could not put 4
  of them back. Should it leave one out, OR-Tools goes on from its own first plan instead.

The relaxation pins each double-handed visit's two starts at the first plan's (a window of one
instant each). PyVRP cannot start two carers together, and OR-Tools does not put back the copies
PyVRP times apart: on an 800-visit lot-day's 431-visit morning, with its 41 pairs as free single
visits, the rules rejected 34 copies of PyVRP's routes and 10 s of OR-Tools inserted none of them
again. Pinned, the pairs stay in step and PyVRP reorders everything else around them. The answer
is the best of the stages' plans, as the validator sees them.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import replace

from . import ortools_engine, pyvrp_engine
from .decompose import restricted_carers
from .problem import Problem, Route, Solution
from .validate import validate

NAME = "hybrid"
PLAIN_PYVRP_SHARE = 0.9  # of the time, on a plain problem
RELAXED_SHARE = 0.5  # of the time left after the first plan, PyVRP on the relaxation


def relax(problem: Problem, pins: dict[str, list[float]]) -> tuple[Problem, list[str], dict[int, list[int]]]:
    """What PyVRP can route, the original visit id of each relaxed visit, and the carers that alone
    may serve each relaxed visit (decompose.restricted_carers of its part): a double-handed visit
    with pins as two single visits at its place, the k-th its part k, starting at pins[id][k], and
    without pins left out (for OR-Tools to insert); breaks and working-time limits dropped; soft
    windows hard; same-carer preferences kept. Relaxed visits are numbered, so a copy's id cannot
    clash with another's."""
    restricted = restricted_carers(problem)
    visits, originals, allowed = [], [], {}
    for k, v in enumerate(problem.visits):
        if v.carers_needed == 1:
            windows = [(v.earliest, v.latest)]
        else:
            windows = [(start, start) for start in pins.get(v.id, [])]
        for part, (earliest, latest) in enumerate(windows):
            if (k, part) in restricted:
                allowed[len(visits)] = restricted[(k, part)]
            visits.append(replace(v, id=str(len(visits)), earliest=earliest, latest=latest, carers_needed=1,
                                  skills=frozenset(), roles=(), delay=(0.0, 0.0), tardiness_cost=None))
            originals.append(v.id)
    carers = [replace(c, break_window=None, max_working=None) for c in problem.carers]
    return replace(problem, visits=visits, carers=carers, max_tardiness_weight=0.0,
                   name=f"{problem.name} relaxed"), originals, allowed


def pins(solution: Solution, problem: Problem) -> dict[str, list[float]]:
    """The starts of each double-handed visit served in the solution, earliest first."""
    starts: dict[str, list[float]] = defaultdict(list)
    for r in solution.routes:
        for s in r.stops:
            if problem.visit_by_id[s.visit].carers_needed == 2:
                starts[s.visit].append(s.start)
    return {visit: sorted(times) for visit, times in starts.items() if len(times) == 2}


def relaxed_start(problem: Problem, first: Solution, originals: list[str],
                  allowed: dict[int, list[int]]) -> list[Route]:
    """The first plan's routes in the relaxation's visit ids: a double-handed visit's carers take its
    copies in the order of their starts, swapped when a copy's carers (`allowed`) call for it."""
    copies: dict[str, list[int]] = defaultdict(list)
    for i, original in enumerate(originals):
        copies[original].append(i)
    vehicle = {c.id: i for i, c in enumerate(problem.carers)}
    served: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for r in first.routes:
        for s in r.stops:
            served[s.visit].append((s.start, r.carer))

    def fits(order: list[tuple[float, str]], visit: str) -> bool:
        return all(vehicle[carer] in allowed.get(i, [vehicle[carer]]) for i, (_, carer) in zip(copies[visit], order))

    copy_of: dict[tuple[str, str], int] = {}
    for visit, order in served.items():
        order.sort()
        if not fits(order, visit) and fits(order[::-1], visit):
            order.reverse()
        copy_of.update({(visit, carer): i for i, (_, carer) in zip(copies[visit], order)})
    return [replace(r, stops=[replace(s, visit=str(copy_of[(s.visit, r.carer)])) for s in r.stops])
            for r in first.routes]


def relaxed_routes(problem: Problem, first: Solution, time_limit: float, seed: int) -> list[Route] | None:
    """PyVRP's routes of the relaxation pinned at the first plan, from the first plan's routes, in the
    problem's visit ids; None when they leave out a visit, which OR-Tools might not insert again, or
    when PyVRP cannot take the relaxation."""
    relaxed, originals, allowed = relax(problem, pins(first, problem))
    if pyvrp_engine.unsupported(relaxed, allowed):  # too many carers' restrictions for PyVRP's matrices
        return None
    routed = pyvrp_engine.solve(relaxed, time_limit, seed, allowed, relaxed_start(problem, first, originals, allowed))
    if routed.unserved:
        return None
    return [replace(r, stops=[replace(s, visit=originals[int(s.visit)]) for s in r.stops]) for r in routed.routes]


def solve(problem: Problem, time_limit: float, seed: int = 0) -> Solution:
    began = time.perf_counter()

    def left() -> float:
        return time_limit - (time.perf_counter() - began)

    stages: list[tuple[float, Solution]]  # when each stage began (seconds in) and its plan of the full problem
    if not pyvrp_engine.unsupported(problem):
        stages = [(0.0, pyvrp_engine.solve(problem, PLAIN_PYVRP_SHARE * time_limit, seed))]
        start = stages[0][1].routes
    else:
        stages = [(0.0, ortools_engine.solve(problem, time_limit, seed, first_plan=True))]
        start = stages[0][1].routes
        if left() > 0:
            start = relaxed_routes(problem, stages[0][1], RELAXED_SHARE * left(), seed) or start
    if left() > 0:
        stages.append((time.perf_counter() - began, ortools_engine.solve(problem, left(), seed, start)))
    best = min((s for _, s in stages), key=lambda s: (bool(validate(problem, s)), len(s.unserved), s.objective))
    firsts = [at + s.first_feasible_seconds for at, s in stages if s.first_feasible_seconds is not None]
    return replace(best, engine=NAME, runtime=time.perf_counter() - began,
                   first_feasible_seconds=min(firsts, default=None))
