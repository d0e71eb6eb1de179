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
    """Single-failure resilience, one failure at a time: if provider p fails, the other providers
    of each of its lots take on a[p,l,q] hours, together at least `share` of p's expected hours in
    the lot, each within the capacity its own expected volume leaves."""
    absorb = {(p, l, q): pulp.LpVariable(f"absorb_{p}_{l}_{q}", lowBound=0)
              for l in model.lot_ids for p in model.pairs_of_lot(l) for q in model.pairs_of_lot(l) if q != p}
    for (p, l, q), var in absorb.items():
        most = min(model.capacity[q], share * max(model.most_hours(l, p, s) for s in model.scenarios))
        model.problem += var <= most * model.w[l, q], f"absorb_award_{p}_{l}_{q}"
        # what q takes on and its own expected hours in the lot share one award's capacity
        model.problem += (var + model.expected_volume(l, q) <= model.capacity[q] * model.w[l, q],
                          f"absorb_room_{p}_{l}_{q}")
    for l in model.lot_ids:
        for p in model.pairs_of_lot(l):
            taken = pulp.lpSum(absorb[p, l, q] for q in model.pairs_of_lot(l) if q != p)
            model.require("resilience", f"failure of {p} in {l}", taken - share * model.expected_volume(l, p), ">=", 0.0)
    by_pair: dict[tuple[str, str], list[pulp.LpVariable]] = {}
    for (p, _, q), var in absorb.items():
        by_pair.setdefault((p, q), []).append(var)
    own = {q: pulp.lpSum(model.expected_volume(l, q) for l in model.lots_of_provider(q)) for q in model.providers}
    for (p, q), variables in by_pair.items():
        model.require("resilience", f"{q} covering for {p}", own[q] + pulp.lpSum(variables), "<=", model.capacity[q])
