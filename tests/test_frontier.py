"""`tender frontier` on the tiny instance: cost does not fall as a cap tightens, caps that cannot be
met are kept as infeasible points, and the command writes its table and chart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from solver.cli import main
from solver.design.config import DesignConfig, Lots, SolverSettings
from solver.frontier import trace
from solver.instance import load_instance

from .conftest import INSTANCES, ROOT

TINY = INSTANCES / "tiny"
CURRENT = ROOT / "docs" / "examples" / "tiny-current.json"
SMALL = "lots: {count_min: 3, count_max: 3, balance_tolerance: 0.35}\n"


def check_monotone(table: pd.DataFrame) -> None:
    caps = table["cap"].to_numpy()
    assert np.isnan(caps[0]) and (np.diff(caps[1:]) < 0).all()  # uncapped, then tightening
    feasible = (table["status"] == "ok").to_numpy()
    assert not (np.diff(feasible.astype(int)) > 0).any()  # no feasible point after an infeasible one
    # a tighter cap never costs less than the looser cap's proven bound
    objective = table.loc[feasible, "objective"].to_numpy()
    bound = objective * (1 - table.loc[feasible, "award_gap"].to_numpy())
    assert (objective[1:] >= bound[:-1] - 1e-6 * objective[:-1]).all()
    infeasible = table[~feasible]
    assert infeasible["objective"].isna().all() and infeasible["explanation"].astype(str).str.contains("cannot all be met").all()


@pytest.fixture(scope="module")
def tiny():
    return load_instance(TINY)


def test_continuity_frontier_is_monotone_and_marks_infeasible_caps(tiny) -> None:
    config = DesignConfig(lots=Lots(count_min=3, count_max=3, balance_tolerance=0.35),
                          solver=SolverSettings(time_limit=5.0, gap=1e-6))
    table = trace(tiny, config, points=5, against="continuity")
    check_monotone(table)
    assert table["status"].iloc[0] == "ok" and table["status"].iloc[-1] == "infeasible"  # nobody switched: impossible
    assert table["cap"].iloc[-1] == 0.0
    assert "clients forced to switch" in table["explanation"].iloc[-1]
    ok = table[table["status"] == "ok"]
    assert ok["switched_share"].iloc[-1] < ok["switched_share"].iloc[0]


def test_frontier_command_writes_table_and_chart(tmp_path: Path) -> None:
    config = tmp_path / "small.yaml"
    config.write_text(SMALL)
    out = tmp_path / "out"
    assert main(["frontier", str(TINY), "--config", str(config), "--points", "3", "--against", "stability",
                 "--mark", str(CURRENT), "--time-limit", "5", "--gap", "1e-6", "--out", str(out)]) == 0
    table = pd.read_csv(out / "frontier.csv", index_col="point")
    assert len(table) == 3
    check_monotone(table)
    assert table["largest_contracted_share"].iloc[-1] <= table["largest_contracted_share"].iloc[0]
    assert (out / "frontier.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
