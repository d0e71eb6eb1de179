"""PyVRP's search on what it can model, then OR-Tools on every rule, starting from PyVRP's routes.

OR-Tools models every rule of a care day but searches plain time windows poorly (10 s an
instance: 4.6% above best-known on Solomon RC2, 6.5% on 200-customer Gehring-Homberger); PyVRP
searches them well (0.4%) but lacks most of the rules. So:

- a plain problem (nothing PyVRP lacks): PyVRP for most of the time, its routes feasible as they
  stand, then OR-Tools from them for the rest;
- otherwise: OR-Tools on the full problem until its first plan serving every visit (on a day too
  full to serve, that is all the time and the answer), PyVRP on a relaxation of the problem
  (`relax`) for half the time left, then OR-Tools on the full problem from PyVRP's routes for the
  rest, having dropped from them what the rules reject, for its search to insert again. When PyVRP
  leaves a visit out, OR-Tools goes on from its own first plan instead: on a shire lot-day's
  267-visit patch, PyVRP left 19 of 291 out in 5 s and OR-Tools could not put 4 of them back.

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
from .problem import Problem, Route, Solution
from .validate import validate

NAME = "hybrid"
PLAIN_PYVRP_SHARE = 0.9  # of the time, on a plain problem
RELAXED_SHARE = 0.5  # of the time left after the first plan, PyVRP on the relaxation


def relax(problem: Problem, pins: dict[str, list[float]]) -> tuple[Problem, list[str]]:
    """What PyVRP can route, and the original visit id of each relaxed visit: a double-handed visit
    with pins as two single visits at its place, the k-th starting at pins[id][k], and without pins
    left out (for OR-Tools to insert); breaks, working-time limits, preferences and skills dropped;
    soft windows hard. Relaxed visits are numbered, so a copy's id cannot clash with another's."""
    visits, originals = [], []
    for v in problem.visits:
        if v.carers_needed == 1:
            windows = [(v.earliest, v.latest)]
        else:
            windows = [(start, start) for start in pins.get(v.id, [])]
        for earliest, latest in windows:
            visits.append(replace(v, id=str(len(visits)), earliest=earliest, latest=latest, carers_needed=1,
                                  preferred=frozenset(), skills=frozenset(), roles=(), delay=(0.0, 0.0),
                                  tardiness_cost=None))
            originals.append(v.id)
    carers = [replace(c, break_window=None, max_working=None, skills=frozenset()) for c in problem.carers]
    return replace(problem, visits=visits, carers=carers, continuity_penalty=0.0, max_tardiness_weight=0.0,
                   name=f"{problem.name} relaxed"), originals


def pins(solution: Solution, problem: Problem) -> dict[str, list[float]]:
    """The starts of each double-handed visit served in the solution, earliest first."""
    starts: dict[str, list[float]] = defaultdict(list)
    for r in solution.routes:
        for s in r.stops:
            if problem.visit_by_id[s.visit].carers_needed == 2:
                starts[s.visit].append(s.start)
    return {visit: sorted(times) for visit, times in starts.items() if len(times) == 2}


def relaxed_routes(problem: Problem, first: Solution, time_limit: float, seed: int) -> list[Route] | None:
    """PyVRP's routes of the relaxation pinned at the first plan, in the problem's visit ids; None
    when they leave out a visit, which OR-Tools might not insert again."""
    relaxed, originals = relax(problem, pins(first, problem))
    routed = pyvrp_engine.solve(relaxed, time_limit, seed)
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
