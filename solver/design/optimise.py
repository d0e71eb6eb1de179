"""Optimise a tender design: lots first, then awards (a decomposition), over the allowed lot counts.

The lot stage cuts the county into contiguous, volume-bounded lots that keep care hours close to
each lot's centre; the award stage chooses providers, block hours and recourse for those lots with
every concern in play. The joint problem (lots and awards at once) is far too large for an exact
model at county scale, so the output says it was decomposed and gives each stage's own status,
bound and gap. When several lot counts are allowed, each is screened with the same counted effort
and the cheapest gets the exact solve; counts whose costs lie within each other's gaps are named.
Every decision is bounded by counted work (heuristic moves, branch-and-bound nodes), so a seed gives
the same design on a busy machine; the time limit is a cap, and the design says when it cut in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

import networkx as nx
import numpy as np
import pulp

from ..instance import Instance
from .awards import AwardModel, group_slacks
from .by_lot import duals, lagrangian_bound, search_pairs
from .config import DesignConfig
from .contract import SPEND_TERMS, dispatch, market_of
from .lots import LotProblem, LotResult, solve_lots
from .lots_heuristic import LotPartition
from .mip import PROVEN_GAP, SolveReport, fixed, relative_gap, relaxed, solve
from .result import Award, Design, Lot

MAX_LOT_COUNTS_TRIED = 4
SCREENING_SHARE = 0.5  # of the time limit, spread over the lot counts screened (a cap: effort decides)
MIN_AWARD_SECONDS = 2.0
MIN_EXACT_SECONDS = 5.0
NODE_WORK, MIN_NODES, MAX_NODES = 100_000, 10, 500  # the default award search (solver.node_limit unset)
WHOLE_MIP_MAX_VARIABLES = 5_000  # a whole award model this small is branched on, failure worlds and all
SCREENING_NODES = 1  # the root node (presolve, cuts, root heuristics): the same effort for every lot count
LAGRANGIAN_SHARE = 0.25  # of the award stage's time left after its branch and bound: a cap on the lots' MIPs
PAIR_NODES = 1  # each lot and pair of lots searched at the root (`by_lot.search_pairs`)
SUPPORT = 1e-3  # an award the LP relaxation gives more weight than this is searched by the branch and bound


@dataclass
class Infeasible(Exception):
    """Requirements that cannot all be met: by family, where, and by how much."""

    explanation: dict[str, list[str]]

    def __str__(self) -> str:
        lines = ["the design's requirements cannot all be met:"]
        for family, places in self.explanation.items():
            lines.append(f"  {family}:")
            lines += [f"    - {place}" for place in places[:12]]
            if len(places) > 12:
                lines.append(f"    - ... and {len(places) - 12} more")
        return "\n".join(lines)


def lot_counts(config: DesignConfig, n_areas: int) -> list[int]:
    counts = list(range(config.lots.count_min, min(config.lots.count_max, n_areas) + 1))
    if len(counts) <= MAX_LOT_COUNTS_TRIED:
        return counts
    picks = np.linspace(0, len(counts) - 1, MAX_LOT_COUNTS_TRIED).round().astype(int)
    return sorted({counts[i] for i in picks})


def volume_bounds(config: DesignConfig, total: float, k: int) -> tuple[float, float]:
    if config.lots.balance_tolerance is not None:
        mean = total / k
        return (1 - config.lots.balance_tolerance) * mean, (1 + config.lots.balance_tolerance) * mean
    return config.lots.volume_min or 0.0, config.lots.volume_max or total


def area_graph(instance: Instance) -> nx.Graph:
    """Adjacency on area indices, edges weighted by centre-to-centre km."""
    index = {a: i for i, a in enumerate(instance.area_ids)}
    xy = instance.areas[["x_km", "y_km"]].to_numpy()
    graph = nx.Graph()
    graph.add_nodes_from(range(len(index)))
    for a, b in instance.adjacency:
        i, j = index[a], index[b]
        graph.add_edge(i, j, km=float(np.hypot(*(xy[i] - xy[j]))))
    return graph


def lot_problem(instance: Instance, config: DesignConfig, k: int) -> LotProblem:
    hours = instance.expected_demand().to_numpy()
    lower, upper = volume_bounds(config, float(hours.sum()), k)
    non_rural = np.where(instance.areas["rurality"].to_numpy() != "rural", hours, 0.0)
    return LotProblem(weight=hours, distance=instance.distance_km().to_numpy(), k=k, lower=lower, upper=upper,
                      graph=area_graph(instance) if config.lots.contiguous else None,
                      candidate_centres=max(config.lots.candidate_centres or len(hours), 4 * k), non_rural=non_rural,
                      min_non_rural_share=config.coverage.min_non_rural_share)


def explain_lots(problem: LotProblem, heuristic: LotPartition) -> dict[str, list[str]]:
    volumes = [float(problem.weight[m].sum()) for m in heuristic.members]
    family = "contiguity with volume bounds" if problem.graph is not None else "volume bounds"
    detail = (f"cannot cut {len(problem.weight)} areas into {problem.k} lots of {problem.lower:,.0f}–"
              f"{problem.upper:,.0f} hours/week (total {problem.weight.sum():,.0f}); the best cut found has lots "
              f"of {min(volumes):,.0f}–{max(volumes):,.0f} hours/week, {heuristic.max_violation:,.0f} outside the bounds")
    places = [detail]
    if problem.min_non_rural_share > 0:
        places.append(f"each lot must have at least {problem.min_non_rural_share:.0%} of its hours in urban or "
                      f"town areas; {problem.non_rural.sum() / problem.weight.sum():.0%} of all hours are")
    return {family: places}


def solve_awards(instance: Instance, config: DesignConfig, lots: list[list[str]], time_limit: float,
                 node_limit: int | None, bound: bool = True,
                 start: list[Award] | None = None) -> tuple[AwardModel, SolveReport]:
    """Awards for these lots, with the solver's true status, bound and gap.

    Without failure worlds the model is branched on whole (`node_limit` nodes). With them it is
    several times larger, and:

    - a small whole model is branched on from the awards of the model without its failure worlds
      (its own node-limited branch and bound);
    - a larger one is solved by its LP relaxation first, whose duals give the Lagrangian bound
      over lots (`by_lot`): the better of the two is the bound on what any awards for these lots
      can cost. Branch and bound then searches the awards that relaxation gives weight to
      (`SUPPORT`), failure worlds and all, from `start`'s awards when given (they join the
      search); if none of them makes a design, every award is open again (`optimise` then
      searches the design it keeps a lot and two lots at a time: `_searched`);
    - in screening (`bound` off) the awards of the model without its failure worlds are kept.

    With its terms fixed the recourse is re-solved, so the reported terms are always the least-cost
    dispatch of the design's awards (the evaluation's)."""
    began = time.perf_counter()
    failures = config.stability.exit_rate > 0
    calm_config = replace(config, stability=replace(config.stability, exit_rate=0.0)) if failures else config
    settings = config.solver
    model = AwardModel(instance, config, lots)
    model.finalise()
    if failures and bound and len(model.problem.variables()) > WHOLE_MIP_MAX_VARIABLES:
        return model, _from_relaxation(model, calm_config, time_limit, node_limit, began, start)
    calm = AwardModel(instance, calm_config, lots) if failures else model
    if failures:
        calm.finalise()
    node_limit = node_limit or node_budget(calm.problem)
    report = solve(calm.problem, settings.name, time_limit, settings.gap, settings.seed, node_limit=node_limit)
    if report.status in ("infeasible", "unbounded_or_infeasible"):
        _explain_infeasible(instance, calm_config, lots, time_limit, report)
    if not report.has_solution:
        return calm, report
    if not failures:
        return calm, _resolve_recourse(calm, report)
    left = max(MIN_AWARD_SECONDS, time_limit - (time.perf_counter() - began))
    if len(model.problem.variables()) <= WHOLE_MIP_MAX_VARIABLES:  # small: branch on the whole model
        start = {v.name: float(v.varValue) for v in calm.first_stage() if v.varValue is not None}
        whole = solve(model.problem, settings.name, left, settings.gap, settings.seed, start=start,
                      node_limit=node_limit)
        if whole.has_solution:
            return model, _resolve_recourse(model, whole)
    chosen = {v.name: round(v.varValue or 0.0) for v in calm.problem.variables() if v.cat == pulp.LpInteger}
    for variable in model.problem.variables():
        if variable.name in chosen:
            variable.lowBound = variable.upBound = chosen[variable.name]
    fixed = solve(model.problem, settings.name, None, 1e-9, settings.seed)  # pricing the design: to the end
    if not fixed.has_solution:
        raise RuntimeError(f"the award model with its awards fixed could not be solved ({fixed.status})")
    return model, SolveReport(report.solver, "feasible", fixed.objective, None, None, time.perf_counter() - began,
                              report.stopped_by)


def _from_relaxation(model: AwardModel, calm_config: DesignConfig, time_limit: float, node_limit: int | None,
                     began: float, start: list[Award] | None = None) -> SolveReport:
    """A large whole model: its LP relaxation, then branch and bound over the awards the relaxation
    supports (every award, if none of those makes a design), the Lagrangian bound at the
    relaxation's duals, then the design priced."""
    settings = model.config.solver
    relaxation = _relaxation(model, time_limit)
    if relaxation.status in ("infeasible", "unbounded_or_infeasible"):
        _explain_infeasible(model.instance, calm_config, model.lots, time_limit, relaxation)
    support = [pair for pair, award in model.w.items() if (award.varValue or 0.0) > SUPPORT]
    prices = duals(model)
    values = None
    if start:
        supported = set(support)
        support += [(a.lot, a.provider) for a in start if (a.lot, a.provider) not in supported]
        values = _values_at(model, start)
    nodes = node_limit or node_budget(model.problem, len(support) / max(len(model.w), 1))
    with _awards_limited_to(model, support):
        left = max(MIN_AWARD_SECONDS, time_limit - (time.perf_counter() - began))
        report = solve(model.problem, settings.name, left, settings.gap, settings.seed, start=values,
                       node_limit=nodes)
    if not report.has_solution:
        left = max(MIN_AWARD_SECONDS, time_limit - (time.perf_counter() - began))
        report = solve(model.problem, settings.name, left, settings.gap, settings.seed, node_limit=nodes)
    if report.status in ("infeasible", "unbounded_or_infeasible"):
        _explain_infeasible(model.instance, calm_config, model.lots, time_limit, report)
    if not report.has_solution:
        return report
    found = {v.name: float(v.varValue or 0.0) for v in model.problem.variables()}
    left = time_limit - (time.perf_counter() - began)
    bounds = _lower_bounds(model, relaxation, prices, LAGRANGIAN_SHARE * left)
    for variable in model.problem.variables():  # the design's values again (the lots' MIPs left theirs)
        variable.varValue = found[variable.name]
    lower = max(bounds.values()) if bounds else None
    priced = _resolve_recourse(model, replace(report, bound=lower, bounds=bounds or None))
    return replace(priced, status=_status(priced.gap, settings.gap), seconds=time.perf_counter() - began,
                   stopped_by="time" if relaxation.stopped_by == "time" else report.stopped_by)


def _lower_bounds(model: AwardModel, relaxation: SolveReport, prices: dict[str, float],
                  seconds: float) -> dict[str, float]:
    """The bounds on any awards for these lots: the LP relaxation's (solved to the end) and the
    Lagrangian bound over lots at its duals, `prices` (`by_lot`), which is never below it; the
    lots' MIPs share `seconds` as a cap. Leaves the lots' values on the model's variables."""
    if relaxation.status != "optimal":
        return {}
    bounds = {"lp_relaxation": relaxation.objective}
    lagrangian = lagrangian_bound(model, prices, max(seconds, MIN_AWARD_SECONDS) / len(model.lot_ids))
    if lagrangian.bound is not None:
        bounds["lagrangian_over_lots"] = lagrangian.bound
    return bounds


def _status(gap: float | None, tolerance: float) -> str:
    if gap is None:
        return "feasible"
    return "optimal" if gap <= PROVEN_GAP else "within_gap" if gap <= tolerance else "feasible"


def _explain_infeasible(instance: Instance, config: DesignConfig, lots: list[list[str]], time_limit: float,
                        report: SolveReport) -> None:
    """Raise Infeasible with the requirements an elastic copy of the model finds it must break."""
    settings = config.solver
    elastic = AwardModel(instance, config, lots, elastic=True)
    elastic.finalise()
    elastic_report = solve(elastic.problem, settings.name, time_limit, settings.gap, settings.seed)
    if elastic_report.has_solution and elastic.used_slacks():
        raise Infeasible(group_slacks(elastic.used_slacks()))
    raise Infeasible({"award stage": [f"the solver reports '{report.status}' and the elastic model "
                                      f"'{elastic_report.status}'"]})


def node_budget(problem: pulp.LpProblem, share: float = 1.0) -> int:
    """Branch-and-bound nodes for an award model: the same work (nodes x variables) whatever its size,
    so small models are searched deeply and large ones still finish; counted, hence reproducible.
    `share`: the part of the model left open (awards outside a relaxation's support fixed)."""
    variables = max(len(problem.variables()) * share, 1)
    return int(min(MAX_NODES, max(MIN_NODES, round(NODE_WORK / variables))))


def _relaxation(model: AwardModel, seconds: float) -> SolveReport:
    """The model's LP relaxation (its values left on the variables): a bound on the cost of any
    awards for these lots."""
    with relaxed(model.problem.variables()):
        return solve(model.problem, model.config.solver.name, seconds, 1e-9, model.config.solver.seed,
                     interior_point=True)


def _values_at(model: AwardModel, awards: list[Award]) -> dict[str, float] | None:
    """Every variable's value with these awards made and no others, their terms at their best for
    them (no dearer than the awards' own terms, which may have been rounded off a rule's edge): a
    start for branch and bound, or None when no terms make these awards a design."""
    made = {(a.lot, a.provider) for a in awards}
    with fixed([(w, 1.0 if pair in made else 0.0) for pair, w in model.w.items()]):
        priced = solve(model.problem, model.config.solver.name, None, 1e-9, model.config.solver.seed)
        return {v.name: float(v.varValue or 0.0) for v in model.problem.variables()} if priced.has_solution else None


@contextmanager
def _awards_limited_to(model: AwardModel, pairs: list[tuple[str, str]]) -> Iterator[None]:
    """Only these (lot, provider) awards may be made while the block runs."""
    kept = set(pairs)
    closed = [(award, award.upBound) for pair, award in model.w.items() if pair not in kept]
    for award, _ in closed:
        award.upBound = 0
    try:
        yield
    finally:
        for award, upper in closed:
            award.upBound = upper


def _resolve_recourse(model: AwardModel, report: SolveReport) -> SolveReport:
    """Fix the contract terms at the incumbent's and solve the remaining LP: its objective is the
    incumbent's true cost (never above the MIP's), against the MIP's bound. Pricing LPs run to the
    end: the time limit caps the search, and a design is always priced."""
    for variable in model.first_stage():
        value = float(variable.varValue or 0.0)
        value = round(value) if variable.cat == pulp.LpInteger else max(value, 0.0)
        variable.lowBound = variable.upBound = value
    config = model.config
    fixed = solve(model.problem, config.solver.name, None, 1e-9, config.solver.seed)
    if not fixed.has_solution:
        raise RuntimeError(f"the award model's recourse could not be re-solved ({fixed.status})")
    objective = min(fixed.objective, report.objective) if report.objective is not None else fixed.objective
    return replace(report, objective=objective, gap=relative_gap(objective, report.bound),
                   seconds=report.seconds + fixed.seconds)


@dataclass
class Attempt:
    """One lot count tried: its design, or why there is none."""

    k: int
    design: Design | None = None
    objective: float = float("inf")
    failures: dict[str, list[str]] = field(default_factory=dict)
    lots: tuple[LotPartition, LotResult | None] | None = None  # the lots the design's awards are for

    def summary(self) -> dict:
        if self.design is None:
            return {"lots": self.k, "outcome": "; ".join(self.failures)}
        award = self.design.solve["award_stage"]
        terms = self.design.solve["objective_terms_gbp_per_year"]
        return {"lots": self.k, "objective": round(self.objective, 2),
                "bound": None if award["bound"] is None else round(award["bound"], 2),
                "gap": award["gap"], "lot_source": self.design.solve["lot_source"], "award_status": award["status"],
                "providers": len({a.provider for a in self.design.awards}),
                "council_spend_gbp_per_year": round(sum(terms.get(t, 0.0) for t in SPEND_TERMS), 2),
                **{f"{t}_gbp_per_year": round(terms.get(t, 0.0), 2) for t in ("unmet", "failures", "travel", "continuity")}}

    @property
    def bound(self) -> float:
        bound = self.design.solve["award_stage"]["bound"] if self.design is not None else None
        return float("-inf") if bound is None else bound


def attempt(instance: Instance, config: DesignConfig, k: int, lot_seconds: float, seconds: float,
            exact: bool, progress: Callable[[str], None],
            given: tuple[LotPartition, LotResult | None] | None = None, start: list[Award] | None = None) -> Attempt:
    """Lots for k (unless `given`), then awards for those lots in whatever is left of `seconds`
    (searched from `start`'s, when given)."""
    began = time.perf_counter()
    result = None
    if given is not None:
        partition, result = given
    elif k == 1:
        partition = LotPartition([0], [list(range(len(instance.areas)))], 0.0, 0.0)
    else:
        progress(f"lots: cutting {len(instance.areas)} areas into {k} lots ({'exact' if exact else 'screening'})")
        problem = lot_problem(instance, config, k)
        result = solve_lots(problem, config.solver.name, lot_seconds, config.solver.gap, config.solver.seed,
                            exact=exact)
        if result.partition is None:
            return Attempt(k, failures=explain_lots(problem, result.heuristic))
        partition = result.partition
    ids = instance.area_ids
    lots = [[ids[i] for i in members] for members in partition.members]
    progress(f"awards: choosing providers for {k} lot(s)")
    award_seconds = max(MIN_AWARD_SECONDS, seconds - (time.perf_counter() - began))
    try:
        model, report = solve_awards(instance, config, lots, award_seconds,
                                     config.solver.node_limit if exact else SCREENING_NODES, bound=exact,
                                     start=start)
    except Infeasible as infeasible:
        return Attempt(k, failures={family: [f"with {k} lots: {p}" for p in places]
                                    for family, places in infeasible.explanation.items()})
    if not report.has_solution:
        return Attempt(k, failures={"time": [f"with {k} lots the award model found no solution in "
                                             f"{award_seconds:.0f} s or its node limit; raise --time-limit "
                                             "or solver.node_limit"]})
    return Attempt(k, _design(instance, config, partition, lots, model, result, report), report.objective,
                   lots=(partition, result))


def optimise(instance: Instance, config: DesignConfig,
             progress: Callable[[str], None] = lambda message: None) -> Design:
    """The best design found under `config`; raises Infeasible with an explanation.

    With several allowed lot counts, each is screened with the same effort (heuristic lots with
    location-allocation, the award model's root node) within a share of the time limit; the best
    count then gets the exact lot MIP and the full award solve (`solver.node_limit` nodes, or a
    budget by model size: `node_budget`).
    """
    began = time.perf_counter()
    total = config.solver.time_limit
    deadline = began + total
    counts = lot_counts(config, len(instance.areas))
    screened: list[Attempt] = []
    if len(counts) > 1:
        each = SCREENING_SHARE * total / len(counts)
        for k in counts:
            if screened and time.perf_counter() > began + SCREENING_SHARE * total and any(a.design for a in screened):
                screened.append(Attempt(k, failures={"time": [f"{k} lots not screened: the screening time was spent"]}))
                continue
            screened.append(attempt(instance, config, k, each / 2, each, exact=False, progress=progress))
        feasible = [a for a in screened if a.design is not None]
        if not feasible:
            raise Infeasible(_merge_failures(screened))
        chosen = min(feasible, key=lambda a: a.objective).k
    else:
        chosen = counts[0]
    remaining = deadline - time.perf_counter()
    if screened and remaining < MIN_EXACT_SECONDS:
        final = Attempt(chosen, failures={"time": ["no time left for the exact solve after screening"]})
    else:
        share = config.solver.lot_share_of_time if chosen > 1 else 0.0
        remaining = max(remaining, MIN_EXACT_SECONDS)
        final = attempt(instance, config, chosen, share * remaining, remaining, exact=True, progress=progress)
    candidates = [a for a in [final, *screened] if a.design is not None and a.k == chosen]
    if not candidates:
        raise Infeasible(_merge_failures([final, *screened]))
    best = min(candidates, key=lambda a: (a.objective, a is not final))
    if best is not final and best.lots is not None:  # screening lots won: their awards searched as the exact's
        remaining = max(deadline - time.perf_counter(), MIN_EXACT_SECONDS)
        again = attempt(instance, config, chosen, 0.0, remaining, exact=True, progress=progress, given=best.lots,
                        start=best.design.awards)
        if again.design is not None:
            best = again if again.objective <= best.objective else _with_bound_of(best, again)
    best = _searched(instance, config, best, deadline)
    best.design.solve["lot_counts_tried"] = [a.summary() for a in screened] or [final.summary()]
    best.design.solve["reproducible"] = all(a.design.solve["reproducible"] if a.design else "time" not in a.failures
                                            for a in [best, *screened])
    # counts the chosen design's own gap cannot rule out: their screening cost is within it
    close = [a.k for a in screened if a.design is not None and a.k != chosen and a.objective <= 2 * best.objective
             - best.bound]
    if close:
        best.design.solve["lot_counts_too_close_to_call"] = close
    if best is not final:
        best.design.solve["note"] = ("the screening lots are kept: " + ("; ".join(
            p for places in final.failures.values() for p in places) or
            "the exact lot MIP's lots gave a dearer award than the screening lots"))
    return best.design


def _searched(instance: Instance, config: DesignConfig, best: Attempt, deadline: float) -> Attempt:
    """The kept design's awards searched a lot and two lots at a time (`by_lot.search_pairs`) until
    its counted work is done or `deadline`, when its award model was too large to branch on whole
    (its bound then came from the relaxation); the design re-priced when the search found cheaper."""
    award = best.design.solve["award_stage"]
    if not award.get("bounds") or best.lots is None:
        return best
    lots = [lot.areas for lot in best.design.lots]
    model = AwardModel(instance, config, lots)
    model.finalise()
    values = _values_at(model, best.design.awards)
    if values is None:
        return best
    found = search_pairs(model, values, float(pulp.value(model.problem.objective)), PAIR_NODES, deadline)
    searched = {"lots_and_pairs_searched": found.tried, "improved": found.improved,
                "seconds": round(found.seconds, 2), "cut_by_time": found.cut_by_time}
    if not found.improved:
        best.design.solve["award_search"] = searched
        best.design.solve["reproducible"] &= not found.cut_by_time
        return best
    for variable in model.problem.variables():
        variable.varValue = found.values.get(variable.name, 0.0)
    report = _resolve_recourse(model, replace(SolveReport(**award), objective=found.objective))
    report = replace(report, status=_status(report.gap, config.solver.gap), seconds=award["seconds"] + found.seconds,
                     stopped_by="time" if found.cut_by_time else report.stopped_by)
    partition, result = best.lots
    design = _design(instance, config, partition, lots, model, result, report)
    design.solve["lot_source"] = best.design.solve["lot_source"]
    design.solve["lot_stage"] = best.design.solve["lot_stage"]
    design.solve["award_search"] = searched
    return replace(best, design=design, objective=report.objective)


def _with_bound_of(screening: Attempt, exact: Attempt) -> Attempt:
    """The screening design, cheaper than the exact search's on the same lots, with that search's
    bound: it holds for any awards for these lots."""
    award = screening.design.solve["award_stage"]
    exact_award = exact.design.solve["award_stage"]
    gap = relative_gap(award["objective"], exact_award["bound"])
    award.update(bound=exact_award["bound"], bounds=exact_award["bounds"], gap=gap,
                 status=_status(gap, screening.design.config["solver"]["gap"]))
    return screening


def _merge_failures(attempts: list[Attempt]) -> dict[str, list[str]]:
    merged: dict[str, list[str]] = {}
    for a in attempts:
        for family, places in a.failures.items():
            merged.setdefault(family, []).extend(places)
    return merged


def _design(instance: Instance, config: DesignConfig, partition: LotPartition, lots: list[list[str]],
            model: AwardModel, lots_found: LotResult | None, award_report: SolveReport) -> Design:
    centres = [instance.area_ids[c] for c in partition.centres]
    design = Design(
        instance=instance.name,
        lots=[Lot(l, areas, centre) for l, areas, centre in zip(model.lot_ids, lots, centres)],
        awards=[Award(**a) for a in model.awards()],
        config=config.to_dict(),
        solve={
            "method": "decomposed: lots first (capacitated p-median with contiguity), then awards "
                      "(two-stage stochastic MIP over the demand scenarios and each awarded provider's failure)",
            "lot_stage": (lots_found.stage_report() if lots_found and lots_found.report
                          else {"status": "single lot, nothing to solve" if lots_found is None else "not run (screening)"}),
            "lot_source": lots_found.source if lots_found else "single lot",
            "lot_objective_hour_km": round(partition.objective, 2),
            "award_stage": award_report.to_dict(),
            "objective_terms_gbp_per_year": model.objective_terms(),
            "reproducible": not ((lots_found is not None and lots_found.cut_by_time)
                                 or award_report.stopped_by == "time"),
        },
    )
    market, terms = market_of(instance, config, design)
    expected = market.probability @ dispatch(market, terms, market.demand.T).call_off
    for award, hours in zip(design.awards, expected):
        award.expected_framework_hours_per_week = round(float(hours), 2)
    return design
