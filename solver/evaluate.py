"""Scoring a design, optimised or hand-written, by the same code: costs per scenario, continuity,
market stability and coverage.

The evaluation does not trust the optimiser's recourse: in every scenario it dispatches each lot's
demand itself — block hours first (paid whether used or not), then call-off from the lot's
providers, cheapest framework rate first, within what their capacity and the design's share caps
leave, then spot where the design allows it, and what remains is unmet.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from .design.awards import WEEKS_PER_YEAR, incumbency_by_lot, lot_rural_share, prices
from .design.config import DesignConfig
from .design.result import Design
from .instance import Instance
from .metrics import hhi
from .travel import area_sizes_km2, market_travel_minutes_per_contact_hour, travel_cost_per_week


def dispatch(instance: Instance, config: DesignConfig, design: Design, scenario: str,
             failed: str | None = None) -> dict[str, Any]:
    """Hours by source in one scenario (weekly), optionally with one provider failed."""
    demand = instance.demand[scenario]
    capacity = instance.providers["max_hours_per_week"].to_dict()
    framework_rate = prices(instance, config).framework
    awards = [a for a in design.awards if a.provider != failed]
    county_cap = config.stability.max_provider_share if config.stability.enabled else None
    most = float("inf") if county_cap is None else county_cap * float(demand.sum())
    used = defaultdict(float)
    for a in awards:
        used[a.provider] += a.block_hours_per_week
    rows = []
    for lot in design.lots:
        need = float(demand.loc[lot.areas].sum())
        lot_awards = [a for a in awards if a.lot == lot.lot]
        block = sum(a.block_hours_per_week for a in lot_awards)
        block_used = min(block, need)
        residual = need - block_used
        called: dict[str, float] = {}
        share_cap = config.volume.max_provider_share_of_lot * need
        if config.volume.framework:
            for a in sorted(lot_awards, key=lambda a: (framework_rate[a.provider], a.provider)):
                room = min(capacity[a.provider] - used[a.provider], most - used[a.provider],
                           share_cap - a.block_hours_per_week, residual)
                if room > 0:
                    called[a.provider] = room
                    used[a.provider] += room
                    residual -= room
        spot = residual if config.volume.spot else 0.0
        rows.append({"lot": lot.lot, "demand": need, "block": block, "block_used": block_used,
                     "idle_block": block - block_used, "framework": sum(called.values()), "called": called,
                     "spot": spot, "unmet": residual - spot})
    return {"lots": rows, "volume_by_provider": dict(used)}


def scenario_cost(instance: Instance, config: DesignConfig, design: Design, outcome: dict[str, Any]) -> dict[str, float]:
    price = prices(instance, config)
    uplift = {lot.lot: 1 + config.cost.rural_uplift * lot_rural_share(instance, lot.areas) for lot in design.lots}
    block = sum(a.block_hours_per_week * price.block[a.provider] * uplift[a.lot] for a in design.awards)
    framework = sum(hours * price.framework[p] * uplift[row["lot"]] for row in outcome["lots"]
                    for p, hours in row["called"].items())
    spot = sum(row["spot"] for row in outcome["lots"]) * price.spot
    unmet_hours = sum(row["unmet"] for row in outcome["lots"])
    contracts = config.cost.contract_fixed_gbp_per_year * len(design.awards) / WEEKS_PER_YEAR
    care = block + framework + spot
    return {"care_gbp_per_year": WEEKS_PER_YEAR * care,
            "contracts_gbp_per_year": WEEKS_PER_YEAR * contracts,
            "total_gbp_per_year": WEEKS_PER_YEAR * (care + contracts),
            "unmet_hours_per_week": unmet_hours,
            "delivered_hours_per_week": sum(r["demand"] - r["unmet"] for r in outcome["lots"]),
            "idle_block_hours_per_week": sum(r["idle_block"] for r in outcome["lots"])}


def evaluate(instance: Instance, config: DesignConfig, design: Design) -> dict[str, Any]:
    """KPIs of a design, the same for every design."""
    probability = instance.probabilities
    scenarios = {s: dispatch(instance, config, design, s) for s in instance.scenarios.index}
    costs = {s: scenario_cost(instance, config, design, outcome) for s, outcome in scenarios.items()}

    def expect(key: str) -> float:
        return float(sum(probability[s] * costs[s][key] for s in costs))

    awarded = {a.provider for a in design.awards}
    incumbent_hours = instance.incumbency.groupby("provider_id")["hours_per_week"].sum()
    volumes = pd.Series({p: sum(probability[s] * scenarios[s]["volume_by_provider"].get(p, 0.0) for s in scenarios)
                         for p in sorted(awarded)}, dtype=float)
    all_hours = float(instance.expected_demand().sum())
    delivered = expected_delivery(design, scenarios, probability)
    travel = lot_travel_minutes(instance, design, scenarios, probability, delivered)
    switched_clients, switched_hours = forced_switches(instance, design, delivered)
    minimum = instance.providers["min_viable_hours_per_week"]
    below = sorted(p for p in awarded if volumes.get(p, 0.0) < minimum[p] - 1e-6)
    base = instance.scenarios.index[0]  # failures are judged in the first (base) scenario
    failure = {p: _failure_impact(instance, config, design, scenarios[base], base, p) for p in sorted(awarded)}
    worst = max(failure, key=lambda p: failure[p]["unabsorbed_hours_per_week"], default=None)
    rural = instance.areas["rurality"] == "rural"
    # Unmet hours of a lot are taken to fall on its rural areas in proportion to their hours.
    rural_unmet = sum(probability[s] * sum(r["unmet"] * lot_rural_share(instance, l.areas)
                                           for r, l in zip(scenarios[s]["lots"], design.lots)) for s in scenarios)
    rural_demand = float(instance.expected_demand()[rural].sum())
    delivered = expect("delivered_hours_per_week")
    return {
        "expected_cost_gbp_per_year": round(expect("total_gbp_per_year"), 2),
        "cost_by_scenario_gbp_per_year": {s: round(c["total_gbp_per_year"], 2) for s, c in costs.items()},
        "cost_per_contact_hour_gbp": round(expect("total_gbp_per_year") / max(WEEKS_PER_YEAR * delivered, 1e-9), 2),
        "idle_block_hours_per_week": round(expect("idle_block_hours_per_week"), 1),
        "unmet_hours_per_week_by_scenario": {s: round(c["unmet_hours_per_week"], 1) for s, c in costs.items()},
        "travel_cost_gbp_per_year": round(WEEKS_PER_YEAR * sum(travel_cost_per_week(instance, l.areas, travel[l.lot])
                                                                for l in design.lots), 2),
        "clients_forced_to_switch": round(switched_clients),
        "hours_forced_to_switch_per_week": round(switched_hours, 1),
        "hhi_before": round(hhi(incumbent_hours), 0),
        "hhi_after": round(hhi(volumes), 0),
        "largest_share": round(float(volumes.max() / all_hours), 4) if len(volumes) else 0.0,  # of all hours
        "providers_awarded": len(awarded),
        "incumbents_retained": len(awarded & set(incumbent_hours.index)),
        "incumbents_losing_all_work": sorted(set(incumbent_hours.index[incumbent_hours > 0]) - awarded),
        "providers_below_viability": below,
        "worst_single_failure": {"provider": worst, **failure[worst]} if worst else None,
        "rural_hours_met_share": round(1 - rural_unmet / rural_demand, 4) if rural_demand > 0 else 1.0,
        "lots": lot_table(instance, design, scenarios, probability, travel).to_dict(orient="records"),
    }


def expected_delivery(design: Design, scenarios: dict[str, dict], probability: pd.Series) -> dict[tuple[str, str], float]:
    """Expected weekly hours by (lot, provider): block hours (used or not) plus call-off."""
    delivered: dict[tuple[str, str], float] = defaultdict(float)
    for a in design.awards:
        delivered[a.lot, a.provider] += a.block_hours_per_week
    for s, outcome in scenarios.items():
        for row in outcome["lots"]:
            for provider, hours in row["called"].items():
                delivered[row["lot"], provider] += probability[s] * hours
    return delivered


def lot_travel_minutes(instance: Instance, design: Design, scenarios: dict[str, dict], probability: pd.Series,
                       delivered: dict[tuple[str, str], float]) -> dict[str, float]:
    """Each lot's paid travel minutes per contact hour with the hours its providers are expected to
    deliver, each provider travelling at its own share (solver/travel.py); spot purchases count as
    one more provider."""
    sizes = area_sizes_km2(instance)
    travel = {}
    for position, lot in enumerate(design.lots):
        hours = [h for (l, _), h in delivered.items() if l == lot.lot]
        hours.append(sum(probability[s] * scenarios[s]["lots"][position]["spot"] for s in scenarios))
        travel[lot.lot] = market_travel_minutes_per_contact_hour(instance, lot.areas, hours, sizes)
    return travel


def forced_switches(instance: Instance, design: Design, delivered: dict[tuple[str, str], float]) -> tuple[float, float]:
    """Clients and hours whose provider must change: an incumbent keeps the share of its clients in
    a lot that its expected hours there (block plus call-off) cover, and none in lots it lost."""
    lots, lot_ids = [lot.areas for lot in design.lots], [lot.lot for lot in design.lots]
    held_clients = incumbency_by_lot(instance, lots, lot_ids, "clients")
    held_hours = incumbency_by_lot(instance, lots, lot_ids, "hours_per_week")
    clients = hours = 0.0
    for pair, n in held_clients.items():
        current = held_hours[pair]
        kept = min(1.0, delivered.get(pair, 0.0) / current) if current > 0 else float(pair in delivered)
        clients += n * (1 - kept)
        hours += current * (1 - kept)
    return clients, hours


def _failure_impact(instance: Instance, config: DesignConfig, design: Design, before: dict[str, Any], scenario: str,
                    provider: str) -> dict:
    """What one provider's failure does in `scenario`: its hours, and how many of them its lots'
    other providers cannot take on (they go to spot, or are unmet)."""
    after = dispatch(instance, config, design, scenario, failed=provider)
    unmet = sum(r["unmet"] for r in after["lots"]) - sum(r["unmet"] for r in before["lots"])
    spot = sum(r["spot"] for r in after["lots"]) - sum(r["spot"] for r in before["lots"])
    return {"hours_lost_per_week": round(before["volume_by_provider"].get(provider, 0.0), 1),
            "unabsorbed_hours_per_week": round(unmet + spot, 1),
            "to_spot_hours_per_week": round(spot, 1), "unmet_hours_per_week": round(unmet, 1)}


def lot_table(instance: Instance, design: Design, scenarios: dict[str, dict], probability: pd.Series,
              travel: dict[str, float]) -> pd.DataFrame:
    rows = []
    for position, lot in enumerate(design.lots):
        areas = instance.areas.loc[lot.areas]
        awards = [a for a in design.awards if a.lot == lot.lot]

        def expected(key: str, position: int = position) -> float:
            return sum(probability[s] * scenarios[s]["lots"][position][key] for s in scenarios)

        rows.append({
            "lot": lot.lot, "areas": len(lot.areas), "clients": int(areas["clients"].sum()),
            "hours_per_week": round(float(areas["care_hours_per_week"].sum()), 1),
            "rural_share": round(lot_rural_share(instance, lot.areas), 3),
            "providers": ", ".join(a.provider for a in awards),
            "block_hours_per_week": round(sum(a.block_hours_per_week for a in awards), 1),
            "expected_framework_hours_per_week": round(expected("framework"), 1),
            "expected_spot_hours_per_week": round(expected("spot"), 1),
            "expected_unmet_hours_per_week": round(expected("unmet"), 1),
            "travel_minutes_per_contact_hour": round(travel[lot.lot], 1),
        })
    return pd.DataFrame(rows)
