"""OR-Tools routing with guided local search: the engine for the rules PyVRP lacks.

Models time windows, service times, shifts, capacities, working-time budgets (a dimension that
counts visits and travel between them, not the legs from and to home), breaks (the time
dimension's break intervals, which may interrupt travel or waiting but not a visit) and
double-handed visits (two copies of the visit on different carers whose start times are equal,
or differ by the visit's delay), skills (each copy's vehicles limited to the carers qualified for
its part), soft time windows (the time cumul's soft upper bound, priced per minute late; the
largest tardiness, which no dimension cost expresses, is left to the evaluated objective and
solver.rounds.improve) and continuity of carer: each visit by a carer its client does not know
costs the problem's continuity penalty, or, when that penalty is infinite (no travel saving
outweighs a stranger), is not allowed at all (the carers a visit prefers are its only allowed
vehicles).

Every visit may be dropped at a prohibitive price, so the search always has a solution to improve
and an over-full day comes back with its unserved visits named rather than with nothing; a time
limit too short for the first solution gives every visit unserved.

OR-Tools' routing search has no random seed: `seed` is accepted for the common interface and
ignored. The search is single-threaded and deterministic, but a time limit stops it after however
many moves fit, so two runs can differ when the machine is busier or quieter.
"""

from __future__ import annotations

import math
import time
from collections import Counter, defaultdict

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from . import ticks
from .decompose import restricted_carers
from .problem import Problem, Route, Solution, build_route, objective

NAME = "ortools"


class _Nodes:
    """Routing nodes: one home per carer (nodes 0..C-1, start and end of its route), then one node
    per visit and carer needed, so a double-handed visit has two."""

    def __init__(self, problem: Problem):
        carers = len(problem.carers)
        self.visit = [-1] * carers + [i for i, v in enumerate(problem.visits) for _ in range(v.carers_needed)]
        self.location = np.array([c.home for c in problem.carers] + [problem.visits[i].location
                                                                    for i in self.visit[carers:]], dtype=int)
        self.service = np.array([0] * carers + [ticks.up(problem.visits[i].service) for i in self.visit[carers:]],
                                dtype=np.int64)
        self.carers = carers
        self.part = [-1] * carers + [p for v in problem.visits for p in range(v.carers_needed)]

    def __len__(self) -> int:
        return len(self.visit)

    def matrix(self, by_location: np.ndarray) -> np.ndarray:
        return by_location[np.ix_(self.location, self.location)]


class _FirstFeasible:
    """Solution callback noting when the search first served every visit, and then ending the search
    if `stop`."""

    def __init__(self, routing: pywrapcp.RoutingModel, drop_penalty: int, began: float, stop: bool):
        self._routing, self._penalty, self._began, self._stop = routing, drop_penalty, began, stop
        self.seconds: float | None = None

    def __call__(self) -> None:
        if self.seconds is None and self._routing.CostVar().Value() < self._penalty:
            self.seconds = time.perf_counter() - self._began
            if self._stop:
                self._routing.solver().FinishCurrentSearch()


def _model(problem: Problem, nodes: _Nodes):
    carers = problem.carers
    manager = pywrapcp.RoutingIndexManager(len(nodes), len(carers), list(range(len(carers))), list(range(len(carers))))
    routing = pywrapcp.RoutingModel(manager)
    cost = nodes.matrix(ticks.travel_cost(problem.travel))
    duration = nodes.matrix(ticks.travel_duration(problem.travel))
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(cost.tolist()))

    horizon = max(ticks.down(c.shift_end) for c in carers)
    timing = nodes.service[:, None] + duration
    routing.AddDimension(routing.RegisterTransitMatrix(timing.tolist()), horizon, horizon, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for node in range(nodes.carers, len(nodes)):
        visit, index = problem.visits[nodes.visit[node]], manager.NodeToIndex(node)
        soft = visit.tardiness_cost is not None
        time_dim.CumulVar(index).SetRange(ticks.up(visit.earliest), horizon if soft else ticks.down(visit.latest))
        if soft:  # a tick late costs the tardiness cost in ticks of travel, to the nearest whole
            time_dim.SetCumulVarSoftUpperBound(index, ticks.down(visit.latest), round(visit.tardiness_cost))
    for v, c in enumerate(carers):
        for index in (routing.Start(v), routing.End(v)):
            time_dim.CumulVar(index).SetRange(ticks.up(c.shift_start), ticks.down(c.shift_end))
        routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(v)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(v)))

    if problem.has_loads:
        demand = [0] * nodes.carers + [problem.visits[i].demand for i in nodes.visit[nodes.carers:]]
        big = sum(demand)
        routing.AddDimensionWithVehicleCapacity(routing.RegisterUnaryTransitVector(demand), 0,
                                                [big if c.capacity is None else c.capacity for c in carers],
                                                True, "load")
    if problem.has_working_limits:
        work = timing.copy()
        work[: nodes.carers, :] = 0  # leaving home is not working time
        work[:, : nodes.carers] = nodes.service[:, None]  # nor is going home: only the last visit counts
        routing.AddDimensionWithVehicleCapacity(
            routing.RegisterTransitMatrix(work.tolist()), 0,
            [horizon if c.max_working is None else ticks.down(c.max_working) for c in carers], True, "work")

    hard = math.isinf(problem.continuity_penalty)
    if problem.has_preferences and not hard:
        _prefer_known_carers(problem, routing, manager, nodes)
    _restricted_carers(problem, routing, manager, nodes)
    breaks = _add_breaks(problem, routing, manager, time_dim, nodes)
    _synchronise(problem, routing, manager, time_dim, nodes)
    # above any possible travel, continuity and tardiness total
    late = horizon * max((round(v.tardiness_cost) for v in problem.visits if v.tardiness_cost is not None), default=0)
    drop_penalty = ((int(cost.max()) + 1 + (0 if hard else ticks.up(problem.continuity_penalty)) + late)
                    * (len(nodes) + 1))
    for node in range(nodes.carers, len(nodes)):
        routing.AddDisjunction([manager.NodeToIndex(node)], drop_penalty)
    return manager, routing, time_dim, breaks, drop_penalty


def _prefer_known_carers(problem: Problem, routing, manager, nodes: _Nodes) -> None:
    """A dimension counting, per carer, the visits it serves whose client prefers other carers;
    each costs continuity_penalty through the dimension's span cost (it starts at zero)."""
    visits = [problem.visits[i] for i in nodes.visit[nodes.carers:]]
    transits = [routing.RegisterUnaryTransitVector([0] * nodes.carers + [int(problem.unpreferred(c.id, v))
                                                                         for v in visits])
                for c in problem.carers]
    routing.AddDimensionWithVehicleTransits(transits, 0, len(nodes), True, "continuity")
    continuity = routing.GetDimensionOrDie("continuity")
    continuity.SetSpanCostCoefficientForAllVehicles(ticks.up(problem.continuity_penalty))


def _restricted_carers(problem: Problem, routing, manager, nodes: _Nodes) -> None:
    """Each copy of a visit may go only to the carers decompose.restricted_carers allows it: the node's
    vehicle variable is limited to them, or -1 for unperformed, since SetAllowedVehiclesForIndex's
    Python wrapper rejects every list in OR-Tools 9.15."""
    restricted = restricted_carers(problem)
    for node in range(nodes.carers, len(nodes)):
        if (allowed := restricted.get((nodes.visit[node], nodes.part[node]))) is not None:
            routing.VehicleVar(manager.NodeToIndex(node)).SetValues([-1, *allowed])


def _add_breaks(problem, routing, manager, time_dim, nodes) -> dict[str, pywrapcp.IntervalVar]:
    solver = routing.solver()
    visit_transit = [int(nodes.service[manager.IndexToNode(i)]) for i in range(routing.Size())]
    breaks = {}
    for v, c in enumerate(problem.carers):
        if b := c.break_window:
            duration = ticks.up(b.duration)
            earliest = ticks.up(max(b.earliest, c.shift_start))
            latest = min(ticks.down(b.latest), ticks.down(c.shift_end) - duration)
            breaks[c.id] = solver.FixedDurationIntervalVar(earliest, latest, duration, False, f"break {c.id}")
            time_dim.SetBreakIntervalsOfVehicle([breaks[c.id]], v, visit_transit)
    return breaks


def _synchronise(problem: Problem, routing, manager, time_dim, nodes: _Nodes) -> None:
    """Both copies of a double-handed visit start at the same time, hence on different carers (one
    carer cannot start both when the visit takes time; zero-length visits get an explicit rule),
    or, with a delay, the second copy starts that long after the first (one carer may serve both
    if it has the time). Each copy may still be dropped alone, at the full price, so the search can
    insert them one at a time: tying their ActiveVars together left dropped pairs it never
    re-inserted."""
    solver = routing.solver()
    for node in range(nodes.carers, len(nodes) - 1):
        if nodes.visit[node] == nodes.visit[node + 1]:
            visit = problem.visits[nodes.visit[node]]
            a, b = manager.NodeToIndex(node), manager.NodeToIndex(node + 1)
            if not visit.together:
                solver.Add(time_dim.CumulVar(b) - time_dim.CumulVar(a) >= ticks.up(visit.delay[0]))
                solver.Add(time_dim.CumulVar(b) - time_dim.CumulVar(a) <= ticks.down(visit.delay[1]))
                continue
            solver.Add(time_dim.CumulVar(a) == time_dim.CumulVar(b))
            if nodes.service[node] == 0:
                solver.Add(solver.IsDifferentVar(routing.VehicleVar(a), routing.VehicleVar(b)) >= routing.ActiveVar(a))


def _parameters(time_limit: float):
    params = pywrapcp.DefaultRoutingSearchParameters()
    # On a 300-visit day with double-handed visits, the default (path cheapest arc) found nothing
    # in 60 s; local cheapest insertion found a full plan in 2 s.
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.LOCAL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(int(time_limit * 1000), 1))
    return params


def solve(problem: Problem, time_limit: float, seed: int = 0, initial_routes: list[Route] | None = None,
          first_plan: bool = False) -> Solution:
    """Route the problem; with initial_routes (another engine's), the search starts from them instead of
    from the first-solution heuristic, less what the rules reject (_start); with first_plan, it stops
    at its first plan serving every visit."""
    began = time.perf_counter()
    nodes = _Nodes(problem)
    manager, routing, time_dim, breaks, drop_penalty = _model(problem, nodes)
    first = _FirstFeasible(routing, drop_penalty, began, first_plan)
    routing.AddAtSolutionCallback(first)
    if initial_routes is None:
        assignment = routing.SolveWithParameters(_parameters(time_limit - (time.perf_counter() - began)))
    else:
        routing.CloseModelWithParameters(_parameters(time_limit))
        start = _start(routing, _start_indices(problem, routing, manager, nodes, initial_routes))
        # None when the time runs out before the search begins: the start is then the answer
        assignment = routing.SolveFromAssignmentWithParameters(
            start, _parameters(time_limit - (time.perf_counter() - began))) or start
    if assignment is None:  # the time ran out before the first solution: nothing is served
        return Solution(engine=NAME, routes=[], objective=0.0, runtime=time.perf_counter() - began,
                        unserved=[v.id for v in problem.visits])
    break_start = _break_starts(assignment, breaks)
    schedules = []
    for v in range(len(problem.carers)):
        index, stops = assignment.Value(routing.NextVar(routing.Start(v))), []
        while not routing.IsEnd(index):
            stops.append((problem.visits[nodes.visit[manager.IndexToNode(index)]],
                          ticks.minutes(assignment.Value(time_dim.CumulVar(index)))))
            index = assignment.Value(routing.NextVar(index))
        schedules.append((ticks.minutes(assignment.Value(time_dim.CumulVar(routing.Start(v)))), stops))
    copies = Counter(visit.id for _, stops in schedules for visit, _ in stops)
    served = {visit.id for visit in problem.visits if copies[visit.id] == visit.carers_needed}
    routes = []
    for carer, (depart, stops) in zip(problem.carers, schedules):
        kept = [(visit, start) for visit, start in stops if visit.id in served]  # a lone copy serves nobody
        if kept:
            routes.append(build_route(problem, carer, [v for v, _ in kept], [t for _, t in kept], depart,
                                      break_start.get(carer.id)))
    return Solution(engine=NAME, routes=routes, objective=objective(problem, routes),
                    runtime=time.perf_counter() - began,
                    unserved=[v.id for v in problem.visits if v.id not in served],
                    first_feasible_seconds=first.seconds)


def _start_indices(problem: Problem, routing, manager, nodes: _Nodes, routes: list[Route]) -> list[list[int]]:
    """Each carer's routing indices along the given routes, leaving out visits the carer may not serve
    (skills, the hard continuity rule); a double-handed visit's copies are taken in the order of their
    starts, so the earlier carer is the first it may be."""
    copies: dict[str, list[int]] = defaultdict(list)
    for node in range(nodes.carers, len(nodes)):
        copies[problem.visits[nodes.visit[node]].id].append(node)
    vehicle = {c.id: v for v, c in enumerate(problem.carers)}
    chosen: list[dict[int, int]] = [{} for _ in problem.carers]
    for _, v, position, visit in sorted((s.start, vehicle[r.carer], i, s.visit) for r in routes if r.carer in vehicle
                                        for i, s in enumerate(r.stops)):
        indices = [manager.NodeToIndex(node) for node in copies[visit]]
        if allowed := [i for i in indices if routing.VehicleVar(i).Contains(v)]:
            chosen[v][position] = allowed[0]
            copies[visit].remove(manager.IndexToNode(allowed[0]))
    return [[index for _, index in sorted(route.items())] for route in chosen]


def _start(routing, routes: list[list[int]]):
    """The assignment of the start routes less what the model rejects: when it rejects them whole, routes
    are added one at a time and a rejected route's visits one at a time, each left out if the model
    cannot take it with those before it (a rule it breaks, or a partner it cannot start with), for
    the search to insert again."""
    if (whole := routing.ReadAssignmentFromRoutes(routes, True)) is not None:
        return whole
    kept: list[list[int]] = [[] for _ in routes]
    for v, route in enumerate(routes):
        kept[v] = route
        if routing.ReadAssignmentFromRoutes(kept, True) is None:
            kept[v] = []
            for index in route:
                kept[v].append(index)
                if routing.ReadAssignmentFromRoutes(kept, True) is None:
                    kept[v].pop()
    return routing.ReadAssignmentFromRoutes(kept, True)


def _break_starts(assignment, breaks: dict[str, pywrapcp.IntervalVar]) -> dict[str, float]:
    """Each break's start by carer id, read from the assignment's interval variables."""
    names = {interval.Name(): carer for carer, interval in breaks.items()}
    intervals = assignment.IntervalVarContainer()
    return {names[e.Var().Name()]: ticks.minutes(e.StartValue())
            for e in (intervals.Element(i) for i in range(intervals.Size())) if e.Var().Name() in names}
