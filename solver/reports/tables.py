"""The tables of a comparison report, beyond the comparison itself: stress distributions, each
design's lots and providers, per-draw costs and the failures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..design.contract import WEEKS_PER_YEAR, Market, Terms, dispatch, market_of
from ..evaluate import provider_volumes
from ..instance import Instance
from ..run import Run


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


def provider_table(instance: Instance, run: Run) -> pd.DataFrame:
    """One row per awarded provider (by provider): its lots, guaranteed hours (block and call-off
    floors) against the volume it needs to stay viable, the hours it is expected to deliver and their
    share of all hours (as the evaluation's largest share), the headroom it reserves for partners, the
    most it takes on when one of its lot partners fails (base scenario) and its capacity."""
    design = run.design
    market, terms = market_of(instance, run.config, design)
    need = market.demand.T
    awarded = sorted({a.provider for a in design.awards})
    providers = instance.providers.loc[awarded]
    by_provider = pd.DataFrame({"guaranteed": _sum_by_provider(market, terms, terms.block + terms.floor),
                                "headroom": _sum_by_provider(market, terms, terms.headroom)},
                               index=market.providers).loc[awarded]
    volumes = provider_volumes(market, terms, dispatch(market, terms, need))[awarded]
    return pd.DataFrame({
        "name": providers["name"],
        "lots": [", ".join(a.lot for a in design.awards if a.provider == p) for p in awarded],
        "guaranteed_hours_per_week": by_provider["guaranteed"].round(1),
        "min_viable_hours_per_week": providers["min_viable_hours_per_week"],
        "below_viability": [p in design.kpis["providers_below_viability"] for p in awarded],
        "expected_hours_per_week": volumes.round(1),
        "share_of_all_hours": (volumes / float(market.probability @ need.sum(axis=1))).round(4),
        "reserved_headroom_hours_per_week": by_provider["headroom"].round(1),
        "absorbs_in_partner_failure_hours_per_week": partner_absorption(market, terms).max(axis=1).round(1),
        "capacity_hours_per_week": providers["max_hours_per_week"],
    }, index=pd.Index(awarded, name="provider"))


def partner_absorption(market: Market, terms: Terms) -> pd.DataFrame:
    """Hours a week each awarded provider (rows) takes on when each awarded provider (columns) fails,
    in the base scenario: the evaluation's failure worlds, with the hours the partners absorb split
    by partner (a column sums to that failure's `absorbed_by_partners_per_week` in the KPIs, which
    hold only the total)."""
    need = market.demand.T[[market.base]]
    awarded = np.unique(terms.provider)
    failed = terms.provider[None, :] == awarded[:, None]  # failure x award
    normal = dispatch(market, terms, need)
    after = dispatch(market, terms, np.repeat(need, len(awarded), axis=0), failed)
    gained = _sum_by_provider(market, terms, np.where(failed, 0.0, after.call_off - normal.call_off))
    names = [market.providers[i] for i in awarded]
    return pd.DataFrame(gained[:, awarded].T, index=pd.Index(names, name="provider"),
                        columns=pd.Index(names, name="failed"))


def _sum_by_provider(market: Market, terms: Terms, hours: np.ndarray) -> np.ndarray:
    """Hours by award (the last axis) summed by the provider holding the award."""
    return hours @ np.eye(len(market.providers))[terms.provider]


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
