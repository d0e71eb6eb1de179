"""GIS layers of a design: a synthetic county's marked as its own km, and real places' as RFC 7946
GeoJSON that GDAL reads, a GeoPackage in British National Grid and an area → lot table that joins
one to one by LSOA code. The real places are twelve neighbouring LSOAs of Barking and Dagenham with
their ONS boundaries, standing in for the tiny county's areas."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import shape

from solver.design.config import DesignConfig
from solver.design.result import read_design
from solver.instance import load_instance
from solver.instance.geometry import GRID_CRS, LOCAL_CRS, km_to_lonlat, lonlat_to_km
from solver.instance.grid import british_national_grid_km, grid_km_to_lonlat
from solver.report import write_outputs
from solver.reports.geojson import GRID_NOTE, WGS84, geography
from solver.run import given

from .conftest import INSTANCES, ROOT

CURRENT = ROOT / "docs" / "examples" / "tiny-current.json"
LSOA = ROOT.parent / "shared" / "reference" / "england-lsoa"
ENGLAND = ((-6.5, 2.0), (49.8, 55.9))  # lon, lat
DISTRICT = "Barking and Dagenham"  # its LSOAs come early in the boundary file, so only its head is read


def written_design(instance, out: Path) -> None:
    """The tiny county's current design, scored and written as `tender design` writes it."""
    run = given(instance, read_design(CURRENT, instance), CURRENT, DesignConfig())
    write_outputs(instance, run.design, out)


def rings(collection: dict):
    """Every ring of every feature as (positions, is the outer ring)."""
    for feature in collection["features"]:
        geometry = feature["geometry"]
        assert geometry["type"] in ("Polygon", "MultiPolygon")
        for polygon in [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]:
            for i, ring in enumerate(polygon):
                yield np.asarray(ring, dtype=float), i == 0


def assert_oriented(collection: dict) -> None:
    for ring, outer in rings(collection):
        assert len(ring) >= 4 and (ring[0] == ring[-1]).all()
        assert shapely.is_ccw(shapely.LinearRing(ring)) == outer  # RFC 7946 §3.1.6


def assert_rfc7946(collection: dict) -> None:
    """Strict RFC 7946: no crs member, features with properties, [lon, lat] positions in England, right-hand rings."""
    assert collection["type"] == "FeatureCollection" and "crs" not in collection
    assert all(f["type"] == "Feature" and isinstance(f["properties"], dict) for f in collection["features"])
    (lon_min, lon_max), (lat_min, lat_max) = ENGLAND
    for ring, _ in rings(collection):
        assert ring.shape[1] == 2
        assert (lon_min < ring[:, 0]).all() and (ring[:, 0] < lon_max).all()
        assert (lat_min < ring[:, 1]).all() and (ring[:, 1] < lat_max).all()
    assert_oriented(collection)


def read(path: Path) -> dict:
    return json.loads(path.read_text())


def same_shape(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    """Equal but for coordinates rounded to 6 decimals: they differ by at most a band that wide along the edge."""
    return a.symmetric_difference(b).area <= 1e-6 * b.length


# A synthetic county


@pytest.fixture(scope="module")
def tiny():
    return load_instance(INSTANCES / "tiny")


@pytest.fixture(scope="module")
def tiny_out(tiny, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("tiny")
    written_design(tiny, out)
    return out


def test_synthetic_layers_say_they_are_local_km(tiny, tiny_out: Path) -> None:
    assert not list(tiny_out.glob("*.gpkg")) and not (tiny_out / "lots.geojson").exists()
    for kind in ("areas", "lots"):
        collection = read(tiny_out / f"{kind}-local-km.geojson")
        assert collection["coordinate_system"] == LOCAL_CRS and "not WGS84" in collection["coordinates_note"]
        assert all("not WGS84" in f["properties"]["coordinates_note"] for f in collection["features"])
        assert_oriented(collection)
    cells = read(tiny_out / "areas-local-km.geojson")["features"]
    assert [f["properties"]["area_id"] for f in cells] == tiny.area_ids
    for f in cells:  # the instance's km, untransformed
        assert shape(f["geometry"]).covers(shapely.Point(f["properties"]["x_km"], f["properties"]["y_km"]))


def test_area_table_names_every_area_once_with_its_lot(tiny, tiny_out: Path) -> None:
    table = pd.read_csv(tiny_out / "areas.csv")
    lot_of = read_design(CURRENT, tiny).lot_of_area()
    assert list(table["area_id"]) == tiny.area_ids and list(table["lot"]) == [lot_of[a] for a in tiny.area_ids]
    assert {"clients", "care_hours_per_week", "rurality", "x_km", "y_km"} <= set(table.columns)


def test_grid_inverse_returns_the_points_projected() -> None:
    rng = np.random.default_rng(1)
    lon, lat = rng.uniform(*ENGLAND[0], 500), rng.uniform(*ENGLAND[1], 500)
    back = grid_km_to_lonlat(np.column_stack(british_national_grid_km(lat, lon)))
    assert np.abs(back - np.column_stack([lon, lat])).max() < 1e-9


def test_equirectangular_inverse_returns_the_points_projected() -> None:
    rng = np.random.default_rng(2)
    lon, lat = rng.uniform(*ENGLAND[0], 500), rng.uniform(*ENGLAND[1], 500)
    back_lat, back_lon = km_to_lonlat(*lonlat_to_km(lat, lon), float(np.mean(lat)))
    assert np.abs(back_lat - lat).max() < 1e-9 and np.abs(back_lon - lon).max() < 1e-9


# Real places


@pytest.fixture(scope="module")
def places(tmp_path_factory) -> tuple:
    """The tiny county with its areas moved onto twelve neighbouring LSOAs (lot by lot from west to east),
    as an imported instance carries them: British National Grid km, LSOA codes, lon/lat and boundaries;
    its design written; and the codes of every LSOA of the district read."""
    _, _, wkb, (codes,) = pyogrio.raw.read(f"/vsigzip/{LSOA}/boundaries/lsoa2011_bsc.geojson.gz",
                                           max_features=200, columns=["LSOA11CD"])
    table = pd.read_csv(LSOA / "lsoa2011_england.csv", index_col="lsoa11_code").loc[codes]
    table = table[table["lad19_name"] == DISTRICT]
    x, y = british_national_grid_km(table["lat"].to_numpy(), table["lng"].to_numpy())
    nearest = np.argsort(np.hypot(x - x.min(), y - y[x.argmin()]))[:12]
    picked = table.iloc[nearest].assign(x_km=x[nearest], y_km=y[nearest]).sort_values("x_km")

    folder = tmp_path_factory.mktemp("places") / "tiny"
    shutil.copytree(INSTANCES / "tiny", folder, ignore=shutil.ignore_patterns("README.md", "adjacency.csv"))
    manifest = folder / "instance.yaml"
    manifest.write_text(manifest.read_text().replace("  adjacency: adjacency.csv\n", ""))
    areas = pd.read_csv(folder / "areas.csv").set_index("area_id")
    order = [a for lot in json.loads(CURRENT.read_text())["lots"] for a in sorted(lot["areas"])]
    areas.loc[order, ["x_km", "y_km"]] = picked[["x_km", "y_km"]].to_numpy()
    areas.loc[order, "lon"] = picked["lng"].to_numpy()
    areas.loc[order, "lat"] = picked["lat"].to_numpy()
    areas.reset_index().to_csv(folder / "areas.csv", index=False)

    instance = load_instance(folder)
    code = dict(zip(order, picked.index))
    boundary = dict(zip(codes, shapely.from_wkb(wkb)))
    instance.areas["lsoa11_code"] = instance.areas.index.map(code)
    instance.crs = GRID_CRS
    instance.boundaries = {a: boundary[code[a]] for a in instance.area_ids}
    out = folder.parent / "out"
    written_design(instance, out)
    return instance, out, list(table.index)


def test_real_layers_are_rfc7946_and_gdal_reads_them_as_wgs84(places) -> None:
    instance, out, _ = places
    assert not list(out.glob("*local-km*"))
    for kind, count in (("areas", len(instance.areas)), ("lots", 3)):
        collection = read(out / f"{kind}.geojson")
        assert_rfc7946(collection)
        assert collection["coordinate_system"] == WGS84 and len(collection["features"]) == count
        info = pyogrio.read_info(out / f"{kind}.geojson")
        assert info["crs"] == "EPSG:4326" and info["features"] == count
        _, _, wkb, _ = pyogrio.raw.read(out / f"{kind}.geojson")
        assert all(shapely.equals_exact(a, shape(f["geometry"]), 1e-9)
                   for a, f in zip(shapely.from_wkb(wkb), collection["features"]))


def test_areas_are_their_boundaries_and_lots_dissolve_them(places) -> None:
    instance, out, _ = places
    areas = {f["properties"]["area_id"]: shape(f["geometry"]) for f in read(out / "areas.geojson")["features"]}
    for area_id, boundary in instance.boundaries.items():
        assert same_shape(areas[area_id], boundary)
    design = read_design(out / "design.json", instance)
    lots = read(out / "lots.geojson")["features"]
    assert [f["properties"]["lot"] for f in lots] == [lot.lot for lot in design.lots]
    assert all(f["properties"]["areas"] == 4 and f["properties"]["providers"] for f in lots)
    everywhere = shapely.union_all(list(areas.values()))
    dissolved = shapely.union_all([shape(f["geometry"]) for f in lots])
    assert same_shape(dissolved, everywhere)
    for f, lot in zip(lots, design.lots):
        members = shapely.union_all([areas[a] for a in lot.areas])
        assert same_shape(shape(f["geometry"]), members)


def test_area_table_joins_one_to_one_by_lsoa_code(places) -> None:
    instance, out, district = places
    table = pd.read_csv(out / "areas.csv")
    layer = pd.DataFrame({"lsoa11_code": district})  # the district's LSOA layer, by its key
    joined = table.merge(layer, on="lsoa11_code", how="left", validate="one_to_one", indicator=True)
    assert (joined["_merge"] == "both").all() and len(joined) == len(instance.areas)
    lot_of = read_design(out / "design.json", instance).lot_of_area()
    assert list(table["lot"]) == [lot_of[a] for a in table["area_id"]]
    assert {"lon", "lat", "x_km", "y_km", "clients", "care_hours_per_week"} <= set(table.columns)
    assert table[["clients", "care_hours_per_week", "lon", "lat"]].notna().all().all()


def test_geopackage_is_in_british_national_grid_metres(places) -> None:
    instance, out, _ = places
    assert [name for name, _ in pyogrio.list_layers(out / "lots.gpkg")] == ["areas", "lots"]
    for layer, count in (("areas", len(instance.areas)), ("lots", 3)):
        info = pyogrio.read_info(out / "lots.gpkg", layer=layer)
        assert info["crs"] == GRID_CRS and info["features"] == count
    _, _, wkb, (ids, notes) = pyogrio.raw.read(out / "lots.gpkg", layer="areas",
                                               columns=["area_id", "coordinates_note"])
    points = instance.areas.loc[ids, ["x_km", "y_km"]].to_numpy() * 1000
    assert all(area.contains(shapely.Point(*p)) for area, p in zip(shapely.from_wkb(wkb), points))
    assert all("British National Grid metres" in note for note in notes)


def test_without_boundaries_grid_cells_are_converted_to_wgs84(places) -> None:
    instance = copy.copy(places[0])
    instance.boundaries = None
    geo = geography(instance)
    assert geo.system == WGS84 and geo.note == GRID_NOTE and geo.grid
    for area_id, row in instance.areas.iterrows():
        assert geo.written[area_id].contains(shapely.Point(row["lon"], row["lat"]))
    corners = shapely.get_coordinates(list(geo.written.values()))
    assert ((ENGLAND[0][0] < corners[:, 0]) & (corners[:, 0] < ENGLAND[0][1])).all()
