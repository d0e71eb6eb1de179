"""Cost: block hours (used or not), framework call-off, spot, unmet hours, contracts let, travel
and any rural uplift, in £ a year."""

from __future__ import annotations

import pulp

from ..awards import WEEKS_PER_YEAR, AwardModel, lot_rural_share
from ...travel import lot_travel_cost_per_week


def evaluated_rate(model: AwardModel, rate: float, provider: str) -> float:
    """The price a bid is ranked at: with a quality weight, each point above 'good' (3) takes
    quality_weight £/hour off (Essex-style cost/quality evaluation). Reported costs use the bid."""
    quality = float(model.instance.providers.at[provider, "quality_score"])
    return rate - model.config.awards.quality_weight * (quality - 3.0)


def add(model: AwardModel) -> None:
    cfg = model.config
    uplift = {l: 1 + cfg.cost.rural_uplift * lot_rural_share(model.instance, areas)
              for l, areas in zip(model.lot_ids, model.lots)}
    model.add_cost("block", WEEKS_PER_YEAR * pulp.lpSum(
        evaluated_rate(model, model.prices.block[p], p) * uplift[l] * model.b[l, p] for (l, p) in model.eligible))
    model.add_cost("framework", WEEKS_PER_YEAR * pulp.lpSum(
        model.probability[s] * evaluated_rate(model, model.prices.framework[p], p) * uplift[l] * var
        for (l, p, s), var in model.f.items()))
    model.add_cost("spot", WEEKS_PER_YEAR * pulp.lpSum(
        model.probability[s] * model.prices.spot * var for (l, s), var in model.spot.items()))
    model.add_cost("unmet", WEEKS_PER_YEAR * pulp.lpSum(
        model.probability[s] * cfg.volume.unmet_penalty_gbp_per_hour * var for (l, s), var in model.unmet.items()))
    model.add_cost("contracts", cfg.cost.contract_fixed_gbp_per_year * pulp.lpSum(model.w.values()))
    if cfg.cost.travel_cost_weight > 0:
        model.add_cost("travel", cfg.cost.travel_cost_weight * WEEKS_PER_YEAR * sum(
            lot_travel_cost_per_week(model.instance, areas) for areas in model.lots))
