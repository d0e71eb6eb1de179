"""Comparing designs on the tiny instance: the stress test (reproducible, consistent with the
evaluation), `tender compare` keeping every design's result when one fails, and its reports read back."""

from __future__ import annotations

import json
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from solver.cli import main
from solver.compare import PRINT_GROUPS
from solver.design.config import DesignConfig
from solver.design.result import read_design
from solver.evaluate import evaluate
from solver.instance import load_instance
from solver.reports.geojson import lots_geojson
from solver.stress import StressSettings, stress_test

from .conftest import INSTANCES, ROOT

TINY = INSTANCES / "tiny"
CURRENT = ROOT / "docs" / "examples" / "tiny-current.json"
SMALL = "description: three lots of the tiny county\nlots: {count_min: 3, count_max: 3, balance_tolerance: 0.35}\n"
IMPOSSIBLE = SMALL + "awards: {providers_min: 5, providers_max: 5, max_lots_per_provider: 1}\n"  # 5 providers, 3 lots
UNREADABLE = "lots: {count_minimum: 3}\n"


@pytest.fixture(scope="module")
def tiny():
    return load_instance(TINY)


@pytest.fixture(scope="module")
def current(tiny):
    return read_design(CURRENT, tiny)


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Path:
    """`tender compare` on tiny: a good configuration between two that fail, and the current design."""
    folder = tmp_path_factory.mktemp("compare")
    for name, text in (("small", SMALL), ("impossible", IMPOSSIBLE)):
        (folder / f"{name}.yaml").write_text(text)
    out = folder / "out"
    code = main(["compare", str(TINY), "--configs", *(str(folder / f"{n}.yaml") for n in ("impossible", "small")),
                 "--current", str(CURRENT), "--time-limit", "10", "--draws", "200", "--out", str(out)])
    assert code == 0
    return out


# The stress test


def test_stress_is_reproducible_by_seed(tiny, current) -> None:
    config = DesignConfig()
    first = stress_test(tiny, config, current, StressSettings(draws=100, seed=3))
    again = stress_test(tiny, config, current, StressSettings(draws=100, seed=3))
    other = stress_test(tiny, config, current, StressSettings(draws=100, seed=4))
    assert np.array_equal(first.cost_gbp_per_year, again.cost_gbp_per_year)
    assert first.summary() == again.summary()
    assert not np.array_equal(first.cost_gbp_per_year, other.cost_gbp_per_year)
    assert first.summary()["cost_mean_gbp_per_year"] != other.summary()["cost_mean_gbp_per_year"]


def test_stress_without_noise_or_exits_is_the_evaluation(tiny, current) -> None:
    config = DesignConfig()
    result = stress_test(tiny, config, current, StressSettings(draws=50, exit_rate=0.0, county_sigma=0.0, area_sigma=0.0))
    by_scenario = evaluate(tiny, config, current)["cost_by_scenario_gbp_per_year"]
    expected = np.array([by_scenario[s] for s in result.scenario])
    assert np.allclose(result.cost_gbp_per_year, expected, atol=0.01)
    assert set(result.scenario) <= set(tiny.scenarios.index)


def test_exits_without_spot_leave_hours_unmet(tiny, current) -> None:
    config = DesignConfig()
    no_spot = replace(config, volume=replace(config.volume, spot=False))
    calm = stress_test(tiny, no_spot, current, StressSettings(draws=50, exit_rate=0.0))
    every_exit = stress_test(tiny, no_spot, current, StressSettings(draws=50, exit_rate=1.0))
    assert calm.summary()["unmet_mean_hours_per_week"] < every_exit.summary()["unmet_mean_hours_per_week"]
    assert every_exit.summary()["p_any_unmet"] == 1.0
    assert (every_exit.exits == len({a.provider for a in current.awards})).all()


# tender compare and its reports


def test_a_failing_configuration_keeps_the_others(compared: Path) -> None:
    table = pd.read_csv(compared / "comparison.csv", index_col="design")
    assert list(table.index) == ["impossible", "small", "current"]
    assert table.loc["impossible", "outcome"] == "infeasible"
    assert "providers per lot" in table.loc["impossible", "failure"]
    for name in ("small", "current"):
        assert table.loc[name, "cost_mean_gbp_per_year"] > 0
        assert table.loc[name, "cost_p95_gbp_per_year"] >= table.loc[name, "cost_mean_gbp_per_year"]
    assert table.loc["small", "lots"] == 3 and table.loc["small", "outcome"] == "ok"
    assert table.loc["current", "outcome"] == "given"


def test_workbook_has_a_sheet_per_table(compared: Path) -> None:
    sheets = pd.read_excel(compared / "comparison.xlsx", sheet_name=None)
    assert {"comparison", "stress", "stress draws", "lots small", "lots current", "failures", "awards small",
            "providers small", "areas small"} <= set(sheets)
    assert len(sheets["areas small"]) == 12 and set(sheets["areas small"]["lot"]) == {"L1", "L2", "L3"}
    comparison = sheets["comparison"].set_index("design")
    assert comparison.loc["small", "lots"] == 3
    assert len(sheets["stress draws"]) == 200
    assert len(sheets["lots small"]) == 3
    assert set(sheets["failures"]["design"]) == {"impossible"}


def test_workbook_is_formatted_for_reading(compared: Path) -> None:
    book = openpyxl.load_workbook(compared / "comparison.xlsx")
    sheet = book["comparison"]
    headers = {cell.value: cell.column_letter for cell in sheet[1]}
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref
    assert sheet[f"{headers['expected_cost_gbp_per_year']}2"].number_format == "£#,##0"
    assert sheet[f"{headers['cost_per_contact_hour_gbp']}2"].number_format == "£#,##0.00"
    assert sheet[f"{headers['largest_share']}2"].number_format == "0.0%"
    assert sheet.column_dimensions[headers["expected_cost_gbp_per_year"]].width >= len("£3,955,053")
    assert all(sheet.column_dimensions[letter].width <= 62 for letter in headers.values())


def test_an_unreadable_configuration_stops_compare_before_any_solve(tmp_path: Path, capsys) -> None:
    for name, text in (("small", SMALL), ("unreadable", UNREADABLE)):
        (tmp_path / f"{name}.yaml").write_text(text)
    out = tmp_path / "out"
    code = main(["compare", str(TINY), "--configs", str(tmp_path / "small.yaml"), str(tmp_path / "unreadable.yaml"),
                 "--current", str(tmp_path / "missing.json"), "--out", str(out)])
    assert code == 2 and not out.exists()
    error = capsys.readouterr().err
    assert "unreadable.yaml, key 'lots.count_minimum': is not a known key — did you mean 'count_min'?" in error
    assert "missing.json" in error and "design file does not exist" in error


class Tables(HTMLParser):
    """Collects the text of every table cell, table by table, and the image sources."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[str]] = []
        self.images: list[str] = []
        self._cell = False

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag in ("td", "th"):
            self._cell = True
        elif tag == "img":
            self.images.append(dict(attrs)["src"])

    def handle_endtag(self, tag) -> None:
        if tag in ("td", "th"):
            self._cell = False

    def handle_data(self, data) -> None:
        if self._cell and data.strip():
            self.tables[-1].append(data.strip())


def test_html_page_holds_the_comparison_and_its_figures(compared: Path) -> None:
    parser = Tables()
    parser.feed((compared / "report.html").read_text())
    comparison = [cell for table in parser.tables[:len(PRINT_GROUPS)] for cell in table]  # by theme, as printed
    assert {"design", "£m/yr mean", "£m/yr p95", "P(unmet)", "small", "current", "impossible", "infeasible"} <= set(comparison)
    assert len(parser.tables) >= 6  # comparison, stress, a lot table per design
    assert parser.images and all(src.startswith("data:image/png;base64,") for src in parser.images)


def test_markdown_report_links_figures_that_exist(compared: Path) -> None:
    text = (compared / "report.md").read_text()
    assert "| design |" in text and "## Stress test" in text
    links = [line[line.index("](") + 2:-1] for line in text.splitlines() if line.startswith("![")]
    assert links and all((compared / link).read_bytes().startswith(b"<svg" if link.endswith(".svg") else b"\x89PNG")
                         for link in links)


def test_geojson_has_one_feature_per_lot(compared: Path, tiny) -> None:
    design = read_design(compared / "designs" / "small.json", tiny)
    collection = json.loads((compared / "geojson" / "small-lots-local-km.geojson").read_text())
    features = collection["features"]
    assert [f["properties"]["lot"] for f in features] == [lot.lot for lot in design.lots]
    assert all("Voronoi" in f["properties"]["shape_method"] and "not WGS84" in f["properties"]["coordinates_note"]
               for f in features)
    shapes = [shape(f["geometry"]) for f in features]
    assert all(s.is_valid and s.area > 0 for s in shapes)
    assert sum(s.area for s in shapes) == pytest.approx(shapely.union_all(shapes).area, rel=1e-6)  # no overlaps
    for f, s in zip(features, shapes):
        areas = tiny.areas.loc[f["properties"]["area_ids"]]
        assert all(s.covers(shapely.Point(x, y)) for x, y in zip(areas["x_km"], areas["y_km"]))


def test_geojson_is_wgs84_when_the_areas_came_as_lat_lon(tiny_copy: Path, current) -> None:
    areas = pd.read_csv(tiny_copy / "areas.csv")
    areas["lat"], areas["lon"] = 51.0 + areas.pop("y_km") / 111.2, -2.0 + areas.pop("x_km") / 70.0
    areas.to_csv(tiny_copy / "areas.csv", index=False)
    instance = load_instance(tiny_copy)
    lots = pd.DataFrame(evaluate(instance, DesignConfig(), current)["lots"]).set_index("lot")
    collection = lots_geojson(instance, "current", current, lots)
    points = np.array([point for f in collection["features"] for point in shapely.get_coordinates(shape(f["geometry"]))])
    assert "WGS84" in collection["coordinates_note"] and "not" not in collection["coordinates_note"]
    assert -2.1 < points[:, 0].min() and points[:, 0].max() < -1.7 and 50.9 < points[:, 1].min() < points[:, 1].max() < 51.2


def test_verdict_ranks_by_the_penalty_inclusive_cost() -> None:
    """A design that leaves care unmet spends less but ranks dearer once its unmet care is priced."""
    from solver.compare import verdict

    rows = {"drops care": {"outcome": "ok", "common_ranking_cost_gbp_per_year": 40e6, "council_spend_gbp_per_year": 30e6,
                           "unmet_penalty_gbp_per_year": 10e6, "unmet_expected_hours_per_week": 1600.0},
            "meets care": {"outcome": "ok", "common_ranking_cost_gbp_per_year": 36e6, "council_spend_gbp_per_year": 35e6,
                           "unmet_penalty_gbp_per_year": 0.0, "unmet_expected_hours_per_week": 0.0}}
    table = pd.DataFrame(rows).T.assign(cost_per_contact_hour_gbp=25.0, cost_mean_gbp_per_year=36e6,
                                        cost_p95_gbp_per_year=40e6)
    assert verdict(table).startswith("best: meets care")
    rows["drops care"]["common_ranking_cost_gbp_per_year"] = 35e6  # now cheaper even with its penalty
    table = pd.DataFrame(rows).T.assign(cost_per_contact_hour_gbp=25.0, cost_mean_gbp_per_year=36e6,
                                        cost_p95_gbp_per_year=40e6)
    assert verdict(table).startswith("best: drops care")
