"""Home care rules: skills (per role for double visits), delays between a double visit's carers,
soft time windows with tardiness in the objective; each engine and the validator on problems where
the rule binds, and the reader of Mankowska et al.'s instances."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from solver.rounds import Carer, Problem, Solution, Visit, route, travel_minutes, validate
from solver.rounds.decompose import could_serve
from solver.rounds.from_csv import read_days
from solver.rounds.improve import improve
from solver.rounds.synthetic import lot_day
from solver.rounds.mankowska import published_objective, read_mankowska
from solver.rounds.problem import build_route, objective
from solver.rounds.pyvrp_engine import unsupported
from solver.rounds.staffing import impossible_visits
from solver.rounds.validate import lateness

MANKOWSKA = Path(__file__).resolve().parents[2] / "shared" / "reference" / "mankowska"
EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples" / "rounds"


def kinds(problem: Problem, solution: Solution) -> set[str]:
    return {v.kind for v in validate(problem, solution)}


def line(visits: list[Visit], carers: list[Carer], *xs: float, **extra) -> Problem:
    """Places on a line, km = minutes."""
    xy = np.array([[x, 0.0] for x in xs])
    return Problem(visits, carers, travel_minutes(xy, detour=1.0, speed_kmh=60.0), coordinates=xy, **extra)


def hand(problem: Problem, plan: dict[str, list[tuple[str, float]]]) -> Solution:
    """A Solution from carer -> [(visit, start)], each carer leaving home in time for its first."""
    routes = []
    for carer_id, stops in plan.items():
        carer = problem.carer_by_id[carer_id]
        visits = [problem.visit_by_id[v] for v, _ in stops]
        depart = stops[0][1] - problem.travel[carer.home, visits[0].location]
        routes.append(build_route(problem, carer, visits, [t for _, t in stops], depart))
    return Solution("hand", routes, objective(problem, routes), 0.0)


@pytest.fixture
def skilled() -> Problem:
    """A visit needing insulin 5 minutes from Near (untrained) and 40 from Far (trained)."""
    return line([Visit("v", 2, 0, 300, 30, skills=frozenset({"insulin"}))],
                [Carer("Near", 0, 0, 600), Carer("Far", 1, 0, 600, skills=frozenset({"insulin", "hoist"}))],
                0, 45, 5)


def test_a_skill_forbids_the_nearer_carer(skilled: Problem) -> None:
    assert could_serve(skilled)[:, 0].tolist() == [False, True]
    for engine in ("ortools", "pyvrp"):
        solution = route(skilled, 1.0, engine=engine)
        assert validate(skilled, solution) == []
        assert [r.carer for r in solution.routes] == ["Far"]
        assert solution.objective == pytest.approx(80.0)
    assert kinds(skilled, hand(skilled, {"Near": [("v", 10)]})) == {"skill"}
    untrained = replace(skilled, carers=[skilled.carers[0]])
    assert "needs skills insulin and no carer on day 1 holds them" in str(impossible_visits([untrained])[0])


def test_skills_columns_of_the_rounds_files(tmp_path: Path) -> None:
    visits = pd.read_csv(EXAMPLES / "visits.csv", dtype=str, keep_default_na=False)
    visits["skills"] = ["insulin hoist"] + [""] * (len(visits) - 1)
    visits.to_csv(tmp_path / "visits.csv", index=False)
    carers = pd.read_csv(EXAMPLES / "carers.csv", dtype=str, keep_default_na=False)
    carers["skills"] = ["hoist insulin"] + [""] * (len(carers) - 1)
    carers.to_csv(tmp_path / "carers.csv", index=False)
    day = read_days(tmp_path / "visits.csv", tmp_path / "carers.csv")(0)
    assert day.visits[0].skills == frozenset({"insulin", "hoist"}) and not day.visits[1].skills
    assert day.carers[0].skills == frozenset({"insulin", "hoist"}) and not day.carers[-1].skills


@pytest.fixture
def roles() -> Problem:
    """A double visit: a nurse first, then a carer with a hoist 30-45 minutes later; the nurse is
    the only one who could do both, one after the other."""
    visit = Visit("d", 3, 100, 200, 20, carers_needed=2, delay=(30, 45),
                  roles=(frozenset({"nurse"}), frozenset({"hoist"})))
    carers = [Carer("N", 0, 0, 600, skills=frozenset({"nurse"})), Carer("H", 1, 0, 600, skills=frozenset({"hoist"})),
              Carer("X", 2, 0, 600)]
    return line([visit], carers, 0, 10, 1, 4)


def test_a_delay_forces_a_gap_and_roles_pick_the_carers(roles: Problem) -> None:
    assert "delays between a double-handed visit's carers" in unsupported(roles)
    solution = route(roles, 1.0, engine="ortools")
    assert validate(roles, solution) == []
    start = {r.carer: r.stops[0].start for r in solution.routes}
    assert set(start) == {"N", "H"}
    assert 30 - 1e-6 <= start["H"] - start["N"] <= 45 + 1e-6


def test_the_validator_catches_each_broken_rule_of_a_double_visit(roles: Problem) -> None:
    assert kinds(roles, hand(roles, {"N": [("d", 100)], "H": [("d", 140)]})) == set()
    assert kinds(roles, hand(roles, {"N": [("d", 140)], "H": [("d", 100)]})) == {"delay"}  # hoist before nurse
    assert kinds(roles, hand(roles, {"N": [("d", 100)], "H": [("d", 110)]})) == {"delay"}  # too soon
    assert kinds(roles, hand(roles, {"N": [("d", 100)], "X": [("d", 140)]})) == {"skill"}
    together = replace(roles, visits=[replace(roles.visits[0], delay=(0.0, 0.0), roles=())])
    assert kinds(together, hand(together, {"N": [("d", 100)], "H": [("d", 101)]})) == {"sync"}
    # with a delay one carer may do both parts, if qualified for both and in time
    both = replace(roles, carers=[replace(roles.carers[0], skills=frozenset({"nurse", "hoist"})), *roles.carers[1:]])
    assert kinds(both, hand(both, {"N": [("d", 100), ("d", 130)]})) == set()
    assert kinds(both, hand(both, {"N": [("d", 100), ("d", 110)]})) == {"delay", "travel"}


def test_a_bad_delay_or_role_is_refused() -> None:
    with pytest.raises(ValueError, match="double-handed"):
        Problem([Visit("v", 0, 0, 10, 5, delay=(5, 10))], [Carer("A", 0, 0, 100)], np.zeros((1, 1)))
    with pytest.raises(ValueError, match="double-handed"):
        Problem([Visit("v", 0, 0, 10, 5, carers_needed=2, delay=(10, 5))], [Carer("A", 0, 0, 100)], np.zeros((1, 1)))


@pytest.fixture
def soft() -> Problem:
    """Two visits due by 10 and 50, 30 and 60 minutes out: the carer starts the first 20 late."""
    visits = [Visit("a", 1, 0, 10, 10, tardiness_cost=2.0), Visit("b", 2, 0, 50, 10, tardiness_cost=1.0)]
    return line(visits, [Carer("C", 0, 0, 600)], 0, 30, 60, max_tardiness_weight=5.0)


def test_a_soft_window_gives_a_computed_tardiness(soft: Problem) -> None:
    solution = hand(soft, {"C": [("a", 30), ("b", 70)]})  # 20 and 20 minutes late
    assert validate(soft, solution) == []
    assert lateness(soft, solution) == (pytest.approx(40.0), pytest.approx(20.0))
    assert solution.objective == pytest.approx(120 + 2 * 20 + 1 * 20 + 5 * 20)
    hard = replace(soft, visits=[replace(v, tardiness_cost=None) for v in soft.visits])
    assert kinds(hard, hand(hard, {"C": [("a", 30), ("b", 70)]})) == {"late"}
    assert objective(hard, solution.routes) == pytest.approx(120.0)


def test_engines_price_soft_windows(soft: Problem) -> None:
    assert "soft time windows (tardiness costs)" in unsupported(soft)
    for solution in (route(soft, 2.0, engine="ortools"), improve(soft, None, 4.0)):
        assert validate(soft, solution) == [] and not solution.unserved
        assert solution.objective == pytest.approx(120 + 40 + 20 + 100, abs=0.1)


def test_mankowska_reader_on_a1() -> None:
    problem = read_mankowska(MANKOWSKA / "InstanzCPLEX_HCSRP_10_1.txt")
    assert problem.name == "A1"
    assert (len(problem.visits), len(problem.carers), problem.travel.shape) == (10, 3, (12, 12))
    assert problem.travel[0, 1] == pytest.approx(38.470768)
    assert [c.skills for c in problem.carers] == [frozenset({"s1", "s2", "s3"}), frozenset({"s5", "s6"}),
                                                  frozenset({"s4", "s5", "s6"})]
    double = {v.id: v for v in problem.visits if v.carers_needed == 2}
    assert set(double) == {"8", "9", "10"}
    assert double["8"].together and double["8"].roles == (frozenset({"s5"}), frozenset({"s6"}))
    assert (double["9"].roles, double["9"].delay) == ((frozenset({"s1"}), frozenset({"s4"})), (51, 102))
    one = problem.visit_by_id["1"]
    assert (one.skills, one.earliest, one.latest, one.service, one.tardiness_cost) == (frozenset({"s4"}), 345, 465,
                                                                                       14, 1.0)
    # c3 serves 1 at 345, then 6 (due 304) at 345 + 14 + 34 = 393, 89 minutes late, and goes home
    partial = hand(problem, {"c3": [("1", 345), ("6", 393)]})
    assert published_objective(problem, partial) == pytest.approx((38.470768 + 34.0 + 71.470276 + 89 + 89) / 3)


def test_improve_reaches_the_optimum_of_a1() -> None:
    problem = read_mankowska(MANKOWSKA / "InstanzCPLEX_HCSRP_10_1.txt")
    start = route(problem, 0.5, engine="ortools")
    assert validate(problem, start) == [] and not start.unserved
    best = improve(problem, start, 4.0)
    assert validate(problem, best) == [] and not best.unserved
    assert published_objective(problem, best) == pytest.approx(218.20, rel=1e-3)  # proven optimal (CPLEX)


def test_synthetic_day_with_medication_needs_trained_carers_and_leaves_the_plain_day_as_it_was() -> None:
    plain, skilled = lot_day(40, seed=2), lot_day(40, seed=2, medication_share=0.5)
    assert [(v.id, v.location, v.service) for v in plain.visits] == [(v.id, v.location, v.service) for v in skilled.visits]
    assert not plain.has_skills and skilled.has_skills
    solution = route(skilled, 2.0, engine="ortools")
    assert solution.unserved == [] and validate(skilled, solution) == []
    carers = skilled.carer_by_id
    for r in solution.routes:
        for stop in r.stops:
            visit = skilled.visit_by_id[stop.visit]
            if visit.skills:
                assert "medication" in carers[r.carer].skills
