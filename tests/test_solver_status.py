"""The solver report says what HiGHS and CBC proved: status, objective, bound and gap on one basis."""

from __future__ import annotations

import numpy as np
import pulp
import pytest

from solver.design.mip import SOLVERS, SolveReport, read_cbc_log, solve


def knapsack(constant: float = 0.0, n: int = 50, m: int = 5, seed: int = 3) -> pulp.LpProblem:
    """A multidimensional knapsack (as a minimisation) that needs some branching to prove."""
    rng = np.random.default_rng(seed)
    size, value = rng.integers(10, 100, (m, n)), rng.integers(10, 100, n)
    model = pulp.LpProblem("knapsack", pulp.LpMinimize)
    take = [pulp.LpVariable(f"take_{i}", cat=pulp.LpBinary) for i in range(n)]
    model += constant - pulp.lpSum(int(value[i]) * take[i] for i in range(n))
    for row in size:
        model += pulp.lpSum(int(row[i]) * take[i] for i in range(n)) <= int(row.sum() // 2)
    return model


def market_split(n: int = 40, m: int = 4, seed: int = 1) -> pulp.LpProblem:
    """Equality knapsacks whose solutions neither solver's heuristics find at the root."""
    rng = np.random.default_rng(seed)
    weights = rng.integers(0, 100, (m, n))
    model = pulp.LpProblem("market_split", pulp.LpMinimize)
    pick = [pulp.LpVariable(f"pick_{i}", cat=pulp.LpBinary) for i in range(n)]
    model += pulp.lpSum(pick)
    for row in weights:
        model += pulp.lpSum(int(row[i]) * pick[i] for i in range(n)) == int(row.sum() // 2)
    return model


def assert_consistent(report: SolveReport) -> None:
    assert report.has_solution
    assert report.bound is not None and report.bound <= report.objective
    assert report.gap == pytest.approx((report.objective - report.bound) / abs(report.objective))


def test_objective_constant_is_counted_once_by_both_solvers() -> None:
    constant = 1000.5
    optimum = {}
    for solver in SOLVERS:
        model = knapsack(constant)
        report = solve(model, solver, time_limit=None, gap=0.0)
        assert report.status == "optimal"
        assert report.objective == pytest.approx(pulp.value(model.objective))
        assert report.bound == pytest.approx(report.objective)
        assert model.objective.constant == constant
        optimum[solver] = report.objective
    assert optimum["highs"] == pytest.approx(optimum["cbc"], abs=1e-6)
    assert optimum["cbc"] == pytest.approx(solve(knapsack(), "cbc", time_limit=None, gap=0.0).objective + constant)
    for solver in SOLVERS:  # stopped early: the bound is on the same basis, below the optimum
        early = solve(knapsack(constant), solver, time_limit=None, gap=0.0, node_limit=1)
        assert_consistent(early)
        assert early.bound <= optimum[solver] + 1e-6 <= early.objective + 2e-6


@pytest.mark.parametrize("solver", SOLVERS)
def test_stop_at_the_gap_tolerance_is_within_gap_with_the_solvers_bound(solver: str) -> None:
    report = solve(knapsack(), solver, time_limit=None, gap=0.02)
    assert report.status == "within_gap" and report.stopped_by is None
    assert_consistent(report)
    assert 0 < report.gap <= 0.02


@pytest.mark.parametrize("solver", SOLVERS)
def test_node_limit_with_an_incumbent_is_feasible(solver: str) -> None:
    report = solve(knapsack(), solver, time_limit=None, gap=0.0, node_limit=2)
    assert report.status == "feasible" and report.stopped_by == "nodes"
    assert_consistent(report)
    assert report.gap > 0


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("limit", [{"node_limit": 1}, {"time_limit": 0.3}])
def test_limit_without_an_incumbent_is_no_solution_not_infeasible(solver: str, limit: dict) -> None:
    report = solve(market_split(), solver, gap=0.0, **limit)
    assert report.status == "no_solution" and not report.has_solution
    assert report.stopped_by == ("nodes" if "node_limit" in limit else "time")
    assert report.objective is None and report.gap is None
    assert report.bound is not None and report.bound > 16  # the LP bound is 16.6


def integer_infeasible() -> pulp.LpProblem:
    model = pulp.LpProblem("parity", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{i}", 0, 10, cat=pulp.LpInteger) for i in range(3)]
    model += x[0] + 5
    model += 2 * x[0] + 2 * x[1] + 4 * x[2] == 7
    return model


def relaxation_infeasible() -> pulp.LpProblem:
    model = pulp.LpProblem("relaxation", pulp.LpMinimize)
    x, y = pulp.LpVariable("x", 0, 1, cat=pulp.LpInteger), pulp.LpVariable("y", 0, 1)
    model += x + y
    model += x + y >= 3
    return model


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("build", [integer_infeasible, relaxation_infeasible])
def test_infeasible_only_when_proved(solver: str, build) -> None:
    report = solve(build(), solver, gap=0.0)
    assert report.status == "infeasible"
    assert (report.objective, report.bound, report.gap) == (None, None, None)


@pytest.mark.parametrize("solver", SOLVERS)
def test_values_keep_full_precision_so_fixing_them_stays_feasible(solver: str) -> None:
    """Fixing a solution's continuous values and re-solving, as the award stage does, must not be
    infeasible for want of digits (CBC's text solution has eight)."""
    model = pulp.LpProblem("precision", pulp.LpMinimize)
    x = [pulp.LpVariable(f"x{i}", 0) for i in range(3)]
    model += x[0] + 2 * x[1] + 3 * x[2] + 7
    model += 3 * x[0] + x[1] >= 1234.56789012345
    model += x[0] - x[2] == 0.123456789012345
    first = solve(model, solver, gap=0.0)
    assert first.status == "optimal"
    assert x[0].varValue == pytest.approx(1234.56789012345 / 3, rel=1e-12)
    for variable in x:
        variable.lowBound = variable.upBound = variable.varValue
    again = solve(model, solver, gap=0.0)
    assert again.status == "optimal" and again.objective == pytest.approx(first.objective, rel=1e-12)


RESULT = """Cuts at root node changed objective from -1773.72 to -1770.39

Result - {result}

{lines}
Total iterations:               17
"""


@pytest.mark.parametrize(("result", "lines", "expected"), [
    ("Optimal solution found", "Objective value:                -1754.00000000\nEnumerated nodes:               8",
     ("optimal", True, None, None)),
    ("Optimal solution found (within gap tolerance)",
     "Objective value:                -1754.00000000\nLower bound:                    -1770.393\nGap:                            0.01",
     ("optimal", True, -1770.393, None)),
    ("Stopped on node limit", "Objective value:                -1754.00000000\nLower bound:                    -1770.078",
     ("feasible", True, -1770.078, "nodes")),
    ("Stopped on time limit", "No feasible solution found\nLower bound:                    16.753",
     ("no_solution", False, 16.753, "time")),
    ("Stopped on time limit", "Enumerated nodes:           0", ("no_solution", False, None, "time")),
    ("Stopped on node limit", "No feasible solution found\nLower bound:                    -1e+50",
     ("no_solution", False, None, "nodes")),
    ("Problem proven infeasible", "No feasible solution found", ("infeasible", False, None, None)),
    ("Linear relaxation infeasible", "", ("infeasible", False, None, None)),
    ("Linear relaxation unbounded", "", ("unbounded_or_infeasible", False, None, None)),
])
def test_cbc_log_is_read_for_status_bound_and_limit(result: str, lines: str, expected: tuple) -> None:
    assert read_cbc_log(RESULT.format(result=result, lines=lines), bounded=True) == expected


def test_cbc_log_without_a_result_line() -> None:
    assert read_cbc_log("Optimal - objective value 411.52263\n", True) == ("optimal", True, None, None)
    assert read_cbc_log("Problem is infeasible - 0.01 seconds\n", True)[0] == "infeasible"
    preprocessing = "Pre-processing says infeasible or unbounded\n"
    assert read_cbc_log(preprocessing, bounded=True)[0] == "infeasible"
    assert read_cbc_log(preprocessing, bounded=False)[0] == "unbounded_or_infeasible"
    with pytest.raises(RuntimeError, match="no status"):
        read_cbc_log("Coin0008I MODEL read with 0 errors\n", True)
