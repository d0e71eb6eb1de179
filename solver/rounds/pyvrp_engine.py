"""PyVRP 0.14 (iterated local search): the strong engine for plain time windows and shifts.

It has no synchronised visits, breaks or working-time budgets, so it refuses problems that have
them instead of quietly routing a different problem. Skills, the same-carer preference and the
hard continuity rule it models with routing profiles (PyVRP's per-vehicle-type matrices, then
over one location per visit, so that two visits at one place can differ): a carer's profile adds the
continuity penalty to every arc into a visit it is not preferred for, and a prohibitive cost to
every arc into a visit it may not serve (decompose.restricted_carers), so that dropping the visit
is always cheaper. A profile is a matrix per group of carers with the same restrictions, so a day
whose profiles would pass MAX_PROFILE_ENTRIES cells is refused as too large. The search is seeded,
but a time limit stops it after however many iterations fit, so two runs with the same seed can
differ when the machine is busier or quieter.

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
from pyvrp import Route as PyvrpRoute
from pyvrp import Solution as PyvrpSolution
from pyvrp import solve as pyvrp_solve

from . import ticks
from .decompose import restricted_carers
from .problem import Carer, Problem, Route, Solution, build_route, total_travel

NAME = "pyvrp"


class UnsupportedProblem(ValueError):
    """The problem has rules this engine cannot model."""


MAX_PROFILE_ENTRIES = 40_000_000  # matrix cells over all profiles (two int64 matrices each: 640 MB)


def unsupported(problem: Problem, restricted: dict[int, list[int]] | None = None) -> list[str]:
    """Why PyVRP cannot route this problem, with `restricted` for its restrictions as in solve; empty
    when it can."""
    return _missing_rules(problem) or _too_large(problem, _entry_costs(problem, restricted))


def _missing_rules(problem: Problem) -> list[str]:
    checks = [(problem.has_double_handed, "double-handed visits need two carers starting together"),
              (problem.has_breaks, "carers' breaks"),
              (problem.has_working_limits, "working-time limits shorter than the shift"),
              (problem.has_delays, "delays between a double-handed visit's carers"),
              (problem.has_soft_windows, "soft time windows (tardiness costs)")]
    return [reason for present, reason in checks if present]


def _too_large(problem: Problem, entry: np.ndarray) -> list[str]:
    """Why the profiles of these entry costs (_entry_costs) are too large; empty when they are not."""
    profiles = len({row.tobytes() for row in entry if row.any()})
    cells = (profiles + 1) * (len({c.home for c in problem.carers}) + len(problem.visits)) ** 2  # and the plain one
    if not profiles or cells <= MAX_PROFILE_ENTRIES:
        return []
    return [f"carers' restrictions need {cells:,} matrix cells, above {MAX_PROFILE_ENTRIES:,}"]


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
    """A visit's prize: above the most travel and continuity penalty serving it can add, two of the
    longest journeys and the penalty."""
    penalty = ticks.up(problem.continuity_penalty) if _soft_continuity(problem) else 0
    return 2 * int(ticks.travel_cost(problem.travel).max(initial=0)) + 1 + penalty


def _soft_continuity(problem: Problem) -> bool:
    return problem.has_preferences and not problem.has_hard_continuity


def _restricted(problem: Problem) -> dict[int, list[int]]:
    """Visit index -> the carers (indices) that alone may serve it, for the single-carer problems
    this engine routes."""
    return {k: carers for (k, _), carers in restricted_carers(problem).items()}


FORBIDDEN = -1  # in _entry_costs: the carer may not serve the visit


def _entry_costs(problem: Problem, restricted: dict[int, list[int]] | None) -> np.ndarray:
    """Carers × visits: what an arc into the visit costs the carer beyond its travel, in ticks: the
    continuity penalty when the carer is not preferred, FORBIDDEN when it may not serve the
    visit (`restricted`, the problem's own when None), else 0."""
    if restricted is None:
        restricted = _restricted(problem)
    entry = np.zeros((len(problem.carers), len(problem.visits)), dtype=np.int64)
    if _soft_continuity(problem):
        penalty = ticks.up(problem.continuity_penalty)
        for k, v in enumerate(problem.visits):
            for i, c in enumerate(problem.carers):
                if problem.unpreferred(c.id, v):
                    entry[i, k] = penalty
    for k, allowed in restricted.items():
        entry[:, k] = np.where(np.isin(np.arange(len(problem.carers)), allowed), entry[:, k], FORBIDDEN)
    return entry


def _data(problem: Problem, prize: int, entry: np.ndarray) -> tuple[ProblemData, list[list[Carer]]]:
    """PyVRP data, every visit optional at `prize`, over the problem's locations or, when carers'
    restrictions or preferences price visits apart, one location per home and then per visit;
    profile 0 the plain travel (PyVRP's neighbourhoods are built on it) and one more per distinct
    restriction; one vehicle type per group of interchangeable carers (same home, shift, capacity
    and profile), returned with the groups; `entry` from _entry_costs."""
    homes = sorted({c.home for c in problem.carers})
    if entry.any():  # profiles price visits apart: one location per visit
        places = homes + [v.location for v in problem.visits]
        depots, at = list(range(len(homes))), list(range(len(homes), len(places)))
    else:  # the problem's own locations: a smaller matrix, faster to search
        places = list(range(len(problem.travel)))
        depots, at = homes, [v.location for v in problem.visits]
    xy = problem.coordinates if problem.coordinates is not None else np.zeros((len(problem.travel), 2))
    locations = [Location(x=float(xy[p, 0]), y=float(xy[p, 1])) for p in places]
    loads = problem.has_loads
    clients = [Client(location=at[k], delivery=[v.demand] if loads else [],
                      service_duration=ticks.up(v.service), tw_early=ticks.up(v.earliest),
                      tw_late=ticks.down(v.latest), prize=prize, required=False, name=v.id)
               for k, v in enumerate(problem.visits)]
    cost = ticks.travel_cost(problem.travel)[np.ix_(places, places)]
    duration = ticks.travel_duration(problem.travel)[np.ix_(places, places)]
    profile_of: dict[bytes, int] = {}
    distances = [cost]
    for row in entry:
        if row.any() and row.tobytes() not in profile_of:
            profile_of[row.tobytes()] = len(distances)
            into = np.concatenate([np.zeros(len(homes), dtype=np.int64),
                                   np.where(row == FORBIDDEN, 4 * prize, row)])
            distances.append(cost + into[None, :])
            np.fill_diagonal(distances[-1], 0)  # PyVRP's rule; a visit never follows itself
    groups: dict[tuple, list[Carer]] = defaultdict(list)
    for c, row in zip(problem.carers, entry):
        groups[(c.home, c.shift_start, c.shift_end, c.capacity, profile_of.get(row.tobytes(), 0))].append(c)
    depot_of = {home: i for i, home in enumerate(homes)}
    big = sum(v.demand for v in problem.visits)
    vehicle_types = [VehicleType(num_available=len(carers), start_depot=depot_of[home], end_depot=depot_of[home],
                                 capacity=[big if capacity is None else capacity] if loads else [],
                                 tw_early=ticks.up(start), tw_late=ticks.down(end), profile=profile)
                     for (home, start, end, capacity, profile), carers in groups.items()]
    data = ProblemData(locations, clients, [Depot(location=d) for d in depots], vehicle_types,
                       distances, [duration] * len(distances))
    return data, list(groups.values())


def _warm_start(problem: Problem, data: ProblemData, groups: list[list[Carer]], routes: list[Route]) -> PyvrpSolution:
    """The routes as a PyVRP solution, each carer's route on its group's vehicle type."""
    vehicle_type = {c.id: t for t, carers in enumerate(groups) for c in carers}
    index = {v.id: k for k, v in enumerate(problem.visits)}
    return PyvrpSolution(data, [PyvrpRoute(data, [index[s.visit] for s in r.stops], vehicle_type[r.carer])
                                for r in routes if r.stops])


def _refused(problem: Problem, reasons: list[str]) -> UnsupportedProblem:
    return UnsupportedProblem(f"PyVRP cannot route {problem.name or 'this problem'}: {'; '.join(reasons)}. "
                              "Use the OR-Tools engine.")


def solve(problem: Problem, time_limit: float, seed: int = 0, restricted: dict[int, list[int]] | None = None,
          initial_routes: list[Route] | None = None) -> Solution:
    """Route the day; `restricted` (visit index -> the carers that alone may serve it) replaces the
    restrictions the problem's rules give (decompose.restricted_carers); with initial_routes, the
    search starts from them (which must keep the rules) instead of from its own construction."""
    began = time.perf_counter()
    if reasons := _missing_rules(problem):
        raise _refused(problem, reasons)
    entry = _entry_costs(problem, restricted)
    if reasons := _too_large(problem, entry):
        raise _refused(problem, reasons)
    data, groups = _data(problem, _prize(problem), entry)
    clock = _Clock(time_limit, began, len(problem.visits))
    start = None if initial_routes is None else _warm_start(problem, data, groups, initial_routes)
    best = pyvrp_solve(data, clock, seed=seed, collect_stats=False, initial_solution=start,
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
