"""The lot engine: cut areas into contiguous, volume-bounded lots (a capacitated p-median).

Each lot has a centre area; the objective is the hour-weighted distance from every area to its
lot's centre, a proxy for the travel a lot's rounds need. Contiguity uses the distance-ordered
formulation: an area may join centre j only if a neighbour nearer to j (along the adjacency graph)
joins it too, so every lot grows outward from its centre and is connected. Only candidate
centres (spread over the county, including the heuristic's) may be centres. Both are restrictions:
the MIP's bound is a bound for centre-grown lots around candidate centres. The heuristic cut,
which need not be centre-grown, is kept whenever it is better, and the result says so. Beside that
bound, `all_partition_bound` gives one for every balanced partition: the model's LP relaxation with
every area a possible centre and contiguity dropped.

Pipeline: construction heuristic -> location-allocation from its centres (small exact MIPs with
the centres fixed; always feasible for the full model) -> the full MIP warm-started from it ->
with contiguity, recombination and boundary moves from the best lots found (`lots_improve.py`),
which place centres anywhere and need not grow lots from them. Lots improved that way lie outside
the MIP's scope: its bound does not hold for them, and the result says so.

Every stage stops on counted effort — the heuristic's attempts and moves, a number of
location-allocation rounds, a node limit on each MIP, the improvement's trees and kicks — so a seed gives the same lots under any
machine load. Time limits are only caps; the result says when one cut in.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
import pulp
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import shortest_path

from .lots_heuristic import Effort, LotPartition, construct_lots
from .lots_improve import ImproveEffort, improve_lots
from .mip import SolveReport, relative_gap, solve

RELOCATE_ROUNDS = 4  # location-allocation rounds at most
RELOCATE_GAP = 1e-4
NODE_LIMIT = 50  # branch-and-bound nodes per MIP: shire's lot MIPs close their gap in under 30
ALL_PARTITION_MAX_PAIRS = 250_000  # (area, centre) variables of the all-partition LP: shire 22,500, county 1M
ALL_PARTITION_SECONDS = 120.0  # a cap on that LP; shire's solves in seconds


@dataclass(frozen=True)
class LotProblem:
    weight: np.ndarray  # hours per week per area
    distance: np.ndarray  # objective distance between areas (km)
    k: int
    lower: float
    upper: float
    graph: nx.Graph | None = None  # None: contiguity off
    candidate_centres: int | None = None  # how many areas may be centres (None: every area)
    non_rural: np.ndarray | None = None  # hours per week in non-rural areas, for a minimum share
    min_non_rural_share: float = 0.0
    cost_weight: np.ndarray | None = None  # weight of each area's distance in the objective (default: weight)

    @property
    def objective_weight(self) -> np.ndarray:
        return self.weight if self.cost_weight is None else self.cost_weight


def objective_of(problem: LotProblem, partition: LotPartition) -> float:
    return float(sum(problem.objective_weight[i] * problem.distance[i, c]
                     for c, members in zip(partition.centres, partition.members) for i in members))


def graph_order(problem: LotProblem) -> np.ndarray:
    """How near each area is to each other: shortest path along the adjacency graph (km), or the
    objective distance when contiguity is off."""
    if problem.graph is None:
        return problem.distance
    n = len(problem.weight)
    rows, cols, km = zip(*((i, j, d) for i, j, d in problem.graph.edges(data="km")), strict=True) if \
        problem.graph.number_of_edges() else ((), (), ())
    matrix = csr_matrix((km, (rows, cols)), shape=(n, n))
    return shortest_path(matrix, method="D", directed=False)


def allowed_pairs(problem: LotProblem, order: np.ndarray, centres: list[int]) -> dict[tuple[int, int], list[int]]:
    """Pairs (area, centre) the model may use, each with the neighbours that keep it contiguous."""
    pairs: dict[tuple[int, int], list[int]] = {(i, j): [] for i in range(len(problem.weight)) for j in centres}
    if problem.graph is None:
        return pairs
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
    return pairs


def build_lot_model(problem: LotProblem, pairs: dict[tuple[int, int], list[int]]
                    ) -> tuple[pulp.LpProblem, dict[tuple[int, int], pulp.LpVariable]]:
    """The lot MIP over the allowed (area, centre) pairs."""
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
    model += pulp.lpSum(z[j, j] for j in range(n) if (j, j) in z) == problem.k, "lot_count"
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


def spread_centres(problem: LotProblem, order: np.ndarray, chosen: list[int]) -> list[int]:
    """`chosen` plus further candidate centres, each the area whose hours lie farthest from the
    candidates so far (hour-weighted farthest-first), so candidates cover the whole county."""
    n = len(problem.weight)
    count = n if problem.candidate_centres is None else min(n, max(problem.candidate_centres, len(chosen)))
    if count >= n:
        return list(range(n))
    centres = list(dict.fromkeys(chosen))
    nearest = order[:, centres].min(axis=1) if centres else np.full(n, np.inf)
    while len(centres) < count:
        score = np.where(np.isinf(nearest), 1e12, nearest) * np.maximum(problem.weight, 1e-9)
        score[centres] = -1.0
        pick = int(np.argmax(score))
        centres.append(pick)
        nearest = np.minimum(nearest, order[:, pick])
    return sorted(centres)


def relocate(problem: LotProblem, order: np.ndarray, centres: list[int], solver: str,
             time_limit: float | None, seed: int, rounds: int = RELOCATE_ROUNDS,
             node_limit: int | None = NODE_LIMIT) -> tuple[LotPartition | None, bool]:
    """Location-allocation from given centres: assign areas to the fixed centres exactly (a small
    MIP with the full model's rules, at most `node_limit` nodes), move each centre to its lot's
    best member, repeat while the objective falls, at most `rounds` times. The result is feasible
    for the full model, so it makes a valid warm start. Also says whether `time_limit` (seconds,
    None: none) cut in."""
    best: LotPartition | None = None
    cut = False
    deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
    for _ in range(rounds):
        remaining = deadline - time.perf_counter()
        if remaining <= 0.5:
            return best, True
        model, z = build_lot_model(problem, allowed_pairs(problem, order, centres))
        report = solve(model, solver, None if math.isinf(remaining) else remaining, RELOCATE_GAP, seed,
                       node_limit=node_limit)
        cut = report.stopped_by == "time"
        if not report.has_solution:
            break
        found = _read(problem, z)
        if best is not None and found.objective >= best.objective - 1e-6:
            break
        best = found
        if cut:
            break
        centres = [min(members, key=lambda c: (sum(problem.objective_weight[i] * problem.distance[i, c] for i in members),
                                               c)) for members in found.members]
    return best, cut


def start_values(partition: LotPartition, z: dict[tuple[int, int], pulp.LpVariable]) -> dict[str, float] | None:
    """The partition as a MIP start, or None when the model cannot represent it."""
    values: dict[str, float] = {}
    for centre, members in zip(partition.centres, partition.members):
        for i in members:
            if (i, centre) not in z:
                return None
            values[z[i, centre].name] = 1.0
    return values


@dataclass(frozen=True)
class PartitionBound:
    """A lower bound on the objective of every balanced partition, or why there is none."""

    bound: float | None
    status: str  # the LP's status, or why it was not solved
    seconds: float = 0.0
    gap: float | None = None  # of the lots found, against `bound`

    def to_dict(self) -> dict:
        return {"all_partition_bound": self.bound, "all_partition_gap": self.gap,
                "all_partition_status": self.status}


def all_partition_bound(problem: LotProblem, solver: str = "highs", time_limit: float | None = ALL_PARTITION_SECONDS,
                        seed: int = 0) -> PartitionBound:
    """The LP relaxation of the lot model with every area a possible centre and no contiguity.

    Any partition into `problem.k` lots within the volume bounds (and the non-rural share), each
    lot costed at a centre among its members as `objective_of` does, is an integer point of this
    LP at the same objective, so the LP's optimum bounds every such partition, contiguous or not.
    Skipped when it would have more than `ALL_PARTITION_MAX_PAIRS` variables; reported only when
    the LP is solved to optimality."""
    n = len(problem.weight)
    if n * n > ALL_PARTITION_MAX_PAIRS:
        return PartitionBound(None, f"too large for the all-partition relaxation ({n * n:,} area-centre pairs, "
                                    f"limit {ALL_PARTITION_MAX_PAIRS:,})")
    relaxed = replace(problem, graph=None, candidate_centres=None)
    model, z = build_lot_model(relaxed, allowed_pairs(relaxed, relaxed.distance, list(range(n))))
    for variable in z.values():
        variable.cat = pulp.LpContinuous
    report = solve(model, solver, time_limit, 1e-9, seed)
    return PartitionBound(report.objective if report.status == "optimal" else None, report.status, report.seconds)


@dataclass(frozen=True)
class LotResult:
    partition: LotPartition | None  # the best lots found; None when none meet the rules
    source: str  # which method found them
    report: SolveReport | None  # the full MIP's own report, when it ran
    heuristic: LotPartition  # the construction heuristic's cut, kept to explain failures
    cut_by_time: bool = False  # a time cap cut a stage short: the lots may depend on machine load
    bound_scope: str = ""  # which lots the MIP's bound holds for
    all_partition: PartitionBound | None = None  # a bound for every balanced partition (exact runs)
    improved: bool = False  # recombination and boundary moves improved the best lots the stages found

    def stage_report(self) -> dict:
        """The full MIP's report with the scope of its bound, the improved lots' objective (the MIP's
        bound does not hold for them) and the all-partition bound."""
        if self.report is None:
            return {}
        extra = self.all_partition.to_dict() if self.all_partition else {}
        if self.improved:
            extra["improved_objective"] = self.partition.objective
        return {**self.report.to_dict(), "bound_scope": self.bound_scope, **extra}


def solve_lots(problem: LotProblem, solver: str = "highs", time_limit: float | None = 60.0, gap: float = 1e-4,
               seed: int = 0, heuristic_seconds: float | None = None, exact: bool = True,
               node_limit: int | None = NODE_LIMIT, heuristic_effort: Effort = Effort(),
               improve_effort: ImproveEffort = ImproveEffort()) -> LotResult:
    """Heuristic cut, location-allocation from its centres, then (when `exact`) the full MIP warm
    started from that, then (with contiguity) recombination and boundary moves from the best of
    them; the result says where the lots came from.

    Work is counted: `heuristic_effort`, at most `RELOCATE_ROUNDS` location-allocation rounds, at
    most `node_limit` nodes in each MIP, and `improve_effort`. `time_limit` caps the whole call and
    `heuristic_seconds` the heuristic (seconds, None: no cap); `cut_by_time` says whether a cap cut in.
    """
    began = time.perf_counter()

    def remaining() -> float | None:
        return None if time_limit is None else time_limit - (time.perf_counter() - began)

    graph = problem.graph if problem.graph is not None else nx.complete_graph(len(problem.weight))
    caps = [c for c in (heuristic_seconds, time_limit) if c is not None]
    heuristic = construct_lots(graph, problem.weight, problem.distance, problem.k, problem.lower, problem.upper,
                               seed=seed, time_limit=min(caps, default=None), contiguous=problem.graph is not None,
                               effort=heuristic_effort)
    heuristic = replace(heuristic, objective=objective_of(problem, heuristic))
    usable = heuristic.max_violation <= 1e-6 and _non_rural_ok(problem, heuristic)
    order = graph_order(problem)
    located, cut = (relocate(problem, order, heuristic.centres, solver, remaining(), seed, node_limit=node_limit)
                    if usable else (None, False))
    cut |= heuristic.cut_by_time
    candidates = [(located, "location-allocation from the heuristic's centres"),
                  (heuristic if usable else None, "construction heuristic")]
    report = None
    scope = ""
    if exact:
        known = [c for p in (located, heuristic if usable else None) if p for c in p.centres]
        centres = spread_centres(problem, order, known)
        scope = _bound_scope(problem, len(centres))
        model, z = build_lot_model(problem, allowed_pairs(problem, order, centres))
        start = start_values(located, z) if located else None
        left = remaining()
        report = solve(model, solver, None if left is None else max(1.0, left), gap, seed, start,
                       node_limit=node_limit)
        cut |= report.stopped_by == "time"
        if report.has_solution:
            candidates.insert(0, (_read(problem, z), f"MIP ({report.status})"))
    found = [(p, source) for p, source in candidates if p is not None]
    if not found:
        return LotResult(None, "none", report, heuristic, cut, scope,
                         all_partition_bound(problem, solver, seed=seed) if exact else None)
    best, source = min(found, key=lambda item: item[0].objective - (1e-6 if item[1].startswith("MIP") else 0))
    improved = False
    if problem.graph is not None:
        left = remaining()
        better, late = improve_lots(problem, best, seed, None if left is None else max(0.0, left), improve_effort)
        cut |= late
        if better.objective < best.objective - 1e-9 * (1 + abs(best.objective)):
            best, source, improved = better, f"{source}, then recombination and boundary moves", True
    any_partition = None
    if exact:  # after the search, which the time limit caps: this only bounds it
        lower = all_partition_bound(problem, solver, seed=seed)
        any_partition = replace(lower, gap=relative_gap(best.objective, lower.bound))
    return LotResult(best, source, report, heuristic, cut, scope, any_partition, improved)


def _bound_scope(problem: LotProblem, candidates: int) -> str:
    """The lots the full MIP's bound holds for."""
    grown = problem.graph is not None
    if candidates < len(problem.weight):
        return f"lots {'grown from' if grown else 'centred on'} the {candidates} candidate centres"
    return "lots grown from their centres" if grown else "every balanced partition"


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
    return replace(partition, objective=objective_of(problem, partition))
