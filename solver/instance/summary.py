"""A readable summary of an instance: what `tender info` prints."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import hhi
from ..travel import incumbent_travel
from .model import Instance
from .schema import RURALITY_CLASSES


def by_rurality(instance: Instance) -> pd.DataFrame:
    areas = instance.areas
    table = areas.groupby("rurality").agg(
        areas=("area_id", "size"), pop_65plus=("pop_65plus", "sum"), clients=("clients", "sum"),
        hours_per_week=("care_hours_per_week", "sum"))
    table = table.reindex([c for c in RURALITY_CLASSES if c in table.index])
    table.loc["total"] = table.sum()
    table["hours_per_client"] = table["hours_per_week"] / table["clients"].where(table["clients"] > 0)
    return table


def market_shares(instance: Instance) -> pd.DataFrame:
    providers = instance.providers
    held = instance.incumbency.groupby("provider_id").agg(areas=("area_id", "nunique"), clients=("clients", "sum"),
                                                          hours_per_week=("hours_per_week", "sum"))
    table = providers[["name", "base_area_id", "max_hours_per_week", "block_rate_gbp_per_hour",
                       "framework_rate_gbp_per_hour", "quality_score"]].join(held).fillna(
        {"areas": 0, "clients": 0, "hours_per_week": 0.0})
    table["share"] = table["hours_per_week"] / max(float(table["hours_per_week"].sum()), 1e-9)
    return table.sort_values(["hours_per_week", "name"], ascending=[False, True])


def _incumbents_travel(instance: Instance) -> str:
    travel = incumbent_travel(instance)
    if travel.empty:
        return "no incumbency"
    mean = float(np.average(travel["travel_minutes_per_contact_hour"], weights=travel["hours_per_week"]))
    return f"{mean:.1f} paid minutes per contact hour (estimated, hours-weighted)"


def headline(instance: Instance) -> dict[str, str]:
    shares = market_shares(instance)
    demand = instance.demand.sum()
    return {
        "instance": instance.name,
        "areas": f"{len(instance.areas)}",
        "adjacency": f"{len(instance.adjacency)} pairs, {instance.adjacency_note}",
        "providers": f"{len(instance.providers)} ({(shares['clients'] <= 4).sum()} serving four clients or fewer)",
        "capacity": f"{instance.providers['max_hours_per_week'].sum():,.0f} hours/week",
        "demand by scenario": ", ".join(f"{s} {demand[s]:,.0f} (p={instance.probabilities[s]:g})" for s in demand.index),
        "incumbents' HHI": f"{hhi(shares['hours_per_week']):,.0f}",
        "incumbents' travel": _incumbents_travel(instance),
        "policy": ", ".join(f"{k}={v}" for k, v in instance.policy.items()),
    }
