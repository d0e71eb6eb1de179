"""A map of one routed day: each shift's round as a line from home through its visits and back."""

from __future__ import annotations

from pathlib import Path

from matplotlib import colormaps
from matplotlib.figure import Figure

from .problem import Problem, Solution


def plot_lot(problem: Problem, solution: Solution, path: Path) -> None:
    xy = problem.coordinates
    if xy is None:
        raise ValueError(f"{problem.name} has no coordinates to plot")
    fig = Figure(figsize=(8, 8))
    ax = fig.subplots()
    colours = colormaps["tab20"]
    for i, r in enumerate(solution.routes):
        home = problem.carer_by_id[r.carer].home
        path_xy = xy[[home] + [problem.visit_by_id[s.visit].location for s in r.stops] + [home]]
        ax.plot(path_xy[:, 0], path_xy[:, 1], "-", lw=0.8, color=colours(i % 20), alpha=0.8)
    clients = sorted({v.location for v in problem.visits})
    homes = sorted({c.home for c in problem.carers})
    ax.scatter(xy[clients, 0], xy[clients, 1], s=12, c="black", label="clients", zorder=3)
    ax.scatter(xy[homes, 0], xy[homes, 1], s=30, marker="^", c="tab:red", label="carers' homes", zorder=3)
    ax.set(title=f"{problem.name}: {len(solution.routes)} shifts, {solution.objective:,.0f} travel min",
           xlabel="x (km)", ylabel="y (km)", aspect="equal")
    ax.legend(loc="best")
    fig.savefig(path, dpi=110, bbox_inches="tight")
