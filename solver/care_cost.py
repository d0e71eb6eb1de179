"""What a design's prices mean for carers and for the cost of care, lot by lot, from the travel
estimator (no routing needed).

Each lot's carers travel as the award model prices it: the lot's providers share it evenly
(solver/travel.py). The cost of care there is the Homecare Association-style build-up
(solver/rounds/pay.py) at the NLW with that travel, the waiting HMRC counts as working time and the
mileage that travel drives. An award's income per contact hour is its rates on what the dispatch
buys of it (block hours paid, idle ones included, and call-off, over the hours delivered), paid
under a payment basis; what that income affords carers per working hour is the build-up inverted
(pay.affordable_pay): the provider keeps its running costs and surplus at the published shares and
pays on-costs and mileage. That is a provider's average carer, not each carer's rota.

A bid is **abnormally low** in a lot when the income it brings there is below the direct cost of
minimum-wage care at the lot's travel (it cannot pay the NLW for all working time even with no
running costs), and **below the cost of care** when it is below the full price.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from .design.config import DesignConfig
from .design.contract import Market, Outcome, Terms
from .design.result import Design
from .instance import Instance
from .instance.schema import PAYMENT_BASES
from .rounds.pay import (
    ALL_WAITING_MINUTES_PER_CONTACT_HOUR,
    CarerWeek,
    PriceAssumptions,
    affordable_pay,
    direct_cost_per_contact_hour,
    price_per_contact_hour,
    provider_income,
    travel_cost_per_contact_hour,
)
from .travel import (
    area_sizes_km2,
    lot_travel_minutes,
    road_speed_kmh,
    stop_minutes_per_contact_hour,
)


def lot_assumptions(instance: Instance, areas: list[str], travel_minutes: float) -> PriceAssumptions:
    """The cost-of-care build-up of a lot: the NLW and mileage rate of the instance's policy, the
    lot's travel per contact hour, driven at its road speed beyond each trip's fixed part and
    access time (solver/roads.py)."""
    policy = instance.policy
    return PriceAssumptions(pay_rate=float(policy["national_living_wage_gbp_per_hour"]),
                            travel_minutes_per_contact_hour=travel_minutes, miles_per_contact_hour=None,
                            road_speed_kmh=road_speed_kmh(instance, areas),
                            not_driving_minutes_per_contact_hour=min(travel_minutes,
                                                                     stop_minutes_per_contact_hour(instance, areas)),
                            mileage_rate=float(policy["mileage_rate_gbp_per_mile"]))


def lot_travel_cost_per_week(instance: Instance, areas: list[str], providers: int,
                             sizes: dict[str, float] | None = None) -> float:
    """Carers' travel cost of a lot that `providers` share evenly, £/week, as the award model and
    the evaluation both price it: the build-up's direct cost of that travel (pay with on-costs, and
    mileage) on the lot's care hours."""
    if providers <= 0:
        return 0.0
    hours = float(instance.areas.loc[areas, "care_hours_per_week"].sum())
    travel = lot_travel_minutes(instance, areas, providers, sizes)
    return hours * travel_cost_per_contact_hour(lot_assumptions(instance, areas, travel))


def cost_of_care_at(instance: Instance, design: Design, pay_rate: float) -> tuple[float, float]:
    """An evaluated design's cost of care per contact hour, the full price and its direct part, with
    carers paid `pay_rate` (a later year's NLW, say): each lot's build-up at its travel, weighted by
    the hours the awards deliver there, as pay_summary weighs them."""
    awards = pd.DataFrame(design.kpis["award_pay"])
    if awards.empty:
        return 0.0, 0.0
    areas = {lot.lot: lot.areas for lot in design.lots}
    lots = awards.groupby("lot").agg(hours=("hours_delivered_per_week", "sum"),
                                     travel=("travel_minutes_per_contact_hour", "first"))
    weights = lots["hours"] / lots["hours"].sum() if lots["hours"].sum() > 0 else 1 / len(lots)
    price = direct = 0.0
    for lot, row in lots.iterrows():
        assumptions = replace(lot_assumptions(instance, areas[lot], float(row["travel"])), pay_rate=pay_rate)
        price += weights[lot] * price_per_contact_hour(assumptions)
        direct += weights[lot] * direct_cost_per_contact_hour(assumptions)
    return price, direct


def lowest_direct_costs(instance: Instance, config: DesignConfig, lots: list[list[str]]) -> list[float]:
    """Each lot's direct cost of minimum-wage care at the least travel the rules allow (the fewest
    providers per lot): a bid below it is abnormally low however the lot is shared."""
    sizes = area_sizes_km2(instance)
    fewest = config.awards.providers_min
    return [direct_cost_per_contact_hour(lot_assumptions(instance, areas, lot_travel_minutes(instance, areas, fewest,
                                                                                             sizes)))
            for areas in lots]


def contact_hour(assumptions: PriceAssumptions) -> CarerWeek:
    """One contact hour of work with the lot's travel and waiting. Visits last whole quarter
    hours (solver/instance/schema.py), so banding pays what per-minute payment does."""
    return CarerWeek(contact_minutes=(60.0,), travel_minutes=assumptions.travel_minutes_per_contact_hour,
                     waiting_minutes=max(ALL_WAITING_MINUTES_PER_CONTACT_HOUR,
                                         assumptions.waiting_minutes_per_contact_hour),
                     counted_waiting_minutes=assumptions.waiting_minutes_per_contact_hour)


def award_table(instance: Instance, market: Market, design: Design, terms: Terms, normal: Outcome,
                travel: dict[str, float]) -> pd.DataFrame:
    """One row per award: hours delivered, the rate paid per hour delivered, and under each payment
    basis the income per contact hour and the pay per working hour it affords; the lot's cost of
    care beside them, and whether the bid is abnormally low or below the cost of care."""
    probability = market.probability
    basis = instance.policy["payment_basis"]
    nlw = float(instance.policy["national_living_wage_gbp_per_hour"])
    block_paid, call_off = probability @ normal.block_paid, probability @ normal.call_off
    idle = probability @ normal.idle_block
    rows = []
    for l, lot in enumerate(design.lots):
        assumptions = lot_assumptions(instance, lot.areas, travel[lot.lot])
        direct, price = direct_cost_per_contact_hour(assumptions), price_per_contact_hour(assumptions)
        hour = contact_hour(assumptions)
        mine = np.flatnonzero(terms.lot == l)
        lot_block = float(block_paid[mine].sum())
        for i in mine:
            p = terms.provider[i]
            used = block_paid[i] * (1 - idle[l] / lot_block if lot_block > 0 else 0.0)
            delivered = float(used + call_off[i])
            paid = float(market.block_price(l, p) * block_paid[i] + market.call_price(l, p) * call_off[i])
            rate = paid / delivered if delivered > 0 else float(market.block_price(l, p))
            row = {"lot": lot.lot, "provider": market.providers[p], "hours_delivered_per_week": round(delivered, 1),
                   "rate_per_hour_delivered": round(rate, 2),
                   "travel_minutes_per_contact_hour": round(travel[lot.lot], 3),
                   "direct_cost_per_contact_hour": round(direct, 2), "cost_of_care_per_contact_hour": round(price, 2)}
            for b in PAYMENT_BASES:
                income = provider_income(hour, b, rate)
                row[f"income_per_contact_hour_{b}"] = round(income, 2)
                row[f"affordable_pay_{b}"] = round(affordable_pay(income, assumptions), 2)
                row[f"below_nlw_{b}"] = row[f"affordable_pay_{b}"] < nlw
            income = row[f"income_per_contact_hour_{basis}"]
            row |= {"income_per_contact_hour": income, "affordable_pay_per_working_hour": row[f"affordable_pay_{basis}"],
                    "shortfall_per_contact_hour": round(max(0.0, price - income), 2),
                    "abnormally_low": income < direct, "below_cost_of_care": income < price}
            rows.append(row)
    return pd.DataFrame(rows)


def unpaid_minutes_per_contact_hour(hour: CarerWeek, basis: str) -> float:
    """Working time the council's payment basis does not pay for, per contact hour."""
    return max(0.0, hour.working - provider_income(hour, basis, 1.0) * 60)


def pay_summary(instance: Instance, design: Design, awards: pd.DataFrame,
                travel: dict[str, float]) -> dict[str, dict]:
    """Per lot and for the design: paid travel per contact hour, unpaid working time per
    carer-week under the design's basis, the price paid beside the cost of care, and under each
    basis the pay the design's prices afford and the share of carers (by hours) it leaves below the
    NLW. Lots and the design weigh awards by hours delivered."""
    basis = instance.policy["payment_basis"]
    out: dict[str, dict] = {}
    for lot in design.lots:
        mine = awards[awards["lot"] == lot.lot]
        assumptions = lot_assumptions(instance, lot.areas, travel[lot.lot])
        out[lot.lot] = _summary(mine, basis, unpaid_minutes_per_contact_hour(contact_hour(assumptions), basis)
                                * assumptions.contact_hours_per_week / 60, travel[lot.lot])
    hours = {l: float(awards.loc[awards["lot"] == l, "hours_delivered_per_week"].sum()) for l in out}
    total = math.fsum(hours.values())
    weights = {l: h / total if total > 0 else 1 / max(len(out), 1) for l, h in hours.items()}
    design_row = {key: round(math.fsum(weights[l] * out[l][key] for l in out), 2)
                  for key in next(iter(out.values()), {})}
    return {"lots": out, "design": design_row}


def _summary(awards: pd.DataFrame, basis: str, unpaid_hours_per_carer_week: float, travel: float) -> dict[str, float]:
    weights = awards["hours_delivered_per_week"].to_numpy(dtype=float)
    weights = weights / weights.sum() if weights.sum() > 0 else np.full(len(awards), 1 / max(len(awards), 1))

    def mean(column: str) -> float:
        return round(float(weights @ awards[column].to_numpy(dtype=float)), 3) if len(awards) else 0.0

    return {"travel_minutes_per_contact_hour": round(travel, 1),
            "unpaid_working_hours_per_carer_week": round(unpaid_hours_per_carer_week, 2),
            "price_paid_per_contact_hour": mean(f"income_per_contact_hour_{basis}"),
            "cost_of_care_per_contact_hour": mean("cost_of_care_per_contact_hour"),
            "affordable_pay_per_working_hour": mean(f"affordable_pay_{basis}"),
            "carers_below_nlw_share": mean(f"below_nlw_{basis}"),
            **{f"{kind}_{b}": mean(f"{kind}_{b}") for b in PAYMENT_BASES for kind in ("affordable_pay", "below_nlw")}}
