"""The lot stage's bound for every balanced partition: below the MIP's restricted bound and every
balanced cut, contiguous or not, reported in design.json and printed."""

from __future__ import annotations

import io

import numpy as np
import pytest
from rich.console import Console

from solver.design.lots import ALL_PARTITION_MAX_PAIRS, LotProblem, all_partition_bound, solve_lots
from solver.design.optimise import lot_problem, optimise
from solver.evaluate import evaluate
from solver.instance import load_instance
from solver.report import print_design

from .conftest import INSTANCES
from .test_design import small_config


@pytest.fixture(scope="module")
def tiny():
    return load_instance(INSTANCES / "tiny")


def best_balanced_cut(problem: LotProblem) -> float:
    """Best objective over every cut into two lots within the volume bounds, contiguous or not."""
    n = len(problem.weight)
    best = np.inf
    for mask in range(1, 2 ** (n - 1)):
        lots = [[i for i in range(n) if mask >> i & 1], [i for i in range(n) if not mask >> i & 1]]
        if all(problem.lower - 1e-9 <= problem.weight[m].sum() <= problem.upper + 1e-9 for m in lots):
            best = min(best, sum(min(problem.weight[m] @ problem.distance[m, c] for c in m) for m in lots))
    return best


def test_all_partition_bound_is_below_the_restricted_bound_and_every_cut(tiny) -> None:
    config = small_config(lots={"count_min": 2, "count_max": 2, "balance_tolerance": 0.2})
    problem = lot_problem(tiny, config, 2)
    result = solve_lots(problem, time_limit=20, gap=0.0)
    lower = result.all_partition
    assert lower.status == "optimal"
    assert lower.bound <= best_balanced_cut(problem) + 1e-6
    assert lower.bound <= result.report.bound + 1e-6 <= result.partition.objective + 2e-6
    assert lower.gap == pytest.approx((result.partition.objective - lower.bound) / result.partition.objective)


def test_design_reports_and_prints_both_bounds(tiny) -> None:
    config = small_config()
    design = optimise(tiny, config)
    design.kpis = evaluate(tiny, config, design)
    lot = design.solve["lot_stage"]
    assert lot["all_partition_status"] == "optimal"
    assert lot["all_partition_bound"] <= lot["bound"] + 1e-6 <= lot["objective"] + 2e-6
    assert lot["all_partition_gap"] >= 0
    out = io.StringIO()
    print_design(Console(file=out, width=400), tiny, design)
    assert f"bound {lot['bound']:,.1f} for {lot['bound_scope']}" in out.getvalue()
    assert f"{lot['all_partition_bound']:,.1f} for any balanced partition" in out.getvalue()


def test_large_instances_are_skipped_with_the_reason() -> None:
    n = int(ALL_PARTITION_MAX_PAIRS ** 0.5) + 1
    problem = LotProblem(np.ones(n), np.zeros((n, n)), k=2, lower=0.0, upper=float(n))
    lower = all_partition_bound(problem)
    assert lower.bound is None and lower.status.startswith("too large for the all-partition relaxation")
