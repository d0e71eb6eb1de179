"""Lot-days as providers run them: care plans that change over the week, time-critical visits,
rosters sized to the work, and continuity of carer as a hard rule (rounds/lot_day.py,
rounds/continuity.py, rounds/ortools_engine.py)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from solver.instance import load_instance
from solver.rounds import Carer, Problem, Visit, route, travel_minutes, validate
from solver.rounds.continuity import known_carers, route_days
from solver.rounds.decompose import could_serve
from solver.rounds.lot_day import (
    FIXED_PLANS,
    VISIT_TOLERANCE_MINUTES,
    WEEK,
    PlanChanges,
    _days_away,
    lot_day,
    roster_size,
)
from solver.rounds.synthetic import PIECES, TRAVEL_GUESS_MINUTES, WINDOWS

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"
AREAS = ["A01", "A02", "A03"]
BUSY_WEEK = PlanChanges(admissions_per_client_day=0.05, package_change_share=0.15, time_critical_share=0.0)


@pytest.fixture(scope="module")
def tiny():
    return load_instance(TINY)


def by_client(visits: list[Visit]) -> dict[str, set[str]]:
    clients: dict[str, set[str]] = defaultdict(set)
    for v in visits:
        clients[v.client].add(v.id)
    return clients


def test_cancellations_remove_exactly_the_away_clients_visits_on_those_days(tiny) -> None:
    plans = lot_day(tiny, AREAS, seed=4, changes=FIXED_PLANS)
    everyone = by_client(plans.visits)
    cancelled = 0
    for day in range(WEEK):
        fixed = lot_day(tiny, AREAS, seed=4, day=day, changes=FIXED_PLANS)
        changed = lot_day(tiny, AREAS, seed=4, day=day, changes=BUSY_WEEK)
        assert fixed.visits == plans.visits  # the idealised week repeats one timetable
        kept = {v.id: v for v in changed.visits}
        assert all(kept.get(v.id, v) == v for v in fixed.visits)  # what is left is unchanged
        gone = {v.client for v in fixed.visits if v.id not in kept}
        assert all(everyone[c].isdisjoint(kept) for c in gone)  # a client away has none of its visits
        assert {v.id for v in fixed.visits if v.client not in gone} == set(kept)  # and nobody else lost any
        n = len(everyone)
        assert np.allclose(changed.coordinates[:n], fixed.coordinates[:n])  # the same clients, same places
        cancelled += len(gone)
    assert cancelled > 0
    # the week repeats: day 7 is day 0 again
    assert lot_day(tiny, AREAS, seed=4, day=WEEK, changes=BUSY_WEEK).visits == \
        lot_day(tiny, AREAS, seed=4, day=0, changes=BUSY_WEEK).visits


def test_the_share_in_hospital_is_steady_over_the_week() -> None:
    changes = PlanChanges(admissions_per_client_day=0.01, hospital_days=9, package_change_share=0.0)
    draws = np.random.default_rng(0).random((40_000, 4))
    away = [_days_away(d, changes) for d in draws]
    expected = 0.01 * 9 / (1 + 0.01 * 9)
    for day in range(WEEK):
        assert sum(day in a for a in away) / len(away) == pytest.approx(expected, rel=0.1)
    assert all(a == frozenset(range(min(a), max(a) + 1)) for a in away if a)  # a stay is consecutive days


def test_a_time_critical_visit_has_the_tight_window(tiny) -> None:
    critical = replace(FIXED_PLANS, time_critical_share=1.0, time_critical_tolerance=15.0)
    loose = lot_day(tiny, AREAS, seed=2, changes=FIXED_PLANS).visits
    tight = lot_day(tiny, AREAS, seed=2, changes=critical).visits
    assert [v.id for v in loose] == [v.id for v in tight]
    assert all(t.latest - t.earliest <= 2 * 15.0 + 1e-9 for t in tight)
    assert all(v.latest - v.earliest <= 2 * VISIT_TOLERANCE_MINUTES + 1e-9 for v in loose)
    assert any(v.latest - v.earliest > 2 * 15.0 for v in loose)
    assert all(lo.earliest <= t.earliest <= t.latest <= lo.latest for lo, t in zip(loose, tight))  # same plan
    mixed = lot_day(tiny, AREAS, seed=2).visits  # the default: a share of the visits is time-critical
    assert {t.id for t, m in zip(tight, mixed) if (t.earliest, t.latest) == (m.earliest, m.latest)} < {
        v.id for v in mixed}


def test_the_roster_without_slack_is_no_larger_than_the_work_requires(tiny) -> None:
    week = [lot_day(tiny, AREAS, seed=5, day=d) for d in range(WEEK)]
    need = {piece: max(2, math.ceil(max(
        sum(v.carers_needed * (v.service + TRAVEL_GUESS_MINUTES) for v in day.visits if v.id.endswith(w))
        / (WINDOWS[w][1] - WINDOWS[w][0]) for day in week for w in windows)))
        for piece, (_, _, windows) in PIECES.items()}
    people = {c.who for day in week for c in day.carers}
    assert len(people) == roster_size(max(need.values()))
    for day in week:
        for piece, n in need.items():
            assert sum(c.id.endswith(piece) for c in day.carers) >= n  # enough on duty every day
    padded = {c.who for d in range(WEEK) for c in lot_day(tiny, AREAS, seed=5, day=d, slack=1.25).carers}
    assert len(padded) > len(people)


def test_the_same_seed_gives_the_same_week(tiny) -> None:
    for day in range(WEEK):
        a, b = lot_day(tiny, AREAS, seed=8, day=day), lot_day(tiny, AREAS, seed=8, day=day)
        assert a.visits == b.visits and a.carers == b.carers and np.array_equal(a.travel, b.travel)
    assert lot_day(tiny, AREAS, seed=9).visits != lot_day(tiny, AREAS, seed=8).visits
    whole, half = (lot_day(tiny, AREAS, seed=8, day=3, share=s, changes=BUSY_WEEK) for s in (1.0, 0.5))
    kept = {v.client for v in lot_day(tiny, AREAS, seed=8, share=0.5, changes=FIXED_PLANS).visits}
    assert {v.id for v in half.visits} == {v.id for v in whole.visits if v.client in kept}  # share thins one week


def test_the_hard_rule_keeps_visits_with_the_people_who_know_the_client(tiny) -> None:
    routed = route_days(lambda d: lot_day(tiny, AREAS, seed=3, day=d), 4, time_limit=4)
    opened = hard = 0
    for k, (problem, solution) in enumerate(routed[1:], start=1):
        assert validate(problem, solution) == []
        if not math.isinf(problem.continuity_penalty):  # the last resort of a day the rule could not staff
            assert problem.continuity_penalty > 0
            continue
        hard += 1
        known = known_carers(routed[:k])
        able = could_serve(problem)
        serving: dict[str, list[str]] = defaultdict(list)
        for r in solution.routes:
            for stop in r.stops:
                serving[stop.visit].append(problem.carer_by_id[r.carer].who)
        for i, visit in enumerate(problem.visits):
            on_duty = {c.who for c in problem.carers}
            if not visit.preferred:  # nobody known on duty, or opened after the rule left it unserved
                opened += bool(known.get(visit.client, set()) & on_duty)
                continue
            assert {problem.carer_by_id[c].who for c in visit.preferred} == known[visit.client] & on_duty
            knows = {c.who for c, ok in zip(problem.carers, able[:, i]) if ok and c.id in visit.preferred}
            who = serving[visit.id]
            assert sum(w in knows for w in who) >= min(len(who), len(knows))  # known people first, every copy
    assert hard >= 1 and opened <= 0.05 * sum(len(p.visits) for p, _ in routed[1:])


@pytest.mark.parametrize("engine", ["ortools", "pyvrp"])
def test_no_stranger_is_sent_under_the_hard_rule(engine: str) -> None:
    """A lives next to the client, B 100 minutes away; the client knows B. A soft penalty of 30
    minutes is outweighed by the travel, the hard rule is not; with B off duty, A serves."""
    xy = np.array([[0, 0], [100, 0], [0.5, 0]], dtype=float)
    visit = Visit("v", 2, 120, 180, 30, client="K", preferred=frozenset({"B"}))
    carers = [Carer("A", 0, 0, 400), Carer("B", 1, 0, 400)]
    travel = travel_minutes(xy, 1.0, 60.0)

    def server(penalty: float, on: list[Carer]) -> str:
        problem = Problem([visit], on, travel, continuity_penalty=penalty)
        solution = route(problem, time_limit=1, engine=engine)
        assert validate(problem, solution) == [] and not solution.unserved
        return solution.routes[0].carer

    assert server(30.0, carers) == "A"
    assert server(math.inf, carers) == "B"
    assert server(math.inf, carers[:1]) == "A"
