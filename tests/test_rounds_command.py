"""`tender rounds` on two areas of the tiny instance, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from solver.cli import main
from solver.instance import load_instance
from solver.rounds import Problem, route, validate
from solver.rounds.continuity import carers_per_client, known_carers, route_days
from solver.rounds.from_csv import read_days
from solver.rounds.lot_day import FIXED_PLANS, VISIT_TOLERANCE_MINUTES, lot_day
from solver.rounds.synthetic import MEDICATION_SHARE, TRAINED_SHARE
from solver.rounds.pay import PAY_PRACTICES

TINY = Path(__file__).resolve().parents[1] / "instances" / "tiny"


def test_lot_day_follows_the_instance() -> None:
    instance = load_instance(TINY)
    problem = lot_day(instance, ["A01", "A02"], seed=3, changes=FIXED_PLANS)  # the plans, before the week's changes
    expected = sum(round(instance.areas.loc[a, "visits_per_week"] / 7) for a in ("A01", "A02"))
    assert len(problem.visits) == expected
    assert {v.service for v in problem.visits} <= {15, 30, 45, 60}
    assert all(v.id.rsplit("-", 1)[1] in ("morning", "lunch", "tea", "bed") for v in problem.visits)
    assert all(c.shift_start < c.shift_end for c in problem.carers)
    places = {v.location for v in problem.visits}
    homes = {c.home for c in problem.carers}  # the people on duty today; the roster has more
    assert max(places) < min(homes) and len(places) + len(homes) <= problem.travel.shape[0]


def test_rounds_command_writes_valid_rounds(tmp_path: Path) -> None:
    out = tmp_path / "rounds"
    assert main(["rounds", str(TINY), "--areas", "A01,A02", "--time-limit", "2", "--out", str(out)]) == 0
    for name in ("lots.csv", "carers.csv", "payment.csv", "rounds.json", "rounds-areas.png"):
        assert (out / name).stat().st_size > 0
    lots = pd.read_csv(out / "lots.csv")
    assert lots.loc[0, "violations"] == 0 and lots.loc[0, "unserved"] == 0
    assert json.loads((out / "rounds.json").read_text())["violations"] == {"areas": []}
    carers = pd.read_csv(out / "carers.csv")
    assert carers["contact_min"].sum() == lots.loc[0, "contact_min"]
    assert all(f"breach_{p}" in carers for p in PAY_PRACTICES)
    assert not carers["breach_working_time_paid"].any()  # paying all working time at the NLW is always lawful
    payment = pd.read_csv(out / "payment.csv")
    assert set(payment["basis"]) == {"per_minute_contact", "banded_15_minutes", "per_hour_including_travel",
                                     "salaried_block"}


def test_the_validator_passes_the_routed_day() -> None:
    problem = lot_day(load_instance(TINY), ["A01", "A02"])
    assert validate(problem, route(problem, time_limit=1, seed=0)) == []


def test_care_plans_repeat_while_the_rota_turns() -> None:
    instance = load_instance(TINY)
    monday, tuesday = (lot_day(instance, ["A01", "A02"], seed=3, day=d, changes=FIXED_PLANS) for d in (0, 1))
    assert monday.visits == tuesday.visits
    assert {c.id for c in monday.carers} != {c.id for c in tuesday.carers}
    changing = [lot_day(instance, ["A01", "A02"], seed=3, day=d) for d in range(7)]  # clients come and go
    assert all({v.id for v in day.visits} <= {v.id for v in monday.visits} for day in changing)
    assert all(v.latest - v.earliest <= 2 * VISIT_TOLERANCE_MINUTES + 1e-9 for v in monday.visits)
    thinner = lot_day(instance, ["A01", "A02"], seed=3, share=0.4, changes=FIXED_PLANS)
    assert {v.id for v in thinner.visits} < {v.id for v in monday.visits}
    plans = {(v.id, v.earliest, v.latest, v.service, v.carers_needed) for v in monday.visits}
    assert {(v.id, v.earliest, v.latest, v.service, v.carers_needed) for v in thinner.visits} <= plans


def test_lot_days_need_medication_trained_carers() -> None:
    """A share of clients needs medication at every visit (one of a double visit's carers), a share
    of people is trained, and the skills change nothing else of the day."""
    instance = load_instance(TINY)
    day, plain = (lot_day(instance, ["A01", "A02"], seed=3, medication_share=m) for m in (MEDICATION_SHARE, 0.0))

    def plans(problem: Problem) -> list[tuple]:
        return [(v.id, v.location, v.earliest, v.latest, v.service, v.carers_needed) for v in problem.visits]

    assert plans(day) == plans(plain) and not plain.has_skills
    needs = {v.client: bool(v.needs(0)) for v in day.visits}
    assert all(bool(v.needs(0)) == needs[v.client] and not v.needs(1) for v in day.visits if v.carers_needed == 2)
    assert 0.1 < sum(needs.values()) / len(needs) < 0.6
    people = {c.who: bool(c.skills) for c in day.carers}
    assert TRAINED_SHARE - 0.3 <= sum(people.values()) / len(people) <= TRAINED_SHARE + 0.3  # of those on duty


def test_later_days_prefer_the_carers_clients_know() -> None:
    instance = load_instance(TINY)
    # without skills, so that the hard rule staffs the second day and opens no visit to strangers
    days = route_days(lambda d: lot_day(instance, ["A01", "A02"], seed=3, day=d, medication_share=0.0), 2,
                      time_limit=1)
    (first, first_solution), (second, _) = days
    assert not first.has_preferences and second.has_preferences
    known = known_carers([(first, first_solution)])
    for visit in second.visits:
        who = {c.id: c.who for c in second.carers}
        assert {who[c] for c in visit.preferred} == known[visit.client] & set(who.values())
    assert 1 <= carers_per_client(days) <= 2 * 2 * 2  # at most two people a visit, two visits, two days


EXAMPLES = TINY.parents[1] / "docs" / "examples" / "rounds"


def test_rounds_from_csv_files_route_every_day(tmp_path: Path) -> None:
    out = tmp_path / "rounds"
    assert main(["rounds", str(TINY), "--visits", str(EXAMPLES / "visits.csv"), "--carers",
                 str(EXAMPLES / "carers.csv"), "--travel-matrix", str(EXAMPLES / "travel-matrix.csv"),
                 "--days", "2", "--time-limit", "1", "--out", str(out)]) == 0
    lots = pd.read_csv(out / "lots.csv")
    visits = pd.read_csv(EXAMPLES / "visits.csv")
    every_day = int(visits["day"].isna().sum())
    assert lots.loc[0, "visits"] == 2 * every_day + int((visits["day"] == 2).sum())
    assert lots.loc[0, "unserved"] == 0 and lots.loc[0, "violations"] == 0
    people = set(pd.read_csv(out / "carers.csv")["carer"])
    assert people <= set(pd.read_csv(EXAMPLES / "carers.csv")["carer_id"])  # split shifts paid as one person


def test_rounds_files_with_mistakes_name_file_row_and_column(tmp_path: Path, capsys) -> None:
    visits = pd.read_csv(EXAMPLES / "visits.csv", dtype=str, keep_default_na=False)
    visits.loc[2, "earliest"] = "7am"
    visits.loc[4, "x_km"] = "12.5"  # the client's other visits say otherwise
    visits.to_csv(tmp_path / "visits.csv", index=False)
    carers = pd.read_csv(EXAMPLES / "carers.csv", dtype=str, keep_default_na=False)
    carers.loc[0, "break_minutes"] = ""
    carers.loc[1, "shift_start"] = "14:00"  # the same person's morning shift ends at 14:30
    carers.to_csv(tmp_path / "carers.csv", index=False)
    code = main(["rounds", str(TINY), "--visits", str(tmp_path / "visits.csv"), "--carers",
                 str(tmp_path / "carers.csv"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "visits.csv, row 4, column 'earliest': '7am' cannot be read" in err
    assert "column 'x_km'" in err and "different places" in err
    assert "carers.csv, row 2, column 'break_minutes'" in err
    assert "carers.csv, row 3, column 'shift_start': overlaps" in err


def test_a_travel_matrix_missing_a_client_is_named(tmp_path: Path, capsys) -> None:
    matrix = pd.read_csv(EXAMPLES / "travel-matrix.csv").drop(columns=["K003"])
    matrix.to_csv(tmp_path / "matrix.csv", index=False)
    code = main(["rounds", str(TINY), "--visits", str(EXAMPLES / "visits.csv"), "--carers",
                 str(EXAMPLES / "carers.csv"), "--travel-matrix", str(tmp_path / "matrix.csv")])
    assert code == 2 and "K003" in capsys.readouterr().err


@pytest.mark.parametrize("options, message", [
    (["--areas", "A01", "--share", "0.001"], "has no visits"),
    (["--areas", "A01", "--engine", "pyvrp"], "PyVRP cannot route"),
    (["--areas", "A01", "--travel-matrix", "m.csv"], "--travel-matrix applies only with --visits"),
    (["--visits", str(EXAMPLES / "visits.csv"), "--carers", str(EXAMPLES / "carers.csv"), "--travel-matrix",
      str(EXAMPLES / "visits.csv")], "no row or column for"),
])
def test_rounds_options_that_cannot_work_are_input_errors(options: list[str], message: str, tmp_path: Path,
                                                           capsys) -> None:
    assert main(["rounds", str(TINY), *options, "--time-limit", "1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_spreadsheet_times_with_seconds_are_read(tmp_path: Path) -> None:
    visits = pd.read_csv(EXAMPLES / "visits.csv", dtype=str, keep_default_na=False)
    visits["earliest"] = visits["earliest"] + ":00"
    visits.to_csv(tmp_path / "visits.csv", index=False)
    monday = read_days(tmp_path / "visits.csv", EXAMPLES / "carers.csv")(0)
    assert monday.visits == read_days(EXAMPLES / "visits.csv", EXAMPLES / "carers.csv")(0).visits
