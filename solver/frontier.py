"""Trade-off frontiers: what continuity of care or market stability costs, by epsilon constraint.

The first point is the design with the cap off (for continuity, its penalty off too, so only the
cap prices it); the others tighten the cap evenly from that design's level down to none switched
(continuity) or an equal share for every provider (stability). Each point is a full `optimise`,
scored by `evaluate`; a cap that cannot be met is kept as an infeasible point with its explanation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from .design.config import DesignConfig
from .design.result import read_design
from .evaluate import evaluate
from .instance import Instance
from .run import run

AGAINST = {"continuity": "switched_share", "stability": "largest_contracted_share"}
LABELS = {"continuity": "share of clients forced to switch provider",
          "stability": "largest provider's contracted hours (block and call-off ceilings), share of the lowest scenario's hours"}
HEADINGS = {"cap": "cap", "status": "status", "objective": "objective", "expected_cost_gbp_per_year": "£/yr",
            "cost_per_contact_hour_gbp": "£/h", "switched_share": "switched", "largest_contracted_share": "top share",
            "hhi_after": "HHI", "award_status": "award stage", "award_gap": "gap", "seconds": "s"}
FORMATS = {"cap": "{:.1%}", "switched": "{:.1%}", "top share": "{:.1%}", "objective": "£{:,.0f}", "£/yr": "£{:,.0f}",
           "£/h": "£{:.2f}", "gap": "{:.2%}", "s": "{:.1f}"}


def capped(config: DesignConfig, against: str, cap: float | None) -> DesignConfig:
    if against == "continuity":
        return replace(config, continuity=replace(config.continuity, enabled=True, max_switched_share=cap,
                                                  penalty_gbp_per_switched_client=0.0))
    return replace(config, stability=replace(config.stability, enabled=True, max_provider_share=cap))


def measure(instance: Instance, kpis: dict[str, Any], against: str) -> float:
    if against == "continuity":
        return kpis["clients_forced_to_switch"] / float(instance.incumbency["clients"].sum())
    return kpis["largest_contracted_share"]


def point(instance: Instance, config: DesignConfig, against: str, cap: float | None) -> dict[str, Any]:
    """One design on the frontier, or why the cap cannot be met."""
    result = run(instance, capped(config, against, cap))
    row: dict[str, Any] = {"cap": np.nan if cap is None else round(cap, 4), "status": result.status,
                           "seconds": result.seconds}
    if result.design is None:
        return row | {"explanation": " ".join(str(result.failure).split())}
    kpis, award = result.kpis, result.design.solve["award_stage"]
    return row | {"objective": award["objective"], "expected_cost_gbp_per_year": kpis["expected_cost_gbp_per_year"],
                  "cost_per_contact_hour_gbp": kpis["cost_per_contact_hour_gbp"],
                  "switched_share": measure(instance, kpis, "continuity"),
                  "largest_contracted_share": kpis["largest_contracted_share"],
                  "hhi_after": kpis["hhi_after"], "award_status": award["status"], "award_gap": award["gap"]}


def trace(instance: Instance, config: DesignConfig, points: int = 6, against: str = "continuity",
          progress: Callable[[str], None] = lambda message: None) -> pd.DataFrame:
    """`points` designs, the cap tightening from row to row; the objective is the award model's. The
    switched share is the evaluation's, whose dispatch may differ a little from the model's, so it can
    sit slightly above the cap."""
    progress(f"point 1 of {points}: no cap on {against}")
    free = point(instance, config, against, None)
    start = free[AGAINST[against]] if free["status"] == "ok" else 1.0
    end = 0.0 if against == "continuity" else 1.0 / len(instance.providers)
    rows = [free]
    for i, cap in enumerate(np.linspace(start, end, points)[1:], start=2):
        progress(f"point {i} of {points}: {against} cap {cap:.1%}")
        rows.append(point(instance, config, against, float(cap)))
    table = pd.DataFrame(rows, columns=["cap", "status", "objective", "expected_cost_gbp_per_year",
                                        "cost_per_contact_hour_gbp", "switched_share", "largest_contracted_share", "hhi_after",
                                        "award_status", "award_gap", "seconds", "explanation"])
    table.index = pd.RangeIndex(1, len(table) + 1, name="point")
    return table


def printable(table: pd.DataFrame) -> pd.DataFrame:
    """The frontier with short headings (for `FORMATS`)."""
    return table[list(HEADINGS)].rename(columns=HEADINGS)


def marks(instance: Instance, config: DesignConfig, paths: list[Path], against: str) -> pd.DataFrame:
    """Given designs (e.g. the current one), scored under `config`, to place beside the frontier."""
    rows = []
    for path in paths:
        design = read_design(path, instance)
        kpis = evaluate(instance, config, design)
        rows.append({"design": path.parent.name if path.stem == "design" else path.stem,
                     "expected_cost_gbp_per_year": kpis["expected_cost_gbp_per_year"],
                     AGAINST[against]: measure(instance, kpis, against)})
    return pd.DataFrame(rows, columns=["design", "expected_cost_gbp_per_year", AGAINST[against]])


def chart(table: pd.DataFrame, marked: pd.DataFrame, against: str, path: Path, title: str) -> None:
    """Expected cost against the measure; infeasible caps as dotted red lines, given designs as stars."""
    x = AGAINST[against]
    ok = table[table["status"] == "ok"].sort_values(x)
    fig = Figure(figsize=(7, 4.5))
    ax = fig.subplots()
    ax.plot(ok[x], ok["expected_cost_gbp_per_year"] / 1e6, "o-", label="optimised under the cap")
    for i, cap in enumerate(table.loc[table["status"] == "infeasible", "cap"].dropna()):
        ax.axvline(cap, color="tab:red", linestyle=":", label="cap that cannot be met" if i == 0 else None)
    for _, row in marked.iterrows():
        ax.plot(row[x], row["expected_cost_gbp_per_year"] / 1e6, "*", markersize=14, label=row["design"])
    ax.set_xlabel(LABELS[against])
    ax.set_ylabel("expected cost, £m a year")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
