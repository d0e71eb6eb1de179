"""Market stability: a cap on any provider's share of all hours, every awarded provider at or above
its minimum viable volume, and resilience to the failure of any one awarded provider."""

from __future__ import annotations

import pulp

from ..awards import AwardModel


def add(model: AwardModel) -> None:
    cfg = model.config.stability
    if not cfg.enabled:
        return
    providers = [p for p in model.providers if model.lots_of_provider(p)]
    if cfg.max_provider_share is not None:
        for s in model.scenarios:
            total = sum(model.demand[l, s] for l in model.lot_ids)
            for p in providers:
                volume = pulp.lpSum(model.lot_volume(l, p, s) for l in model.lots_of_provider(p))
                model.require("share cap", f"{p} ({s})", volume, "<=", cfg.max_provider_share * total)
    if cfg.enforce_min_viable:
        minimum = model.instance.providers["min_viable_hours_per_week"]
        for p in providers:
            awarded = pulp.LpVariable(f"awarded_{p}", cat=pulp.LpBinary)
            for l in model.lots_of_provider(p):
                model.problem += awarded >= model.w[l, p], f"awarded_{p}_{l}"
            volume = pulp.lpSum(model.expected_volume(l, p) for l in model.lots_of_provider(p))
            model.require("viability", p, volume - minimum[p] * awarded, ">=", 0.0)
    if cfg.resilience_share > 0:
        _resilience(model, cfg.resilience_share)


def _resilience(model: AwardModel, share: float) -> None:
    """Each lot provider q reserves spare hours r[l,q] (within its capacity, beyond its expected
    volume); if any one provider p fails, the others' reserves plus the lot's framework cover
    `share` of p's expected hours in the lot."""
    reserve = {(l, q): pulp.LpVariable(f"reserve_{l}_{q}", lowBound=0) for (l, q) in model.eligible}
    for (l, q), var in reserve.items():
        # No failure needs more than share x the largest volume a provider can hold in the lot: a
        # valid, much tighter bound on the reserve than the provider's capacity.
        most = min(model.capacity[q], share * max(model.most_hours(l, p, s) for p in model.pairs_of_lot(l)
                                                   for s in model.scenarios))
        model.problem += var <= most * model.w[l, q], f"reserve_award_{l}_{q}"
    for q in model.providers:
        lots = model.lots_of_provider(q)
        if lots:
            model.require("resilience", f"{q} spare capacity", pulp.lpSum(
                model.expected_volume(l, q) + reserve[l, q] for l in lots), "<=", model.capacity[q])
    for (l, p) in model.eligible:
        others = pulp.lpSum(reserve[l, q] for q in model.pairs_of_lot(l) if q != p)
        model.require("resilience", f"failure of {p} in {l}", others - share * model.expected_volume(l, p), ">=", 0.0)
