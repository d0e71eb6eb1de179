"""Reader for Mankowska, Meisel & Bierwirth's (2014) home health care instances
(../shared/reference/mankowska/InstanzCPLEX_HCSRP_*.txt).

Blocks of a keyword line then its values: nbNodes (patients plus the depot, first and last),
nbVehi, nbServi, r (node × service needed), DS (double-service patients, 1-based), a (carer ×
service held), x, y, d (node × node distance, which is also the travel time), p (service
durations: a row per node and carer, a column per service), mind, maxd (delay between a double
patient's two services), e, l (each node's window).

Each patient is a Visit at its node: its service is its skill; a double-service patient is a
double-handed visit whose first carer gives the lower-numbered service and whose second starts
mind-maxd later (both 0: together). Late starts are allowed, each minute late costing one
(tardiness_cost 1) and the largest tardiness one more, so the Problem's objective is three times
the published one, (distance + total tardiness + largest tardiness) / 3 (`published_objective`).
Carers leave the depot at its earliest time; the model sets no time to be back, so a shift ends
at the end depot's latest time (1000 in every file, far after any window).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np

from .problem import Carer, Problem, Solution, Visit, objective


def _blocks(text: str) -> dict[str, list[float]]:
    blocks: dict[str, list[float]] = {}
    values: list[float] = []
    for token in text.split():
        if re.match(r"[A-Za-z]", token):
            values = blocks.setdefault(token, [])
        else:
            values.append(float(token))
    return blocks


def instance_name(path: Path) -> str:
    """A1..A10 for the 10-patient files, B1..B10 for the 25-patient ones, else e.g. 50_3."""
    patients, number = path.stem.split("_")[-2:]
    return {"10": "A", "25": "B"}.get(patients, patients + "_") + number


def read_mankowska(path: str | Path) -> Problem:
    path = Path(path)
    b = _blocks(path.read_text())
    nodes, carers, services = (int(b[k][0]) for k in ("nbNodes", "nbVehi", "nbServi"))
    needs = np.array(b["r"]).reshape(nodes, services).astype(bool)
    holds = np.array(b["a"]).reshape(carers, services).astype(bool)
    duration = np.array(b["p"]).reshape(nodes, carers, services)
    if (duration != duration[:, :1, :]).any():
        raise ValueError(f"{path.name}: durations that differ by carer are not modelled")
    double = {int(i) - 1 for i in b["DS"]}
    skill = [f"s{s + 1}" for s in range(services)]
    visits = []
    for i in range(1, nodes - 1):
        wanted = np.flatnonzero(needs[i])
        if len(wanted) != (2 if i in double else 1) or len({duration[i, 0, s] for s in wanted}) > 1:
            raise ValueError(f"{path.name}: node {i} needs services {wanted.tolist()}: a double-service patient "
                             "needs two, any other one, of the same duration")
        parts = [frozenset({skill[s]}) for s in wanted]
        visit = Visit(id=str(i), location=i, earliest=b["e"][i], latest=b["l"][i],
                      service=float(duration[i, 0, wanted[0]]), client=str(i), tardiness_cost=1.0)
        visits.append(replace(visit, carers_needed=2, roles=(parts[0], parts[1]), delay=(b["mind"][i], b["maxd"][i]))
                      if i in double else replace(visit, skills=parts[0]))
    team = [Carer(id=f"c{v + 1}", home=0, shift_start=b["e"][0], shift_end=b["l"][nodes - 1],
                  skills=frozenset(skill[s] for s in np.flatnonzero(holds[v])))
            for v in range(carers)]
    xy = np.column_stack([b["x"], b["y"]])
    return Problem(visits=visits, carers=team, travel=np.array(b["d"]).reshape(nodes, nodes), coordinates=xy,
                   name=instance_name(path), max_tardiness_weight=1.0)


def published_objective(problem: Problem, solution: Solution) -> float:
    """Mankowska et al.'s objective, (distance + total tardiness + largest tardiness) / 3."""
    return objective(problem, solution.routes) / 3
