"""Continuity: clients whose provider must change. An incumbent keeps its clients in a lot only if
it wins the lot and is guaranteed the hours to go on serving them: the share kept is at most its
award (0 or 1) and at most its guaranteed hours in the lot (block and call-off floor) over its
current hours there. A penalty per forced switch and/or a cap on their share."""

from __future__ import annotations

import pulp

from ..awards import AwardModel, incumbency_by_lot


def switched_clients(model: AwardModel) -> pulp.LpAffineExpression:
    clients = incumbency_by_lot(model.instance, model.lots, model.lot_ids, "clients")
    hours = incumbency_by_lot(model.instance, model.lots, model.lot_ids, "hours_per_week")
    switched = []
    for (l, p), n in clients.items():
        if (l, p) not in model.w:
            switched.append(n)
            continue
        kept = model.variable(f"kept_{l}_{p}", l, lowBound=0, upBound=1)
        model.problem += kept <= model.w[l, p], f"kept_award_{l}_{p}"
        if hours.get((l, p), 0.0) > 0:
            model.problem += hours[l, p] * kept <= model.guaranteed(l, p), f"kept_hours_{l}_{p}"
        switched.append(n * (1 - kept))
    return pulp.lpSum(switched)


def add(model: AwardModel) -> None:
    cfg = model.config.continuity
    if not cfg.enabled:
        return
    switched = switched_clients(model)
    model.add_cost("continuity", cfg.penalty_gbp_per_switched_client * switched)
    if cfg.max_switched_share is not None:
        total = float(model.instance.incumbency["clients"].sum())
        model.require("continuity", "clients forced to switch", switched, "<=", cfg.max_switched_share * total, "clients")
