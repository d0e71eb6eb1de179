"""One entry point for routing a day, whichever engine does it.

auto: PyVRP, which searches far better on plain time windows (../shared/design.md) and models
skills, same-carer preferences and the hard continuity rule with its routing profiles, unless the
problem has rules it lacks (double-handed visits, delays, soft windows, breaks, working-time
limits). Then a day of a few dozen visits with delays between a double visit's carers or soft
windows, and without breaks, working-time limits or preferences, goes to CP-SAT (improve.py:
OR-Tools' routes improved by a model in which every rule is a constraint; at the optimum on
Mankowska's set A), and any other to the hybrid engine (hybrid_engine.py: OR-Tools' first plan,
PyVRP from it on a relaxation with the double visits pinned, OR-Tools on the full problem from
PyVRP's routes), which is PyVRP on a plain day (within 0.5% of the Solomon best-knowns at 10 s,
OR-Tools 7% above) and below OR-Tools on double-handed lot-days (benchmarks/rounds_speed.py).
both: every engine that can model the problem, sharing the time limit one after the other; the
validator, not the engines, decides which answer is feasible, then the lower travel wins.
Either way the day is first split into independent parts (decompose.py), large ones cut into
geographic patches when patch_visits is given, and the parts are solved in turn with
time in proportion to their visits.
"""

from __future__ import annotations

from types import ModuleType

from . import hybrid_engine, improve, ortools_engine, pyvrp_engine
from .decompose import join, patches, split
from .problem import Problem, Solution
from .validate import validate

ENGINES: dict[str, ModuleType] = {"ortools": ortools_engine, "pyvrp": pyvrp_engine, "hybrid": hybrid_engine,
                                  "cpsat": improve}


def route(problem: Problem, time_limit: float, seed: int = 0, engine: str = "auto",
          patch_visits: int | None = None) -> Solution:
    """Route the day with engine auto, ortools, pyvrp, hybrid, cpsat or both within time_limit seconds, parts of
    more than patch_visits visits cut into geographic patches (none when None). The same seed
    gives the same search, but a time limit cuts it wherever the clock says, so results can differ
    from run to run on a busier or quieter machine. PyVRP raises UnsupportedProblem on rules it
    cannot model."""
    if engine == "auto":
        engine = automatic(problem)
    if engine == "both":
        able = [ortools_engine] + ([] if pyvrp_engine.unsupported(problem) else [pyvrp_engine])
        solutions = [_in_parts(problem, time_limit / len(able), seed, e, patch_visits) for e in able]
        return min(solutions, key=lambda s: (bool(validate(problem, s)), len(s.unserved), s.objective))
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}: choose auto, ortools, pyvrp, hybrid, cpsat or both")
    return _in_parts(problem, time_limit, seed, ENGINES[engine], patch_visits)


def automatic(problem: Problem) -> str:
    """The engine `auto` picks for this problem (see the module's docstring)."""
    if not pyvrp_engine.unsupported(problem):
        return "pyvrp"
    needs_cpsat = problem.has_delays or problem.has_soft_windows  # rules OR-Tools' moves handle poorly
    if needs_cpsat and not improve.unsupported(problem) and len(problem.visits) <= improve.MAX_VISITS:
        return "cpsat"
    return "hybrid"


def _in_parts(problem: Problem, time_limit: float, seed: int, engine: ModuleType,
              patch_visits: int | None) -> Solution:
    parts, stranded = split(problem)
    if patch_visits is not None:
        parts = [patch for part in parts for patch in patches(part, patch_visits, seed)]
    if len(parts) == 1 and not stranded:
        return engine.solve(problem, time_limit, seed)
    total = sum(len(p.visits) for p in parts)
    return join(problem, [engine.solve(p, time_limit * len(p.visits) / total, seed) for p in parts], stranded)
