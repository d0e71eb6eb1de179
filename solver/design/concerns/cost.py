"""Cost: block hours (used or not), call-off, residual-market purchases and unmet hours priced at
the contract's rates in every scenario, the expected extra cost of provider failures, contracts
let, carers' travel, and any quality credit of a cost/quality evaluation, in £ a year.

Travel depends on how many providers share a lot: each covers the same ground with fewer clients
(solver/travel.py). A lot's travel is priced as if its k providers split it evenly, chosen by one
binary per possible k; the evaluation prices it the same way (`care_cost.lot_travel_cost_per_week`)."""

from __future__ import annotations

import pulp

from ...care_cost import lot_travel_cost_per_week
from ...travel import area_sizes_km2
from ..awards import AwardModel
from ..contract import WEEKS_PER_YEAR


def add(model: AwardModel) -> None:
    cfg = model.config
    p_ = model.probability
    calls = {(l, p, s): x + (model.fl[l, p] if model.fl else 0) for (l, p, s), x in model.x.items()}
    model.add_cost("block", WEEKS_PER_YEAR * pulp.lpSum(model.prices(l, p)[0] * b for (l, p), b in model.b.items()))
    model.add_cost("framework", WEEKS_PER_YEAR * pulp.lpSum(
        p_[s] * model.prices(l, p)[1] * hours for (l, p, s), hours in calls.items()))
    paid = {(l, q, s): float(model.market.residual_price[model.provider_index[q], model.lot_index[l]])
            for (l, q, s) in model.r}
    model.add_cost("residual", WEEKS_PER_YEAR * pulp.lpSum(p_[k[2]] * paid[k] * r for k, r in model.r.items()))
    model.add_cost("unmet", WEEKS_PER_YEAR * pulp.lpSum(
        p_[s] * model.market.unmet_penalty * u for (l, s), u in model.u.items()))
    if cfg.awards.quality_weight:
        credit = {q: float(model.market.quality_credit[i]) for q, i in model.provider_index.items()}
        model.add_cost("quality", WEEKS_PER_YEAR * (
            pulp.lpSum(credit[p] * b for (l, p), b in model.b.items())
            + pulp.lpSum(p_[s] * credit[p] * hours for (l, p, s), hours in calls.items())
            + pulp.lpSum(p_[s] * credit[q] * r for (l, q, s), r in model.r.items())))
    if model.delta:
        model.add_cost("failures", WEEKS_PER_YEAR * model.market.failure_weight * pulp.lpSum(model.delta.values()))
    model.add_cost("contracts", cfg.cost.contract_fixed_gbp_per_year * pulp.lpSum(model.w.values()))
    if cfg.cost.travel_cost_weight > 0:
        model.add_cost("travel", cfg.cost.travel_cost_weight * WEEKS_PER_YEAR * _travel_per_week(model))


def _travel_per_week(model: AwardModel) -> pulp.LpAffineExpression:
    sizes = area_sizes_km2(model.instance)
    terms = []
    for l, areas in zip(model.lot_ids, model.lots):
        providers = model.pairs_of_lot(l)
        # a lot has at least providers_min providers (in elastic mode, which may break that rule, none):
        # no weight on fewer, which the LP relaxation would otherwise mix in to price travel below
        # one provider's
        fewest = 0 if model.elastic else min(model.config.awards.providers_min, len(providers))
        counts = range(fewest, min(model.config.awards.providers_max, len(providers)) + 1)
        pick = {k: model.variable(f"providers_{l}_is_{k}", l, cat=pulp.LpBinary) for k in counts}
        model.problem += pulp.lpSum(pick.values()) == 1, f"one_provider_count_{l}"
        model.problem += (pulp.lpSum(k * v for k, v in pick.items())
                          == pulp.lpSum(model.w[l, p] for p in providers)), f"provider_count_{l}"
        terms += [lot_travel_cost_per_week(model.instance, areas, k, sizes) * v for k, v in pick.items() if k > 0]
    return pulp.lpSum(terms)
