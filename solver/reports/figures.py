"""PNG figures of a comparison: each design's lot map and per-lot bars, and the cost distributions
across designs. Figures are drawn on bare `Figure`s (the Agg canvas), never through pyplot, so no
display or global backend is involved."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon as Patch
from shapely.geometry.base import BaseGeometry

from ..design.result import Design
from ..instance import Instance
from ..stress import StressResult

URBAN_BASE_TRAVEL_MINUTES = 12.0  # paid travel minutes per contact hour, urban base case (../shared/domain.md §3)
DPI = 110


def lot_map(instance: Instance, name: str, design: Design, shapes: dict[str, BaseGeometry], path: Path) -> Path:
    """Lots as shaded cells, areas as points coloured by lot (triangles rural), awarded providers' bases as stars."""
    figure = Figure(figsize=(7.5, 6.5))
    axes = figure.subplots()
    colours = _colours(len(design.lots))
    areas = instance.areas
    for colour, lot in zip(colours, design.lots):
        for polygon in getattr(shapes[lot.lot], "geoms", [shapes[lot.lot]]):
            axes.add_patch(Patch(np.asarray(polygon.exterior.coords), closed=True, facecolor=colour, alpha=0.25,
                                 edgecolor="0.3", linewidth=0.8))
        members = areas.loc[lot.areas]
        for rural, marker in ((False, "o"), (True, "^")):
            points = members[(members["rurality"] == "rural") == rural]
            axes.scatter(points["x_km"], points["y_km"], s=22, marker=marker, color=colour, edgecolor="0.2",
                         linewidth=0.4, zorder=3)
        label = shapes[lot.lot].representative_point()
        axes.annotate(lot.lot, (label.x, label.y), ha="center", va="center", fontsize=9, weight="bold", zorder=5)
    bases = instance.providers.loc[sorted({a.provider for a in design.awards}), "base_area_id"]
    for provider, base in bases.items():
        x, y = areas.at[base, "x_km"], areas.at[base, "y_km"]
        axes.scatter([x], [y], marker="*", s=160, color="black", zorder=4)
        axes.annotate(provider, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=7, zorder=5)
    axes.legend(handles=[Line2D([], [], marker="o", linestyle="", color="0.5", label="urban or town area"),
                         Line2D([], [], marker="^", linestyle="", color="0.5", label="rural area"),
                         Line2D([], [], marker="*", linestyle="", color="black", markersize=11,
                                label="awarded provider's base")], loc="best", fontsize=8)
    axes.set_aspect("equal")
    axes.autoscale_view()
    axes.set_xlabel("x (km)")
    axes.set_ylabel("y (km)")
    axes.set_title(f"{name}: {len(design.lots)} lots of {instance.name}")
    return _save(figure, path)


def lot_bars(name: str, lots: pd.DataFrame, council_rate: float, path: Path) -> Path:
    """Travel minutes per contact hour and cost per contact hour, one bar per lot (`lots` by lot)."""
    figure = Figure(figsize=(max(6.0, 0.6 * len(lots) + 3), 3.6))
    travel, cost = figure.subplots(1, 2)
    colours = _colours(len(lots))
    labels = [str(lot) for lot in lots.index]
    travel.bar(labels, lots["travel_minutes_per_contact_hour"], color=colours)
    travel.axhline(URBAN_BASE_TRAVEL_MINUTES, color="0.3", linestyle="--", linewidth=1, label="urban base case")
    travel.set_title("travel min per contact hour", fontsize=10)
    travel.legend(fontsize=7)
    cost.bar(labels, lots["cost_per_contact_hour_gbp"], color=colours)
    cost.axhline(council_rate, color="0.3", linestyle="--", linewidth=1, label=f"council rate £{council_rate:.2f}")
    cost.set_title("£ per contact hour (stress mean)", fontsize=10)
    cost.set_ylim(bottom=0.8 * min(council_rate, float(lots["cost_per_contact_hour_gbp"].min())))
    cost.legend(fontsize=7)
    for axes in (travel, cost):
        axes.tick_params(axis="x", labelrotation=90 if len(lots) > 8 else 0, labelsize=8)
    figure.suptitle(name, fontsize=11)
    return _save(figure, path)


def cost_distribution(stress: dict[str, StressResult], path: Path) -> Path:
    """Annual cost over the stress draws per design: box 25-75%, whiskers 5-95%, diamond the mean."""
    names = sorted(stress, key=lambda n: -stress[n].cost_gbp_per_year.mean())  # cheapest on top
    figure = Figure(figsize=(8, 0.55 * len(names) + 1.6))
    axes = figure.subplots()
    data = [stress[n].cost_gbp_per_year / 1e6 for n in names]
    axes.boxplot(data, orientation="horizontal", whis=(5, 95), showfliers=False, showmeans=True,
                 meanprops={"marker": "D", "markerfacecolor": "black", "markeredgecolor": "black", "markersize": 4})
    axes.set_yticks(range(1, len(names) + 1), names)
    axes.set_xlabel("annual cost (£ million; unmet hours are not costed)")
    first = next(iter(stress.values())).settings
    axes.set_title(f"Annual cost over {first.draws} draws of demand and provider exits "
                   f"(exit rate {first.exit_rate:.0%}); whiskers 5-95%", fontsize=10)
    return _save(figure, path)


def _colours(n: int) -> list:
    cmap = colormaps["tab20" if n > 10 else "tab10"]
    return [cmap(i % cmap.N) for i in range(n)]


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    return path
