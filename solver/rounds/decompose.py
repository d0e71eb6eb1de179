"""Splitting a day into parts no carer or visit links, and joining the parts' answers.

A carer *could* serve a visit when, leaving home at the start of the shift, it can start within
the window and still be home by the end of the shift. Visits and carers fall into the connected
parts of that relation (a split shift's morning and evening pieces, say), which are independent
routing problems: solving them apart loses nothing and is much faster for OR-Tools, whose
insertion heuristic grows worse than quadratically once double-handed visits are synchronised.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .problem import Problem, Solution, total_travel


def could_serve(problem: Problem) -> np.ndarray:
    """Boolean matrix, carers × visits: a necessary condition for a carer to serve a visit."""
    home = np.array([c.home for c in problem.carers])
    start = np.array([c.shift_start for c in problem.carers])[:, None]
    end = np.array([c.shift_end for c in problem.carers])[:, None]
    where = np.array([v.location for v in problem.visits])
    earliest, latest, service = (np.array([getattr(v, f) for v in problem.visits])[None, :]
                                 for f in ("earliest", "latest", "service"))
    arrive = start + problem.travel[np.ix_(home, where)]
    finish = np.maximum(arrive, earliest) + service
    return (arrive <= latest) & (finish + problem.travel[np.ix_(where, home)].T <= end)


def split(problem: Problem) -> tuple[list[Problem], list[str]]:
    """The independent parts, each with at least one visit and one carer, and the visits no carer
    could serve."""
    able = could_serve(problem)
    n_carers, n_visits = able.shape
    rows, cols = np.nonzero(able)
    graph = coo_matrix((np.ones(len(rows)), (rows, n_carers + cols)), shape=(n_carers + n_visits,) * 2)
    _, label = connected_components(graph, directed=False)
    parts, stranded = [], [v.id for v, ok in zip(problem.visits, able.any(axis=0)) if not ok]
    for part in np.unique(label):
        visits = [v for v, lab in zip(problem.visits, label[n_carers:]) if lab == part]
        carers = [c for c, lab in zip(problem.carers, label[:n_carers]) if lab == part]
        if visits and carers:
            parts.append(replace(problem, visits=visits, carers=carers, name=f"{problem.name} part {len(parts) + 1}"))
    return parts, stranded


def join(problem: Problem, solutions: list[Solution], stranded: list[str]) -> Solution:
    """One Solution from the parts' solutions, solved one after the other. Its time to first
    feasible is the sum of the parts' (each part stopped at its first feasible solution)."""
    firsts = [s.first_feasible_seconds for s in solutions]
    first = None if stranded or any(f is None for f in firsts) else sum(f for f in firsts if f is not None)
    routes = [r for s in solutions for r in s.routes]
    return Solution(engine="+".join(sorted({s.engine for s in solutions})), routes=routes,
                    objective=total_travel(problem, routes), runtime=sum(s.runtime for s in solutions),
                    unserved=stranded + [v for s in solutions for v in s.unserved], first_feasible_seconds=first)
