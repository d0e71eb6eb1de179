"""Pay under each payment basis and practice, the minimum-wage test, and the Homecare Association
price check."""

from __future__ import annotations

import pytest

from solver.rounds.pay import (CarerWeek, PriceAssumptions, check_pay, direct_cost_per_contact_hour,
                               price_breakdown, price_per_contact_hour, provider_income)

NLW = 12.21


@pytest.fixture
def week() -> CarerWeek:
    """By hand: 20 visits of 30 min (10 contact hours), 2 hours of travel between visits, 1 hour to
    and from home, 90 min waiting, 40 miles. Working time 12 hours."""
    return CarerWeek(contact_minutes=(30.0,) * 20, travel_minutes=120, home_travel_minutes=60, waiting_minutes=90,
                     miles=40)


def test_income_under_each_basis(week: CarerWeek) -> None:
    assert provider_income(week, "per_minute_contact", 24.0) == pytest.approx(240.0)
    assert provider_income(week, "banded_15_minutes", 24.0) == pytest.approx(240.0)
    assert provider_income(week, "per_hour_including_travel", 24.0) == pytest.approx(288.0)
    assert provider_income(week, "salaried_block", 24.0) == pytest.approx(24.0 * 13.5)
    short = CarerWeek(contact_minutes=(20.0, 31.0), travel_minutes=0)
    assert provider_income(short, "banded_15_minutes", 60.0) == pytest.approx(30 + 45)  # bands round up
    with pytest.raises(ValueError):
        provider_income(week, "per_visit", 24.0)


def test_contact_only_pay_at_the_nlw_breaches(week: CarerWeek) -> None:
    """10 paid hours × £12.21 = £122.10 over 12 working hours = £10.175 an hour: a breach, with 120
    minutes of travel unpaid. Home travel and waiting are not working time, so they do not count."""
    check = check_pay(week, "contact_only", NLW, NLW)
    assert check.pay == pytest.approx(122.10)
    assert check.effective_hourly == pytest.approx(10.175)
    assert check.breach and check.unpaid_travel_minutes == pytest.approx(120)


def test_contact_only_pay_high_enough_does_not_breach(week: CarerWeek) -> None:
    """£14.70 per contact hour: £147 over 12 working hours = £12.25, above the NLW."""
    check = check_pay(week, "contact_only", 14.70, NLW)
    assert check.effective_hourly == pytest.approx(12.25)
    assert not check.breach


def test_travel_paid_at_the_nlw_does_not_breach(week: CarerWeek) -> None:
    check = check_pay(week, "travel_paid", NLW, NLW)
    assert check.pay == pytest.approx(12 * NLW)
    assert check.effective_hourly == pytest.approx(NLW)
    assert not check.breach and check.unpaid_travel_minutes == 0


def test_price_lands_near_the_homecare_association_minimum_price() -> None:
    """The 2025-26 Minimum Price is £32.14 at the NLW of £12.21, its direct cost of care £22.71
    (assumptions and sources in PriceAssumptions' docstring)."""
    assumptions = PriceAssumptions()
    price = price_per_contact_hour(assumptions)
    assert price == pytest.approx(32.14, rel=0.03)
    assert direct_cost_per_contact_hour(assumptions) == pytest.approx(22.71, rel=0.03)
    items = price_breakdown(assumptions)
    assert items["contact_pay"] == NLW and items["travel_pay"] == pytest.approx(NLW * 12 / 60)
    assert 0.70 <= direct_cost_per_contact_hour(assumptions) / price <= 0.72


def test_price_rises_with_travel() -> None:
    urban = PriceAssumptions(travel_minutes_per_contact_hour=8)
    rural = PriceAssumptions(travel_minutes_per_contact_hour=20)
    assert price_per_contact_hour(rural) > price_per_contact_hour(urban)
    with pytest.raises(ValueError):
        PriceAssumptions(running_costs_share=0.9, surplus_share=0.2)
