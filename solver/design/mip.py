"""Running a PuLP model on HiGHS or CBC and reading back the solver's own status, bound and gap.

PuLP maps a HiGHS time-limited incumbent to "Optimal"; this module reads the solver's model status
and dual bound directly, so a design is only ever called optimal when the solver proved it.

A node limit is a deterministic amount of work: with it (and a time limit large enough never to be
reached) the same model, options and seed give the same solution however busy the machine is, and
HiGHS gives the same with 1, 2 or the default number of threads. The report says which limit, if
any, ended the search.
"""

from __future__ import annotations

import re
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pulp

SOLVERS = ("highs", "cbc")
PROVEN_GAP = 1e-6  # a relative gap at or below this is optimal
HEURISTIC_EFFORT = 0.3  # HiGHS default 0.05: benchmarks/design_speed.py found better incumbents with 0.3


@dataclass(frozen=True)
class SolveReport:
    """What the solver said, in its own terms."""

    solver: str
    status: str  # optimal | within_gap | feasible (limit reached) | infeasible | unbounded_or_infeasible | no_solution
    objective: float | None
    bound: float | None
    gap: float | None  # relative, (objective - bound) / |objective|
    seconds: float
    stopped_by: str | None = None  # "nodes" or "time": the limit that ended the search; None: it finished

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "within_gap", "feasible")

    def to_dict(self) -> dict:
        return asdict(self)


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
          node_limit: int | None = None) -> SolveReport:
    """Solve `problem` (minimisation) and report the solver's true status, objective, bound and gap.

    `start` maps variable names to values of a feasible solution to start from. `node_limit`
    bounds the branch-and-bound nodes and `time_limit` the wall-clock seconds (None: no bound).
    """
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver '{solver}': choose one of {', '.join(SOLVERS)}")
    began = time.perf_counter()
    if solver == "highs":
        report = _solve_highs(problem, time_limit, gap, seed, start, threads, node_limit)
    else:
        report = _solve_cbc(problem, time_limit, gap, seed, start, threads, node_limit)
    name, status, objective, bound, stopped_by = report
    if solver == "highs":  # PuLP hands HiGHS the objective without its constant term
        offset = float(problem.objective.constant) if problem.objective is not None else 0.0
        objective, bound = (None if v is None else v + offset for v in (objective, bound))
    found_gap = relative_gap(objective, bound)
    if status == "optimal" and found_gap is not None and found_gap > PROVEN_GAP:
        status = "within_gap"  # stopped at the requested gap: proved good, not proved optimal
    return SolveReport(name, status, objective, bound, found_gap, time.perf_counter() - began, stopped_by)


def _solve_highs(problem, time_limit, gap, seed, start, threads, node_limit):
    import highspy

    options = {"random_seed": seed, "mip_rel_gap": gap, "mip_heuristic_effort": HEURISTIC_EFFORT}
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
        return "highs", "optimal", objective, bound, None
    if status == S.kInfeasible:
        return "highs", "infeasible", None, None, None
    if status in (S.kUnbounded, S.kUnboundedOrInfeasible):
        return "highs", "unbounded_or_infeasible", None, None, None
    # HiGHS reports the node limit as kSolutionLimit (kIterationLimit in releases before 1.7).
    stopped_by = {S.kTimeLimit: "time", S.kSolutionLimit: "nodes", S.kIterationLimit: "nodes"}.get(status)
    bound = float(info.mip_dual_bound) if is_mip and abs(info.mip_dual_bound) < 1e30 else None
    return "highs", "feasible" if has_value else "no_solution", objective, bound, stopped_by


_CBC_FIELDS = {"result": r"Result - (.+)", "objective": r"Objective value:\s+(\S+)",
               "bound": r"Lower bound:\s+(\S+)"}


def _solve_cbc(problem, time_limit, gap, seed, start, threads, node_limit):
    if start:
        for variable in problem.variables():
            if variable.name in start:
                variable.setInitialValue(start[variable.name])
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "cbc.log"
        engine = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=gap, warmStart=bool(start),
                                   threads=threads, maxNodes=node_limit, logPath=str(log),
                                   options=[f"randomCbcSeed {seed + 1}"])
        problem.solve(engine)
        text = log.read_text() if log.exists() else ""
    found = {k: (m.group(1).strip() if (m := re.search(p, text)) else None) for k, p in _CBC_FIELDS.items()}
    result = (found["result"] or "").lower()
    has_value = problem.sol_status in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
    objective = pulp.value(problem.objective) if has_value else None
    if objective is not None:
        objective = float(objective)
    if "infeasible" in result or problem.status == pulp.LpStatusInfeasible:
        return "cbc", "infeasible", None, None, None
    if result.startswith("optimal"):
        return "cbc", "optimal", objective, objective, None
    stopped_by = "nodes" if "node limit" in result else "time" if "time limit" in result else None
    bound = float(found["bound"]) if found["bound"] not in (None, "") else None
    return "cbc", "feasible" if has_value else "no_solution", objective, bound, stopped_by
