"""Coverage: a provider may only win a lot whose every area lies within reach of its base; every
lot's demand met in every scenario when required (otherwise unmet hours are priced by the cost
concern and reported). The minimum non-rural share of a lot is a rule on lot composition, applied
by the lot stage."""

from __future__ import annotations

from ..awards import AwardModel


def narrow(model: AwardModel) -> None:
    reach = model.config.coverage.max_base_distance_km
    if reach is None:
        return
    distance = model.instance.distance_km()
    base = model.instance.providers["base_area_id"]
    farthest = {(l, p): float(distance.loc[base[p], areas].max()) for l, areas in zip(model.lot_ids, model.lots)
                for p in model.providers}
    model.exclude(lambda l, p: farthest[l, p] > reach)


def add(model: AwardModel) -> None:
    if model.config.coverage.require_all_met:
        for (l, s), unmet in model.unmet.items():
            model.require("coverage", f"{l} ({s})", unmet, "<=", 0.0)
