"""Care rounds: the Solomon reader, both engines, the chooser, the independent validator, and the
verdict on staffing (impossible visits, too few carers, what was served)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from solver.cli import main
from solver.rounds import (BreakWindow, Carer, Problem, Solution, Stop, UnsupportedProblem, Visit, read_solomon,
                           route, travel_minutes, validate)
from solver.rounds.decompose import patches, split
from solver.rounds.problem import build_route, route_travel, total_travel
from solver.rounds.run import LotRounds, carer_table, lot_table, route_lot, verdict_lines
from solver.rounds.staffing import impossible_visits
from solver.rounds.synthetic import lot_day
from solver.rounds.validate import tally

SOLOMON = Path(__file__).resolve().parents[2] / "shared" / "reference" / "solomon"
TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"


def kinds(problem: Problem, solution: Solution) -> set[str]:
    return {v.kind for v in validate(problem, solution)}


@pytest.fixture
def pair() -> Problem:
    """Two carers and a double-handed visit 5 and 15 minutes from their homes (km are minutes)."""
    xy = np.array([[0, 0], [20, 0], [5, 0], [0, 5]], dtype=float)
    visits = [Visit("p", 2, 60, 90, 30, carers_needed=2, client="P"), Visit("q", 3, 0, 200, 20, client="Q")]
    carers = [Carer("A", 0, 0, 300, break_window=BreakWindow(100, 150, 20)), Carer("B", 1, 0, 300)]
    return Problem(visits, carers, travel_minutes(xy, detour=1.0, speed_kmh=60.0), coordinates=xy, name="pair")


@pytest.fixture
def pair_solution(pair: Problem) -> Solution:
    """By hand: both carers start p at 60; A goes on to q, then home, then takes its break."""
    p, q = pair.visits
    a, b = pair.carers
    start_q = 90 + math.sqrt(50)
    routes = [build_route(pair, a, [p, q], [60, start_q], depart=55, break_start=130),
              build_route(pair, b, [p], [60], depart=45)]
    return Solution("hand", routes, total_travel(pair, routes), 0.0)


def test_solomon_reader_on_c101() -> None:
    problem = read_solomon(SOLOMON / "C101.txt")
    assert problem.name == "C101"
    assert (len(problem.visits), len(problem.carers)) == (100, 25)
    assert {c.capacity for c in problem.carers} == {200}
    assert (problem.carers[0].shift_start, problem.carers[0].shift_end) == (0, 1236)
    five = problem.visit_by_id["5"]
    assert (five.earliest, five.latest, five.service, five.demand) == (15, 67, 90, 10)
    # depot (40,50) -> 5 (42,65) -> 3 (42,66) -> 7 (40,66) -> depot, by hand: sqrt(4+225) + 1 + 2 + 16
    visits = [problem.visit_by_id[v] for v in ("5", "3", "7")]
    start_5 = math.sqrt(229)
    starts = [start_5, start_5 + 90 + 1, start_5 + 90 + 1 + 90 + 2]
    one = build_route(problem, problem.carers[0], visits, starts, depart=0)
    assert route_travel(problem, one) == pytest.approx(math.sqrt(229) + 19)
    partial = validate(problem, Solution("hand", [one], route_travel(problem, one), 0.0))
    assert {v.kind for v in partial} == {"missed"} and len(partial) == 97


def test_pyvrp_near_best_known_on_c101() -> None:
    problem = read_solomon(SOLOMON / "C101.txt")
    solution = route(problem, time_limit=1, seed=1, engine="pyvrp")
    assert solution.engine == "pyvrp" and validate(problem, solution) == []
    assert solution.objective == pytest.approx(828.94, rel=0.02)


def test_validator_accepts_a_valid_solution(pair: Problem, pair_solution: Solution) -> None:
    assert validate(pair, pair_solution) == []


def test_validator_catches_a_missed_visit(pair: Problem, pair_solution: Solution) -> None:
    a = pair_solution.routes[0]
    broken = replace(pair_solution, routes=[replace(a, stops=a.stops[:1]), pair_solution.routes[1]])
    assert [(v.kind, v.where) for v in validate(pair, broken)] == [("missed", "q")]


def test_validator_catches_a_late_start(pair: Problem, pair_solution: Solution) -> None:
    p, q = pair.visits
    late = build_route(pair, pair.carers[0], [p, q], [60, 201], depart=55)
    assert kinds(pair, replace(pair_solution, routes=[late, pair_solution.routes[1]])) == {"late", "break"}


def test_validator_catches_an_arrival_faster_than_travel(pair: Problem, pair_solution: Solution) -> None:
    a = pair_solution.routes[0]
    rushed = replace(a, stops=[a.stops[0], Stop("q", 91, 91)])
    assert kinds(pair, replace(pair_solution, routes=[rushed, pair_solution.routes[1]])) == {"travel"}


def test_validator_catches_an_unsynchronised_double_handed_visit(pair: Problem, pair_solution: Solution) -> None:
    b = build_route(pair, pair.carers[1], [pair.visits[0]], [70], depart=45)
    found = validate(pair, replace(pair_solution, routes=[pair_solution.routes[0], b]))
    assert [(v.kind, v.where) for v in found] == [("sync", "p")]


def test_validator_catches_one_carer_serving_both_places(pair: Problem, pair_solution: Solution) -> None:
    a = pair_solution.routes[0]
    twice = replace(a, stops=[a.stops[0]] + a.stops)
    assert "sync" in kinds(pair, replace(pair_solution, routes=[twice]))


def test_validator_catches_a_break_during_a_visit(pair: Problem, pair_solution: Solution) -> None:
    a = replace(pair_solution.routes[0], break_start=100)
    found = validate(pair, replace(pair_solution, routes=[a, pair_solution.routes[1]]))
    assert [(v.kind, v.where) for v in found] == [("break", "A")]


def test_pyvrp_refuses_double_handed_visits_and_auto_uses_hybrid_with_breaks(pair: Problem) -> None:
    with pytest.raises(UnsupportedProblem, match="double-handed"):
        route(pair, time_limit=1, engine="pyvrp")
    solution = route(pair, time_limit=1, engine="auto")
    assert solution.engine == "hybrid"
    assert validate(pair, solution) == []


def test_ortools_synchronises_double_handed_visits(pair: Problem) -> None:
    # B lives three times as far from p as A: both must still start p together, inside its window
    solution = route(pair, time_limit=1, engine="ortools")
    starts = [s.start for r in solution.routes for s in r.stops if s.visit == "p"]
    assert len(starts) == 2 and starts[0] == pytest.approx(starts[1])
    assert {r.carer for r in solution.routes if any(s.visit == "p" for s in r.stops)} == {"A", "B"}
    assert validate(pair, solution) == []


def test_ortools_on_a_day_with_double_handed_visits_and_breaks() -> None:
    problem = lot_day(20, seed=3, double_handed_share=0.3, breaks=True)
    assert problem.has_double_handed and problem.has_breaks
    solution = route(problem, time_limit=2, engine="ortools")
    assert solution.unserved == []
    assert validate(problem, solution) == []
    working = {r.carer: r for r in solution.routes}
    assert all(working[c.id].break_start is not None for c in problem.carers if c.break_window and c.id in working)


def test_ortools_keeps_working_time_limits() -> None:
    xy = np.array([[0, 0]] + [[1, k] for k in range(4)], dtype=float)
    visits = [Visit(f"v{k}", k + 1, 0, 400, 30) for k in range(4)]
    carers = [Carer(c, 0, 0, 480, max_working=70) for c in ("A", "B")]
    problem = Problem(visits, carers, travel_minutes(xy, 1.0, 60.0))
    solution = route(problem, time_limit=1, engine="ortools")
    assert len(solution.routes) == 2
    assert validate(problem, solution) == []
    tight = replace(problem, carers=[replace(c, max_working=40) for c in carers])
    assert "working" in kinds(tight, solution)


def test_pyvrp_on_a_plain_day_and_split_shifts_split_the_day() -> None:
    problem = lot_day(25, seed=2, double_handed_share=0.0)
    parts, stranded = split(problem)
    assert len(parts) == 2 and stranded == []  # morning and evening pieces
    assert sorted(v.id for p in parts for v in p.visits) == sorted(v.id for v in problem.visits)
    solution = route(problem, time_limit=1, seed=0, engine="auto")
    assert solution.engine == "pyvrp" and solution.first_feasible_seconds is not None
    assert validate(problem, solution) == []


def test_both_engines_keep_the_better_valid_solution() -> None:
    problem = lot_day(15, seed=4, double_handed_share=0.0)
    solution = route(problem, time_limit=1, seed=0, engine="both")
    assert solution.engine in {"pyvrp", "ortools"}
    assert validate(problem, solution) == []


def test_problem_rejects_bad_input() -> None:
    with pytest.raises(ValueError, match="visit"):
        Problem([Visit("v", 5, 0, 10, 5)], [Carer("A", 0, 0, 100)], np.zeros((2, 2)))
    with pytest.raises(ValueError, match="break"):
        Problem([], [Carer("A", 0, 0, 100, break_window=BreakWindow(200, 300, 10))], np.zeros((1, 1)))


@pytest.mark.parametrize("engine", ["ortools", "pyvrp"])
def test_a_client_keeps_the_carer_it_knows(engine: str) -> None:
    """Carer A lives next to the client, B 10 minutes away; the client knows B. With no penalty A
    serves (less travel); with a penalty above the extra travel, B does."""
    xy = np.array([[0, 0], [10, 0], [0.5, 0]], dtype=float)
    visit = Visit("v", 2, 60, 120, 30, client="K", preferred=frozenset({"B"}))
    problem = Problem([visit], [Carer("A", 0, 0, 300), Carer("B", 1, 0, 300)], travel_minutes(xy, 1.0, 60.0))
    assert problem.unpreferred("A", visit) and not problem.unpreferred("B", visit)

    def server(p: Problem) -> str:
        solution = route(p, time_limit=1, engine=engine)
        assert validate(p, solution) == []
        return solution.routes[0].carer

    assert server(problem) == "A"  # a preference without a penalty is no preference
    assert server(replace(problem, continuity_penalty=30)) == "B"
    assert server(replace(problem, continuity_penalty=5)) == "A"


def test_large_parts_are_cut_into_patches_that_keep_every_visit() -> None:
    problem = lot_day(240, seed=5, double_handed_share=0.1)
    (morning, _), _ = split(problem)
    cut = patches(morning, max_visits=50, seed=0)
    assert len(cut) >= 2
    assert sorted(v.id for p in cut for v in p.visits) == sorted(v.id for v in morning.visits)
    carers = [c.id for p in cut for c in p.carers]
    assert len(carers) == len(set(carers)) == len(morning.carers)
    assert all(len(p.carers) >= 2 for p in cut)
    assert [[v.id for v in p.visits] for p in patches(morning, max_visits=50, seed=0)] == [[v.id for v in p.visits]
                                                                                       for p in cut]
    solution = route(problem, time_limit=2, engine="ortools", patch_visits=50)
    assert validate(problem, solution) == []


def test_patches_keep_visits_of_no_care_minutes() -> None:
    (morning, _), _ = split(lot_day(240, seed=5))
    checks = replace(morning, visits=[replace(v, service=0.0) for v in morning.visits])
    assert sum(len(p.visits) for p in patches(checks, max_visits=50)) == len(checks.visits)


def short_staffed(visits: int, people: int, double_handed_share: float = 0.0) -> Problem:
    """A synthetic day keeping only the first `people` people's morning and evening shifts."""
    day = lot_day(visits, seed=6, double_handed_share=double_handed_share)
    keep = {f"p{i:03d}" for i in range(people)}
    return replace(day, carers=[c for c in day.carers if c.who in keep])


def lot_of(problem: Problem, engine: str = "auto") -> LotRounds:
    return route_lot("L", [], [problem], 25.0, 1.0, 0, engine, 0.0)


def test_too_few_carers_is_a_verdict_with_the_missing_carers_and_unserved_visits() -> None:
    problem = short_staffed(80, people=1)
    lot = lot_of(problem)
    counted = lot.tally
    assert lot.short and lot.short[0].missing >= 2
    assert counted.unserved > 0 and counted.served + counted.unserved + counted.broken == counted.asked == 80
    row = lot_table([lot], carer_table([lot], 12.0, 12.0)).iloc[0]
    assert (row["served"], row["unserved"], row["served_in_violation"]) == (counted.served, counted.unserved, 0)
    assert row["carers_short"] == lot.short[0].missing
    text = "\n".join(verdict_lines(lot))
    assert f"{counted.unserved:,} unserved" in text and "0 unserved" not in text
    assert "carer-hours" in text and f"about {lot.short[0].missing:,} more carers" in text
    assert "after routing" in text and "more shifts" in text


def test_pyvrp_drops_what_the_carers_cannot_cover_instead_of_serving_it_late() -> None:
    problem = short_staffed(80, people=1)
    solution = route(problem, time_limit=1, engine="pyvrp")
    assert solution.unserved
    assert {(v.kind, v.where) for v in validate(problem, solution)} == {("missed", v) for v in solution.unserved}


def test_visits_served_in_breach_are_neither_served_nor_unserved(pair: Problem, pair_solution: Solution) -> None:
    p, q = pair.visits
    late = build_route(pair, pair.carers[0], [p, q], [60, 201], depart=55)  # q late, A's break lost
    broken = replace(pair_solution, routes=[late, pair_solution.routes[1]])
    found = validate(pair, broken)
    lot = LotRounds("L", [], [(pair, broken)], found, {}, [tally(pair, broken, found)], [], [])
    counted = lot.tally
    assert (counted.served, counted.unserved, counted.broken) == (0, 0, 2)  # p is on A's route too
    assert counted.kinds == {"late": 1, "break": 1}
    text = "\n".join(verdict_lines(lot))
    assert "2 served in breach of a rule" in text and "unserved" not in text and "late 1" in text
    one_of_two = replace(pair_solution, routes=[pair_solution.routes[1]])  # p by B alone, q by nobody
    assert tally(pair, one_of_two, validate(pair, one_of_two)).unserved == 1
    assert tally(pair, one_of_two, validate(pair, one_of_two)).broken == 1


FAR = -1  # a place 400 km from everyone


@pytest.mark.parametrize("change, reason", [
    (dict(earliest=1350, latest=1380), "outside every shift"),
    (dict(service=600.0), "longer than every shift"),
    (dict(carers_needed=2), "needs 2 carers but only 1 shift"),
    (dict(location=FAR), "no carer on day 1 can reach it"),
])
def test_an_impossible_visit_is_named_before_routing(change: dict, reason: str) -> None:
    problem = short_staffed(20, people=1)
    xy = np.vstack([problem.coordinates, [[400.0, 0.0]]])
    bad = replace(problem.visits[0], **{k: len(xy) - 1 if v is FAR else v for k, v in change.items()})
    problem = replace(problem, visits=[bad, *problem.visits[1:]], coordinates=xy, travel=travel_minutes(xy, 1.3, 25.0))
    found = impossible_visits([problem])
    assert [p.message.split(":")[0] for p in found] == [f"visit {bad.id} cannot be served on day 1"]
    assert reason in found[0].message and found[0].fix


def test_an_impossible_visit_in_the_files_is_exit_2_and_named(tmp_path: Path, capsys) -> None:
    visits = tmp_path / "visits.csv"
    visits.write_text("visit_id,client_id,x_km,y_km,earliest,latest,duration_minutes\n"
                      "v1,K1,0,0,08:00,09:00,30\nv2,K2,1,0,23:00,23:30,30\n")
    carers = tmp_path / "carers.csv"
    carers.write_text("carer_id,home_x_km,home_y_km,shift_start,shift_end\nC1,0,1,07:00,15:00\n")
    code = main(["rounds", str(TINY), "--visits", str(visits), "--carers", str(carers), "--time-limit", "1",
                 "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "visit v2 cannot be served on day 1" in err and "outside every shift" in err
    assert "v1" not in err


def test_a_staffed_day_is_all_served_with_no_shortfall() -> None:
    lot = lot_of(lot_day(40, seed=6, double_handed_share=0.0))
    counted = lot.tally
    assert lot.short == [] and lot.after == [] and lot.violations == []
    assert (counted.served, counted.unserved, counted.broken) == (40, 0, 0)
    assert verdict_lines(lot) == ["L: all 40 visits over 1 day served within the rules"]


def test_a_negative_time_limit_is_an_option_error(capsys) -> None:
    with pytest.raises(SystemExit) as leaving:
        main(["rounds", str(TINY), "--areas", "A01", "--time-limit", "-1"])
    assert leaving.value.code == 2 and "--time-limit: -1 must be above 0" in capsys.readouterr().err


def test_a_double_handed_visit_only_one_carer_can_reach_is_named() -> None:
    problem = short_staffed(20, people=2)
    xy = np.vstack([problem.coordinates, [[400.0, 0.0], [401.0, 0.0]]])  # the client, and p000's new home by it
    visit = replace(next(v for v in problem.visits if v.id.endswith("morning")), location=len(xy) - 2,
                    carers_needed=2)
    carers = [replace(c, home=len(xy) - 1) if c.id == "p000-am" else c for c in problem.carers]
    problem = replace(problem, visits=[visit if v.id == visit.id else v for v in problem.visits], carers=carers,
                      coordinates=xy, travel=travel_minutes(xy, 1.3, 25.0))
    found = impossible_visits([problem])
    assert len(found) == 1
    assert f"visit {visit.id} cannot be served on day 1: only 1 carer" in found[0].message
    assert "it needs 2; the second nearest home is" in found[0].message
