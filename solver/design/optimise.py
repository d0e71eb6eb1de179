"""Optimise a tender design: lots first, then awards (a decomposition), over the allowed lot counts.

The lot stage cuts the county into contiguous, volume-bounded lots that keep care hours close to
each lot's centre; the award stage chooses providers, block hours and recourse for those lots with
every concern in play. The joint problem (lots and awards at once) is far too large for an exact
model at county scale, so the output says it was decomposed and gives each stage's own status,
bound and gap. Each allowed lot count is tried and the cheapest complete design kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import networkx as nx
import numpy as np

from ..instance import Instance
from .awards import AwardModel, group_slacks
from .config import DesignConfig
from .lots import LotProblem, solve_lots
from .lots_heuristic import LotPartition
from .mip import SolveReport, solve
from .result import Award, Design, Lot

MAX_LOT_COUNTS_TRIED = 4


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
                      candidates_per_area=config.lots.candidates_per_area, non_rural=non_rural,
                      min_non_rural_share=config.coverage.min_non_rural_share)


def explain_lots(problem: LotProblem, heuristic: LotPartition | None, report: SolveReport) -> dict[str, list[str]]:
    volumes = [float(problem.weight[m].sum()) for m in heuristic.members] if heuristic else []
    family = "contiguity with volume bounds" if problem.graph is not None else "volume bounds"
    detail = (f"cannot cut {len(problem.weight)} areas into {problem.k} lots of {problem.lower:,.0f}–"
              f"{problem.upper:,.0f} hours/week (total {problem.weight.sum():,.0f}); the lot solver says "
              f"'{report.status}'")
    if volumes:
        detail += f"; the best cut found has lots of {min(volumes):,.0f}–{max(volumes):,.0f} hours/week"
    places = [detail]
    if problem.min_non_rural_share > 0:
        places.append(f"each lot must have at least {problem.min_non_rural_share:.0%} of its hours in urban or "
                      f"town areas; {problem.non_rural.sum() / problem.weight.sum():.0%} of all hours are")
    return {family: places}


def solve_awards(instance: Instance, config: DesignConfig, lots: list[list[str]], time_limit: float
                 ) -> tuple[AwardModel, SolveReport]:
    model = AwardModel(instance, config, lots)
    model.finalise()
    report = solve(model.problem, config.solver.name, time_limit, config.solver.gap, config.solver.seed)
    if report.status in ("infeasible", "unbounded_or_infeasible"):
        elastic = AwardModel(instance, config, lots, elastic=True)
        elastic.finalise()
        elastic_report = solve(elastic.problem, config.solver.name, time_limit, config.solver.gap, config.solver.seed)
        if elastic_report.has_solution and elastic.used_slacks():
            raise Infeasible(group_slacks(elastic.used_slacks()))
        raise Infeasible({"award stage": [f"the solver reports '{report.status}' and the elastic model "
                                          f"'{elastic_report.status}'"]})
    return model, report


def optimise(instance: Instance, config: DesignConfig,
             progress: Callable[[str], None] = lambda message: None) -> Design:
    """The best design found under `config`; raises Infeasible with an explanation."""
    counts = lot_counts(config, len(instance.areas))
    budget = config.solver.time_limit / len(counts)
    tried: list[dict] = []
    best: tuple[float, Design] | None = None
    failures: dict[str, list[str]] = {}
    for k in counts:
        began = time.perf_counter()
        progress(f"lots: cutting {len(instance.areas)} areas into {k} lot(s)")
        if k == 1:
            partition, lot_report = LotPartition([0], [list(range(len(instance.areas)))], 0.0, 0.0), None
        else:
            problem = lot_problem(instance, config, k)
            partition, lot_report, heuristic = solve_lots(
                problem, config.solver.name, budget * config.solver.lot_share_of_time, config.solver.gap,
                config.solver.seed, heuristic_seconds=min(10.0, 0.2 * budget))
            if partition is None:
                for family, places in explain_lots(problem, heuristic, lot_report).items():
                    failures.setdefault(family, []).extend(places)
                tried.append({"lots": k, "outcome": "no contiguous lots within the bounds"})
                continue
        ids = instance.area_ids
        lots = [[ids[i] for i in members] for members in partition.members]
        progress(f"awards: choosing providers for {k} lot(s)")
        remaining = max(5.0, budget - (time.perf_counter() - began))
        try:
            model, award_report = solve_awards(instance, config, lots, remaining)
        except Infeasible as infeasible:
            for family, places in infeasible.explanation.items():
                failures.setdefault(family, []).extend(f"with {k} lots: {p}" for p in places)
            tried.append({"lots": k, "outcome": "awards infeasible"})
            continue
        if not award_report.has_solution:
            tried.append({"lots": k, "outcome": f"award solver: {award_report.status}"})
            failures.setdefault("time", []).append(f"with {k} lots the award model found no solution in "
                                                   f"{remaining:.0f} s; raise --time-limit")
            continue
        design = _design(instance, config, partition, lots, model, lot_report, award_report)
        tried.append({"lots": k, "objective": award_report.objective, "status": award_report.status})
        if best is None or award_report.objective < best[0]:
            best = (award_report.objective, design)
    if best is None:
        raise Infeasible(failures)
    best[1].solve["lot_counts_tried"] = tried
    return best[1]


def _design(instance: Instance, config: DesignConfig, partition: LotPartition, lots: list[list[str]],
            model: AwardModel, lot_report: SolveReport | None, award_report: SolveReport) -> Design:
    solution = model.solution()
    centres = [instance.area_ids[c] for c in partition.centres]
    return Design(
        instance=instance.name,
        lots=[Lot(l, areas, centre) for l, areas, centre in zip(model.lot_ids, lots, centres)],
        awards=[Award(**a) for a in solution["awards"]],
        config=config.to_dict(),
        solve={
            "method": "decomposed: lots first (capacitated p-median with contiguity), then awards "
                      "(two-stage stochastic MIP over the demand scenarios)",
            "lot_stage": lot_report.to_dict() if lot_report else {"status": "single lot, nothing to solve"},
            "lot_objective_hour_km": round(partition.objective, 2),
            "award_stage": award_report.to_dict(),
            "objective_terms_gbp_per_year": solution["objective_terms"],
        },
    )
