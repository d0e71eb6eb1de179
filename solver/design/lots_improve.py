"""Improve contiguous lots by moves the lot MIP cannot make: any area may be a centre, and a lot
need not grow outward from its centre.

The MIP's lots grow from a few candidate centres (`lots.py`), so its "optimal" holds among those
lots only. Starting from the best lots found, two moves search beyond them, every lot costed at its
best centre among its own areas:

1. recombination (as in ReCom): merge two adjacent lots, draw a random spanning tree of the union
   and cut it at the edge that gives the cheapest two lots within the rules. Every cut of the tree
   is costed exactly: in the tree's preorder a subtree is a run of consecutive areas, so its cost
   to every possible centre is the difference of two cumulative sums, O(m^2) for a tree of m areas;
2. boundary moves: an area joins a neighbouring lot when the two lots' cost falls, both stay within
   the rules and the lot it leaves stays connected.

A descent repeats rounds of a boundary-move sweep and `TREES_PER_PAIR` recombinations of every
pair of adjacent lots either of which changed in the last `PATIENCE` rounds, until no pair has;
it keeps a move only when it lowers the objective.
Then `KICKS` times: a random recombination (a random allowed cut of a random pair, whatever it
costs) and a descent, kept if it beats the best lots so far and undone if not. So the result is
never worse than the start, and every lot stays connected, within the volume bounds and at or
above the non-rural share. Effort is counted (rounds, trees, kicks), so a seed gives the same lots
on any machine; the time limit is only a cap, and the result says when it cut in.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .lots_heuristic import LotPartition, random_spanning_tree

if TYPE_CHECKING:  # lots.py calls this module
    from .lots import LotProblem

TREES_PER_PAIR = 8  # recombination trees per pair of adjacent lots in a round
ROUNDS = 60  # rounds at most in a descent
PATIENCE = 2  # rounds a changed lot's pairs are recombined for
KICKS = 20  # random recombinations, each followed by a descent, from the best lots so far
RELATIVE_TOL = 1e-9  # a move must lower the objective by this fraction
VOLUME_TOL = 1e-9  # hours


@dataclass(frozen=True)
class ImproveEffort:
    """How much search `improve_lots` does."""

    rounds: int = ROUNDS
    trees_per_pair: int = TREES_PER_PAIR
    patience: int = PATIENCE
    kicks: int = KICKS


def improve_lots(problem: LotProblem, start: LotPartition, seed: int = 0, time_limit: float | None = None,
                 effort: ImproveEffort = ImproveEffort()) -> tuple[LotPartition, bool]:
    """The lots after recombination and boundary moves from `start` (contiguous lots within the
    rules), and whether `time_limit` (seconds, None: none) cut the search short."""
    if problem.graph is None:
        raise ValueError("improve_lots needs the adjacency graph: it keeps lots contiguous")
    lots = _Lots(problem, start)
    rng = np.random.default_rng(seed)
    deadline = math.inf if time_limit is None else time.perf_counter() + time_limit
    cut = _descend(lots, rng, effort, deadline)
    best = lots.label.copy()
    best_cost = lots.cost.sum()
    for _ in range(effort.kicks):
        if cut:
            break
        pairs = lots.adjacent_pairs()
        lots.recombine(*pairs[rng.integers(len(pairs))], rng, kick=True)
        cut = _descend(lots, rng, effort, deadline)
        if lots.improves(lots.cost.sum(), best_cost):
            best, best_cost = lots.label.copy(), lots.cost.sum()
        else:
            lots.reset(best)
    return lots.partition(), cut


def _descend(lots: _Lots, rng: np.random.Generator, effort: ImproveEffort, deadline: float) -> bool:
    """Rounds of boundary moves and recombination of the pairs of lots either of which changed in
    the last `effort.patience` rounds, until no pair has; True if the deadline cut it short."""
    for _ in range(effort.rounds):
        lots.round += 1
        lots.boundary_moves()
        recent = lots.changed >= lots.round - effort.patience
        pairs = [(a, b) for a, b in lots.adjacent_pairs() if recent[a] or recent[b]]
        if not pairs:
            break
        for a, b in pairs:
            for _ in range(effort.trees_per_pair):
                if time.perf_counter() > deadline:
                    return True
                lots.recombine(a, b, rng)
    return False


class _Lots:
    """A mutable partition: each lot's members, volume, non-rural hours and its weighted distance
    to every area (so a lot's cost at any centre is one look-up)."""

    def __init__(self, problem: LotProblem, start: LotPartition) -> None:
        self.problem = problem
        n = len(problem.weight)
        self.cost_weight = problem.objective_weight
        self.non_rural = problem.non_rural if problem.non_rural is not None else np.zeros(n)
        self.share = problem.min_non_rural_share if problem.non_rural is not None else 0.0
        self.neighbours = [sorted(problem.graph.neighbors(i)) for i in range(n)]
        self.edges = np.array([(i, j) for i, near in enumerate(self.neighbours) for j in near if i < j],
                              dtype=int).reshape(-1, 2)
        label = np.empty(n, dtype=int)
        for lot, members in enumerate(start.members):
            label[members] = lot
        k = len(start.members)
        self.volume, self.non_rural_volume = np.zeros(k), np.zeros(k)
        self.sums, self.cost = np.zeros((k, n)), np.zeros(k)
        self.round = 0  # of the search: each lot's last change is recorded by round
        self.changed = np.zeros(k, dtype=int)
        self.reset(label)

    def reset(self, label: np.ndarray) -> None:
        self.label = label.copy()
        for lot in range(len(self.cost)):
            self.refresh(lot)

    def refresh(self, lot: int) -> None:
        members = np.flatnonzero(self.label == lot)
        self.volume[lot] = self.problem.weight[members].sum()
        self.non_rural_volume[lot] = self.non_rural[members].sum()
        self.sums[lot] = self.cost_weight[members] @ self.problem.distance[members]
        self.cost[lot] = self.sums[lot, members].min()
        self.changed[lot] = self.round

    def allowed(self, volume: np.ndarray | float, non_rural: np.ndarray | float) -> np.ndarray | bool:
        """Whether lots of these volumes and non-rural hours meet the rules."""
        return ((volume >= self.problem.lower - VOLUME_TOL) & (volume <= self.problem.upper + VOLUME_TOL)
                & (non_rural >= self.share * volume - 1e-6))

    def improves(self, new: float, old: float) -> bool:
        return new < old - RELATIVE_TOL * (1 + abs(old))

    def adjacent_pairs(self) -> list[tuple[int, int]]:
        ends = np.sort(self.label[self.edges], axis=1)
        return [tuple(pair) for pair in np.unique(ends[ends[:, 0] != ends[:, 1]], axis=0).tolist()]

    def recombine(self, a: int, b: int, rng: np.random.Generator, kick: bool = False) -> bool:
        """Merge lots a and b, cut a random spanning tree of the union at its cheapest allowed edge,
        and keep the split if it costs less than the two lots do now; a `kick` keeps a random
        allowed cut whatever it costs."""
        areas = np.flatnonzero((self.label == a) | (self.label == b))
        tree = random_spanning_tree(areas, self.edges, self.problem.weight, rng)
        if tree is None:
            return False  # no longer adjacent after an earlier move this round
        order, size, _ = tree
        ordered = areas[order]  # preorder: the subtree under position p is positions p .. end[p] - 1
        m = len(ordered)
        end = np.arange(m) + size[order]
        rows = self.cost_weight[ordered, None] * self.problem.distance[np.ix_(ordered, ordered)]
        inside = _running(rows)  # inside[end] - inside[p]: the subtree's cost to every centre
        volume, non_rural = _running(self.problem.weight[ordered]), _running(self.non_rural[ordered])
        cut = np.arange(1, m)  # cutting above position p keeps the subtree under it apart
        sub_volume, sub_non_rural = volume[end[cut]] - volume[cut], non_rural[end[cut]] - non_rural[cut]
        cut = cut[self.allowed(sub_volume, sub_non_rural)
                  & self.allowed(volume[m] - sub_volume, non_rural[m] - sub_non_rural)]
        if not len(cut):
            return False
        sub = inside[end[cut]] - inside[cut]
        within = (np.arange(m) >= cut[:, None]) & (np.arange(m) < end[cut][:, None])
        costs = (np.where(within, sub, np.inf).min(axis=1)
                 + np.where(within, np.inf, inside[m] - sub).min(axis=1))
        best = int(rng.integers(len(cut))) if kick else int(np.argmin(costs))
        if not kick and not self.improves(float(costs[best]), self.cost[a] + self.cost[b]):
            return False
        p = int(cut[best])
        self.label[ordered] = b
        self.label[ordered[p:end[p]]] = a
        self.refresh(a)
        self.refresh(b)
        return True

    def boundary_moves(self) -> bool:
        """One sweep over the areas: move each to the neighbouring lot where it saves most, if any."""
        moved = False
        distance, weight = self.problem.distance, self.problem.weight
        for area in range(len(self.label)):
            source = self.label[area]
            targets = sorted({int(self.label[j]) for j in self.neighbours[area]} - {source})
            if not targets or not self.allowed(self.volume[source] - weight[area],
                                               self.non_rural_volume[source] - self.non_rural[area]):
                continue
            pull = self.cost_weight[area] * distance[area]
            keep = np.flatnonzero(self.label == source)
            keep = keep[keep != area]
            if not len(keep):
                continue
            left = (self.sums[source, keep] - pull[keep]).min()
            best, gain = None, 0.0
            for target in targets:
                if not self.allowed(self.volume[target] + weight[area],
                                    self.non_rural_volume[target] + self.non_rural[area]):
                    continue
                joined = np.append(np.flatnonzero(self.label == target), area)
                new = left + (self.sums[target, joined] + pull[joined]).min()
                old = self.cost[source] + self.cost[target]
                if self.improves(new, old) and new - old < gain:
                    best, gain = target, new - old
            if best is not None and self.connected_without(area, keep):
                self.label[area] = best
                self.refresh(source)
                self.refresh(best)
                moved = True
        return moved

    def connected_without(self, area: int, rest: np.ndarray) -> bool:
        """Whether `rest` (the lot of `area` without it) is connected."""
        inside = np.zeros(len(self.label), dtype=bool)
        inside[rest] = True
        seen, stack = {int(rest[0])}, [int(rest[0])]
        while stack:
            for j in self.neighbours[stack.pop()]:
                if inside[j] and j not in seen:
                    seen.add(j)
                    stack.append(j)
        return len(seen) == len(rest)

    def partition(self) -> LotPartition:
        """The lots, ordered by their smallest area, each with its best centre."""
        lots = sorted(range(len(self.cost)), key=lambda lot: int(np.flatnonzero(self.label == lot)[0]))
        members = [np.flatnonzero(self.label == lot).tolist() for lot in lots]
        centres = [int(m[int(np.argmin(self.sums[lot, m]))]) for lot, m in zip(lots, members)]
        return LotPartition(centres, members, float(sum(self.cost[lot] for lot in lots)), 0.0)


def _running(values: np.ndarray) -> np.ndarray:
    """Cumulative sums along the first axis with a leading zero: rows p..q-1 sum to [q] - [p]."""
    return np.concatenate([np.zeros((1, *values.shape[1:])), np.cumsum(values, axis=0)])
