"""Before the bids: lots and prices a council can advertise, from the cost of care, with no bid in
the providers file.

A provider's bid is estimated as the price that covers the cost of care where it works
(solver/care_cost.py: the Homecare Association-style build-up at the NLW, at the travel of its
current clients at its share of each area's, solver/travel.py; a provider with no clients yet at
the county's median), with FRAMEWORK_PREMIUM on call-off hours. Sampled bid sets spread each bid
by a lognormal factor (BID_SPREAD). The design is optimised on the estimated bids and then priced
on every sampled set, so the board sees how its cost moves with the bids that may come.

Per lot the output gives the **indicative price** per contact hour (the cost of care at the lot's
travel, shared by the providers the design awards it), a **rural uplift** where that price is
above the county's least costly lot, the **expected number of viable bidders** (providers within
reach of the lot, `volume.residual_reach_km`, or serving it now, with the capacity for at least
MIN_AWARD_SHARE of its hours; an incumbent in the lot bids with INCUMBENT_BIDS, another with NEWCOMER_BIDS) and the
**risk that it attracts none** (every such provider declining, independently).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from .care_cost import lot_assumptions
from .design.config import DesignConfig
from .design.contract import build_market
from .design.result import Design
from .evaluate import evaluate
from .instance import Instance
from .instance.schema import BID_COLUMNS
from .rounds.pay import price_per_contact_hour
from .travel import incumbent_travel

# Assumptions (no published figures found for these):
FRAMEWORK_PREMIUM = 0.05  # call-off hours bid about 5% above block (the shipped generator's spread: +£0.5-1.8)
BID_SPREAD = 0.05  # log-sd of a bid around its estimate: providers' costs and margins differ by about 5%
INCUMBENT_BIDS = 0.8  # chance an incumbent in the lot bids for it
NEWCOMER_BIDS = 0.3  # chance a provider within reach but not yet in the lot bids for it
MIN_AWARD_SHARE = 0.1  # spare capacity a bidder needs: a tenth of the lot's hours
BID_SAMPLES = 20


def estimated_bids(instance: Instance) -> pd.DataFrame:
    """Each provider's estimated block and framework bid (£/hour), and the travel it rests on."""
    travel = incumbent_travel(instance).set_index("provider_id")["travel_minutes_per_contact_hour"]
    median = float(travel.median()) if len(travel) else 0.0
    areas = list(instance.area_ids)
    rows = []
    for p in instance.provider_ids:
        served = instance.incumbency.loc[instance.incumbency["provider_id"] == p, "area_id"].tolist() or areas
        minutes = float(travel.get(p, median))
        block = price_per_contact_hour(lot_assumptions(instance, served, minutes))
        rows.append({"provider_id": p, "travel_minutes_per_contact_hour": round(minutes, 2),
                     "block_rate_gbp_per_hour": round(block, 2),
                     "framework_rate_gbp_per_hour": round(block * (1 + FRAMEWORK_PREMIUM), 2)})
    return pd.DataFrame(rows).set_index("provider_id")


def with_bids(instance: Instance, bids: pd.DataFrame) -> Instance:
    """The instance with these bids in its providers table."""
    providers = instance.providers.copy()
    for column in BID_COLUMNS:
        providers[column] = bids[column].reindex(providers.index).to_numpy(dtype=float)
    return replace(instance, providers=providers)


def sampled_bids(bids: pd.DataFrame, samples: int, seed: int) -> list[pd.DataFrame]:
    """Bid sets spread around the estimate, one lognormal factor per provider (block and framework
    together)."""
    rng = np.random.default_rng([seed, 16])
    out = []
    for _ in range(samples):
        factor = np.exp(rng.normal(0.0, BID_SPREAD, len(bids)))
        out.append(bids.assign(**{c: (bids[c] * factor).round(2) for c in BID_COLUMNS}))
    return out


def bid_robustness(instance: Instance, config: DesignConfig, design: Design, bids: pd.DataFrame,
                   samples: int = BID_SAMPLES, seed: int = 0) -> dict[str, float]:
    """The design's expected annual cost priced on each sampled bid set: its spread."""
    costs = [evaluate(with_bids(instance, sample), config, design)["expected_cost_gbp_per_year"]
             for sample in sampled_bids(bids, samples, seed)]
    return {"samples": samples, "bid_spread_log_sd": BID_SPREAD, "cost_p5_gbp_per_year": float(np.percentile(costs, 5)),
            "cost_p50_gbp_per_year": float(np.median(costs)), "cost_p95_gbp_per_year": float(np.percentile(costs, 95))}


def lot_prices(instance: Instance, config: DesignConfig, design: Design) -> pd.DataFrame:
    """Per lot of an evaluated design: the indicative price, any rural uplift, viable bidders
    expected and the chance of none."""
    lots = [lot.areas for lot in design.lots]
    market = build_market(instance, config, lots, [lot.lot for lot in design.lots])
    kpis = {row["lot"]: row for row in design.kpis["lots"]}
    prices = {lot.lot: price_per_contact_hour(lot_assumptions(instance, lot.areas,
                                                              kpis[lot.lot]["travel_minutes_per_contact_hour"]))
              for lot in design.lots}
    floor = min(prices.values())
    held = instance.incumbency.groupby(["provider_id", "area_id"])["hours_per_week"].sum()
    capacity = instance.providers["max_hours_per_week"]
    rows = []
    for l, lot in enumerate(design.lots):
        hours = float(instance.areas.loc[lot.areas, "care_hours_per_week"].sum())
        incumbents = {p for (p, a) in held.index if a in set(lot.areas)}
        able = [p for q, p in enumerate(market.providers)
                if (market.residual_share[q, l] > 0 or p in incumbents) and capacity[p] >= MIN_AWARD_SHARE * hours]
        chance = [INCUMBENT_BIDS if p in incumbents else NEWCOMER_BIDS for p in able]
        rows.append({"lot": lot.lot, "hours_per_week": round(hours, 1),
                     "rural_share": round(float(market.rural_share[l]), 3),
                     "travel_minutes_per_contact_hour": kpis[lot.lot]["travel_minutes_per_contact_hour"],
                     "indicative_price_per_contact_hour": round(prices[lot.lot], 2),
                     "rural_uplift": round(prices[lot.lot] / floor - 1, 3),
                     "providers_able_to_bid": len(able), "incumbents_able_to_bid": len(set(able) & incumbents),
                     "expected_bidders": round(math.fsum(chance), 1),
                     "chance_of_no_bid": float(np.prod([1 - c for c in chance])) if chance else 1.0})
    return pd.DataFrame(rows).set_index("lot")
