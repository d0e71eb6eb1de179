"""Scoring a design, optimised or hand-written, by the same code: costs per scenario, the failure
of every awarded provider in every scenario, continuity, market stability and coverage.

The evaluation does not trust the optimiser's recourse: it dispatches every scenario itself with
`contract.dispatch`, the same purchase order the award model's recourse states and the stress test
draws from. A design is ranked by one total, the award model's objective: council spend, the unmet
penalty, the expected extra cost of failures, carers' travel, the continuity valuation and any
quality credit. For an optimised design `reconciliation` sets the model's value of every term
beside the evaluation's.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from .care_cost import award_table, lot_travel_cost_per_week, pay_summary
from .design.awards import incumbency_by_lot
from .design.config import DesignConfig
from .design.contract import (
    SPEND_TERMS,
    TERMS,
    WEEKS_PER_YEAR,
    Market,
    Outcome,
    Terms,
    dispatch,
    market_of,
)
from .design.result import Design
from .instance import Instance
from .metrics import hhi
from .travel import area_sizes_km2, lot_travel_minutes

WHOSE = {
    "block": "council", "framework": "council", "residual": "council (residual market)", "contracts": "council",
    "unmet": "clients: care not delivered, valued at the unmet penalty (the council's duty)",
    "failures": "council: expected extra recourse when an awarded provider hands back its work",
    "travel": "providers and carers: travel time and mileage, which per-minute contact payment does not pay",
    "continuity": "clients: hand-overs to a new provider, valued per client",
    "quality": "none: the quality credit of a cost/quality evaluation ranks bids, no money changes hands",
}
RECONCILE_TOLERANCE = 0.01
VIABILITY_TOLERANCE = 0.05  # hours/week: designs record hours rounded down to the hundredth


def evaluate(instance: Instance, config: DesignConfig, design: Design) -> dict[str, Any]:
    """KPIs of a design, the same for every design."""
    market, terms = market_of(instance, config, design)
    need = market.demand.T
    normal = dispatch(market, terms, need)
    probability = market.probability
    scenarios = market.scenarios
    awarded = sorted({a.provider for a in design.awards})
    failures = failure_table(market, terms, normal, awarded)
    contracts = market.contract_fee_per_week * len(design.awards)
    sizes = area_sizes_km2(instance)
    sharing = [int((terms.lot == l).sum()) for l in range(len(design.lots))]
    travel = {lot.lot: lot_travel_minutes(instance, lot.areas, k, sizes) for lot, k in zip(design.lots, sharing)}
    travel_cost = config.cost.travel_cost_weight * WEEKS_PER_YEAR * sum(
        lot_travel_cost_per_week(instance, lot.areas, k, sizes) for lot, k in zip(design.lots, sharing))
    switched_clients, switched_hours = forced_switches(instance, design, terms, market)
    terms_by_year = {t: WEEKS_PER_YEAR * float(probability @ normal.cost[t].sum(axis=1)) for t in TERMS}
    base = failures[failures["scenario"] == scenarios[market.base]]
    terms_by_year["failures"] = WEEKS_PER_YEAR * market.failure_weight * float(base["extra_cost_gbp_per_week"].sum())
    terms_by_year["contracts"] = WEEKS_PER_YEAR * contracts
    terms_by_year["travel"] = travel_cost
    terms_by_year["continuity"] = (config.continuity.penalty_gbp_per_switched_client * switched_clients
                                   if config.continuity.enabled else 0.0)
    total = sum(terms_by_year.values())
    money = ("block", "framework", "residual", "unmet")
    by_scenario = WEEKS_PER_YEAR * (sum(normal.cost[t] for t in money).sum(axis=1) + contracts)
    spend = sum(terms_by_year[t] for t in SPEND_TERMS)
    delivered = float(probability @ normal.delivered().sum(axis=1))
    volumes = provider_volumes(market, terms, normal)
    guaranteed = pd.Series(np.bincount(terms.provider, terms.block + terms.floor, minlength=len(market.providers)),
                           index=market.providers)
    minimum = instance.providers["min_viable_hours_per_week"]
    incumbent_hours = instance.incumbency.groupby("provider_id")["hours_per_week"].sum()
    all_hours = float(probability @ need.sum(axis=1))
    rural = instance.areas["rurality"] == "rural"
    rural_demand = float(instance.expected_demand()[rural].sum())
    rural_unmet = float(probability @ (normal.unmet @ market.rural_share))
    worst = worst_failure(failures, scenarios[market.base])
    award_pay = award_table(instance, market, design, terms, normal, travel)
    pay = pay_summary(instance, design, award_pay, travel)
    kpis = {
        "expected_cost_gbp_per_year": round(total, 2),
        "cost_terms_gbp_per_year": {t: round(v, 2) for t, v in terms_by_year.items()},
        "council_spend_gbp_per_year": round(spend, 2),
        "unmet_penalty_gbp_per_year": round(terms_by_year["unmet"], 2),
        "cost_by_scenario_gbp_per_year": {s: round(float(c), 2) for s, c in zip(scenarios, by_scenario)},
        "cost_per_contact_hour_gbp": round(spend / max(WEEKS_PER_YEAR * delivered, 1e-9), 2),
        "idle_block_hours_per_week": round(float(probability @ normal.idle_block.sum(axis=1)), 1),
        "unmet_hours_per_week_by_scenario": {s: round(float(u), 1) for s, u in zip(scenarios, normal.unmet.sum(axis=1))},
        "residual_market": residual_market(market, terms, normal),
        "travel_cost_gbp_per_year": round(travel_cost, 2),
        "clients_forced_to_switch": round(switched_clients),
        "hours_forced_to_switch_per_week": round(switched_hours, 1),
        "hhi_before": round(hhi(incumbent_hours), 0),
        "hhi_after": round(hhi(volumes[volumes > 0]), 0),
        "largest_share": round(float(volumes.max() / all_hours), 4) if len(volumes) else 0.0,
        # what the share cap bounds: block and call-off ceilings over all hours of the lowest scenario
        "largest_contracted_share": round(float(np.bincount(terms.provider, terms.block + terms.ceiling).max()
                                                / need.sum(axis=1).min()), 4) if len(terms.lot) else 0.0,
        "providers_awarded": len(awarded),
        "incumbents_retained": len(set(awarded) & set(incumbent_hours.index)),
        "incumbents_losing_all_work": sorted(set(incumbent_hours.index[incumbent_hours > 0]) - set(awarded)),
        "providers_below_viability": sorted(p for p in awarded if guaranteed[p] < minimum[p] - VIABILITY_TOLERANCE),
        "failures": failures.round(2).to_dict(orient="records"),
        "worst_single_failure": worst,
        "rural_hours_met_share": round(1 - rural_unmet / rural_demand, 4) if rural_demand > 0 else 1.0,
        "lots": [row | pay["lots"][row["lot"]] for row in
                 lot_table(instance, market, design, terms, normal, travel).to_dict(orient="records")],
        "pay": pay["design"],
        "award_pay": award_pay.to_dict(orient="records"),
        "low_bids": low_bids(award_pay),
    }
    model_terms = (design.solve or {}).get("objective_terms_gbp_per_year")
    if model_terms:
        kpis["reconciliation"] = reconciliation(model_terms, kpis["cost_terms_gbp_per_year"])
    return kpis


def low_bids(award_pay: pd.DataFrame) -> list[dict[str, Any]]:
    """Awards whose income per contact hour is below the lot's cost of care, lowest first."""
    low = award_pay[award_pay["below_cost_of_care"]].sort_values("shortfall_per_contact_hour", ascending=False)
    return low.to_dict(orient="records")


def provider_volumes(market: Market, terms: Terms, normal: Outcome) -> pd.Series:
    """Expected weekly hours the council buys from each provider: awards and residual market."""
    probability = market.probability
    hours = np.bincount(terms.provider, probability @ (normal.block_paid + normal.call_off),
                        minlength=len(market.providers)) + probability @ normal.residual.sum(axis=1)
    return pd.Series(hours, index=market.providers)


def failure_table(market: Market, terms: Terms, normal: Outcome, awarded: list[str]) -> pd.DataFrame:
    """Every awarded provider's failure in every scenario: its hours lost in its lots, and who takes
    them on — its lot partners, the residual market — or whether they go unmet, with the extra cost."""
    columns = ["provider", "scenario", "lots", "hours_lost_per_week", "absorbed_by_partners_per_week",
               "absorbed_by_residual_market_per_week", "unmet_per_week", "extra_cost_gbp_per_week"]
    if not awarded:
        return pd.DataFrame(columns=columns)
    index = {p: i for i, p in enumerate(market.providers)}
    scenarios = len(market.scenarios)
    failed = np.repeat([terms.provider == index[p] for p in awarded], scenarios, axis=0).reshape(-1, len(terms.lot))
    after = dispatch(market, terms, np.tile(market.demand.T, (len(awarded), 1)), failed)  # provider-major rows
    extra = after.total() - np.tile(normal.total(), len(awarded))
    rows = []
    for k, p in enumerate(awarded):
        mine = terms.provider == index[p]
        lots = np.unique(terms.lot[mine])
        partners = np.isin(terms.lot, lots) & ~mine
        lost = (normal.block_paid[:, mine] + normal.call_off[:, mine]).sum(axis=1)
        for j, s in enumerate(market.scenarios):
            r = k * scenarios + j
            rows.append({
                "provider": p, "scenario": s, "lots": ", ".join(market.lot_ids[l] for l in lots),
                "hours_lost_per_week": float(lost[j]),
                "absorbed_by_partners_per_week": float((after.call_off[r] - normal.call_off[j])[partners].sum()),
                "absorbed_by_residual_market_per_week": float((after.residual[r, lots] - normal.residual[j, lots]).sum()),
                "unmet_per_week": float((after.unmet[r, lots] - normal.unmet[j, lots]).sum()),
                "extra_cost_gbp_per_week": float(extra[r]),
            })
    return pd.DataFrame(rows, columns=columns)


def worst_failure(failures: pd.DataFrame, scenario: str) -> dict | None:
    """The failure in `scenario` that leaves most care unplaced with partners (unmet first)."""
    base = failures[failures["scenario"] == scenario]
    if base.empty:
        return None
    unabsorbed = base["absorbed_by_residual_market_per_week"] + base["unmet_per_week"]
    row = base.loc[(base["unmet_per_week"] * 1e6 + unabsorbed).idxmax()]
    return {"provider": row["provider"], "scenario": scenario,
            "hours_lost_per_week": round(row["hours_lost_per_week"], 1),
            "absorbed_by_partners_per_week": round(row["absorbed_by_partners_per_week"], 1),
            "unabsorbed_hours_per_week": round(float(unabsorbed.loc[row.name]), 1),
            "to_residual_market_hours_per_week": round(row["absorbed_by_residual_market_per_week"], 1),
            "unmet_hours_per_week": round(row["unmet_per_week"], 1)}


def residual_market(market: Market, terms: Terms, normal: Outcome) -> dict[str, Any]:
    """The residual market's capacity open to the design's lots and what each scenario buys of it."""
    spare = np.maximum(market.capacity - terms.committed(len(market.providers)), 0.0)
    held = np.zeros_like(market.residual_share, dtype=bool)
    held[terms.provider, terms.lot] = True
    open_share = np.where(held, 0.0, market.residual_share) if market.spot else np.zeros_like(market.residual_share)
    return {"capacity_hours_per_week": round(float((open_share * spare[:, None]).sum()), 1),
            "used_hours_per_week_by_scenario": {s: round(float(h), 1) for s, h in
                                                zip(market.scenarios, normal.residual.sum(axis=(1, 2)))}}


def forced_switches(instance: Instance, design: Design, terms: Terms, market: Market) -> tuple[float, float]:
    """Clients and hours whose provider must change: an incumbent keeps the share of its clients in
    a lot that its guaranteed hours there (block and call-off floor) cover, and none in lots it lost."""
    lots, lot_ids = [lot.areas for lot in design.lots], [lot.lot for lot in design.lots]
    held_clients = incumbency_by_lot(instance, lots, lot_ids, "clients")
    held_hours = incumbency_by_lot(instance, lots, lot_ids, "hours_per_week")
    guaranteed: dict[tuple[str, str], float] = defaultdict(float)
    for i in range(len(terms.lot)):
        guaranteed[lot_ids[terms.lot[i]], market.providers[terms.provider[i]]] += terms.block[i] + terms.floor[i]
    awarded = {(lot_ids[terms.lot[i]], market.providers[terms.provider[i]]) for i in range(len(terms.lot))}
    clients = hours = 0.0
    for pair, n in held_clients.items():
        current = held_hours[pair]
        kept = min(1.0, guaranteed[pair] / current) if current > 0 else float(pair in awarded)
        kept *= pair in awarded
        clients += n * (1 - kept)
        hours += current * (1 - kept)
    return clients, hours


def reconciliation(model: dict[str, float], evaluation: dict[str, float]) -> dict[str, dict[str, Any]]:
    """Each cost term as the award model priced it and as the evaluation did, and whose cost it is."""
    table = {}
    for term in sorted(set(model) | set(evaluation), key=list(WHOSE).index):
        m, e = float(model.get(term, 0.0)), float(evaluation.get(term, 0.0))
        scale = max(abs(m), abs(e), 1.0)
        table[term] = {"model_gbp_per_year": round(m, 2), "evaluation_gbp_per_year": round(e, 2),
                       "agrees": abs(m - e) <= RECONCILE_TOLERANCE * scale or abs(m - e) < 1.0,
                       "whose": WHOSE[term]}
    return table


def lot_table(instance: Instance, market: Market, design: Design, terms: Terms, normal: Outcome,
              travel: dict[str, float]) -> pd.DataFrame:
    probability = market.probability
    framework = probability @ normal.by_lot(normal.call_off)
    residual = probability @ normal.residual.sum(axis=2)
    unmet = probability @ normal.unmet
    rows = []
    for l, lot in enumerate(design.lots):
        areas = instance.areas.loc[lot.areas]
        mine = terms.lot == l
        rows.append({
            "lot": lot.lot, "areas": len(lot.areas), "clients": int(areas["clients"].sum()),
            "hours_per_week": round(float(areas["care_hours_per_week"].sum()), 1),
            "rural_share": round(float(market.rural_share[l]), 3),
            "providers": ", ".join(a.provider for a in design.awards if a.lot == lot.lot),
            "block_hours_per_week": round(float(terms.block[mine].sum()), 1),
            "expected_framework_hours_per_week": round(float(framework[l]), 1),
            "expected_residual_hours_per_week": round(float(residual[l]), 1),
            "expected_unmet_hours_per_week": round(float(unmet[l]), 1),
            "reserved_headroom_hours_per_week": round(float(terms.headroom[mine].sum()), 1),
        })
    return pd.DataFrame(rows)
