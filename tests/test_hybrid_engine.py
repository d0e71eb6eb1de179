"""The hybrid engine: PyVRP on a relaxation, then OR-Tools on the full problem from PyVRP's routes."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from solver.rounds import BreakWindow, Carer, Problem, Visit, read_solomon, route, travel_minutes, validate
from solver.rounds import hybrid_engine, ortools_engine, pyvrp_engine
from solver.rounds.engine import automatic
from solver.rounds.mankowska import read_mankowska
from solver.rounds.problem import build_route
from solver.rounds.synthetic import lot_day

SOLOMON = Path(__file__).resolve().parents[2] / "shared" / "reference" / "solomon"
MANKOWSKA = SOLOMON.parent / "mankowska"


def small_solomon() -> Problem:
    """C101's first 25 customers and its 25 vehicles: plain, tight windows and loads."""
    problem = read_solomon(SOLOMON / "C101.txt")
    return replace(problem, visits=problem.visits[:25])


def test_hybrid_routes_a_double_handed_day_with_breaks_validly() -> None:
    problem = lot_day(20, seed=3, double_handed_share=0.3, breaks=True)
    assert problem.has_double_handed and problem.has_breaks
    solution = route(problem, time_limit=2, engine="hybrid")
    assert solution.engine == "hybrid" and solution.unserved == []
    assert validate(problem, solution) == []


def test_auto_picks_pyvrp_for_single_carer_days_cpsat_for_small_home_care_days_and_hybrid_for_lot_days() -> None:
    assert automatic(lot_day(20, seed=3, double_handed_share=0.0, medication_share=0.3)) == "pyvrp"
    assert automatic(lot_day(20, seed=3, double_handed_share=0.3)) == "hybrid"  # together, hard windows
    assert automatic(read_mankowska(MANKOWSKA / "InstanzCPLEX_HCSRP_10_1.txt")) == "cpsat"
    assert automatic(lot_day(20, seed=3, double_handed_share=0.3, breaks=True)) == "hybrid"
    assert automatic(lot_day(80, seed=3, double_handed_share=0.3)) == "hybrid"


def test_hybrid_on_a_plain_problem_serves_all_validly_as_ortools_does() -> None:
    problem = small_solomon()
    for engine in ("ortools", "hybrid"):
        solution = route(problem, time_limit=1, engine=engine)
        assert solution.unserved == [] and validate(problem, solution) == [], engine


def test_ortools_from_start_routes_is_no_worse_than_them() -> None:
    problem = small_solomon()
    start = pyvrp_engine.solve(problem, time_limit=0.5)
    assert start.unserved == []
    solution = ortools_engine.solve(problem, time_limit=0.5, initial_routes=start.routes)
    assert solution.unserved == [] and validate(problem, solution) == []
    arcs = len(problem.visits) + len(start.routes)  # each arc's cost is rounded to a tick (1/100)
    assert solution.objective <= start.objective + 0.005 * arcs


def test_ortools_drops_what_the_rules_reject_from_start_routes_and_inserts_it_again() -> None:
    xy = np.array([[0, 0], [20, 0], [5, 0], [0, 5]], dtype=float)
    visits = [Visit("p", 2, 60, 90, 30, carers_needed=2, client="P"), Visit("q", 3, 0, 200, 20, client="Q")]
    carers = [Carer("A", 0, 0, 300), Carer("B", 1, 0, 300)]
    problem = Problem(visits, carers, travel_minutes(xy, detour=1.0, speed_kmh=60.0), coordinates=xy)
    p, q = visits
    both_on_a = build_route(problem, carers[0], [p, p, q], [60, 90, 130], depart=55)  # one carer cannot do both
    solution = ortools_engine.solve(problem, time_limit=1, initial_routes=[both_on_a])
    assert solution.unserved == [] and validate(problem, solution) == []


def test_the_relaxation_is_what_pyvrp_models_with_pairs_kept_in_step() -> None:
    problem = lot_day(20, seed=3, double_handed_share=0.3, breaks=True)
    double = next(v for v in problem.visits if v.carers_needed == 2)
    problem = replace(problem, continuity_penalty=15.0,
                      visits=[replace(v, preferred=frozenset({problem.carers[0].id}), skills=frozenset({"hoist"}),
                                      tardiness_cost=1.0) for v in problem.visits],
                      carers=[replace(c, max_working=60.0, skills=frozenset({"hoist"}) if i == 0 else frozenset(),
                                      break_window=BreakWindow(600, 690, 20) if c.break_window else None)
                              for i, c in enumerate(problem.carers)])
    assert pyvrp_engine.unsupported(problem)
    relaxed, originals, allowed = hybrid_engine.relax(problem, {double.id: [500.0, 500.0]})
    assert pyvrp_engine.unsupported(relaxed) == []
    assert allowed == {i: [0] for i in range(len(relaxed.visits))}  # the one carer with the hoist skill
    # single visits as they are, the pinned pair as two visits starting at its pins, other pairs left out
    assert sorted(originals) == sorted([v.id for v in problem.visits if v.carers_needed == 1] + [double.id] * 2)
    copies = [v for v, original in zip(relaxed.visits, originals) if original == double.id]
    assert [(v.earliest, v.latest) for v in copies] == [(500.0, 500.0)] * 2


def test_pyvrp_improves_the_first_plan_on_the_relaxation_keeping_every_visit_and_skill() -> None:
    """The first plan's routes, in the relaxation's ids, keep every copy's carers (roles: the trained
    carer takes the copy that needs the skill); PyVRP from them serves every visit again, no worse."""
    problem = lot_day(30, seed=4, double_handed_share=0.3, medication_share=0.5)
    assert problem.has_double_handed and problem.has_skills
    first = ortools_engine.solve(problem, time_limit=2, first_plan=True)
    assert first.unserved == []
    relaxed, originals, allowed = hybrid_engine.relax(problem, hybrid_engine.pins(first, problem))
    start = hybrid_engine.relaxed_start(problem, first, originals, allowed)
    vehicle = {c.id: i for i, c in enumerate(problem.carers)}
    assert all(vehicle[r.carer] in allowed.get(int(s.visit), [vehicle[r.carer]]) for r in start for s in r.stops)
    assert any(originals.count(originals[i]) == 2 for i in allowed)  # some double visit needs the skill
    improved = pyvrp_engine.solve(relaxed, 1.0, 0, allowed, start)
    assert improved.unserved == []
    arcs = len(relaxed.visits) + len(start)
    assert improved.objective <= first.objective + 0.005 * arcs


def test_restrictions_too_large_for_pyvrp_leave_the_hybrid_to_ortools(monkeypatch) -> None:
    problem = lot_day(30, seed=4, double_handed_share=0.3, medication_share=0.5)
    monkeypatch.setattr(pyvrp_engine, "MAX_PROFILE_ENTRIES", 100)
    single = replace(problem, visits=[v for v in problem.visits if v.carers_needed == 1])
    assert "matrix cells" in pyvrp_engine.unsupported(single)[0]
    solution = route(problem, time_limit=2, engine="hybrid")
    assert solution.unserved == [] and validate(problem, solution) == []
