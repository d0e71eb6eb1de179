"""Market stability, on the contract terms: a cap on any provider's contracted hours (block and
call-off ceilings) as a share of all hours in the lowest scenario, every awarded provider
guaranteed its minimum viable volume (block and call-off floors), and partners' reserved headroom
for the failure of any one awarded provider."""

from __future__ import annotations

import pulp

from ..awards import AwardModel


def add(model: AwardModel) -> None:
    cfg = model.config.stability
    if not cfg.enabled:
        return
    providers = [p for p in model.providers if model.lots_of_provider(p)]
    if cfg.max_provider_share is not None:
        lowest = min(sum(model.demand[l, s] for l in model.lot_ids) for s in model.scenarios)
        for p in providers:
            volume = pulp.lpSum(model.contracted(l, p) for l in model.lots_of_provider(p))
            model.require("share cap", p, volume, "<=", cfg.max_provider_share * lowest)
    if cfg.enforce_min_viable:
        minimum = model.instance.providers["min_viable_hours_per_week"]
        for p in providers:
            awarded = model.variable(f"awarded_{p}", None, cat=pulp.LpBinary)
            for l in model.lots_of_provider(p):
                model.problem += awarded >= model.w[l, p], f"awarded_{p}_{l}"
            volume = pulp.lpSum(model.guaranteed(l, p) for l in model.lots_of_provider(p))
            model.require("viability", p, volume - minimum[p] * awarded, ">=", 0.0)
    if cfg.resilience_share > 0 and model.h:
        for l in model.lot_ids:
            eligible = model.pairs_of_lot(l)
            for p in eligible:
                reserved = pulp.lpSum(model.h[l, q] for q in eligible if q != p)
                model.require("resilience", f"failure of {p} in {l}", reserved - cfg.resilience_share
                              * model.contracted(l, p), ">=", 0.0)
            # Valid for whole awards, and what the LP relaxation misses: summed over the k awarded
            # providers, (k - 1) x all headroom >= share x all contracted hours, and k is at most K.
            most = min(model.config.awards.providers_max, len(eligible))
            if most > 1:
                model.problem += (pulp.lpSum(model.h[l, q] for q in eligible) >= cfg.resilience_share / (most - 1)
                                  * pulp.lpSum(model.contracted(l, q) for q in eligible)), f"resilience_sum_{l}"
