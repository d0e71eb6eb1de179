"""The lot engine: cut areas into contiguous, volume-bounded lots (a capacitated p-median).

Each lot has a centre area; the objective is the hour-weighted distance from every area to its
lot's centre, a proxy for the travel a lot's rounds need. Contiguity uses the distance-ordered
formulation: an area may join centre j only if a neighbour nearer to j (along the adjacency graph)
joins it too, so every lot grows outward from its centre and is connected. That is a restriction
of contiguity (a bound from it is a bound for such centre-grown lots); the heuristic partition,
which need not be centre-grown, is kept whenever it is better.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
import pulp

from .lots_heuristic import LotPartition, construct_lots
from .mip import SolveReport, solve


@dataclass(frozen=True)
class LotProblem:
    weight: np.ndarray  # hours per week per area
    distance: np.ndarray  # objective distance between areas (km)
    k: int
    lower: float
    upper: float
    graph: nx.Graph | None = None  # None: contiguity off
    candidates_per_area: int | None = None  # None: every area may be any area's centre
    non_rural: np.ndarray | None = None  # hours per week in non-rural areas, for a minimum share
    min_non_rural_share: float = 0.0
    cost_weight: np.ndarray | None = None  # weight of each area's distance in the objective (default: weight)

    @property
    def objective_weight(self) -> np.ndarray:
        return self.weight if self.cost_weight is None else self.cost_weight


def objective_of(problem: LotProblem, partition: LotPartition) -> float:
    return float(sum(problem.objective_weight[i] * problem.distance[i, c]
                     for c, members in zip(partition.centres, partition.members) for i in members))


def allowed_pairs(problem: LotProblem) -> tuple[dict[tuple[int, int], list[int]], np.ndarray]:
    """Pairs (area, centre) the model may use, each with the neighbours that keep it contiguous."""
    n = len(problem.weight)
    if problem.graph is not None:
        lengths = dict(nx.all_pairs_dijkstra_path_length(problem.graph, weight="km"))
        order = np.array([[lengths[i].get(j, np.inf) for j in range(n)] for i in range(n)])
    else:
        order = problem.distance
    limit = problem.candidates_per_area or n
    near = {i: set(np.argsort(order[i], kind="stable")[:limit].tolist()) | {i} for i in range(n)}
    pairs: dict[tuple[int, int], list[int]] = {(i, j): [] for i in range(n) for j in near[i]}
    if problem.graph is None:
        return pairs, order
    changed = True
    while changed:  # drop pairs whose every nearer neighbour has been dropped
        changed = False
        for (i, j) in list(pairs):
            if i == j:
                continue
            before = [k for k in problem.graph.neighbors(i) if order[k, j] < order[i, j] and (k, j) in pairs]
            if not before:
                del pairs[(i, j)]
                changed = True
            else:
                pairs[(i, j)] = sorted(before)
    return pairs, order


def build_lot_model(problem: LotProblem) -> tuple[pulp.LpProblem, dict[tuple[int, int], pulp.LpVariable]]:
    pairs, _ = allowed_pairs(problem)
    n = len(problem.weight)
    model = pulp.LpProblem("lots", pulp.LpMinimize)
    z = {(i, j): pulp.LpVariable(f"z_{i}_{j}", cat=pulp.LpBinary) for (i, j) in pairs}
    by_area: dict[int, list] = {i: [] for i in range(n)}
    by_centre: dict[int, list[int]] = {}
    for (i, j) in pairs:
        by_area[i].append(z[i, j])
        by_centre.setdefault(j, []).append(i)
    model += pulp.lpSum(problem.objective_weight[i] * problem.distance[i, j] * var for (i, j), var in z.items())
    for i in range(n):
        model += pulp.lpSum(by_area[i]) == 1, f"assign_{i}"
    model += pulp.lpSum(z[j, j] for j in range(n)) == problem.k, "lot_count"
    for j, members in by_centre.items():
        volume = pulp.lpSum(problem.weight[i] * z[i, j] for i in members)
        model += volume <= problem.upper * z[j, j], f"upper_{j}"
        if problem.lower > 0:
            model += volume >= problem.lower * z[j, j], f"lower_{j}"
        if problem.min_non_rural_share > 0 and problem.non_rural is not None:
            model += (pulp.lpSum(problem.non_rural[i] * z[i, j] for i in members)
                      >= problem.min_non_rural_share * volume), f"non_rural_{j}"
        for i in members:
            if i != j:
                model += z[i, j] <= z[j, j], f"open_{i}_{j}"
                if problem.graph is not None:
                    model += z[i, j] <= pulp.lpSum(z[k, j] for k in pairs[(i, j)]), f"contig_{i}_{j}"
    return model, z


def start_values(partition: LotPartition, z: dict[tuple[int, int], pulp.LpVariable]) -> dict[str, float] | None:
    """The partition as a MIP start, or None when the model cannot represent it."""
    values: dict[str, float] = {}
    for centre, members in zip(partition.centres, partition.members):
        for i in members:
            if (i, centre) not in z:
                return None
            values[z[i, centre].name] = 1.0
    return values


def solve_lots(problem: LotProblem, solver: str = "highs", time_limit: float = 60.0, gap: float = 1e-4,
               seed: int = 0, heuristic_seconds: float = 5.0) -> tuple[LotPartition | None, SolveReport,
                                                                        LotPartition | None]:
    """Best lots found, the MIP's report, and the heuristic partition (warm start and fallback)."""
    graph = problem.graph if problem.graph is not None else nx.complete_graph(len(problem.weight))
    heuristic = construct_lots(graph, problem.weight, problem.distance, problem.k, problem.lower, problem.upper,
                               seed=seed, time_limit=heuristic_seconds, contiguous=problem.graph is not None)
    heuristic = replace(heuristic, objective=objective_of(problem, heuristic))
    if heuristic.max_violation > 1e-6 or not _non_rural_ok(problem, heuristic):
        heuristic_ok = None
    else:
        heuristic_ok = heuristic
    model, z = build_lot_model(problem)
    start = start_values(heuristic_ok, z) if heuristic_ok else None
    report = solve(model, solver, time_limit, gap, seed, start)
    partition = None
    if report.has_solution:
        partition = _read(problem, z)
    if heuristic_ok and (partition is None or heuristic_ok.objective < partition.objective - 1e-6):
        partition = heuristic_ok
    return partition, report, heuristic_ok


def _non_rural_ok(problem: LotProblem, partition: LotPartition) -> bool:
    if problem.min_non_rural_share <= 0 or problem.non_rural is None:
        return True
    return all(problem.non_rural[m].sum() >= problem.min_non_rural_share * problem.weight[m].sum() - 1e-6
               for m in map(np.array, partition.members))


def _read(problem: LotProblem, z: dict[tuple[int, int], pulp.LpVariable]) -> LotPartition:
    lots: dict[int, list[int]] = {}
    for (i, j), var in z.items():
        if (var.varValue or 0.0) > 0.5:
            lots.setdefault(j, []).append(i)
    centres = sorted(lots)
    partition = LotPartition(centres=centres, members=[sorted(lots[c]) for c in centres], objective=0.0,
                             max_violation=0.0)
    return LotPartition(partition.centres, partition.members, objective_of(problem, partition), 0.0)
