"""Importing a real authority: areas from the LSOA table, valid and deterministic instances, clear errors."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from solver.authority import (_national_grid, authority_rows, import_authority, lsoa_table, parse_overrides,
                              voronoi_cell_km2)
from solver.cli import main
from solver.instance import InputError, load_instance


@pytest.fixture(scope="module")
def rutland(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return import_authority("Rutland", tmp_path_factory.mktemp("rutland") / "rutland", seed=3)


def test_rutland_has_the_tables_areas_and_population(rutland: Path) -> None:
    table = lsoa_table()
    rows = table[table["lad19_name"] == "Rutland"]
    instance = load_instance(rutland)
    assert len(instance.areas) == len(rows)
    assert set(instance.areas.index) == set(rows["lsoa11_code"])
    assert instance.areas["pop_65plus"].sum() == rows["pop_65plus_2021"].sum()
    assert instance.graph().number_of_nodes() == len(rows) and nx.is_connected(instance.graph())


def test_demand_is_calibrated_and_follows_deprivation(rutland: Path) -> None:
    areas = pd.read_csv(rutland / "areas.csv")
    assert areas["clients"].sum() == round(0.02 * areas["pop_65plus"].sum())
    assert (areas["care_hours_per_week"] == areas["clients"] * 14).all()
    take_up = areas["clients"] / areas["pop_65plus"]
    score = (areas["health_decile"] + areas["income_decile"]) / 2
    assert take_up[score <= score.median()].mean() > take_up[score > score.median()].mean()
    readme = (rutland / "README.md").read_text()
    assert "Open Government Licence v3.0" in readme and "Synthetic" in readme and "take_up_rate" in readme


def test_same_seed_same_bytes(rutland: Path, tmp_path: Path) -> None:
    again = import_authority("rutland", tmp_path / "again", seed=3)
    for file in sorted(rutland.iterdir()):
        assert file.read_bytes() == (again / file.name).read_bytes(), file.name
    other = import_authority("E06000017", tmp_path / "other", seed=4)
    assert (other / "areas.csv").read_bytes() == (rutland / "areas.csv").read_bytes()
    assert (other / "providers.csv").read_bytes() != (rutland / "providers.csv").read_bytes()


def test_unknown_authority_suggests_close_names() -> None:
    with pytest.raises(InputError) as error:
        authority_rows(lsoa_table(), "Wiltshre")
    assert "'Wiltshire'" in str(error.value)


def test_cli_exits_2_on_unknown_authority(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-authority", "Wiltshre", "--out", str(tmp_path / "w")]) == 2
    assert "did you mean 'Wiltshire'" in capsys.readouterr().err
    assert not (tmp_path / "w").exists()


def test_overrides_are_checked() -> None:
    assert parse_overrides(["take_up_rate=0.03"]) == {"take_up_rate": 0.03}
    with pytest.raises(InputError, match="take_up_rate"):
        import_authority("Rutland", Path("unused"), take_up=0.03)
    with pytest.raises(InputError, match="sum to"):
        import_authority("Rutland", Path("unused"), visits_15min_share=0.5)


def test_supplied_providers_are_validated_with_file_row_and_column(rutland: Path, tmp_path: Path) -> None:
    providers = pd.read_csv(rutland / "providers.csv", dtype=str)
    providers.loc[1, "base_area_id"] = "E09999999"
    providers.loc[2, "quality_score"] = "good"
    providers.to_csv(tmp_path / "providers.csv", index=False)
    with pytest.raises(InputError) as error:
        import_authority("Rutland", tmp_path / "out", providers_csv=tmp_path / "providers.csv")
    text = str(error.value)
    assert "providers.csv, row 4, column 'quality_score'" in text
    providers.loc[2, "quality_score"] = "3"
    providers.to_csv(tmp_path / "providers.csv", index=False)
    with pytest.raises(InputError, match=r"row 3, column 'base_area_id'.*not an LSOA of Rutland"):
        import_authority("Rutland", tmp_path / "out", providers_csv=tmp_path / "providers.csv")


def test_supplied_market_is_used_and_demand_covers_incumbents(rutland: Path, tmp_path: Path) -> None:
    incumbency = pd.read_csv(rutland / "incumbency.csv")
    incumbency.loc[0, "hours_per_week"] = 900.0
    incumbency.to_csv(tmp_path / "incumbency.csv", index=False)
    out = import_authority("Rutland", tmp_path / "out", providers_csv=rutland / "providers.csv",
                           incumbency_csv=tmp_path / "incumbency.csv")
    instance = load_instance(out)
    area = incumbency.loc[0, "area_id"]
    held = incumbency.loc[incumbency["area_id"] == area, "hours_per_week"].sum()
    assert instance.areas.at[area, "care_hours_per_week"] == pytest.approx(held)
    assert "1 area(s) had their estimated demand raised" in (out / "README.md").read_text()


def test_national_grid_matches_the_ordnance_survey_worked_example() -> None:
    phi = np.radians([52 + 39 / 60 + 27.2531 / 3600])
    lam = np.radians([1 + 43 / 60 + 4.5177 / 3600])
    east, north = _national_grid(phi, lam)
    assert east[0] == pytest.approx(651409.903, abs=0.01) and north[0] == pytest.approx(313177.270, abs=0.01)


def test_voronoi_cells_of_a_grid_are_its_squares() -> None:
    grid = np.array([(x, y) for x in range(6) for y in range(6)], dtype=float)
    cells = voronoi_cell_km2(grid, hull_buffer=0.5)
    interior = (grid.min(axis=1) > 0) & (grid.max(axis=1) < 5)
    assert cells[interior] == pytest.approx(1.0)
    assert cells.sum() == pytest.approx(6.0 ** 2, rel=0.05)  # the 5 x 5 hull widened by half a spacing
