"""Running a PuLP model on HiGHS or CBC and reading back the solver's own status, bound and gap.

PuLP maps a HiGHS time-limited incumbent to "Optimal" and a CBC stop at the gap tolerance to
"Optimal"; this module reads each solver's own status and dual bound instead (HiGHS's model status,
CBC's log), so a design is only ever called optimal when the solver proved it. CBC is run directly
rather than through PuLP because PuLP reads CBC's text solution, which has eight significant digits:
contract terms fixed at such values can make the recourse re-solve infeasible. CBC's binary
solution file has every digit.

Neither solver is given the objective's constant term; it is added to the objective and the bound
afterwards, so both report the PuLP objective's value and a bound on the same basis. (The gap
tolerance a solver stops at is therefore relative to the objective without its constant.)

A node limit is a deterministic amount of work: with it (and a time limit large enough never to be
reached) the same model, options and seed give the same solution however busy the machine is, and
HiGHS gives the same with 1, 2 or the default number of threads. The report says which limit, if
any, ended the search.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pulp

from ..processes import dying_with

SOLVERS = ("highs", "cbc")
PROVEN_GAP = 1e-6  # a relative gap at or below this is optimal
HEURISTIC_EFFORT = 0.3  # HiGHS default 0.05: benchmarks/design_speed.py found better incumbents with 0.3


@dataclass(frozen=True)
class SolveReport:
    """What the solver said, in its own terms."""

    solver: str
    status: str  # optimal | within_gap | feasible (limit reached) | infeasible | unbounded_or_infeasible | no_solution
    objective: float | None  # the PuLP objective's value, its constant included
    bound: float | None  # on the same basis; None when the solver gave none
    gap: float | None  # relative, (objective - bound) / |objective|
    seconds: float
    stopped_by: str | None = None  # "nodes" or "time": the limit that ended the search; None: it finished
    bounds: dict[str, float] | None = None  # where `bound` came from, when it is not the search's own: each bound by name

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "within_gap", "feasible")

    def to_dict(self) -> dict:
        return asdict(self)


@contextmanager
def fixed(values: list[tuple[pulp.LpVariable, float]]) -> Iterator[None]:
    """While the block runs, each variable held at its value (both bounds); its bounds restored after."""
    bounds = [(variable, variable.lowBound, variable.upBound) for variable, _ in values]
    for variable, value in values:
        variable.lowBound = variable.upBound = value
    try:
        yield
    finally:
        for variable, lower, upper in bounds:
            variable.lowBound, variable.upBound = lower, upper


@contextmanager
def relaxed(variables: list[pulp.LpVariable]) -> Iterator[None]:
    """While the block runs, these variables' integer ones continuous (an LP relaxation)."""
    integers = [v for v in variables if v.cat == pulp.LpInteger]
    for variable in integers:
        variable.cat = pulp.LpContinuous
    try:
        yield
    finally:
        for variable in integers:
            variable.cat = pulp.LpInteger


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None:
        return None
    return max(0.0, objective - bound) / max(abs(objective), 1e-9)


class _HighsWithStart(pulp.HiGHS):
    """PuLP's HiGHS interface, plus a warm start passed to HiGHS before it runs."""

    def __init__(self, start: dict[str, float] | None, **kwargs):
        super().__init__(**kwargs)
        self.start = start

    def callSolver(self, lp: pulp.LpProblem) -> None:
        if self.start:
            import highspy

            solution = highspy.HighsSolution()
            solution.col_value = [float(self.start.get(v.name, 0.0)) for v in lp.variables()]
            solution.value_valid = True
            lp.solverModel.setSolution(solution)
        lp.solverModel.run()

    def findSolutionValues(self, lp: pulp.LpProblem) -> tuple[int, int]:
        """PuLP's reading of the solution, plus the node limit (kSolutionLimit), which PuLP does
        not know: its incumbent is read as PuLP reads a time-limited one."""
        import highspy

        model = lp.solverModel
        if model.getModelStatus() != highspy.HighsModelStatus.kSolutionLimit:
            return super().findSolutionValues(lp)
        values = list(model.getSolution().col_value)
        for variable in lp.variables():
            variable.varValue = values[variable.index]
        if model.getInfo().primal_solution_status == 2:  # kSolutionStatusFeasible
            return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible
        return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound


def solve(problem: pulp.LpProblem, solver: str = "highs", time_limit: float | None = 60.0, gap: float = 1e-4,
          seed: int = 0, start: dict[str, float] | None = None, threads: int | None = None,
          node_limit: int | None = None, interior_point: bool = False) -> SolveReport:
    """Solve `problem` (minimisation) and report the solver's true status, objective, bound and gap.

    `start` maps variable names to values of a feasible solution to start from. `node_limit`
    bounds the branch-and-bound nodes and `time_limit` the wall-clock seconds (None: no bound).
    `interior_point` solves a linear programme by HiGHS's interior point method (with crossover):
    on the award model's relaxation about three times faster than the simplex method.
    """
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver '{solver}': choose one of {', '.join(SOLVERS)}")
    if problem.sense != pulp.LpMinimize:
        raise ValueError("solve() minimises: negate the objective of a maximisation")
    began = time.perf_counter()
    with _without_constant(problem) as constant:
        if solver == "highs":
            status, objective, bound, stopped_by = _solve_highs(problem, time_limit, gap, seed, start, threads,
                                                                node_limit, interior_point)
        else:
            status, objective, bound, stopped_by = _solve_cbc(problem, time_limit, gap, seed, start, threads,
                                                              node_limit)
    objective, bound = (None if v is None else v + constant for v in (objective, bound))
    if objective is not None and bound is not None:
        bound = min(bound, objective)  # a printed bound rounded above the incumbent
    found_gap = relative_gap(objective, bound)
    if status == "optimal" and found_gap is not None and found_gap > PROVEN_GAP:
        status = "within_gap"  # stopped at the requested gap: proved good, not proved optimal
    return SolveReport(solver, status, objective, bound, found_gap, time.perf_counter() - began, stopped_by)


@contextmanager
def _without_constant(problem: pulp.LpProblem) -> Iterator[float]:
    """The objective without its constant while the solver runs, whether or not PuLP's interface
    would pass it on; yields the constant to add back."""
    objective = problem.objective
    constant = float(objective.constant) if objective is not None else 0.0
    if objective is not None:
        objective.constant = 0.0
    try:
        yield constant
    finally:
        if objective is not None:
            objective.constant = constant


Outcome = tuple[str, float | None, float | None, str | None]  # status, objective, bound, stopped_by


def _solve_highs(problem: pulp.LpProblem, time_limit: float | None, gap: float, seed: int,
                 start: dict[str, float] | None, threads: int | None, node_limit: int | None,
                 interior_point: bool = False) -> Outcome:
    import highspy

    options = {"random_seed": seed, "mip_rel_gap": gap, "mip_heuristic_effort": HEURISTIC_EFFORT}
    if interior_point:
        options["solver"] = "ipm"
    if node_limit is not None:
        options["mip_max_nodes"] = node_limit
    engine = _HighsWithStart(start, msg=False, timeLimit=time_limit, threads=threads, **options)
    problem.solve(engine)
    model = problem.solverModel
    status = model.getModelStatus()
    info = model.getInfo()
    S = highspy.HighsModelStatus
    has_value = info.primal_solution_status == 2  # kSolutionStatusFeasible
    objective = float(info.objective_function_value) if has_value else None
    is_mip = any(v.cat == pulp.LpInteger for v in problem.variables())
    if status == S.kOptimal:
        bound = float(info.mip_dual_bound) if is_mip else objective
        if bound is not None and objective is not None and abs(bound) > 1e30:
            bound = objective
        return "optimal", objective, bound, None
    if status == S.kInfeasible:
        return "infeasible", None, None, None
    if status in (S.kUnbounded, S.kUnboundedOrInfeasible):
        return "unbounded_or_infeasible", None, None, None
    # HiGHS reports the node limit as kSolutionLimit (kIterationLimit in releases before 1.7).
    stopped_by = {S.kTimeLimit: "time", S.kSolutionLimit: "nodes", S.kIterationLimit: "nodes"}.get(status)
    bound = float(info.mip_dual_bound) if is_mip and abs(info.mip_dual_bound) < 1e30 else None
    return "feasible" if has_value else "no_solution", objective, bound, stopped_by


def _solve_cbc(problem: pulp.LpProblem, time_limit: float | None, gap: float, seed: int,
               start: dict[str, float] | None, threads: int | None, node_limit: int | None) -> Outcome:
    """Run the CBC that ships with PuLP on the model written as MPS, read its status and bound from
    its log and the incumbent from its binary solution file."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        variables, names, _, _ = problem.writeMPS(str(work / "model.mps"), rename=True)
        args = [pulp.PULP_CBC_CMD().path, str(work / "model.mps")]
        if start:
            lines = [f"{i} {names[v.name]} {start[v.name]:.17g}" for i, v in enumerate(variables) if v.name in start]
            (work / "start.mst").write_text("\n".join(["start", *lines]) + "\n")
            args += ["-mips", str(work / "start.mst")]
        options = {"sec": time_limit, "ratio": gap, "maxNodes": node_limit, "threads": threads,
                   "randomCbcSeed": seed + 1, "timeMode": "elapsed"}
        for option, value in options.items():
            if value is not None:
                args += [f"-{option}", str(value)]
        args += ["-solve", "-saveSolution", str(work / "solution.bin")]
        run = subprocess.run(args, capture_output=True, text=True, cwd=folder,
                             preexec_fn=dying_with(os.getpid()))  # CBC ends with the run that started it
        log = run.stdout + run.stderr
        if run.returncode != 0:
            raise RuntimeError(f"CBC failed (exit {run.returncode}): {_tail(log)}")
        bounded = all(v.lowBound is not None and v.upBound is not None for v in variables)
        status, has_value, bound, stopped_by = read_cbc_log(log, bounded)
        objective = None
        if has_value:
            values = _cbc_column_values((work / "solution.bin").read_bytes(), len(variables))
            for variable, value in zip(variables, values):
                variable.varValue = float(value)
            objective = float(pulp.value(problem.objective))
    if status == "optimal" and bound is None:
        bound = objective  # CBC proved it optimal and printed no separate bound
    return status, objective, bound, stopped_by


def read_cbc_log(log: str, bounded: bool) -> tuple[str, bool, float | None, str | None]:
    """CBC's status, whether it holds a solution, its best bound (None when it gave none) and the
    limit that stopped it, from its log. `bounded`: every variable has finite bounds, so the model
    cannot be unbounded.

    A branch and bound ends with "Result - ..." and then "Objective value:" (an incumbent) or
    "No feasible solution found", and "Lower bound:" unless the incumbent is proved optimal; an LP
    or a model found infeasible before branching gives only the LP solver's status line.
    """
    result = re.search(r"^Result - (.+)$", log, re.MULTILINE)
    if result is None:
        if re.search(r"^Optimal - objective value", log, re.MULTILINE):
            return "optimal", True, None, None
        if re.search(r"^(Problem is infeasible|Primal infeasible)", log, re.MULTILINE):
            return "infeasible", False, None, None
        if re.search(r"^(Problem is unbounded|Dual infeasible)", log, re.MULTILINE):
            return "unbounded_or_infeasible", False, None, None
        if "Pre-processing says infeasible or unbounded" in log:
            return "infeasible" if bounded else "unbounded_or_infeasible", False, None, None
        raise RuntimeError(f"CBC's log gives no status: {_tail(log)}")
    outcome = result.group(1).strip().lower()
    if "infeasible" in outcome:  # "Problem proven infeasible", "Linear relaxation infeasible"
        return "infeasible", False, None, None
    if "unbounded" in outcome:
        return "unbounded_or_infeasible", False, None, None
    has_value = re.search(r"^Objective value:", log, re.MULTILINE) is not None
    found = re.search(r"^Lower bound:\s+(\S+)", log, re.MULTILINE)
    bound = float(found.group(1)) if found else None
    if bound is not None and abs(bound) >= 1e30:  # CBC's infinity: no bound yet
        bound = None
    if outcome.startswith("optimal"):  # "Optimal solution found", maybe "(within gap tolerance)"
        return "optimal", True, bound, None
    stopped_by = "nodes" if "node limit" in outcome else "time" if "time" in outcome else None
    return "feasible" if has_value else "no_solution", has_value, bound, stopped_by


def _cbc_column_values(data: bytes, columns: int) -> np.ndarray:
    """Column values from CBC's binary solution: rows and columns (two ints), the objective, then
    row activities, row duals, column values and reduced costs (doubles)."""
    rows, found = struct.unpack_from("=ii", data)
    if found != columns:
        raise RuntimeError(f"CBC's solution has {found} columns for a model of {columns}")
    return np.frombuffer(data, dtype=np.float64, count=columns, offset=16 + 16 * rows)


def _tail(log: str, lines: int = 8) -> str:
    return " | ".join(line for line in log.strip().splitlines()[-lines:] if line.strip())
