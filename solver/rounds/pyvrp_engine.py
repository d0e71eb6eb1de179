"""PyVRP 0.14 (iterated local search): the strong engine for plain time windows and shifts.

It has no synchronised visits, breaks or working-time budgets, so it refuses problems that have
them instead of quietly routing a different problem. The search is seeded, but a time limit stops
it after however many iterations fit, so two runs with the same seed can differ when the machine
is busier or quieter.

Every visit is optional, with a prize above the most travel serving it can add, so a day the carers
cannot cover drops visits, named as unserved, rather than serving them late: with required visits
PyVRP returns its best infeasible solution, every visit on a route but some late (time warp). The
prize is kept small (two of the longest journeys): one far above any travel total would outweigh
PyVRP's time-warp penalty and steer the search of an over-full day to late, infeasible routes.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
from pyvrp import (Client, CostEvaluator, Depot, IteratedLocalSearchCallbacks, IteratedLocalSearchParams, Location,
                   ProblemData, SolveParams, VehicleType)
from pyvrp import Solution as PyvrpSolution
from pyvrp import solve as pyvrp_solve

from . import ticks
from .problem import Carer, Problem, Solution, build_route, total_travel

NAME = "pyvrp"


class UnsupportedProblem(ValueError):
    """The problem has rules this engine cannot model."""


def unsupported(problem: Problem) -> list[str]:
    """Why PyVRP cannot route this problem; empty when it can."""
    checks = [(problem.has_double_handed, "double-handed visits need two carers starting together"),
              (problem.has_breaks, "carers' breaks"),
              (problem.has_working_limits, "working-time limits shorter than the shift"),
              (problem.has_preferences, "same-carer preferences"),
              (problem.has_skills, "carers' skills"),
              (problem.has_delays, "delays between a double-handed visit's carers"),
              (problem.has_soft_windows, "soft time windows (tardiness costs)")]
    return [reason for present, reason in checks if present]


class _Clock(IteratedLocalSearchCallbacks):
    """Stopping criterion: the time limit counted from `began` (model building and PyVRP's initial
    solution included); as the search's callbacks, it notes when the best solution first served
    every visit within the rules."""

    def __init__(self, time_limit: float, began: float, visits: int):
        self._began, self._deadline, self._visits = began, began + time_limit, visits
        self.first_feasible: float | None = None

    def __call__(self, best_cost: int) -> bool:
        return time.perf_counter() >= self._deadline

    def on_iteration(self, current: PyvrpSolution, candidate: PyvrpSolution, best: PyvrpSolution,
                     cost_evaluator: CostEvaluator) -> None:
        if self.first_feasible is None and best.is_feasible() and best.num_clients() == self._visits:
            self.first_feasible = time.perf_counter() - self._began


def _prize(problem: Problem) -> int:
    """A visit's prize: above the most travel serving it can add, two of the longest journeys."""
    return 2 * int(ticks.travel_cost(problem.travel).max(initial=0)) + 1


def _data(problem: Problem, prize: int) -> tuple[ProblemData, list[list[Carer]]]:
    """PyVRP data over all the problem's locations, every visit optional at `prize`; one vehicle
    type per group of interchangeable carers (same home, shift and capacity), returned with the
    groups."""
    xy = problem.coordinates if problem.coordinates is not None else np.zeros((len(problem.travel), 2))
    locations = [Location(x=float(x), y=float(y)) for x, y in xy]
    loads = problem.has_loads
    clients = [Client(location=v.location, delivery=[v.demand] if loads else [], service_duration=ticks.up(v.service),
                      tw_early=ticks.up(v.earliest), tw_late=ticks.down(v.latest), prize=prize, required=False,
                      name=v.id)
               for v in problem.visits]
    groups: dict[tuple, list[Carer]] = defaultdict(list)
    for c in problem.carers:
        groups[(c.home, c.shift_start, c.shift_end, c.capacity)].append(c)
    homes = sorted({c.home for c in problem.carers})
    depot_of = {home: i for i, home in enumerate(homes)}
    big = sum(v.demand for v in problem.visits)
    vehicle_types = [VehicleType(num_available=len(carers), start_depot=depot_of[home], end_depot=depot_of[home],
                                 capacity=[big if capacity is None else capacity] if loads else [],
                                 tw_early=ticks.up(start), tw_late=ticks.down(end))
                     for (home, start, end, capacity), carers in groups.items()]
    data = ProblemData(locations, clients, [Depot(location=h) for h in homes], vehicle_types,
                       [ticks.travel_cost(problem.travel)], [ticks.travel_duration(problem.travel)])
    return data, list(groups.values())


def solve(problem: Problem, time_limit: float, seed: int = 0) -> Solution:
    if reasons := unsupported(problem):
        raise UnsupportedProblem(f"PyVRP cannot route {problem.name or 'this problem'}: {'; '.join(reasons)}. "
                                 "Use the OR-Tools engine.")
    began = time.perf_counter()
    data, groups = _data(problem, _prize(problem))
    clock = _Clock(time_limit, began, len(problem.visits))
    best = pyvrp_solve(data, clock, seed=seed, collect_stats=False,
                       params=SolveParams(ils=IteratedLocalSearchParams(callbacks=clock))).best
    remaining = [list(g) for g in groups]
    routes = []
    for r in best.routes():
        carer = remaining[r.vehicle_type()].pop(0)
        served = [a for a in r.schedule() if a.is_client()]
        routes.append(build_route(problem, carer, [problem.visits[a.idx] for a in served],
                                  [ticks.minutes(a.start_time) for a in served], ticks.minutes(r.start_time())))
    served_ids = {s.visit for r in routes for s in r.stops}
    return Solution(engine=NAME, routes=routes, objective=total_travel(problem, routes),
                    runtime=time.perf_counter() - began,
                    unserved=[v.id for v in problem.visits if v.id not in served_ids],
                    first_feasible_seconds=clock.first_feasible)
