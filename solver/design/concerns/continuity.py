"""Continuity: clients whose provider must change because their area goes to a lot the incumbent
does not win. A penalty per forced switch and/or a cap on their share."""

from __future__ import annotations

import pulp

from ..awards import AwardModel, incumbency_by_lot


def switched_clients(model: AwardModel) -> pulp.LpAffineExpression:
    clients = incumbency_by_lot(model.instance, model.lots, model.lot_ids, "clients")
    return pulp.lpSum(n * (1 - model.w[l, p]) if (l, p) in model.w else n for (l, p), n in clients.items())


def add(model: AwardModel) -> None:
    cfg = model.config.continuity
    if not cfg.enabled:
        return
    switched = switched_clients(model)
    model.add_cost("continuity", cfg.penalty_gbp_per_switched_client * switched)
    if cfg.max_switched_share is not None:
        total = float(model.instance.incumbency["clients"].sum())
        model.require("continuity", "clients forced to switch", switched, "<=", cfg.max_switched_share * total, "clients")
