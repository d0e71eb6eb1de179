"""Each design's lots as an SVG map that needs nothing beyond itself: every area a path filled in its
lot's colour, with a tooltip (its lot, hours, clients, the lot's providers and travel), lot outlines
drawn thicker over them, and the awarded providers' bases as dots.

Shapes come in km (x east, y north) and are drawn in SVG units, `WIDTH` across with y flipped,
simplified as a coverage (neighbours keep their shared edges) to about half a unit and snapped to a
tenth of one, so a county of a thousand real boundaries stays a few hundred kilobytes."""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from matplotlib.colors import to_hex
from shapely.geometry.base import BaseGeometry

from ..design.result import Design
from ..instance import Instance
from .figures import lot_colours

WIDTH = 1000.0  # SVG units across the map
SIMPLIFY = 0.5  # SVG units: about half a pixel at the width the report shows a map
GRID = 0.1  # SVG units coordinates are snapped to


@dataclass(frozen=True)
class Canvas:
    """The areas' shapes in SVG units (y down), ready to draw, and the size of the map."""

    shapes: dict[str, BaseGeometry]
    width: float
    height: float


def canvas(shapes_km: dict[str, BaseGeometry]) -> Canvas:
    """`shapes_km` (area → shape in km) scaled so the longer side is `WIDTH`, y flipped, simplified
    and snapped."""
    ids = list(shapes_km)
    shapes = np.array([shapes_km[a] for a in ids], dtype=object)
    west, south, east, north = shapely.total_bounds(shapes)
    scale = WIDTH / max(east - west, north - south, 1e-9)
    drawn = shapely.transform(shapes, lambda c: np.column_stack([(c[:, 0] - west) * scale, (north - c[:, 1]) * scale]))
    drawn = shapely.set_precision(shapely.coverage_simplify(drawn, SIMPLIFY), GRID)
    return Canvas(dict(zip(ids, drawn)), round((east - west) * scale, 1), round((north - south) * scale, 1))


def lot_map(instance: Instance, name: str, design: Design, lots: pd.DataFrame, drawing: Canvas) -> str:
    """The design's lots as an SVG document; `lots` is the evaluated lot table (by lot)."""
    areas = instance.areas
    colours = [to_hex(c) for c in lot_colours(len(design.lots))]
    area_paths, lot_paths, labels = [], [], []
    for lot, colour in zip(design.lots, colours):
        facts = lots.loc[lot.lot]
        about_lot = (f"lot {lot.lot}, {facts['hours_per_week']:,.0f} h/wk: {facts['providers'] or 'no provider'}\n"
                     f"travel {facts['travel_minutes_per_contact_hour']:.1f} min per contact hour in the lot")
        for a in lot.areas:
            tip = (f"{areas.at[a, 'name']} ({a}), {areas.at[a, 'rurality']}: {areas.at[a, 'care_hours_per_week']:,.0f} "
                   f"h/wk, {areas.at[a, 'clients']} clients\n{about_lot}")
            area_paths.append(f'<path fill="{colour}" d="{_path(drawing.shapes[a])}"><title>{html.escape(tip)}</title></path>')
        outline = shapely.union_all([drawing.shapes[a] for a in lot.areas], grid_size=GRID)
        lot_paths.append(f'<path class="lot" data-lot="{html.escape(lot.lot)}" d="{_path(outline)}"/>')
        label = outline.representative_point()
        labels.append(f'<text x="{label.x:.0f}" y="{label.y:.0f}">{html.escape(lot.lot)}</text>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="map" '
            f'viewBox="-4 -4 {drawing.width + 8:g} {drawing.height + 8:g}" role="img" '
            f'aria-label="{html.escape(name)}: {len(design.lots)} lots of {html.escape(instance.name)}">'
            f'<g class="areas" fill-rule="evenodd" fill-opacity="0.6" stroke="#fff" stroke-width="0.5">'
            f'{"".join(area_paths)}</g>'
            f'<g class="lots" fill="none" stroke="#222" stroke-width="3.5" stroke-linejoin="round" '
            f'pointer-events="none">{"".join(lot_paths)}</g>'
            f'<g class="bases">{_bases(instance, design, drawing)}</g>'
            f'<g class="labels" font-family="sans-serif" font-size="22" font-weight="bold" text-anchor="middle" '
            f'dominant-baseline="middle" paint-order="stroke" stroke="#fff" stroke-width="5" '
            f'pointer-events="none">{"".join(labels)}</g></svg>')


def _bases(instance: Instance, design: Design, drawing: Canvas) -> str:
    """A dot in each awarded provider's base area, its tooltip the provider and its lots."""
    held: dict[str, list[str]] = {}
    for award in design.awards:
        held.setdefault(award.provider, []).append(award.lot)
    dots = []
    for provider, lots in sorted(held.items()):
        row = instance.providers.loc[provider]
        point = drawing.shapes[row["base_area_id"]].representative_point()
        tip = f"{provider} {row['name']}: based in {row['base_area_id']}, awarded {', '.join(lots)}"
        dots.append(f'<circle cx="{point.x:.1f}" cy="{point.y:.1f}" r="4"><title>{html.escape(tip)}</title></circle>')
    return "".join(dots)


def _path(shape: BaseGeometry) -> str:
    """SVG path data: each ring a closed subpath (drawn with the even-odd rule, so holes stay holes)."""
    rings = []
    for polygon in shapely.get_parts(shape):
        if polygon.geom_type != "Polygon" or polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            rings.append("M" + " ".join(f"{x:g},{y:g}" for x, y in np.asarray(ring.coords)[:-1]) + "Z")
    return "".join(rings)
