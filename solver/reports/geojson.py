"""Maps and GIS layers of a design: each area's shape, each lot's (the dissolve of its areas'), and an
area → lot table that joins to any small-area layer by area_id or LSOA code.

Which shapes, and in which coordinates, depends on what the instance knows of its places:

- an imported authority (`crs` EPSG:27700: x_km, y_km are British National Grid km) with boundaries:
  the true boundaries;
- an imported authority without boundaries: Voronoi cells built in British National Grid km;
- areas given as lat/lon: Voronoi cells in the km the loader projected them to;
- anything else, a synthetic county: Voronoi cells in km of no real place.

The first three are written as RFC 7946 GeoJSON in WGS84 longitude/latitude, and the two British
National Grid ones also as a GeoPackage in EPSG:27700. RFC 7946 cannot name any other coordinate system,
and GDAL (so QGIS) reads every GeoJSON as WGS84, so a synthetic county's files are named
`*-local-km.geojson` and carry the instance's km with a `coordinate_system` member ("local-km") and a
note on every feature saying they are no real place. Outer rings are counter-clockwise, holes clockwise.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import MultiPoint, mapping
from shapely.geometry.base import BaseGeometry

from ..design.result import Design
from ..instance import Instance
from ..instance.geometry import GRID_CRS, LOCAL_CRS, km_to_lonlat, lonlat_to_km, tidy
from ..instance.grid import grid_km_to_lonlat, lonlat_to_grid_km

WGS84 = "WGS84"
SHAPE_METHOD = ("areas are points, so each is drawn as its Voronoi cell, clipped to the points' convex hull "
                "widened by half the median neighbour spacing; a lot is the union of its areas' cells")
BOUNDARY_METHOD = "each area is drawn as its own boundary; a lot is the union of its areas' boundaries"
KM_NOTE = ("coordinates are the instance's own km (x_km, y_km), not WGS84 longitude/latitude nor any national "
           "grid: the areas are no real place; load with an unknown or engineering CRS")
WGS84_NOTE = "coordinates are WGS84 longitude/latitude (RFC 7946)"
GRID_NOTE = WGS84_NOTE + ", converted from the instance's British National Grid km"
LONLAT_NOTE = WGS84_NOTE + ", converted back from the instance's lat/lon"
GRID_METRES_NOTE = "coordinates are British National Grid metres (EPSG:27700)"
AREA_COLUMNS = ("area_id", "lsoa11_code", "name", "lot", "rurality", "clients", "care_hours_per_week",
                "x_km", "y_km", "lon", "lat")
DECIMALS = {WGS84: 6, LOCAL_CRS: 4}  # about 0.1 m either way
# three reach 1e-13 degrees anywhere in Great Britain; a fixed count, so that a corner shared by two
# shapes lands on the same lon/lat in both


@dataclass(frozen=True)
class Geography:
    """An instance's area shapes, in its km (for maps and the GeoPackage) and as its GeoJSON is written."""

    km: dict[str, BaseGeometry]
    written: dict[str, BaseGeometry]
    system: str  # WGS84, or LOCAL_CRS when the km are of no real place
    note: str
    method: str
    grid: bool  # the km are British National Grid

    @property
    def suffix(self) -> str:
        return "-local-km" if self.system == LOCAL_CRS else ""


def geography(instance: Instance) -> Geography:
    """The area shapes of `instance` and the coordinates they are written in (see the module's docstring)."""
    ids = instance.area_ids
    grid = instance.crs == GRID_CRS
    boundaries = instance.boundaries
    if grid and boundaries is not None:
        written = [boundaries[a] for a in ids]
        km = shapely.transform(written, lonlat_to_grid_km)
        return Geography(dict(zip(ids, km)), dict(zip(ids, written)), WGS84, WGS84_NOTE, BOUNDARY_METHOD, grid)
    cells = area_cells(instance)
    to_lonlat, note = (grid_km_to_lonlat, GRID_NOTE) if grid else (_wgs84_inverse(instance), LONLAT_NOTE)
    if to_lonlat is None:
        return Geography(cells, cells, LOCAL_CRS, KM_NOTE, SHAPE_METHOD, False)
    written = shapely.transform([cells[a] for a in ids], to_lonlat)
    return Geography(cells, dict(zip(ids, written)), WGS84, note, SHAPE_METHOD, grid)


def area_cells(instance: Instance) -> dict[str, BaseGeometry]:
    """Each area's Voronoi cell, in km."""
    xy = instance.areas[["x_km", "y_km"]].to_numpy()
    position = {a: i for i, a in enumerate(instance.area_ids)}
    spacing = [math.dist(xy[position[a]], xy[position[b]]) for a, b in instance.adjacency]
    region = MultiPoint(xy).convex_hull.buffer(0.5 * float(np.median(spacing)) if spacing else 1.0)
    if len(xy) == 1:
        return {instance.area_ids[0]: region}
    cells = shapely.voronoi_polygons(MultiPoint(xy), extend_to=region, ordered=True).geoms
    return {a: cell.intersection(region) for a, cell in zip(instance.area_ids, cells)}


def lot_shapes(design: Design, shapes: dict[str, BaseGeometry]) -> dict[str, BaseGeometry]:
    """Each lot's shape: the union of its areas' shapes."""
    return {lot.lot: shapely.union_all([shapes[a] for a in lot.areas]) for lot in design.lots}


def area_lots(instance: Instance, design: Design) -> pd.DataFrame:
    """One row per area: its keys (area_id, and lsoa11_code when known), lot, rurality, clients, hours and
    point (x_km, y_km, and lon, lat when known)."""
    lot_of = design.lot_of_area()
    areas = instance.areas.assign(lot=[lot_of[a] for a in instance.area_ids])
    return areas[[c for c in AREA_COLUMNS if c in areas.columns]].reset_index(drop=True)


def areas_geojson(instance: Instance, name: str, design: Design, geo: Geography | None = None) -> dict:
    """A FeatureCollection with one feature per area, its row of `area_lots` as properties."""
    geo = geo or geography(instance)
    return _collection(f"{instance.name} {name} areas", _area_rows(instance, name, design),
                       [geo.written[a] for a in instance.area_ids], geo)


def lots_geojson(instance: Instance, name: str, design: Design, lots: pd.DataFrame,
                 geo: Geography | None = None) -> dict:
    """A FeatureCollection with one feature per lot; `lots` (the evaluated lot table, by lot) gives
    the properties."""
    geo = geo or geography(instance)
    return _collection(f"{instance.name} {name} lots", _lot_rows(name, design, lots),
                       list(lot_shapes(design, geo.written).values()), geo)


def write_gis(instance: Instance, name: str, design: Design, lots: pd.DataFrame, folder: Path,
              prefix: str = "", geo: Geography | None = None) -> list[Path]:
    """Write the files `gis_files` names to `folder`, each name starting with `prefix`; returns them."""
    geo = geo or geography(instance)
    written = [folder / f"{prefix}areas.csv"]
    area_lots(instance, design).to_csv(written[0], index=False)
    for kind, collection in (("areas", areas_geojson(instance, name, design, geo)),
                             ("lots", lots_geojson(instance, name, design, lots, geo))):
        written.append(folder / f"{prefix}{kind}{geo.suffix}.geojson")
        written[-1].write_text(json.dumps(collection, allow_nan=False) + "\n")
    if geo.grid:
        written.append(folder / f"{prefix}lots.gpkg")
        _write_geopackage(written[-1], geo.method, {
            "areas": (_area_rows(instance, name, design), [geo.km[a] for a in instance.area_ids]),
            "lots": (_lot_rows(name, design, lots), list(lot_shapes(design, geo.km).values()))})
    return written


def gis_files(geo: Geography, prefix: str) -> str:
    """The files `write_gis` writes, and their coordinates, in a sentence for a report."""
    where = ("WGS84 longitude/latitude (RFC 7946)" if geo.system == WGS84 else
             "the instance's own km, not WGS84 nor any national grid: its areas are no real place, and a GIS "
             "reading GeoJSON as WGS84 puts them near 0°N 0°E")
    sentence = (f"{prefix}areas.csv, area → lot with each area's keys, point, clients and hours, to join to any "
                f"small-area layer; {prefix}areas{geo.suffix}.geojson and {prefix}lots{geo.suffix}.geojson, a "
                f"feature per area and per lot in {where} ({geo.method})")
    if geo.grid:
        sentence += f"; {prefix}lots.gpkg, the same two layers in British National Grid metres (EPSG:27700)"
    return sentence


def _area_rows(instance: Instance, name: str, design: Design) -> list[dict[str, Any]]:
    return [{"design": name, **row} for row in area_lots(instance, design).to_dict(orient="records")]


def _lot_rows(name: str, design: Design, lots: pd.DataFrame) -> list[dict[str, Any]]:
    return [{"design": name, "lot": lot.lot, "area_ids": lot.areas, **lots.loc[lot.lot].to_dict()}
            for lot in design.lots]


def _collection(title: str, rows: list[dict[str, Any]], shapes: list[BaseGeometry], geo: Geography) -> dict:
    """A FeatureCollection whose every feature also carries the notes, since a GIS keeps only features."""
    features = [{"type": "Feature",
                 "properties": {**{k: _plain(v) for k, v in row.items()}, "shape_method": geo.method,
                                "coordinates_note": geo.note},
                 "geometry": mapping(tidy(shape, DECIMALS[geo.system]))} for row, shape in zip(rows, shapes)]
    return {"type": "FeatureCollection", "name": title, "coordinate_system": geo.system,
            "coordinates_note": geo.note, "shape_method": geo.method, "features": features}


def _write_geopackage(path: Path, method: str, layers: dict[str, tuple[list[dict], list[BaseGeometry]]]) -> None:
    """Layers of rows and their shapes in British National Grid km, written in its metres; lists as text."""
    path.unlink(missing_ok=True)
    for layer, (rows, shapes_km) in layers.items():
        fields = pd.DataFrame([{**{k: ", ".join(v) if isinstance(v, list) else v for k, v in row.items()},
                                "shape_method": method, "coordinates_note": GRID_METRES_NOTE} for row in rows])
        metres = [tidy(shape, 2) for shape in shapely.transform(shapes_km, lambda c: c * 1000)]
        pyogrio.raw.write(path, shapely.to_wkb(metres), [fields[c].to_numpy() for c in fields], list(fields),
                          layer=layer, driver="GPKG", geometry_type="MultiPolygon", promote_to_multi=True,
                          crs=GRID_CRS)


def _wgs84_inverse(instance: Instance) -> Callable[[np.ndarray], np.ndarray] | None:
    """Km → lon/lat when the instance's km were projected from its lat/lon columns, else None."""
    areas = instance.areas
    if not {"lat", "lon"} <= set(areas.columns):
        return None
    lat, lon = areas["lat"].to_numpy(float), areas["lon"].to_numpy(float)
    x, y = lonlat_to_km(lat, lon)
    if not (np.allclose(x, areas["x_km"]) and np.allclose(y, areas["y_km"])):
        return None  # km given separately: their projection is unknown
    mean_lat = float(np.mean(lat))

    def to_lonlat(coords: np.ndarray) -> np.ndarray:
        lats, lons = km_to_lonlat(coords[:, 0], coords[:, 1], mean_lat)
        return np.column_stack([lons, lats])
    return to_lonlat


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python numbers, missing values to null."""
    if isinstance(value, list):
        return value
    if pd.isna(value):
        return None
    return value.item() if isinstance(value, np.generic) else value
