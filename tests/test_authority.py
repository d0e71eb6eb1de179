"""Importing real places: any council, district or list of LSOAs, with true boundaries, adjacency by shared
border, rurality from the rural-urban class, providers placed by postcode, and clear errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LinearRing, MultiPolygon, box, shape

from solver.authority import (
    borders,
    import_authority,
    lsoa_table,
    parse_overrides,
    places,
    select,
)
from solver.cli import main
from solver.geography import _packed
from solver.instance import InputError, load_instance
from solver.instance.geometry import GRID_CRS, border_adjacency
from solver.instance.grid import _national_grid
from solver.postcodes import normalise, postcode_table

from .conftest import INSTANCES

ENGLAND_LON, ENGLAND_LAT = (-6.5, 2.0), (49.8, 55.9)
IMPORTS = {"Kent": ("E10000016", 902), "Norfolk": ("E10000020", 538), "Camden": ("E09000007", 133),
           "Birmingham": ("E08000025", 639), "Wiltshire": ("E06000054", 285)}


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return lsoa_table()


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("imports")
    return {name: import_authority(name, root / name.lower(), seed=3) for name in IMPORTS}


@pytest.fixture(scope="module")
def rutland(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return import_authority("Rutland", tmp_path_factory.mktemp("rutland") / "rutland", seed=3)


@pytest.mark.parametrize("name", IMPORTS)
def test_imports_validate_with_connected_borders_and_a_boundary_per_area(
        name: str, imported: dict[str, Path], table: pd.DataFrame) -> None:
    code, count = IMPORTS[name]
    instance = load_instance(imported[name])
    rows = table[table["utla_code"] == code]
    assert len(instance.areas) == len(rows) == count
    assert set(instance.areas.index) == set(rows["lsoa11_code"])
    assert instance.areas["pop_65plus"].sum() == rows["pop_65plus_2021"].sum()
    assert instance.crs == GRID_CRS
    assert instance.boundaries is not None and set(instance.boundaries) == set(instance.area_ids)
    assert nx.is_connected(instance.graph())
    assert {"lsoa11_code", "lon", "lat"} <= set(instance.areas.columns)
    assert not [w for w in instance.warnings if "no incumbent" not in w.message]


def test_boundaries_file_is_rfc7946_in_england(imported: dict[str, Path]) -> None:
    folder = imported["Kent"]
    collection = json.loads((folder / "boundaries.geojson").read_text())
    assert collection["type"] == "FeatureCollection"
    areas = pd.read_csv(folder / "areas.csv")
    assert [f["properties"] for f in collection["features"]] == [
        {"area_id": a, "lsoa11_code": c} for a, c in zip(areas["area_id"], areas["lsoa11_code"])]
    for feature in collection["features"]:
        geometry = shape(feature["geometry"])
        for polygon in geometry.geoms if isinstance(geometry, MultiPolygon) else [geometry]:
            assert LinearRing(polygon.exterior.coords).is_ccw
            assert not any(LinearRing(hole.coords).is_ccw for hole in polygon.interiors)
        west, south, east, north = geometry.bounds
        assert ENGLAND_LON[0] <= west <= east <= ENGLAND_LON[1] and ENGLAND_LAT[0] <= south <= north <= ENGLAND_LAT[1]
        coordinates = np.array(feature["geometry"]["coordinates"][0][0] if geometry.geom_type == "MultiPolygon"
                               else feature["geometry"]["coordinates"][0])
        assert np.allclose(coordinates, np.round(coordinates, 5), atol=1e-9)
    manifest = (folder / "instance.yaml").read_text()
    assert "geography:\n  crs: EPSG:27700\n  boundaries: boundaries.geojson" in manifest


def test_centres_are_british_national_grid_km_inside_their_boundaries(imported: dict[str, Path]) -> None:
    instance = load_instance(imported["Camden"])
    areas = instance.areas
    assert areas["x_km"].between(520, 535).all() and areas["y_km"].between(180, 190).all()  # Camden, in BNG km
    inside = [instance.boundaries[a].buffer(1e-4).contains(shape({"type": "Point", "coordinates": [lon, lat]}))
              for a, lon, lat in zip(areas.index, areas["lon"], areas["lat"])]
    assert np.mean(inside) > 0.95


def test_rurality_follows_the_rural_urban_class_and_density(imported: dict[str, Path]) -> None:
    areas = pd.read_csv(imported["Norfolk"] / "areas.csv")
    assert (areas.loc[areas["ruc_class"] == "more_rural", "rurality"] == "rural").all()
    urban = areas[areas["ruc_class"] == "urban"]
    assert (urban["rurality"] == np.where(urban["density_per_km2"] >= 2000, "urban", "town")).all()
    assert set(areas["rurality"]) == {"urban", "town", "rural"}
    assert areas["area_km2"].sum() == pytest.approx(5380, rel=0.03)  # Norfolk is about 5,380 km²


def test_borders_are_rook_and_pieces_are_joined_to_the_nearest_area() -> None:
    squares = [box(0, 0, 1, 1), box(1, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2), box(2.5, 0, 3.5, 1)]
    found = border_adjacency(["a", "b", "c", "d", "island"], squares)
    assert found.corners == [("a", "d"), ("b", "c")]
    assert found.joins == [("island", "b", 0.5, 1)]
    assert found.pairs == [("a", "b"), ("a", "c"), ("b", "d"), ("b", "island"), ("c", "d")]
    assert "1 separate piece(s)" in found.note() and "0.50 km apart" in found.note()


def test_an_estuary_is_crossed_and_said_so(tmp_path: Path, table: pd.DataFrame) -> None:
    runcorn_widnes = sorted(table.loc[table["utla_name"] == "Halton", "lsoa11_code"])
    _, found = borders(runcorn_widnes)
    assert len(found.joins) == 1 and 0 < found.joins[0][2] < 1  # across the Mersey, a few hundred metres
    out = import_authority("Halton", tmp_path / "halton", seed=1)
    readme = (out / "README.md").read_text()
    area, joined_to = found.joins[0][:2]
    names = dict(zip(table["lsoa11_code"], table["lsoa11_name"]))
    assert f"{area} ({names[area]})-{joined_to} ({names[joined_to]}) (" in readme
    assert readme.count("km apart, a piece of") == 1
    assert "1 separate piece(s)" in load_instance(out).adjacency_note


def test_packaged_data_agree(table: pd.DataFrame) -> None:
    numbers = table["lsoa11_code"].str[3:].astype(int).to_numpy()
    assert (_packed()["lsoa"] == numbers).all()
    postcodes = postcode_table()
    assert len(postcodes.key) > 1_480_000 and set(np.unique(postcodes.lsoa)) <= set(table["lsoa11_code"])
    assert table["utla_code"].nunique() == 153 and table["ruc_class"].notna().all() and (table["area_km2"] > 0).all()


def test_every_kind_of_authority_is_found_by_name_or_code(table: pd.DataFrame) -> None:
    for spec, code, count in (("kent", "E10000016", 902), ("E10000016", "E10000016", 902),
                              ("Leeds", "E08000035", 482), ("E06000052", "E06000052", 326)):
        selection = select(table, spec)
        assert (selection.code, len(selection.rows)) == (code, count)
    norfolk = select(table, "Norfolk")
    assert sorted(table.loc[table["lsoa11_code"].isin(norfolk.rows["lsoa11_code"]), "lad19_name"].unique()) == [
        "Breckland", "Broadland", "Great Yarmouth", "King's Lynn and West Norfolk", "North Norfolk", "Norwich",
        "South Norfolk"]
    assert places(table)["barnsley"].code == "E08000038"  # the council, not its 2019 district code
    assert len(select(table, "North Yorkshire").rows) == 373  # its seven 2019 districts, merged in 2023


def test_lists_of_districts_and_lsoas(table: pd.DataFrame, tmp_path: Path) -> None:
    pair = select(table, "Breckland, broadland")
    assert pair.name == "Breckland, Broadland" and len(pair.rows) == (table["lad19_name"].isin(
        ["Breckland", "Broadland"])).sum()
    west = select(table, "Bristol, City of, North Somerset")
    assert west.name == "Bristol, City of, North Somerset"
    codes = tmp_path / "areas.csv"
    codes.write_text("lsoa11_code\nE01000001\ne01000002\n")
    mixed = select(table, f"E01000003, {codes}")
    assert list(mixed.rows["lsoa11_code"]) == ["E01000001", "E01000002", "E01000003"]
    assert mixed.name == "3 LSOAs in City of London" and mixed.code == ""
    with pytest.raises(InputError, match=r"'E01099999' is not an LSOA"):
        select(table, "E01000001,E01099999")
    codes.write_text("E01000001\nnot-a-code\n")
    with pytest.raises(InputError, match=r"areas.csv, row 2: 'NOT-A-CODE' is not an LSOA"):
        select(table, str(codes))
    codes.write_bytes("E01000001\nE01000002 Dagenham Ch\xe2teau\n".encode("cp1252"))
    with pytest.raises(InputError, match=r"areas.csv, row 2: is not UTF-8 text .* save it as UTF-8"):
        select(table, str(codes))


def test_part_of_a_county_says_who_commissions(tmp_path: Path) -> None:
    out = import_authority("Norwich", tmp_path / "norwich")
    assert "only part of Norfolk (county council, E10000020): 83 of its 538 LSOAs" in (out / "README.md").read_text()


def test_close_matches_across_every_kind(table: pd.DataFrame) -> None:
    for typo, meant in (("Kentt", "'Kent'"), ("Wiltshre", "'Wiltshire'"), ("Camdn", "'Camden'"),
                        ("Hampshir", "'Hampshire'")):
        with pytest.raises(InputError) as error:
            select(table, typo)
        assert f"did you mean {meant}" in str(error.value)


def test_cli_exits_2_on_unknown_authority(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-authority", "Kentt", "--out", str(tmp_path / "k")]) == 2
    assert "did you mean 'Kent'" in capsys.readouterr().err
    assert not (tmp_path / "k").exists()


def test_rutland_demand_is_calibrated_and_follows_deprivation(rutland: Path) -> None:
    areas = pd.read_csv(rutland / "areas.csv")
    assert areas["clients"].sum() == round(0.02 * areas["pop_65plus"].sum())
    assert (areas["care_hours_per_week"] == areas["clients"] * 14).all()
    take_up = areas["clients"] / areas["pop_65plus"]
    score = (areas["health_decile"] + areas["income_decile"]) / 2
    assert take_up[score <= score.median()].mean() > take_up[score > score.median()].mean()
    readme = (rutland / "README.md").read_text()
    for text in ("Open Government Licence v3.0", "Contains mySociety data, CC BY 4.0", "Synthetic", "take_up_rate"):
        assert text in readme


def test_same_seed_same_bytes(rutland: Path, tmp_path: Path) -> None:
    again = import_authority("rutland", tmp_path / "again", seed=3)
    for file in sorted(rutland.iterdir()):
        assert file.read_bytes() == (again / file.name).read_bytes(), file.name
    other = import_authority("E06000017", tmp_path / "other", seed=4)
    assert (other / "areas.csv").read_bytes() == (rutland / "areas.csv").read_bytes()
    assert (other / "providers.csv").read_bytes() != (rutland / "providers.csv").read_bytes()


def test_overrides_are_checked() -> None:
    assert parse_overrides(["take_up_rate=0.03"]) == {"take_up_rate": 0.03}
    with pytest.raises(InputError, match="take_up_rate"):
        import_authority("Rutland", Path("unused"), take_up=0.03)
    with pytest.raises(InputError, match="sum to"):
        import_authority("Rutland", Path("unused"), visits_15min_share=0.5)


@pytest.mark.parametrize("override, message", [
    ("take_up_rate=nan", "take_up_rate = nan is not a finite number"),
    ("hours_per_client=inf", "hours_per_client = inf is not a finite number"),
    ("town_density=-inf", "town_density = -inf is not a finite number"),
    ("hours_per_client=200", "hours_per_client = 200 is above 168"),
    ("providers_per_1000_clients=5000", "providers_per_1000_clients = 5000 is above 1000"),
    ("take_up_rate=1.5", "take_up_rate = 1.5 is above 1"),
])
def test_non_finite_and_out_of_range_assumptions_are_refused_before_writing(
        override: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError, match=message):
        import_authority("Rutland", tmp_path / "out", **parse_overrides([override]))
    assert main(["import-authority", "Rutland", "--out", str(tmp_path / "out"), "--set", override]) == 2
    assert message in " ".join(capsys.readouterr().err.split()) and not (tmp_path / "out").exists()


def test_supplied_providers_are_validated_with_file_row_and_column(rutland: Path, tmp_path: Path) -> None:
    providers = pd.read_csv(rutland / "providers.csv", dtype=str)
    providers.loc[1, "base_area_id"] = "E09999999"
    providers.loc[2, "quality_score"] = "good"
    providers.to_csv(tmp_path / "providers.csv", index=False)
    with pytest.raises(InputError) as error:
        import_authority("Rutland", tmp_path / "out", providers_csv=tmp_path / "providers.csv")
    assert "providers.csv, row 4, column 'quality_score'" in str(error.value)
    providers.loc[2, "quality_score"] = "3"
    providers.to_csv(tmp_path / "providers.csv", index=False)
    with pytest.raises(InputError, match=r"row 3, column 'base_area_id'.*not an LSOA of Rutland"):
        import_authority("Rutland", tmp_path / "out", providers_csv=tmp_path / "providers.csv")


def test_supplied_capacities_are_checked_in_the_users_file(rutland: Path, tmp_path: Path) -> None:
    providers = pd.read_csv(rutland / "providers.csv", dtype=str)
    providers.loc[1, "max_hours_per_week"] = "1"
    providers.to_csv(tmp_path / "providers.csv", index=False)
    incumbency = pd.read_csv(rutland / "incumbency.csv", dtype=str)
    incumbency.loc[0, "provider_id"] = "P99"
    incumbency.to_csv(tmp_path / "incumbency.csv", index=False)
    with pytest.raises(InputError) as error:
        import_authority("Rutland", tmp_path / "out", providers_csv=tmp_path / "providers.csv",
                         incumbency_csv=tmp_path / "incumbency.csv")
    text = str(error.value)
    assert f"{tmp_path / 'providers.csv'}, row 3, column 'current_hours_per_week'" in text
    assert f"{tmp_path / 'providers.csv'}, row 3, column 'min_viable_hours_per_week'" in text
    assert f"{tmp_path / 'incumbency.csv'}, row 2, column 'provider_id': 'P99' is not an id" in text
    assert not (tmp_path / "out").exists()


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


def test_postcodes_are_normalised() -> None:
    assert normalise("sw1a1aa") == normalise(" SW1A  1AA ") == "SW1A 1AA"
    assert normalise("nw32qg") == "NW3 2QG"
    assert normalise("SW1A") is None and normalise("1AA SW1") is None


def _camden_market(imported: dict[str, Path], folder: Path, offices: list[str],
                   incumbency_postcodes: list[str] | None = None) -> tuple[Path, Path | None]:
    providers = pd.read_csv(imported["Camden"] / "providers.csv", dtype=str).head(len(offices))
    providers = providers.drop(columns="base_area_id").assign(base_postcode=offices)
    providers.to_csv(folder / "providers.csv", index=False)
    if incumbency_postcodes is None:
        return folder / "providers.csv", None
    incumbency = pd.DataFrame({"provider_id": providers["provider_id"].iat[0], "postcode": incumbency_postcodes,
                               "clients": 1, "hours_per_week": 10.0})
    incumbency.to_csv(folder / "incumbency.csv", index=False)
    return folder / "providers.csv", folder / "incumbency.csv"


def test_providers_and_incumbency_by_postcode(imported: dict[str, Path], tmp_path: Path) -> None:
    providers_csv, incumbency_csv = _camden_market(imported, tmp_path, ["NW1 2DB", "wc1h9je", "nw32qg"],
                                                   ["NW1 2DB", "NW1 2DX", "NW3 2QG"])
    out = import_authority("Camden", tmp_path / "out", providers_csv=providers_csv, incumbency_csv=incumbency_csv)
    instance = load_instance(out)
    assert list(instance.providers["base_area_id"]) == ["E01000956", "E01000942", "E01000898"]
    assert list(pd.read_csv(out / "providers.csv")["base_postcode"]) == ["NW1 2DB", "WC1H 9JE", "NW3 2QG"]
    held = instance.incumbency.set_index("area_id")["hours_per_week"]
    assert held.to_dict() == {"E01000956": 20.0, "E01000898": 10.0}  # NW1 2DB and NW1 2DX share an LSOA
    readme = (out / "README.md").read_text()
    assert "3 office(s) and 3 incumbency row(s) placed by postcode" in readme and "Royal Mail" in readme


def test_bad_postcodes_name_file_row_value_and_fix(imported: dict[str, Path], tmp_path: Path) -> None:
    providers_csv, _ = _camden_market(imported, tmp_path, ["NW1 2DB", "NW1", "NW1 2DZ", "ME14 1XQ"])
    with pytest.raises(InputError) as error:
        import_authority("Camden", tmp_path / "out", providers_csv=providers_csv)
    problems = {p.row: p for p in error.value.problems}
    assert set(problems) == {3, 4, 5} and all(p.column == "base_postcode" for p in problems.values())
    assert str(providers_csv) in str(problems[3]) and "'NW1' is not a postcode" in problems[3].message
    assert "not a live English postcode" in problems[4].message and "did you mean 'NW1 2D" in problems[4].fix
    assert "'ME14 1XQ' is in E01024383 (Maidstone" in problems[5].message and "outside Camden" in problems[5].message
    assert problems[5].fix.startswith("give base_area_id E01")


def test_a_broken_boundaries_file_names_the_file_and_area(imported: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "camden"
    shutil.copytree(imported["Camden"], folder)
    file = folder / "boundaries.geojson"
    collection = json.loads(file.read_text())
    collection["features"][0]["properties"]["area_id"] = "E0100009x"
    collection["features"][1]["geometry"] = {"type": "Point", "coordinates": [0, 51]}
    collection["features"].append(collection["features"][2])
    file.write_text(json.dumps(collection))
    with pytest.raises(InputError) as error:
        load_instance(folder)
    text = str(error.value)
    first, second, third = (f["properties"]["area_id"] for f in collection["features"][:3])
    assert all(str(file) in str(p) for p in error.value.problems)
    assert "feature 1's area_id 'E0100009x' is not an area" in text
    assert f"area {second}'s geometry is a Point" in text and f"area {third} has more than one feature" in text
    assert "1 area(s) have no boundary" in text


def test_national_grid_matches_the_ordnance_survey_worked_example() -> None:
    phi = np.radians([52 + 39 / 60 + 27.2531 / 3600])
    lam = np.radians([1 + 43 / 60 + 4.5177 / 3600])
    east, north = _national_grid(phi, lam)
    assert east[0] == pytest.approx(651409.903, abs=0.01) and north[0] == pytest.approx(313177.270, abs=0.01)


def test_an_unknown_crs_is_an_error(imported: dict[str, Path], tmp_path: Path) -> None:
    folder = tmp_path / "camden"
    shutil.copytree(imported["Camden"], folder)
    manifest = folder / "instance.yaml"
    manifest.write_text(manifest.read_text().replace("crs: EPSG:27700", "crs: WGS84"))
    with pytest.raises(InputError, match=r"key 'geography.crs': geography needs crs EPSG:27700"):
        load_instance(folder)


def test_a_single_area_authority_needs_no_adjacency(tmp_path: Path) -> None:
    instance = load_instance(import_authority("Isles of Scilly", tmp_path / "scilly"))
    assert len(instance.areas) == 1 and instance.adjacency == [] and len(instance.boundaries) == 1


def test_providers_without_incumbency_import_as_a_market_with_no_incumbents(tmp_path: Path) -> None:
    path = import_authority("Wiltshire", tmp_path / "w", providers_csv=INSTANCES / "wiltshire" / "providers.csv")
    instance = load_instance(path)
    assert len(instance.providers) == 55 and instance.incumbency.empty
    assert any("no incumbent" in str(w) for w in instance.warnings)
