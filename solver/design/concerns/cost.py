"""Cost: block hours (used or not), framework call-off, spot, unmet hours, contracts let, carers'
travel and any rural uplift, in £ a year.

Travel depends on how many providers share a lot: each covers the same ground with fewer clients
(solver/travel.py). A lot's travel is priced as if its k providers split it evenly, the most
travel k providers can need (travel per hour grows as a provider's share shrinks, and
sqrt-like growth makes the even split the worst), chosen by one binary per possible k. Spot hours'
travel is not priced here; the evaluation counts spot as one more provider in the lot."""

from __future__ import annotations

import pulp

from ..awards import WEEKS_PER_YEAR, AwardModel, lot_rural_share
from ...travel import area_sizes_km2, travel_cost_per_week, travel_minutes_per_contact_hour


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
        model.add_cost("travel", cfg.cost.travel_cost_weight * WEEKS_PER_YEAR * _travel_per_week(model))


def _travel_per_week(model: AwardModel) -> pulp.LpAffineExpression:
    sizes = area_sizes_km2(model.instance)
    terms = []
    for l, areas in zip(model.lot_ids, model.lots):
        providers = model.pairs_of_lot(l)
        counts = range(0, min(model.config.awards.providers_max, len(providers)) + 1)
        pick = {k: pulp.LpVariable(f"providers_{l}_is_{k}", cat=pulp.LpBinary) for k in counts}
        model.problem += pulp.lpSum(pick.values()) == 1, f"one_provider_count_{l}"
        model.problem += (pulp.lpSum(k * v for k, v in pick.items())
                          == pulp.lpSum(model.w[l, p] for p in providers)), f"provider_count_{l}"
        terms += [travel_cost_per_week(model.instance, areas, travel_minutes_per_contact_hour(
            model.instance, areas, 1 / k, sizes)) * v for k, v in pick.items() if k > 0]
    return pulp.lpSum(terms)
