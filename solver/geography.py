"""England's LSOA boundaries, packed small: `data/lsoa2011_boundaries.npz`.

ONS's super-generalised clipped boundaries (WGS84 lon/lat) with every coordinate on a grid of 1e-5
degree (about a metre, finer than the generalisation), so that a border two areas share is still
made of the same vertices in both. Each ring is stored as its first vertex and the steps from one
vertex to the next (int16; the closing vertex is implied). `solver/data/build.py` writes the file.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from importlib.resources import as_file, files

import numpy as np
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from .instance.geometry import BOUNDARY_DECIMALS

BOUNDARIES_FILE = "lsoa2011_boundaries.npz"
SCALE = 10 ** BOUNDARY_DECIMALS  # grid points per degree


def lsoa_number(code: str) -> int:
    """E01000001 -> 1: the packed files store LSOA codes as numbers."""
    return int(code[3:])


def lsoa_code(number: int) -> str:
    """1 -> E01000001: the inverse of `lsoa_number`."""
    return f"E01{int(number):06d}"


def pack_boundaries(codes: list[str], shapes: list[BaseGeometry]) -> dict[str, np.ndarray]:
    """The arrays of the packed file, for LSOAs `codes` (sorted) and their lon/lat polygons."""
    rings_per_area, holes, lengths, firsts, steps = [], [], [], [], []
    for shape in shapes:
        polygons = shape.geoms if isinstance(shape, MultiPolygon) else [shape]
        rings = [(ring, hole) for p in polygons for ring, hole in
                 [(p.exterior, False), *((interior, True) for interior in p.interiors)]]
        rings_per_area.append(len(rings))
        for ring, hole in rings:
            grid = np.round(np.asarray(ring.coords)[:-1] * SCALE).astype(np.int64)
            holes.append(hole)
            lengths.append(len(grid))
            firsts.append(grid[0])
            steps.append(np.diff(grid, axis=0))
    step = np.concatenate(steps)
    if np.abs(step).max() > np.iinfo(np.int16).max:
        raise ValueError("a boundary step is too long for int16: store steps as int32")
    return {"lsoa": np.array([lsoa_number(c) for c in codes], dtype=np.int32),
            "rings_per_area": np.array(rings_per_area, dtype=np.uint16), "hole": np.array(holes, dtype=bool),
            "ring_length": np.array(lengths, dtype=np.uint16), "first": np.array(firsts, dtype=np.int32),
            "step": step.astype(np.int16)}


@lru_cache(maxsize=1)
def _packed() -> dict[str, np.ndarray]:
    with as_file(files("solver") / "data" / BOUNDARIES_FILE) as path, np.load(path) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["first_ring"] = np.concatenate([[0], np.cumsum(arrays["rings_per_area"], dtype=np.int64)])
    arrays["first_step"] = np.concatenate([[0], np.cumsum(arrays["ring_length"].astype(np.int64) - 1)])
    return arrays


def lsoa_boundaries(codes: Iterable[str]) -> dict[str, BaseGeometry]:
    """The packaged boundary (Polygon or MultiPolygon, lon/lat) of each LSOA code; KeyError for an unknown one."""
    packed = _packed()
    shapes = {}
    for code in codes:
        position = int(np.searchsorted(packed["lsoa"], lsoa_number(code)))
        if position == len(packed["lsoa"]) or packed["lsoa"][position] != lsoa_number(code):
            raise KeyError(code)
        polygons: list[tuple[np.ndarray, list[np.ndarray]]] = []
        for ring in range(packed["first_ring"][position], packed["first_ring"][position + 1]):
            start = packed["first_step"][ring]
            steps = packed["step"][start:start + int(packed["ring_length"][ring]) - 1].astype(np.int64)
            coords = np.vstack([packed["first"][ring], packed["first"][ring] + np.cumsum(steps, axis=0)]) / SCALE
            if packed["hole"][ring]:
                polygons[-1][1].append(coords)
            else:
                polygons.append((coords, []))
        parts = [Polygon(shell, holes) for shell, holes in polygons]
        shapes[code] = parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return shapes
