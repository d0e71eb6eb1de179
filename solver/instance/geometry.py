"""Coordinates and adjacency: derived from area points (synthetic instances) or from area boundaries."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely
from scipy.spatial import Delaunay, QhullError
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

EARTH_RADIUS_KM = 6371.0088
GRID_CRS = "EPSG:27700"  # x_km, y_km are British National Grid easting and northing / 1000
LOCAL_CRS = "local-km"  # x_km, y_km are kilometres of no named grid (or projected from lat/lon)
BOUNDARY_DECIMALS = 5  # lon/lat of boundaries, to 1e-5 degree: about a metre


def lonlat_to_km(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equirectangular projection about the points' mean latitude.

    Within a county (under 100 km across) distances are off by well under 1%: ample for travel
    estimates. Supply projected x_km/y_km where metre accuracy matters.
    """
    lat0 = math.radians(float(np.mean(lat)))
    x = EARTH_RADIUS_KM * np.radians(lon) * math.cos(lat0)
    y = EARTH_RADIUS_KM * np.radians(lat)
    return x, y


def km_to_lonlat(x: np.ndarray, y: np.ndarray, mean_lat: float) -> tuple[np.ndarray, np.ndarray]:
    """The inverse of `lonlat_to_km` for points whose mean latitude is `mean_lat` degrees: (lat, lon)."""
    return np.degrees(y / EARTH_RADIUS_KM), np.degrees(x / (EARTH_RADIUS_KM * math.cos(math.radians(mean_lat))))


def delaunay_adjacency(ids: list[str], xy: np.ndarray, prune_factor: float = 2.5) -> tuple[
        list[tuple[str, str]], str]:
    """Adjacency from a Delaunay triangulation of the area points.

    An edge is dropped when it is longer than `prune_factor` times the larger of its two ends'
    nearest-neighbour distances (such edges cross empty land or water at the hull; measuring against
    local spacing keeps the long but genuine links between sparse rural areas). If that disconnects
    the graph, the shortest dropped edges are put back to reattach each piece. Returns the pairs and
    a sentence saying what was done.
    """
    n = len(ids)
    if n == 1:
        return [], "single area, no adjacency"
    if n <= 3:
        edges = {(i, j) for i in range(n) for j in range(i + 1, n)}
    else:
        try:
            simplices = Delaunay(xy).simplices
        except QhullError:
            simplices = Delaunay(xy, qhull_options="QJ").simplices  # collinear or repeated points
        edges = {tuple(sorted((int(a), int(b)))) for s in simplices for a, b in ((s[0], s[1]), (s[1], s[2]), (s[0], s[2]))}
    length = {e: float(np.hypot(*(xy[e[0]] - xy[e[1]]))) for e in edges}
    spacing = np.full(n, np.inf)
    for (a, b), d in length.items():
        spacing[a], spacing[b] = min(spacing[a], d), min(spacing[b], d)
    too_long = {e for e in edges if length[e] > prune_factor * max(spacing[e[0]], spacing[e[1]])}
    kept = [e for e in edges if e not in too_long]
    graph = nx.Graph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(kept)
    reattached = 0
    for edge in sorted(too_long, key=lambda e: (length[e], e)):
        if not nx.has_path(graph, *edge):
            graph.add_edge(*edge)
            reattached += 1
    pairs = sorted((ids[a], ids[b]) for a, b in graph.edges)
    note = (f"derived from a Delaunay triangulation of the {n} area points: {len(edges)} edges, "
            f"{len(too_long)} longer than {prune_factor:g} times the local spacing pruned"
            + (f", {reattached} of them put back to keep the areas connected" if reattached else ""))
    return pairs, note


@dataclass(frozen=True)
class Borders:
    """Adjacency from area boundaries: the pairs sharing a stretch of border, and what else was done."""

    pairs: list[tuple[str, str]]
    corners: list[tuple[str, str]]
    """Pairs touching only at a point: not neighbours, since a lot joined at a point is not contiguous."""
    joins: list[tuple[str, str, float, int]]
    """(area, nearest area outside its piece, gap in km, areas in the piece) for each separate piece joined."""

    def note(self, names: Mapping[str, str] | None = None) -> str:
        """What was done, in a sentence; the areas joined are followed by their `names` when given."""
        def named(area: str) -> str:
            return f"{area} ({names[area]})" if names else area

        text = f"{len(self.pairs)} pairs of areas sharing a border (rook adjacency of the area boundaries)"
        if self.corners:
            text += f"; {len(self.corners)} pairs touching only at a corner are not neighbours"
        if self.joins:
            text += (f"; {len(self.joins)} separate piece(s) (an island, or areas facing each other across water, "
                     "the boundaries being clipped to the coast) joined to the nearest area outside: "
                     + ", ".join(f"{named(a)}-{named(b)} ({'at a corner' if gap == 0 else f'{gap:.2f} km apart'}, "
                                 f"a piece of {size} area{'s' if size > 1 else ''})" for a, b, gap, size in self.joins))
        return text


def border_adjacency(ids: list[str], shapes: list[BaseGeometry]) -> Borders:
    """Areas are neighbours when their boundaries (in projected km) share a line, not only a point.

    When that leaves the areas in separate pieces, the smallest piece is joined to the area nearest
    to it in any other piece (a corner it touches is at distance 0), until all are one.
    """
    geometries = np.array(shapes, dtype=object)
    a, b = shapely.STRtree(geometries).query(geometries, predicate="intersects")
    a, b = a[a < b], b[a < b]
    shared = shapely.length(shapely.intersection(shapely.boundary(geometries[a]), shapely.boundary(geometries[b])))
    pairs = _named(ids, a[shared > 0], b[shared > 0])
    corners = _named(ids, a[shared == 0], b[shared == 0])
    graph = nx.Graph()
    graph.add_nodes_from(range(len(ids)))
    graph.add_edges_from(zip(a[shared > 0], b[shared > 0]))
    joins = []
    while not nx.is_connected(graph):
        piece = sorted(min(nx.connected_components(graph), key=lambda c: (len(c), min(c))))
        others = np.array(sorted(set(graph) - set(piece)))
        inside, outside = shapely.STRtree(geometries[others]).query_nearest(geometries[piece], all_matches=False)
        gaps = shapely.distance(geometries[np.array(piece)[inside]], geometries[others[outside]])
        best = int(np.argmin(gaps))
        i, j = piece[inside[best]], int(others[outside[best]])
        graph.add_edge(i, j)
        joins.append((ids[i], ids[j], round(float(gaps[best]), 3), len(piece)))
    return Borders(sorted(pairs + [_pair(i, j) for i, j, _, _ in joins]), corners, joins)


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _named(ids: list[str], a: np.ndarray, b: np.ndarray) -> list[tuple[str, str]]:
    return sorted(_pair(ids[i], ids[j]) for i, j in zip(a, b))


def tidy(shape: BaseGeometry, decimals: int) -> BaseGeometry:
    """Coordinates rounded to `decimals`, outer rings counter-clockwise and holes clockwise (RFC 7946)."""
    return shapely.orient_polygons(shapely.transform(shape, lambda c: np.round(c, decimals)))


def boundaries_geojson(properties: list[dict[str, str]], shapes: list[BaseGeometry]) -> str:
    """RFC 7946 text of lon/lat shapes: a Feature per shape (one per line), tidied to BOUNDARY_DECIMALS."""
    features = [json.dumps({"type": "Feature", "properties": p, "geometry": mapping(tidy(shape, BOUNDARY_DECIMALS))},
                           separators=(",", ":"))
                for p, shape in zip(properties, shapes)]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(features) + "\n]}\n"
