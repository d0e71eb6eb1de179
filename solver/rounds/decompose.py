"""Splitting a day into parts, and joining the parts' answers.

A carer *could* serve a visit when, leaving home at the start of the shift, it can start within
the window and still be home by the end of the shift. Visits and carers fall into the connected
parts of that relation (a split shift's morning and evening pieces, say), which are independent
routing problems: solving them apart loses nothing and is much faster for OR-Tools, whose
insertion heuristic grows worse than quadratically once double-handed visits are synchronised.

A large part can further be cut into geographic patches, as providers organise their rounds: the
clients fall into k-means clusters of about `max_visits` visits, and each patch gets a share of the
carers, nearest homes first, in proportion to its work. That costs a little travel at the patches'
edges and keeps every routing problem small whatever the lot's size.
"""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
from scipy.cluster.vq import kmeans2
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .problem import Problem, Solution, objective


def could_serve(problem: Problem) -> np.ndarray:
    """Boolean matrix, carers × visits: a necessary condition for a carer to serve a visit (or
    one part of a double-handed visit): it holds the part's skills and, leaving home at the start
    of the shift, can start by the visit's due time and be home by the end of the shift."""
    home = np.array([c.home for c in problem.carers], dtype=int)
    start = np.array([c.shift_start for c in problem.carers], dtype=float)[:, None]
    end = np.array([c.shift_end for c in problem.carers], dtype=float)[:, None]
    where = np.array([v.location for v in problem.visits], dtype=int)
    earliest, due, service = (np.array([getattr(v, f) for v in problem.visits], dtype=float)[None, :]
                              for f in ("earliest", "due", "service"))
    arrive = start + problem.travel[np.ix_(home, where)]
    finish = np.maximum(arrive, earliest) + service
    able = (arrive <= due) & (finish + problem.travel[np.ix_(where, home)].T <= end)
    if problem.has_skills:
        able &= np.array([[any(problem.qualified(c, v, part) for part in range(v.carers_needed))
                           for v in problem.visits] for c in problem.carers], dtype=bool).reshape(able.shape)
    return able


def restricted_carers(problem: Problem) -> dict[tuple[int, int], list[int]]:
    """The carers (indices) that alone may serve part `part` of visit k, keyed (k, part), for every
    part a rule restricts: the part's skills, and the hard continuity rule (an infinite continuity
    penalty): the shifts the client prefers that could serve it. A double-handed visit with one
    such person has that person for its first part and anyone qualified for its second; a visit
    with none (its people off duty, or working another piece) is open to all."""
    if not (problem.has_skills or problem.has_hard_continuity):
        return {}
    able = could_serve(problem) if problem.has_hard_continuity else None
    restricted: dict[tuple[int, int], list[int]] = {}
    for k, visit in enumerate(problem.visits):
        for part in range(visit.carers_needed):
            qualified = [i for i, c in enumerate(problem.carers) if problem.qualified(c, visit, part)]
            if able is not None and visit.preferred:
                known = [i for i in qualified if able[i, k] and problem.carers[i].id in visit.preferred]
                if len({problem.carers[i].who for i in known}) > part:
                    restricted[(k, part)] = known
                    continue
            if visit.needs(part):
                restricted[(k, part)] = qualified
    return restricted


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


def patches(problem: Problem, max_visits: int, seed: int = 0) -> list[Problem]:
    """The problem cut into k = ceil(visits / max_visits) geographic patches (k-means clusters of
    the clients, so some hold more visits than others), each with at least two carers; the
    problem itself when it is small enough, has no coordinates or has fewer than 2k carers."""
    k = -(-len(problem.visits) // max_visits)
    if k <= 1 or problem.coordinates is None or len(problem.carers) < 2 * k:
        return [problem]
    places = sorted({v.location for v in problem.visits})
    xy = problem.coordinates[places]
    with warnings.catch_warnings():  # an empty cluster is harmless: it gets no carers and no patch
        warnings.simplefilter("ignore", UserWarning)
        centres, label = kmeans2(xy, k, seed=seed, minit="++")
    patch_of = dict(zip(places, label.tolist()))
    work = np.zeros(k)
    for v in problem.visits:  # a visit takes someone at least a minute, even if its care is 0 minutes
        work[patch_of[v.location]] += v.carers_needed * max(v.service, 1.0)
    quota = _largest_remainder(work / work.sum() * len(problem.carers), len(problem.carers))
    teams = _assign(problem.coordinates[[c.home for c in problem.carers]], centres, quota)
    return [replace(problem, visits=[v for v in problem.visits if patch_of[v.location] == p],
                    carers=[c for c, team in zip(problem.carers, teams) if team == p],
                    name=f"{problem.name} patch {p + 1}")
            for p in range(k) if work[p] > 0]


def _largest_remainder(shares: np.ndarray, total: int) -> np.ndarray:
    """Whole numbers summing to total, close to shares, each at least 2 where the share is positive
    (a double-handed visit needs two carers); total must be at least twice the positive shares."""
    whole = np.where(shares > 0, np.maximum(np.floor(shares), 2), 0).astype(int)
    while whole.sum() > total:
        whole[np.argmax(np.where(whole > 2, whole - shares, -np.inf))] -= 1
    for p in np.argsort(-(shares - whole), kind="stable")[: total - whole.sum()]:
        whole[p] += 1
    return whole


def _assign(homes: np.ndarray, centres: np.ndarray, quota: np.ndarray) -> list[int]:
    """Each carer's patch: carers with most to lose by not getting their nearest patch choose first,
    each taking the nearest patch with room."""
    distance = np.hypot(homes[:, None, 0] - centres[None, :, 0], homes[:, None, 1] - centres[None, :, 1])
    ordered = np.sort(distance, axis=1)
    regret = ordered[:, 1] - ordered[:, 0] if distance.shape[1] > 1 else np.zeros(len(homes))
    room, team = quota.copy(), [0] * len(homes)
    for c in np.argsort(-regret, kind="stable"):
        p = next(p for p in np.argsort(distance[c], kind="stable") if room[p] > 0)
        team[c], room[p] = int(p), room[p] - 1
    return team


def join(problem: Problem, solutions: list[Solution], stranded: list[str]) -> Solution:
    """One Solution from the parts' solutions, solved one after the other. Its time to first
    feasible is the sum of the parts' (each part stopped at its first feasible solution)."""
    firsts = [s.first_feasible_seconds for s in solutions]
    first = None if stranded or any(f is None for f in firsts) else sum(f for f in firsts if f is not None)
    routes = [r for s in solutions for r in s.routes]
    return Solution(engine="+".join(sorted({s.engine for s in solutions})), routes=routes,
                    objective=objective(problem, routes), runtime=sum(s.runtime for s in solutions),
                    unserved=stranded + [v for s in solutions for v in s.unserved], first_feasible_seconds=first)
