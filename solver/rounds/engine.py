"""One entry point for routing a day, whichever engine does it.

auto: PyVRP, which searches far better on plain time windows (../shared/design.md), unless the
problem has rules only OR-Tools models (double-handed visits, breaks, working-time limits).
both: every engine that can model the problem, sharing the time limit one after the other; the
validator, not the engines, decides which answer is feasible, then the lower travel wins.
"""

from __future__ import annotations

from types import ModuleType

from . import ortools_engine, pyvrp_engine
from .problem import Problem, Solution
from .validate import validate

ENGINES: dict[str, ModuleType] = {"ortools": ortools_engine, "pyvrp": pyvrp_engine}


def route(problem: Problem, time_limit: float, seed: int = 0, engine: str = "auto") -> Solution:
    if engine == "auto":
        engine = "ortools" if pyvrp_engine.unsupported(problem) else "pyvrp"
    if engine != "both":
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}: choose auto, ortools, pyvrp or both")
        return ENGINES[engine].solve(problem, time_limit, seed)
    able = [ortools_engine] + ([] if pyvrp_engine.unsupported(problem) else [pyvrp_engine])
    solutions = [e.solve(problem, time_limit / len(able), seed) for e in able]
    return min(solutions, key=lambda s: (bool(validate(problem, s)), len(s.unserved), s.objective))
