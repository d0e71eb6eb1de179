"""The lot stage against GerryChain's greedy ReCom at equal wall-clock time.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/lots_vs_recom.py [--cases shire:6 shire:8 wiltshire:8 birmingham:10] \
        [--seconds 120] [--repeats 3] [--recom-start heuristic|tree]

Each case runs the project's lot stage (`solve_lots` on `lot_problem`, under the balanced
configuration's rules: contiguity, ±25% of the mean volume) and then greedy ReCom for the same
wall-clock time (the lot stage's own; its all-partition LP, which only bounds, is left out): ReCom merges
two adjacent lots, cuts a random spanning tree of the union into two lots within the bounds, and
the proposal is accepted only if it lowers the objective. Both are costed alike: the sum over areas
of hours x km to the lot's centre, each lot at its best centre among its own areas. ReCom starts
from the project's construction heuristic (`--recom-start heuristic`) or GerryChain's
`recursive_tree_part` (`tree`). `--seconds` caps the lot stage (its counted effort usually ends it
sooner). The all-partition bound (`all_partition_bound`, the LP with every area a centre and
contiguity dropped) bounds every balanced plan, so both gaps are against it; it is computed here
even above the lot stage's size limit (birmingham's LP, 408,321 pairs, had not finished after 25
minutes on two busy cores). With several repeats the table shows each run and the medians.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from gerrychain import Graph, MarkovChain, Partition
from gerrychain.constraints import contiguous
from gerrychain.proposals import recom
from gerrychain.tree import PopulationBalanceError, recursive_tree_part

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.design import lots  # noqa: E402
from solver.design.config import load_config  # noqa: E402
from solver.design.lots import LotProblem, all_partition_bound, solve_lots  # noqa: E402
from solver.design.lots_heuristic import construct_lots  # noqa: E402
from solver.design.mip import relative_gap  # noqa: E402
from solver.design.optimise import lot_problem  # noqa: E402
from solver.instance import load_instance  # noqa: E402


def recom_greedy(problem: LotProblem, start: str, seconds: float, seed: int) -> tuple[float, int]:
    """Greedy ReCom for `seconds`: its best objective and the proposals made."""
    weight, distance, k = problem.objective_weight, problem.distance, problem.k

    def lot_cost(nodes) -> float:
        areas = np.fromiter(nodes, dtype=int)
        return float((weight[areas] @ distance[np.ix_(areas, areas)]).min())

    def costs(partition: Partition) -> dict:
        """Each lot's cost; a proposal recosts only the two lots it changed."""
        if partition.parent is None:
            return {lot: lot_cost(nodes) for lot, nodes in partition.parts.items()}
        changed = set(partition.flips.values()) | {partition.parent.assignment[n] for n in partition.flips}
        return {**partition.parent["costs"], **{lot: lot_cost(partition.parts[lot]) for lot in changed}}

    def total(partition: Partition) -> float:
        return sum(partition["costs"].values())

    graph = problem.graph.copy()
    for i in graph.nodes:
        graph.nodes[i]["hours"] = float(problem.weight[i])
    graph = Graph.from_networkx(graph)
    mean = float(problem.weight.sum()) / k
    tolerance = problem.upper / mean - 1  # ReCom's epsilon: the same ±share of the mean
    if start == "tree":
        assignment = recursive_tree_part(graph, range(k), mean, "hours", tolerance, rng=random.Random(seed))
    else:
        cut = construct_lots(problem.graph, problem.weight, problem.distance, k, problem.lower, problem.upper,
                             seed=seed)
        assignment = {i: lot for lot, members in enumerate(cut.members) for i in members}

    def propose(partition: Partition, rng: random.Random) -> Partition:
        try:
            return recom(partition, pop_col="hours", pop_target=mean, epsilon=tolerance, rng=rng)
        except PopulationBalanceError:  # no balanced cut found for the pair drawn: propose again
            return partition

    def better(partition: Partition, rng: random.Random | None = None) -> bool:
        return partition.parent is None or total(partition) < total(partition.parent)

    chain = MarkovChain(propose, [contiguous], better, Partition(graph, assignment, {"costs": costs}),
                        total_steps=10**9, rng=seed)
    began, steps = time.perf_counter(), 0
    for state in chain:
        steps += 1
        if time.perf_counter() - began > seconds:
            break
    return total(state), steps


def partition_bound(problem: LotProblem) -> float | None:
    """`all_partition_bound` without the lot stage's size and time limits (birmingham has 408,321
    area-centre pairs)."""
    lots.ALL_PARTITION_MAX_PAIRS = len(problem.weight) ** 2
    try:
        return all_partition_bound(problem, time_limit=None).bound
    finally:
        lots.ALL_PARTITION_MAX_PAIRS = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", nargs="+", default=["shire:6", "shire:8", "wiltshire:8", "birmingham:10"],
                        help="instance:lots")
    parser.add_argument("--config", default="balanced")
    parser.add_argument("--seconds", type=float, default=120.0, help="a cap on the lot stage")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--recom-start", choices=["heuristic", "tree"], default="heuristic")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=DeprecationWarning, module="pulp")
    config = load_config(ROOT / "configs" / f"{args.config}.yaml")
    if config.coverage.min_non_rural_share > 0 or not config.lots.contiguous or config.lots.balance_tolerance is None:
        parser.error(f"{args.config}: ReCom here keeps lots contiguous within a balance tolerance and knows no "
                     "non-rural share; choose a configuration with only those lot rules")
    lots.ALL_PARTITION_MAX_PAIRS = 0  # the lot stage skips its bound: `partition_bound` computes it once per case
    print(f"{'instance':11} {'lots':>4} {'run':>3} {'seconds':>8} {'project':>11} {'ReCom':>11} {'steps':>7} "
          f"{'bound':>11} {'project gap':>11} {'ReCom gap':>9}")
    for case in args.cases:
        name, k = case.split(":")
        problem = lot_problem(load_instance(ROOT / "instances" / name), config, int(k))
        bound = partition_bound(problem)
        rows = []
        for run in range(1, args.repeats + 1):
            began = time.perf_counter()
            result = solve_lots(problem, time_limit=args.seconds, gap=config.solver.gap, seed=args.seed)
            seconds = time.perf_counter() - began
            ours = result.partition.objective
            theirs, steps = recom_greedy(problem, args.recom_start, seconds, args.seed + run - 1)
            rows.append((seconds, ours, theirs, relative_gap(ours, bound), relative_gap(theirs, bound)))
            print(f"{name:11} {k:>4} {run:3d} {seconds:8.1f} {ours:11,.0f} {theirs:11,.0f} {steps:7d} "
                  f"{fmt(bound, '{:11,.0f}')} {fmt(rows[-1][3], '{:11.2%}')} {fmt(rows[-1][4], '{:9.2%}')}",
                  flush=True)
        if len(rows) > 1:
            seconds, ours, theirs = (statistics.median(r[i] for r in rows) for i in range(3))
            print(f"{name:11} {k:>4} {'med':>3} {seconds:8.1f} {ours:11,.0f} {theirs:11,.0f} {'':7} "
                  f"{fmt(bound, '{:11,.0f}')} {fmt(relative_gap(ours, bound), '{:11.2%}')} "
                  f"{fmt(relative_gap(theirs, bound), '{:9.2%}')}", flush=True)


def fmt(value: float | None, pattern: str) -> str:
    return pattern.format(value) if value is not None else f"{'-':>{len(pattern.format(0.0))}}"


if __name__ == "__main__":
    main()
