"""Coordinates and derived adjacency."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
from scipy.spatial import Delaunay, QhullError

EARTH_RADIUS_KM = 6371.0088


def lonlat_to_km(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equirectangular projection about the points' mean latitude.

    Within a county (under 100 km across) distances are off by well under 1%: ample for travel
    estimates. Supply projected x_km/y_km where metre accuracy matters.
    """
    lat0 = math.radians(float(np.mean(lat)))
    x = EARTH_RADIUS_KM * np.radians(lon) * math.cos(lat0)
    y = EARTH_RADIUS_KM * np.radians(lat)
    return x, y


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
