"""Lot shapes for maps and GIS. An instance gives each area only a point, so an area's shape is its
Voronoi cell, clipped to the convex hull of all the points widened by half the median neighbour
spacing (so an area on the edge gets a cell around its point, not one ending at it); a lot is the
union of its areas' cells. Coordinates stay the instance's projected km unless the areas came as
lat/lon, when they are converted back to WGS84."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPoint, mapping
from shapely.geometry.base import BaseGeometry

from ..design.result import Design
from ..instance import Instance
from ..instance.geometry import EARTH_RADIUS_KM, lonlat_to_km

SHAPE_METHOD = ("Voronoi cells of the area points, clipped to their convex hull buffered by half the median "
                "neighbour spacing; a lot is the union of its areas' cells (areas are points in the instance)")
KM_NOTE = ("coordinates are projected km (the instance's x_km, y_km), not WGS84 longitude/latitude; "
           "load with a projected or unknown CRS")
WGS84_NOTE = "coordinates are WGS84 longitude/latitude, converted back from the instance's lat/lon"


def area_cells(instance: Instance) -> dict[str, BaseGeometry]:
    """Each area's cell, in km."""
    xy = instance.areas[["x_km", "y_km"]].to_numpy()
    position = {a: i for i, a in enumerate(instance.area_ids)}
    spacing = [math.dist(xy[position[a]], xy[position[b]]) for a, b in instance.adjacency]
    region = MultiPoint(xy).convex_hull.buffer(0.5 * float(np.median(spacing)) if spacing else 1.0)
    if len(xy) == 1:
        return {instance.area_ids[0]: region}
    cells = shapely.voronoi_polygons(MultiPoint(xy), extend_to=region, ordered=True).geoms
    return {a: cell.intersection(region) for a, cell in zip(instance.area_ids, cells)}


def lot_shapes(instance: Instance, design: Design, cells: dict[str, BaseGeometry] | None = None
               ) -> dict[str, BaseGeometry]:
    """Each lot's shape, in km: the union of its areas' cells."""
    cells = cells if cells is not None else area_cells(instance)
    return {lot.lot: shapely.union_all([cells[a] for a in lot.areas]) for lot in design.lots}


def lots_geojson(instance: Instance, name: str, design: Design, lots: pd.DataFrame,
                 cells: dict[str, BaseGeometry] | None = None) -> dict:
    """A FeatureCollection with one feature per lot; `lots` (the evaluated lot table, by lot) gives
    the properties."""
    to_lonlat = _wgs84_inverse(instance)
    note = WGS84_NOTE if to_lonlat else KM_NOTE
    features = []
    for lot_id, shape in lot_shapes(instance, design, cells).items():
        shape = shapely.transform(shape, to_lonlat or (lambda c: np.round(c, 4)))
        areas = next(lot.areas for lot in design.lots if lot.lot == lot_id)
        properties = {"design": name, "lot": lot_id, "area_ids": areas,
                      **{k: _plain(v) for k, v in lots.loc[lot_id].items()},
                      "shape_method": SHAPE_METHOD, "coordinates_note": note}
        features.append({"type": "Feature", "properties": properties, "geometry": mapping(shape)})
    return {"type": "FeatureCollection", "name": f"{instance.name} {name} lots", "coordinates_note": note,
            "features": features}


def _wgs84_inverse(instance: Instance):
    """Km → lon/lat when the instance's km were projected from its lat/lon columns, else None."""
    areas = instance.areas
    if not {"lat", "lon"} <= set(areas.columns):
        return None
    lat, lon = areas["lat"].to_numpy(float), areas["lon"].to_numpy(float)
    x, y = lonlat_to_km(lat, lon)
    if not (np.allclose(x, areas["x_km"]) and np.allclose(y, areas["y_km"])):
        return None  # km given separately: their projection is unknown
    cos_lat0 = math.cos(math.radians(float(np.mean(lat))))

    def to_lonlat(coords: np.ndarray) -> np.ndarray:
        return np.round(np.degrees(np.column_stack([coords[:, 0] / (EARTH_RADIUS_KM * cos_lat0),
                                                    coords[:, 1] / EARTH_RADIUS_KM])), 6)
    return to_lonlat


def _plain(value):
    """JSON-ready: numpy scalars to Python numbers."""
    return value.item() if isinstance(value, np.generic) else value
