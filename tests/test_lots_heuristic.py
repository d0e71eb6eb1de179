"""The lot heuristic returns complete, contiguous, balanced, reproducible partitions."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from solver.design.lots_heuristic import Effort, LotPartition, construct_lots
from solver.instance import load_instance

ROOT = Path(__file__).parents[1]

Instance = tuple[nx.Graph, np.ndarray, np.ndarray]


def euclidean(xy: np.ndarray) -> np.ndarray:
    return np.hypot(xy[:, None, 0] - xy[None, :, 0], xy[:, None, 1] - xy[None, :, 1])


def grid_instance(rows: int = 12, cols: int = 10, seed: int = 0) -> Instance:
    graph = nx.convert_node_labels_to_integers(nx.grid_2d_graph(rows, cols), ordering="sorted")
    xy = np.array([(i // cols, i % cols) for i in range(rows * cols)], dtype=float)
    weight = np.random.default_rng(seed).uniform(20, 200, rows * cols)
    return graph, weight, euclidean(xy)


def geometric_instance(n: int = 120, seed: int = 0) -> Instance:
    graph = nx.random_geometric_graph(n, 0.18, seed=seed)
    assert nx.is_connected(graph)
    xy = np.array([graph.nodes[i]["pos"] for i in range(n)]) * 30
    weight = np.random.default_rng(seed).gamma(3.0, 60.0, n)
    return graph, weight, euclidean(xy)


def shire_instance() -> Instance:
    instance = load_instance(ROOT / "instances" / "shire")
    index = {area: i for i, area in enumerate(instance.area_ids)}
    graph = nx.Graph()
    graph.add_nodes_from(range(len(index)))
    graph.add_edges_from((index[a], index[b]) for a, b in instance.adjacency)
    return (graph, instance.areas["care_hours_per_week"].to_numpy(),
            instance.distance_km().to_numpy())


def bounds(weight: np.ndarray, k: int, tolerance: float) -> tuple[float, float]:
    mean = weight.sum() / k
    return (1 - tolerance) * mean, (1 + tolerance) * mean


def check_partition(instance: Instance, k: int, result: LotPartition, contiguous: bool = True) -> None:
    """Every structural promise except the volume bounds."""
    graph, weight, distance = instance
    assert len(result.members) == len(result.centres) == k
    assert sorted(a for lot in result.members for a in lot) == list(range(len(weight)))
    assert all(lot == sorted(lot) for lot in result.members)
    assert all(c in lot for c, lot in zip(result.centres, result.members))
    if contiguous:
        assert all(nx.is_connected(graph.subgraph(lot)) for lot in result.members)
    recomputed = sum(weight[i] * distance[i, c] for c, lot in zip(result.centres, result.members) for i in lot)
    assert result.objective == pytest.approx(recomputed, rel=1e-9)


def volumes(weight: np.ndarray, result: LotPartition) -> np.ndarray:
    return np.array([weight[lot].sum() for lot in result.members])


@pytest.mark.parametrize("make, k", [(grid_instance, 6), (geometric_instance, 7)])
def test_loose_bounds_give_contiguous_lots_within_bounds(make, k: int) -> None:
    instance = make()
    lower, upper = bounds(instance[1], k, 0.20)
    result = construct_lots(*instance, k, lower, upper)
    check_partition(instance, k, result)
    assert result.max_violation == 0.0
    assert np.all((volumes(instance[1], result) >= lower) & (volumes(instance[1], result) <= upper))


def test_same_inputs_and_seed_give_the_same_partition() -> None:
    instance = geometric_instance(seed=4)
    lower, upper = bounds(instance[1], 6, 0.15)
    assert construct_lots(*instance, 6, lower, upper, seed=3) == construct_lots(*instance, 6, lower, upper, seed=3)


def test_search_stops_on_its_move_budget_not_the_clock() -> None:
    instance = geometric_instance(seed=4)
    lower, upper = bounds(instance[1], 6, 0.15)
    full = construct_lots(*instance, 6, lower, upper, seed=3)
    short = construct_lots(*instance, 6, lower, upper, seed=3, effort=Effort(attempts=1, moves=200))
    check_partition(instance, 6, short)
    assert not full.cut_by_time and not short.cut_by_time
    assert (short.max_violation, short.objective) >= (full.max_violation, full.objective)
    assert short == construct_lots(*instance, 6, lower, upper, seed=3, effort=Effort(attempts=1, moves=200))


def test_time_cap_still_gives_a_whole_partition_and_says_it_cut_in() -> None:
    instance = grid_instance()
    lower, upper = bounds(instance[1], 6, 0.20)
    result = construct_lots(*instance, 6, lower, upper, time_limit=0.0)
    check_partition(instance, 6, result)
    assert result.cut_by_time


def test_impossible_bounds_give_the_best_partition_with_a_violation() -> None:
    instance = grid_instance()
    half = instance[1].sum() / 10  # five lots can never all be this small
    result = construct_lots(*instance, 5, half, half)
    check_partition(instance, 5, result)
    assert result.max_violation > 0
    assert result.max_violation == pytest.approx(np.abs(volumes(instance[1], result) - half).max())


def test_without_contiguity_only_the_upper_bound_binds() -> None:
    graph, weight, distance = geometric_instance(seed=2)
    _, upper = bounds(weight, 8, 0.10)
    result = construct_lots(nx.complete_graph(len(weight)), weight, distance, 8, 0.0, upper, contiguous=False)
    check_partition((graph, weight, distance), 8, result, contiguous=False)
    assert result.max_violation == 0.0 and volumes(weight, result).max() <= upper


def test_one_lot_is_centred_on_the_weighted_median_area() -> None:
    instance = grid_instance(6, 5)
    _, weight, distance = instance
    result = construct_lots(*instance, 1, 0.0, weight.sum())
    check_partition(instance, 1, result)
    assert result.objective == pytest.approx((weight @ distance).min())


def test_as_many_lots_as_areas_gives_single_areas() -> None:
    instance = grid_instance(3, 4)
    result = construct_lots(*instance, 12, 0.0, 1e9)
    assert result.members == [[i] for i in range(12)] and result.objective == 0.0


@pytest.mark.parametrize("k", [0, 13])
def test_lot_count_outside_one_to_n_is_refused(k: int) -> None:
    with pytest.raises(ValueError):
        construct_lots(*grid_instance(3, 4), k, 0.0, 1e9)


def test_shire_cuts_into_eight_contiguous_lots_within_fifteen_percent() -> None:
    instance = shire_instance()
    lower, upper = bounds(instance[1], 8, 0.15)
    result = construct_lots(*instance, 8, lower, upper)
    check_partition(instance, 8, result)
    assert result.max_violation == 0.0
    assert np.all((volumes(instance[1], result) >= lower) & (volumes(instance[1], result) <= upper))
