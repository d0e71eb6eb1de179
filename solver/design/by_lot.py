"""The award model lot by lot: a Lagrangian bound, and a search a lot and two lots at a time.

A lot's awards, terms and recourse touch other lots only through providers: a provider's capacity,
its lots, the share cap and viability, and the residual market (what a seller has left after its
awards elsewhere). Every other constraint lies within one lot. Pricing those shared constraints at
duals y leaves one small MIP per lot, and

    L(y) = y·b + sum over lots of min (c - yA) x  (each lot's awards whole)

is a lower bound on every design for these lots, for any y of the right signs. At the duals of
the LP relaxation, each lot's own LP relaxation sums to the relaxation's bound, so L is never
below it; solving the lots' MIPs whole adds what the relaxation misses inside a lot (a provider
either holds the lot's award or sells it residual hours, never a fraction of each; a lot has a
whole number of providers, each failing whole).
"""

from __future__ import annotations

import itertools
import time
from collections import defaultdict
from dataclasses import dataclass

import pulp

from .awards import AwardModel
from .mip import fixed, relaxed, solve

LOT_NODES = 2_000  # branch-and-bound nodes per lot's MIP: counted, so the bound is reproducible


@dataclass(frozen=True)
class LagrangianBound:
    bound: float | None  # None when a lot's MIP gave no bound
    lots_proved: int  # lots whose MIP was solved to optimality


def split(model: AwardModel) -> tuple[dict[str, list[pulp.LpConstraint]], list[pulp.LpConstraint]]:
    """The model's constraints lying within each lot, and those linking lots (or holding a variable
    of no lot)."""
    within: dict[str, list[pulp.LpConstraint]] = defaultdict(list)
    linking = []
    for constraint in model.problem.constraints.values():
        lots = {model.lot_of.get(v.name) for v in constraint}
        if len(lots) == 1 and None not in lots:
            within[lots.pop()].append(constraint)
        else:
            linking.append(constraint)
    return within, linking


def duals(model: AwardModel) -> dict[str, float]:
    """The row duals left on the model's constraints by its last LP solve."""
    return {name: float(c.pi or 0.0) for name, c in model.problem.constraints.items()}


def _signed(constraint: pulp.LpConstraint, y: float) -> float:
    """A dual within the sign its row allows (>=: nonnegative, <=: nonpositive, =: free)."""
    if constraint.sense == pulp.LpConstraintGE:
        return max(y, 0.0)
    if constraint.sense == pulp.LpConstraintLE:
        return min(y, 0.0)
    return y


def lagrangian_bound(model: AwardModel, y: dict[str, float], time_limit: float | None,
                     node_limit: int = LOT_NODES, relax: bool = False) -> LagrangianBound:
    """L(y), each lot's MIP solved within `node_limit` nodes and `time_limit` seconds (its own dual
    bound is what counts, so a lot stopped early still gives a valid bound). `relax` solves each
    lot's LP relaxation instead: at the relaxation's duals that sums to the relaxation's bound (the
    check of this module). Values are left on the model's variables; re-solve before reading them."""
    within, linking = split(model)
    objective = model.problem.objective
    reduced = defaultdict(float, {v.name: float(a) for v, a in objective.items()})
    constant = float(objective.constant)
    for constraint in linking:
        dual = _signed(constraint, y.get(constraint.name, 0.0))
        if dual == 0.0:
            continue
        constant -= dual * float(constraint.constant)  # the row is  a·x + constant (sense) 0
        for variable, a in constraint.items():
            reduced[variable.name] -= dual * float(a)
    by_name = {v.name: v for v in model.problem.variables()}
    total, proved = constant, 0
    for name, variable in by_name.items():
        if name in model.lot_of:
            continue
        rc = reduced[name]  # a variable of no lot: at the bound its reduced cost prefers
        end = variable.lowBound if rc > 0 else variable.upBound
        if rc != 0 and end is None:
            return LagrangianBound(None, 0)
        total += rc * (end or 0.0)
    members = defaultdict(list)
    for name, lot in model.lot_of.items():
        if name in by_name:
            members[lot].append(by_name[name])
    for lot in model.lot_ids:
        sub = pulp.LpProblem(f"lot_{lot}", pulp.LpMinimize)
        for constraint in within[lot]:
            sub += constraint
        sub.setObjective(pulp.lpSum(reduced[v.name] * v for v in members[lot] if reduced[v.name]))
        with relaxed(members[lot] if relax else []):
            report = solve(sub, model.config.solver.name, time_limit, 1e-6, model.config.solver.seed,
                           node_limit=None if relax else node_limit)
        if report.bound is None:
            return LagrangianBound(None, proved)
        proved += report.status == "optimal"
        total += report.bound
    return LagrangianBound(total, proved)


@dataclass(frozen=True)
class PairSearch:
    values: dict[str, float]  # every variable's value in the best design found
    objective: float
    tried: int  # pairs of lots searched
    improved: int  # of which gave a cheaper design
    seconds: float
    cut_by_time: bool  # the deadline ended the search before its counted work


def search_pairs(model: AwardModel, values: dict[str, float], objective: float, node_limit: int,
                 deadline: float) -> PairSearch:
    """Improve a design (`values`, costing `objective`) a lot and then two lots at a time: every
    other lot's awards and terms fixed at the design's, the open lots' awards free to go to any
    eligible provider, every lot's recourse free; the branch and bound (`node_limit` nodes, from
    the design) keeps a cheaper design when it finds one. Each lot alone first (it is solved whole
    at the root), then every pair, the most linked first: by the providers awarded in one that
    may bid in the other, the capacity a pair's awards could trade. Counted work, with `deadline`
    as a cap (which then cuts the least linked pairs)."""
    began = time.perf_counter()
    first = [v for v in model.first_stage() if v.name in model.lot_of]
    awarded = {pair for pair, w in model.w.items() if values.get(w.name, 0.0) > 0.5}

    def linked(a: str, b: str) -> int:
        return sum((a, p) in awarded and (b, p) in model.w or (b, p) in awarded and (a, p) in model.w
                   for p in model.providers)

    pairs = sorted(itertools.combinations(model.lot_ids, 2), key=lambda pair: -linked(*pair))
    tried = improved = 0
    cut = False
    for open_lots in [(lot,) for lot in model.lot_ids] + pairs:
        if time.perf_counter() > deadline:
            cut = True
            break
        others = [(v, round(values.get(v.name, 0.0)) if v.cat == pulp.LpInteger else values.get(v.name, 0.0))
                  for v in first if model.lot_of[v.name] not in open_lots]
        with fixed(others):
            report = solve(model.problem, model.config.solver.name, max(deadline - time.perf_counter(), 1.0),
                           1e-6, model.config.solver.seed, start=values, node_limit=node_limit)
        tried += 1
        if report.has_solution and report.objective < objective * (1 - 1e-7):
            values = {v.name: float(v.varValue or 0.0) for v in model.problem.variables()}
            objective = report.objective
            improved += 1
    return PairSearch(values, objective, tried, improved, time.perf_counter() - began, cut)
