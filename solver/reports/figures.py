"""PNG figures of a comparison: each design's per-lot bars and the cost distributions across
designs (the lot maps are SVG, `map.py`). Figures are drawn on bare `Figure`s (the Agg canvas),
never through pyplot, so no display or global backend is involved."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib import colormaps
from matplotlib.figure import Figure

from ..stress import StressResult

URBAN_BASE_TRAVEL_MINUTES = 12.0  # paid travel minutes per contact hour, urban base case (../shared/domain.md §3)
DPI = 110


def lot_bars(name: str, lots: pd.DataFrame, council_rate: float, path: Path) -> Path:
    """Travel minutes per contact hour and cost per contact hour, one bar per lot (`lots` by lot)."""
    figure = Figure(figsize=(max(6.0, 0.6 * len(lots) + 3), 3.6))
    travel, cost = figure.subplots(1, 2)
    colours = lot_colours(len(lots))
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


def lot_colours(n: int) -> list:
    """One colour per lot, the same in every figure and map of a design. Beyond ten lots, tab20's
    dark shades come before its light ones, so that lots numbered one after the other (often
    neighbours) do not get two shades of one hue."""
    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    shades = [colormaps["tab20"](i) for i in (*range(0, 20, 2), *range(1, 20, 2))]
    return [shades[i % len(shades)] for i in range(n)]


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=DPI)
    return path
