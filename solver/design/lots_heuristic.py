"""Construction and local-search heuristic for cutting areas into k contiguous, balanced lots.

A capacitated p-median with contiguity: each lot has a centre area and costs the weighted distance
of its members to that centre; lot volumes should lie in [lower, upper]. Used as the MIP's warm
start and fallback, so it favours speed and always returns contiguous lots (when asked to).

Method: k-means++ seeds, region growing (the lightest lot claims its nearest free neighbour), then
  1. rebalancing by recombination (merge two adjacent lots, cut a random spanning tree of the union
     at the most even edge) while any lot is out of bounds;
  2. improvement: single boundary-area moves that keep the donor connected, re-centring, and
     recombination cuts chosen for objective, until nothing improves.
Volume violation is always reduced before the objective. The whole thing runs a few times from
different seeds and the best attempt is kept.

Effort is counted, not timed: a fixed number of attempts, and in each attempt a budget of moves per
phase (rebalancing; improvement), a move being one area considered — each area of a local-search
sweep, each area of a recombined pair. So a seed gives the same partition whatever the machine's
load; the optional `time_limit` is only a safety cap, and the result says when it cut in.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace

import networkx as nx
import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import depth_first_order, minimum_spanning_tree

ATTEMPTS = 4  # independent construction + search runs; the best is kept
MOVES_PER_PHASE = 200_000  # areas considered per phase of an attempt; the shipped instances need under 80,000
BALANCE_PATIENCE = 5  # rebalancing rounds without less violation before giving up
MAX_COSTED_CUTS = 32  # recombination cuts whose objective is evaluated, most even first
VOLUME_TOL = 1e-9  # hours; smaller changes in volume violation count as none
RELATIVE_TOL = 1e-9  # a recombination must beat the current score by this fraction


@dataclass(frozen=True)
class LotPartition:
    centres: list[int]  # index of each lot's centre area (a member of the lot)
    members: list[list[int]]  # area indices of each lot, sorted
    objective: float  # sum over areas of weight[i] * distance[i, centre of its lot]
    max_violation: float  # 0.0 when every lot volume is within [lower, upper]; else the largest hours outside the bounds
    cut_by_time: bool = False  # the wall-clock cap stopped the search before its counted effort was spent


@dataclass(frozen=True)
class Effort:
    """How much search `construct_lots` does: attempts, and moves per phase of each attempt."""

    attempts: int = ATTEMPTS
    moves: int = MOVES_PER_PHASE


@dataclass(frozen=True)
class _Instance:
    weight: np.ndarray
    distance: np.ndarray
    k: int
    lower: float
    upper: float
    contiguous: bool
    neighbours: list[list[int]]  # sorted; empty when not contiguous
    edges: np.ndarray  # (m, 2) with i < j; empty when not contiguous

    def violation(self, volume: float) -> float:
        """Hours outside [lower, upper]."""
        return max(0.0, self.lower - volume, volume - self.upper)

    def violations(self, volumes: np.ndarray) -> np.ndarray:
        return np.maximum(np.maximum(self.lower - volumes, volumes - self.upper), 0.0)


def construct_lots(graph: nx.Graph, weight: np.ndarray, distance: np.ndarray, k: int,
                   lower: float, upper: float, seed: int = 0, time_limit: float | None = None,
                   contiguous: bool = True, effort: Effort = Effort()) -> LotPartition:
    """Cut the areas (graph nodes 0..n-1) into k lots; see the module docstring for the method.

    Never raises for unreachable bounds: the best partition found is returned with
    `max_violation > 0`. With `contiguous=False` the graph is ignored and lots need not be
    connected. `time_limit` (seconds, None: none) caps the wall-clock time; when it cuts the
    search short the result has `cut_by_time` set and may depend on the machine's speed.
    """
    weight = np.asarray(weight, dtype=float)
    n = len(weight)
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of areas ({n}), got {k}")
    if effort.attempts < 1 or effort.moves < 1:
        raise ValueError(f"the effort needs at least one attempt and one move, got {effort}")
    # Adjacency matters only for contiguity (callers may pass a complete graph otherwise).
    neighbours = [sorted(j for j in graph.neighbors(i) if j != i) for i in range(n)] if contiguous else []
    edges = np.array([(i, j) for i, near in enumerate(neighbours) for j in near if i < j],
                     dtype=int).reshape(-1, 2)
    instance = _Instance(weight, np.asarray(distance, dtype=float), k, lower, upper, contiguous,
                         neighbours, edges)
    rng = np.random.default_rng(seed)
    deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
    best: LotPartition | None = None
    cut = False
    for attempt in range(effort.attempts):
        if attempt and time.perf_counter() > deadline:
            cut = True
            break
        found = _Search(instance, rng, effort.moves, deadline).run()
        cut |= found.cut_by_time
        if best is None or (found.max_violation, found.objective) < (best.max_violation, best.objective):
            best = found
    return replace(best, cut_by_time=cut)


def _spread_seeds(weight: np.ndarray, distance: np.ndarray, k: int,
                  rng: np.random.Generator) -> list[int]:
    """Weighted k-means++: the next seed is drawn with probability ~ weight * (distance to seeds)^2."""
    seeds = [_draw(weight.copy(), [], rng)]
    nearest = distance[seeds[0]].copy()
    for _ in range(1, k):
        seed = _draw(weight * nearest**2, seeds, rng)
        seeds.append(seed)
        nearest = np.minimum(nearest, distance[seed])
    return seeds


def _draw(score: np.ndarray, taken: list[int], rng: np.random.Generator) -> int:
    """An index not in `taken`, with probability proportional to score (uniform if all zero)."""
    score[taken] = 0.0
    if score.sum() <= 0:
        score = np.ones(len(score))
        score[taken] = 0.0
    return int(rng.choice(len(score), p=score / score.sum()))


def random_spanning_tree(areas: np.ndarray, edges: np.ndarray, weight: np.ndarray, rng: np.random.Generator
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A random spanning tree over the areas (on the adjacency `edges`) as (DFS preorder from the
    first, subtree sizes, subtree volumes), all in positions of `areas`; None if the areas are not
    connected."""
    m = len(areas)
    local = np.full(len(weight), -1)
    local[areas] = np.arange(m)
    ends = local[edges]
    ends = ends[(ends >= 0).all(axis=1)]
    weights = 1.0 + rng.random(len(ends))  # positive: sparse matrices drop zeros
    graph = csr_matrix((weights, (ends[:, 0], ends[:, 1])), shape=(m, m))
    order, parent = depth_first_order(minimum_spanning_tree(graph), 0, directed=False,
                                      return_predecessors=True)
    if len(order) < m:
        return None
    size = [1] * m
    volume = weight[areas].tolist()
    parent_of = parent.tolist()
    for node in order[:0:-1].tolist():
        size[parent_of[node]] += size[node]
        volume[parent_of[node]] += volume[node]
    return order, np.array(size), np.array(volume)


def cut_side(order: np.ndarray, size: np.ndarray, cut: int) -> np.ndarray:
    """Mask of the subtree that cut `cut` separates (see `random_spanning_tree`)."""
    start = cut + 1
    mask = np.zeros(len(order), dtype=bool)
    mask[order[start:start + size[order[start]]]] = True
    return mask


class _Search:
    """One attempt: a mutable partition and the moves that improve it."""

    def __init__(self, instance: _Instance, rng: np.random.Generator, moves: int, deadline: float) -> None:
        self.instance, self.rng, self.moves, self.deadline = instance, rng, moves, deadline
        self.budget = moves  # moves left in the current phase
        self.cut_by_time = False
        self.weight, self.distance = instance.weight, instance.distance
        self.neighbours = instance.neighbours
        self.label = [-1] * len(instance.weight)
        self.members: list[set[int]] = [set() for _ in range(instance.k)]
        self.volume = [0.0] * instance.k
        self.centre: list[int] = []

    def run(self) -> LotPartition:
        self.grow(_spread_seeds(self.weight, self.distance, self.instance.k, self.rng))
        if self.instance.contiguous:
            self.budget = self.moves
            self.rebalance()
        self.budget = self.moves
        self.improve()
        return self.result()

    # ---- bookkeeping -------------------------------------------------------------------------

    def total_violation(self) -> float:
        return sum(self.instance.violation(v) for v in self.volume)

    def stop(self) -> bool:
        """Whether the current phase must end: its moves are spent, or the time cap has passed."""
        if self.budget <= 0:
            return True
        if time.perf_counter() > self.deadline:
            self.cut_by_time = True
        return self.cut_by_time

    def assign(self, area: int, lot: int) -> None:
        old = self.label[area]
        if old >= 0:
            self.members[old].discard(area)
            self.volume[old] -= self.weight[area]
        self.label[area] = lot
        self.members[lot].add(area)
        self.volume[lot] += self.weight[area]

    def best_centre(self, areas: np.ndarray) -> tuple[int, float]:
        """The member minimising weighted distance to the others, and that cost."""
        costs = self.weight[areas] @ self.distance[np.ix_(areas, areas)]
        best = int(np.argmin(costs))
        return int(areas[best]), float(costs[best])

    def lot_areas(self, lot: int) -> np.ndarray:
        return np.fromiter(sorted(self.members[lot]), dtype=int)

    def lot_cost(self, lot: int) -> float:
        areas = self.lot_areas(lot)
        return float(self.weight[areas] @ self.distance[areas, self.centre[lot]])

    # ---- construction ------------------------------------------------------------------------

    def grow(self, seeds: list[int]) -> None:
        """Region growing: the lightest lot that can still grow claims its nearest free area."""
        self.centre = list(seeds)
        for lot, seed in enumerate(seeds):
            self.assign(seed, lot)
        candidates = [self._free_areas_near(seed) for seed in seeds]
        queue = [(self.volume[lot], lot) for lot in range(len(seeds))]
        heapq.heapify(queue)
        while queue:
            _, lot = heapq.heappop(queue)
            area = next(candidates[lot], None)
            if area is None:
                continue  # boxed in for good: the free areas next to a lot only ever get fewer
            self.assign(area, lot)
            heapq.heappush(queue, (self.volume[lot], lot))

    def _free_areas_near(self, seed: int) -> Iterator[int]:
        """Free areas by distance from `seed`: when contiguous, only those next to the seed's lot.

        The caller assigns each yielded area to the seed's lot before asking for the next.
        """
        if not self.instance.contiguous:
            for area in np.argsort(self.distance[seed], kind="stable").tolist():
                if self.label[area] < 0:
                    yield area
            return
        frontier = [(self.distance[seed, j], j) for j in self.neighbours[seed]]
        heapq.heapify(frontier)
        while frontier:
            _, area = heapq.heappop(frontier)
            if self.label[area] >= 0:
                continue
            yield area
            for j in self.neighbours[area]:
                if self.label[j] < 0:
                    heapq.heappush(frontier, (self.distance[seed, j], j))

    # ---- single-area moves -------------------------------------------------------------------

    def local_search(self) -> None:
        """Move single areas and re-centre lots until neither improves anything (or the phase ends)."""
        while not self.stop():
            self.budget -= len(self.label)
            moved = sum(self._try_move(area) for area in range(len(self.label)))
            if not moved and not self._recentre():
                return

    def _try_move(self, area: int) -> bool:
        """Move `area` to the lot where it helps most, if that improves anything."""
        source = self.label[area]
        if area == self.centre[source]:
            return False
        targets = self._targets(area, source)
        if not targets:
            return False
        (change, saving), target = min((self._move_gain(area, source, t), t) for t in targets)
        improves = change < 0 or (change == 0 and saving < 0)
        if not improves or (self.instance.contiguous and not self._connected_without(area)):
            return False
        self.assign(area, target)
        return True

    def _targets(self, area: int, source: int) -> list[int]:
        if not self.instance.contiguous:
            return [lot for lot in range(self.instance.k) if lot != source]
        return sorted({self.label[j] for j in self.neighbours[area]} - {source})

    def _move_gain(self, area: int, source: int, target: int) -> tuple[float, float]:
        """(change in total volume violation, change in objective) if `area` moves to `target`."""
        w, violation = self.weight[area], self.instance.violation
        vs, vt = self.volume[source], self.volume[target]
        change = violation(vs - w) + violation(vt + w) - violation(vs) - violation(vt)
        if abs(change) <= VOLUME_TOL:
            change = 0.0
        d = self.distance[area]
        return change, w * (d[self.centre[target]] - d[self.centre[source]])

    def _connected_without(self, area: int) -> bool:
        """Whether the lot of `area` stays connected without it: can one of its lot neighbours
        reach all the others?"""
        lot = self.label[area]
        targets = {j for j in self.neighbours[area] if self.label[j] == lot}
        if len(targets) <= 1:
            return True
        start = min(targets)
        seen, stack, found = {area, start}, [start], 1
        while stack:
            for j in self.neighbours[stack.pop()]:
                if j not in seen and self.label[j] == lot:
                    seen.add(j)
                    stack.append(j)
                    found += j in targets
                    if found == len(targets):
                        return True
        return False

    def _recentre(self) -> bool:
        """Move each lot's centre to its best member; True if any centre changed."""
        changed = False
        for lot in range(self.instance.k):
            areas = self.lot_areas(lot)
            costs = self.weight[areas] @ self.distance[np.ix_(areas, areas)]
            best = int(np.argmin(costs))
            if costs[best] < costs[int(np.searchsorted(areas, self.centre[lot]))]:
                self.centre[lot] = int(areas[best])
                changed = True
        return changed

    # ---- recombination -----------------------------------------------------------------------

    def rebalance(self) -> None:
        """Recombine adjacent lots towards equal volumes while any lot is out of bounds.

        Evening out lots that are both within bounds is what lets volume travel from an
        overfull lot to a distant underfull one.
        """
        best, idle = self.total_violation(), 0
        while best > VOLUME_TOL and idle < BALANCE_PATIENCE and not self.stop():
            if not self._recombine_all(balance=True):
                return
            violation = self.total_violation()
            best, idle = (violation, 0) if violation < best - VOLUME_TOL else (best, idle + 1)

    def improve(self) -> None:
        """Local search, then rounds of recombination and local search while they improve."""
        self.local_search()
        while self.instance.contiguous and not self.stop() and self._recombine_all(balance=False):
            self.local_search()

    def _recombine_all(self, balance: bool) -> bool:
        """One recombination attempt per pair of adjacent lots; True if any was accepted."""
        label = np.array(self.label)
        ends = label[self.instance.edges]
        ends = np.sort(ends[ends[:, 0] != ends[:, 1]], axis=1)
        accepted = False
        for a, b in np.unique(ends, axis=0).tolist():
            if self.stop() or (balance and self.total_violation() <= VOLUME_TOL):
                break
            accepted |= self._recombine(a, b, balance)
        return accepted

    def _recombine(self, a: int, b: int, balance: bool) -> bool:
        """Merge lots a and b, cut a random spanning tree of the union, keep the split if better.

        Among the cuts with least volume violation, the best by squared deviation from the
        mean volume (`balance`) or by the two lots' objective is kept if it beats the
        current pair.
        """
        areas = np.fromiter(sorted(self.members[a] | self.members[b]), dtype=int)
        self.budget -= len(areas)
        tree = random_spanning_tree(areas, self.instance.edges, self.weight, self.rng)
        if tree is None:
            return False  # no longer adjacent after an earlier recombination this round
        order, size, subtree_volume = tree
        total = subtree_volume[order[0]]
        cut_volume = subtree_volume[order[1:]]  # cut c separates the subtree of order[c + 1]
        other_volume = total - cut_volume
        violation = self.instance.violations(cut_volume) + self.instance.violations(other_volume)
        least = float(violation.min())
        current_violation = sum(self.instance.violation(self.volume[lot]) for lot in (a, b))
        if least > current_violation + VOLUME_TOL:
            return False
        cuts = np.flatnonzero(violation <= least + VOLUME_TOL)
        if balance:
            mean = float(np.clip(self.weight.sum() / self.instance.k, self.instance.lower,
                                 self.instance.upper))
            scores = (cut_volume - mean) ** 2 + (other_volume - mean) ** 2
            current = (self.volume[a] - mean) ** 2 + (self.volume[b] - mean) ** 2
        else:
            # Costing a cut is quadratic in the lot size: cost only the most even ones.
            imbalance = np.abs(cut_volume - other_volume)[cuts]
            cuts = cuts[np.argsort(imbalance, kind="stable")][:MAX_COSTED_CUTS]
            scores = np.full(len(cut_volume), np.inf)
            for cut in cuts.tolist():
                mask = cut_side(order, size, cut)
                scores[cut] = self.best_centre(areas[mask])[1] + self.best_centre(areas[~mask])[1]
            current = self.lot_cost(a) + self.lot_cost(b)
        cut = int(cuts[np.argmin(scores[cuts])])
        improves_volume = least < current_violation - VOLUME_TOL
        if not improves_volume and scores[cut] >= current - RELATIVE_TOL * (1 + abs(current)):
            return False
        self._apply_split(a, b, areas, cut_side(order, size, cut))
        return True

    def _apply_split(self, a: int, b: int, areas: np.ndarray, inside: np.ndarray) -> None:
        for lot, part in ((a, areas[inside]), (b, areas[~inside])):
            for area in part.tolist():
                if self.label[area] != lot:
                    self.assign(area, lot)
            self.centre[lot] = self.best_centre(part)[0]

    # ---- result ------------------------------------------------------------------------------

    def result(self) -> LotPartition:
        """The partition with lots ordered by their smallest area, and freshly computed totals."""
        lots = sorted(range(self.instance.k), key=lambda lot: min(self.members[lot]))
        members = [sorted(self.members[lot]) for lot in lots]
        volumes = [float(self.weight[m].sum()) for m in members]
        return LotPartition(centres=[self.centre[lot] for lot in lots], members=members,
                            objective=float(sum(self.lot_cost(lot) for lot in lots)),
                            max_violation=max(self.instance.violation(v) for v in volumes),
                            cut_by_time=self.cut_by_time)
