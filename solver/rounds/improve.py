"""CP-SAT over the whole day: exact on small problems, an improver of an engine's routes on larger ones.

Why a second model: OR-Tools' routing search sees a double-handed visit's synchronisation or delay
only as a side constraint that its local-search filters ignore, so its moves rarely keep both
copies feasible, and it cannot price the largest tardiness at all; on Mankowska's instances it
stops 1-200% above the optimum. Here every rule is a constraint of one model: a circuit per carer
over the parts of visits it is able to serve (decompose.could_serve and the part's skills), start
times linked along the chosen arcs, the delay between a double visit's two starts, and travel,
tardiness and the largest tardiness in the objective. CP-SAT proves the optimum of a day of a dozen
visits in seconds, and, hinted with the engine's routes, improves days of a few dozen; the model
has an arc per carer and pair of parts that carer could serve, so it is not meant for a lot's
whole day of hundreds.

It models time windows (hard or soft), service, shifts, skills, double-handed visits with or
without delays, tardiness costs and the largest tardiness (both rounded to whole multiples of a
tick of travel per tick late, as in the OR-Tools engine) and loads; problems with breaks,
working-time limits or continuity preferences are refused (`unsupported`). Every visit must be
served: when the model finds no such plan better than the one given, that one is returned.
"""

from __future__ import annotations

import itertools
import math
import os
import random
import time

from ortools.sat.python import cp_model

from . import ortools_engine, ticks
from .decompose import could_serve
from .problem import Problem, Route, Solution, build_route, objective

NAME = "cpsat"
MAX_VISITS = 50  # the model has an arc per carer and pair of parts a carer could serve: days of a few dozen visits
START_SHARE = 1 / 6  # of the time, for OR-Tools' starting routes
Arc = tuple[int, int, int]  # (carer, from part, to part), -1 the carer's home


def unsupported(problem: Problem) -> list[str]:
    """The rules this model lacks; empty when it can route the problem."""
    checks = [(problem.has_breaks, "carers' breaks"), (problem.has_working_limits, "working-time limits"),
              (problem.has_preferences, "same-carer preferences")]
    return [reason for present, reason in checks if present]


def _task_carers(problem: Problem, parts: list[tuple[int, int]]) -> list[list[int]]:
    """For each part of a visit, the carers that could serve it."""
    able = could_serve(problem)
    return [[v for v, c in enumerate(problem.carers) if able[v, k] and problem.qualified(c, problem.visits[k], part)]
            for k, part in parts]


def _hint(problem: Problem, solution: Solution, parts: list[tuple[int, int]]) -> dict[str, list[int]]:
    """Each carer's order of parts (indices into `parts`) in the given solution; a double visit's
    earlier start is its first part (together: the qualified order)."""
    index = {(problem.visits[k].id, part): t for t, (k, part) in enumerate(parts)}
    starts: dict[str, list[tuple[float, str]]] = {}
    for r in solution.routes:
        for s in r.stops:
            starts.setdefault(s.visit, []).append((s.start, r.carer))
    part_of: dict[tuple[str, float, str], int] = {}
    for visit_id, served in starts.items():
        visit = problem.visit_by_id[visit_id]
        served.sort()
        if len(served) == 2 and visit.together and not all(
                problem.qualified(problem.carer_by_id[c], visit, p) for p, (_, c) in enumerate(served)):
            served.reverse()
        for p, (start, carer) in enumerate(served):
            part_of[(visit_id, start, carer)] = p
    return {r.carer: [index[(s.visit, part_of[(s.visit, s.start, r.carer)])] for s in r.stops] for r in solution.routes}


class _Model:
    """The CP-SAT model of the whole day, built once and solved again with parts of a plan fixed."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.parts = parts = [(k, part) for k, v in enumerate(problem.visits) for part in range(v.carers_needed)]
        self.carers_of = _task_carers(problem, parts)
        horizon = max(ticks.down(c.shift_end) for c in problem.carers)
        cost, duration = ticks.travel_cost(problem.travel), ticks.travel_duration(problem.travel)
        self.m = m = cp_model.CpModel()
        visit = [problem.visits[k] for k, _ in parts]
        self.start = start = [m.NewIntVar(ticks.up(v.earliest),
                                          horizon if v.tardiness_cost is not None else ticks.down(v.latest), "")
                              for v in visit]
        self.on: dict[tuple[int, int], cp_model.IntVar] = {}
        self.arcs: dict[Arc, cp_model.IntVar] = {}
        self.home: list[cp_model.IntVar] = []
        travel_cost = []
        for c, carer in enumerate(problem.carers):
            mine = [t for t in range(len(parts)) if c in self.carers_of[t]]
            depart = m.NewIntVar(ticks.up(carer.shift_start), ticks.down(carer.shift_end), "")
            back = m.NewIntVar(ticks.up(carer.shift_start), ticks.down(carer.shift_end), "")
            node = {t: i + 1 for i, t in enumerate(mine)} | {-1: 0}
            place = {t: visit[t].location for t in mine} | {-1: carer.home}
            self.home.append(m.NewBoolVar(""))  # the carer stays at home
            circuit = [(0, 0, self.home[-1])]
            for t in mine:
                self.on[c, t] = m.NewBoolVar("")
                circuit.append((node[t], node[t], self.on[c, t].Not()))
            for a in [-1, *mine]:
                for b in [-1, *mine]:
                    if a != b:
                        arc = self.arcs[c, a, b] = m.NewBoolVar("")
                        circuit.append((node[a], node[b], arc))
                        travel_cost.append(int(cost[place[a], place[b]]) * arc)
                        ready = depart if a == -1 else start[a] + ticks.up(visit[a].service)
                        m.Add((back if b == -1 else start[b]) >= ready + int(duration[place[a], place[b]])
                              ).OnlyEnforceIf(arc)
            m.AddCircuit(circuit)
            if problem.has_loads and carer.capacity is not None:
                m.Add(sum(visit[t].demand * self.on[c, t] for t in mine) <= carer.capacity)

        for t, (k, part) in enumerate(parts):
            m.AddExactlyOne(self.on[c, t] for c in self.carers_of[t])
            if part == 1:
                v = problem.visits[k]
                m.AddLinearConstraint(start[t] - start[t - 1], ticks.up(v.delay[0]), ticks.down(v.delay[1]))
                if v.together:
                    for c in set(self.carers_of[t]) & set(self.carers_of[t - 1]):
                        m.AddBoolOr([self.on[c, t].Not(), self.on[c, t - 1].Not()])
        self.due = {t: ticks.down(v.latest) for t, v in enumerate(visit) if v.tardiness_cost is not None}
        self.late = {t: m.NewIntVar(0, horizon, "") for t in self.due}
        for t, due in self.due.items():
            m.Add(self.late[t] >= start[t] - due)
        self.largest = m.NewIntVar(0, horizon, "")
        if self.late:
            m.AddMaxEquality(self.largest, list(self.late.values()))
        m.Minimize(sum(travel_cost) + sum(round(visit[t].tardiness_cost) * x  # type: ignore[arg-type]
                                          for t, x in self.late.items())
                   + round(problem.max_tardiness_weight) * self.largest)

    def solve(self, seconds: float, plan: set[Arc], starts: list[int], fixed: list,
              seed: int) -> tuple[int, float, set[Arc], list[int]]:
        """Status, objective, arcs and start ticks of a solve hinted with `plan` and its `starts`,
        the `fixed` literals true (objective infinite and no arcs when nothing is found)."""
        self.m.ClearHints()
        if plan:  # every decision, so that CP-SAT need not complete the hint
            for key, arc in self.arcs.items():
                self.m.AddHint(arc, key in plan)
            served = {(c, b) for c, _, b in plan}
            for c, stay in enumerate(self.home):
                self.m.AddHint(stay, (c, -1) not in served)
            for key, x in self.on.items():
                self.m.AddHint(x, key in served)
            for x, value in zip(self.start, starts):
                self.m.AddHint(x, value)
            late = {t: max(0, starts[t] - due) for t, due in self.due.items()}
            for t, x in self.late.items():
                self.m.AddHint(x, late[t])
            self.m.AddHint(self.largest, max(late.values(), default=0))
        model = self.m.clone() if fixed else self.m
        for x in fixed:  # in the domains, not as assumptions, so that presolve drops what they decide
            domain = model.proto.variables[x.index].domain
            domain[0] = domain[1] = 1
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(seconds, 0.01)
        solver.parameters.num_workers = os.cpu_count() or 1
        solver.parameters.random_seed = seed
        status = solver.Solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return status, math.inf, set(), []
        return (status, solver.ObjectiveValue(), {key for key, arc in self.arcs.items() if solver.Value(arc)},
                [solver.Value(x) for x in self.start])

    def routes(self, plan: set[Arc], starts: list[int]) -> list[Route]:
        """The plan's routes, each part starting at its tick in `starts`."""
        successor = {(c, a): b for c, a, b in plan}
        routes = []
        for c, carer in enumerate(self.problem.carers):
            order: list[int] = []
            while (at := successor.get((c, order[-1] if order else -1), -1)) != -1:
                order.append(at)
            if order:
                visits = [self.problem.visits[self.parts[t][0]] for t in order]
                times = [ticks.minutes(starts[t]) for t in order]
                depart = max(carer.shift_start, times[0] - float(self.problem.travel[carer.home, visits[0].location]))
                routes.append(build_route(self.problem, carer, visits, times, depart))
        return routes

    def plan_of(self, solution: Solution) -> tuple[set[Arc], list[int]]:
        """A Solution's routes as arcs of this model (those it allows), and its start ticks."""
        number = {carer.id: c for c, carer in enumerate(self.problem.carers)}
        orders = _hint(self.problem, solution, self.parts)
        starts = [0] * len(self.parts)
        for r in solution.routes:
            for t, stop in zip(orders[r.carer], r.stops):
                starts[t] = round(stop.start * ticks.SCALE)
        return {(number[carer], a, b) for carer, order in orders.items()
                for a, b in zip([-1, *order], [*order, -1]) if (number[carer], a, b) in self.arcs}, starts

    def keeping(self, plan: set[Arc], free: tuple[int, ...]) -> list:
        """Literals fixing the plan's routes of every carer not in `free`."""
        return [self.arcs[key] for key in plan if key[0] not in free]

    def slice(self, plan: set[Arc], starts: list[int], rng: random.Random) -> list:
        """Literals fixing every arc of the plan but those touching a third of the parts: those that
        start nearest a random part's start or, half the time, nearest the due time of a late part
        (the later the likelier), with that part's visit; those parts may move to any carer and
        place in that stretch of the day."""
        late = {t: starts[t] - due for t, due in self.due.items() if starts[t] > due}
        if late and rng.random() < 0.5:
            t = rng.choices(list(late), weights=list(late.values()))[0]
            middle, visit = self.due[t], {u for u, (k, _) in enumerate(self.parts) if k == self.parts[t][0]}
        else:
            middle, visit = starts[rng.randrange(len(starts))], set()
        near = sorted(range(len(starts)), key=lambda u: abs(starts[u] - middle))
        free = visit | set(near[: max(3, len(starts) // 3)])
        return [self.arcs[c, a, b] for c, a, b in plan if a not in free and b not in free]


def improve(problem: Problem, solution: Solution | None, time_limit: float, seed: int = 0) -> Solution:
    """The best plan serving every visit found within time_limit seconds, from `solution`'s routes
    when given (`solution` itself when nothing better is found). A first solve of the whole model,
    in a tenth of the time, proves small days optimal; then large-neighbourhood search until the
    time is up: by turns, every route but those of two or three carers (each such set in turn, in
    random order) or every arc but those of a stretch of the day (`_Model.slice`) is fixed, the
    rest solved again for at most half a second, and each improvement kept."""
    if reasons := unsupported(problem):
        raise ValueError(f"CP-SAT cannot route {problem.name or 'this problem'}: {'; '.join(reasons)}")
    began = time.perf_counter()
    model = _Model(problem)
    given, given_starts = model.plan_of(solution) if solution is not None else (set(), [])
    status, best, plan, starts = model.solve(time_limit / 10, given, given_starts, [], seed)
    if not plan:  # nothing found in time: search from the given plan
        plan, starts = given, given_starts
    rng = random.Random(seed)
    subsets: list[tuple[int, ...]] = []
    for turn in itertools.count():
        if status == cp_model.OPTIMAL or not plan or (left := began + time_limit - time.perf_counter()) < 0.05:
            break
        if not subsets:
            everyone = range(len(problem.carers))
            subsets = [s for k in (2, 3) for s in itertools.combinations(everyone, k)] or [tuple(everyone)]
            rng.shuffle(subsets)
        fixed = model.slice(plan, starts, rng) if turn % 2 else model.keeping(plan, subsets.pop())
        _, value, found, found_starts = model.solve(min(left, 0.5), plan, starts, fixed, rng.randrange(1 << 30))
        if value < best:
            best, plan, starts = value, found, found_starts
    if not plan:
        return solution if solution is not None else Solution(NAME, [], 0.0, time.perf_counter() - began,
                                                               [v.id for v in problem.visits])
    routes = model.routes(plan, starts)
    found = Solution(NAME, routes, objective(problem, routes), time.perf_counter() - began)
    return found if solution is None or found.objective < solution.objective else solution


def solve(problem: Problem, time_limit: float, seed: int = 0) -> Solution:
    """The engine: OR-Tools' routes in a sixth of the time, then `improve` in the rest."""
    began = time.perf_counter()
    start = ortools_engine.solve(problem, time_limit * START_SHARE, seed)
    solution = improve(problem, start, time_limit - (time.perf_counter() - began), seed)
    solution.runtime = time.perf_counter() - began
    return solution
