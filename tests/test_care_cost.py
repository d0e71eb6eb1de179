"""Carers' pay and the cost of care on a design, from the travel estimator: income under each
payment basis, the pay it affords, and bids below the cost of care."""

from __future__ import annotations

from dataclasses import replace

import pytest

from solver.care_cost import (
    contact_hour,
    lot_assumptions,
    lowest_direct_costs,
    unpaid_minutes_per_contact_hour,
)
from solver.design.awards import AwardModel
from solver.design.config import DesignConfig
from solver.design.result import read_design
from solver.evaluate import evaluate
from solver.instance import load_instance
from solver.rounds.pay import direct_cost_per_contact_hour, price_per_contact_hour

from .conftest import INSTANCES, ROOT

CURRENT = ROOT / "docs" / "examples" / "tiny-current.json"


@pytest.fixture(scope="module")
def tiny():
    return load_instance(INSTANCES / "tiny")


def test_income_under_each_basis_follows_the_lot_travel(tiny) -> None:
    """Paid per hour with travel, an award earns its rate on contact and travel: rate × (1 + t/60)."""
    kpis = evaluate(tiny, DesignConfig(), read_design(CURRENT, tiny))
    for award in kpis["award_pay"]:
        rate, travel = award["rate_per_hour_delivered"], award["travel_minutes_per_contact_hour"]
        assert award["income_per_contact_hour_per_minute_contact"] == pytest.approx(rate, abs=0.01)
        assert award["income_per_contact_hour_per_hour_including_travel"] == pytest.approx(
            rate * (1 + travel / 60), abs=0.02)


def test_pay_below_the_nlw_exactly_when_the_price_is_below_the_cost_of_care(tiny) -> None:
    """The affordable pay inverts the build-up: carers fall below the NLW exactly when the income per
    contact hour is below the cost of care at the NLW."""
    kpis = evaluate(tiny, DesignConfig(), read_design(CURRENT, tiny))
    for award in kpis["award_pay"]:
        below = award["income_per_contact_hour"] < award["cost_of_care_per_contact_hour"] - 0.01
        above = award["income_per_contact_hour"] > award["cost_of_care_per_contact_hour"] + 0.01
        if below or above:
            assert award["below_nlw_per_minute_contact"] == below == award["below_cost_of_care"]
    share = kpis["pay"]["carers_below_nlw_share"]
    assert 0 <= share <= 1


def test_a_bid_under_the_direct_cost_is_abnormally_low(tiny) -> None:
    """Every bid at £15 an hour: below the direct cost of minimum-wage care in every lot (by hand,
    at the lot's travel), so every award is flagged with its shortfall against the full price."""
    providers = tiny.providers.assign(block_rate_gbp_per_hour=15.0, framework_rate_gbp_per_hour=15.0)
    cheap = replace(tiny, providers=providers)
    design = read_design(CURRENT, cheap)
    kpis = evaluate(cheap, DesignConfig(), design)
    areas = {lot.lot: lot.areas for lot in design.lots}
    assert len(kpis["low_bids"]) == len(kpis["award_pay"]) > 0
    for bid in kpis["low_bids"]:
        assumptions = lot_assumptions(cheap, areas[bid["lot"]], bid["travel_minutes_per_contact_hour"])
        assert bid["abnormally_low"] and 15.0 < direct_cost_per_contact_hour(assumptions)
        assert bid["shortfall_per_contact_hour"] == pytest.approx(price_per_contact_hour(assumptions) - 15.0, abs=0.01)
        assert bid["affordable_pay_per_working_hour"] < cheap.policy["national_living_wage_gbp_per_hour"]
    assert kpis["pay"]["carers_below_nlw_share"] == 1.0


def test_unpaid_working_time_depends_on_the_payment_basis(tiny) -> None:
    """Per contact minute leaves travel and counted waiting unpaid; per hour with travel only the
    waiting; salaried block nothing."""
    hour = contact_hour(lot_assumptions(tiny, list(tiny.area_ids), 12.0))
    waiting = hour.counted_waiting_minutes
    assert unpaid_minutes_per_contact_hour(hour, "per_minute_contact") == pytest.approx(12.0 + waiting)
    assert unpaid_minutes_per_contact_hour(hour, "per_hour_including_travel") == pytest.approx(waiting)
    assert unpaid_minutes_per_contact_hour(hour, "salaried_block") == pytest.approx(0.0)


def test_abnormally_low_bids_can_be_excluded(tiny) -> None:
    """One provider bids £15 an hour, below the direct cost of minimum-wage care in every lot even
    at the least travel the rules allow: flagged, it may be awarded in every lot; excluded, in none,
    and every other bid stays where it is not below its lot's floor."""
    from .test_design import small_config
    rates = tiny.providers[["block_rate_gbp_per_hour", "framework_rate_gbp_per_hour"]]
    cheap = replace(tiny, providers=tiny.providers.assign(
        block_rate_gbp_per_hour=rates["block_rate_gbp_per_hour"].where(tiny.providers.index != "P01", 15.0),
        framework_rate_gbp_per_hour=rates["framework_rate_gbp_per_hour"].where(tiny.providers.index != "P01", 15.5)))
    lots = [lot.areas for lot in read_design(CURRENT, cheap).lots]
    flagged = AwardModel(cheap, small_config(), lots)
    excluded = AwardModel(cheap, small_config(awards={"abnormally_low_bids": "exclude"}), lots)
    assert all(15.5 < floor < 30 for floor in lowest_direct_costs(cheap, small_config(), lots))
    assert {l for l, p in flagged.eligible if p == "P01"} == set(flagged.lot_ids)
    assert not {l for l, p in excluded.eligible if p == "P01"}
    floors = dict(zip(flagged.lot_ids, lowest_direct_costs(cheap, small_config(), lots)))
    assert set(excluded.eligible) == {(l, p) for l, p in flagged.eligible if min(flagged.prices(l, p)[:2]) >= floors[l]}
