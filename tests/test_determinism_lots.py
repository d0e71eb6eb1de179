"""The lot stage stops on counted effort, so a seed gives the same lots however busy the machine is."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import networkx as nx
import numpy as np
import pulp
import pytest

from solver.design.lots import LotProblem, LotResult, solve_lots
from solver.design.lots_heuristic import LotPartition, construct_lots
from solver.design.mip import solve
from solver.instance import load_instance

INSTANCES = Path(__file__).resolve().parents[1] / "instances"


@contextmanager
def busy_cpu() -> Iterator[None]:
    """A process spinning on a CPU while the block runs."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def lot_problem(name: str, k: int, tolerance: float) -> LotProblem:
    instance = load_instance(INSTANCES / name)
    index = {area: i for i, area in enumerate(instance.area_ids)}
    distance = instance.distance_km().to_numpy()
    graph = nx.Graph()
    graph.add_nodes_from(range(len(index)))
    graph.add_edges_from((index[a], index[b], {"km": distance[index[a], index[b]]}) for a, b in instance.adjacency)
    hours = instance.expected_demand().to_numpy()
    mean = hours.sum() / k
    return LotProblem(hours, distance, k, (1 - tolerance) * mean, (1 + tolerance) * mean, graph)


def heuristic(problem: LotProblem) -> LotPartition:
    return construct_lots(problem.graph, problem.weight, problem.distance, problem.k, problem.lower,
                          problem.upper, seed=5)


def decisions(result: LotResult) -> tuple[LotPartition, str]:
    return result.partition, result.source


def test_heuristic_gives_the_same_lots_idle_and_busy() -> None:
    problem = lot_problem("shire", 8, 0.25)
    idle = heuristic(problem)
    with busy_cpu():
        busy = heuristic(problem)
    assert not idle.cut_by_time and not busy.cut_by_time
    assert busy == idle


def test_location_allocation_gives_the_same_lots_idle_and_busy() -> None:
    problem = lot_problem("shire", 4, 0.25)
    idle = solve_lots(problem, time_limit=None, seed=2, exact=False)
    with busy_cpu():
        busy = solve_lots(problem, time_limit=None, seed=2, exact=False)
    assert idle.source.startswith("location-allocation") and not idle.cut_by_time
    assert decisions(busy) == decisions(idle)


def test_exact_lots_are_the_same_idle_and_busy() -> None:
    problem = lot_problem("tiny", 3, 0.35)
    idle = solve_lots(problem, time_limit=None, gap=0.0, seed=1)
    with busy_cpu():
        busy = solve_lots(problem, time_limit=None, gap=0.0, seed=1)
    assert idle.report.status == "optimal" and idle.report.stopped_by is None
    assert decisions(busy) == decisions(idle)


def knapsack(n: int = 50, m: int = 5, seed: int = 3) -> pulp.LpProblem:
    """A multidimensional knapsack that needs a few branch-and-bound nodes."""
    rng = np.random.default_rng(seed)
    size, value = rng.integers(10, 100, (m, n)), rng.integers(10, 100, n)
    model = pulp.LpProblem("knapsack", pulp.LpMinimize)
    take = [pulp.LpVariable(f"take_{i}", cat=pulp.LpBinary) for i in range(n)]
    model += -pulp.lpSum(int(value[i]) * take[i] for i in range(n))
    for row in size:
        model += pulp.lpSum(int(row[i]) * take[i] for i in range(n)) <= int(row.sum() // 2)
    return model


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_report_says_which_limit_ended_the_search(solver: str) -> None:
    finished = solve(knapsack(), solver, time_limit=None, gap=0.0)
    by_nodes = solve(knapsack(), solver, time_limit=None, gap=0.0, node_limit=2)
    assert finished.status == "optimal" and finished.stopped_by is None
    assert by_nodes.status == "feasible" and by_nodes.stopped_by == "nodes"
    assert by_nodes.to_dict()["stopped_by"] == "nodes"
    again = solve(knapsack(), solver, time_limit=None, gap=0.0, node_limit=2)
    assert (again.objective, again.bound) == (by_nodes.objective, by_nodes.bound)


def test_time_cap_is_reported() -> None:
    assert solve(knapsack(), "highs", time_limit=0.0, gap=0.0).stopped_by == "time"


def test_whole_design_is_the_same_beside_a_busy_process() -> None:
    """optimise end to end (lot counts screened, lots, awards, failures priced): the same design
    file, timings aside, on an idle machine and beside a process that keeps a core busy."""
    from dataclasses import replace

    from solver.design.config import DesignConfig
    from solver.design.optimise import optimise

    tiny = load_instance(INSTANCES / "tiny")
    config = DesignConfig()
    config = replace(config, lots=replace(config.lots, count_min=2, count_max=4, balance_tolerance=0.35),
                     solver=replace(config.solver, node_limit=20))

    def decisions() -> dict:
        design = optimise(tiny, config).to_dict()
        assert design["solve"]["reproducible"]
        for stage in ("lot_stage", "award_stage"):
            design["solve"][stage].pop("seconds", None)
        return design

    idle = decisions()
    with busy_cpu():
        busy = decisions()
    assert idle == busy
