"""The tables of a comparison report, beyond the comparison itself: stress distributions, each
design's lots, per-draw costs and the failures."""

from __future__ import annotations

import pandas as pd

from ..run import Run
from ..design.contract import WEEKS_PER_YEAR


def scored(candidates: list[Run]) -> list[Run]:
    return [c for c in candidates if c.design is not None]


def stress_table(candidates: list[Run]) -> pd.DataFrame:
    """One row per scored design: the stress distributions beside the scenario-expected cost."""
    rows = [{"design": c.name, **c.stress.summary(),
             "scenario_expected_cost_gbp_per_year": c.design.kpis["expected_cost_gbp_per_year"]}
            for c in scored(candidates)]
    return pd.DataFrame(rows).set_index("design")


def lot_table(candidate: Run) -> pd.DataFrame:
    """The evaluated lots (by lot), with each lot's stress-mean cost per contact hour."""
    stress = candidate.stress
    lots = pd.DataFrame(candidate.design.kpis["lots"]).set_index("lot")
    lots["cost_gbp_per_year"] = stress.lot_cost_gbp_per_year.round(0)
    lots["cost_per_contact_hour_gbp"] = (stress.lot_cost_gbp_per_year / WEEKS_PER_YEAR
                                         / stress.lot_delivered_hours_per_week.clip(min=1e-9)).round(2)
    return lots


def draws_table(candidates: list[Run]) -> pd.DataFrame:
    """Per stress draw: each design's annual cost and unmet hours (the same demand draws for all)."""
    columns = {}
    for c in scored(candidates):
        columns[f"{c.name} cost_gbp_per_year"] = c.stress.cost_gbp_per_year.round(0)
        columns[f"{c.name} unmet_hours_per_week"] = c.stress.unmet_hours_per_week.round(2)
    return pd.DataFrame(columns).rename_axis("draw")


def failures_table(candidates: list[Run]) -> pd.DataFrame:
    return pd.DataFrame([{"design": c.name, "source": c.source, "outcome": c.status, "explanation": c.failure}
                         for c in candidates if c.design is None], columns=["design", "source", "outcome", "explanation"])
