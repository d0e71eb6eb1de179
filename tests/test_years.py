"""The contract over its years (solver/years.py) on the tiny county's hand-written current design:
a year-two cost worked by hand, the published NLW path, the year a fixed price falls below the cost
of care, demand growth and provider exits."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from solver.care_cost import lot_assumptions
from solver.design.config import DesignConfig
from solver.design.result import Design, read_design
from solver.evaluate import evaluate
from solver.instance import load_instance
from solver.rounds.pay import direct_cost_per_contact_hour, price_per_contact_hour
from solver.stress import StressSettings
from solver.years import (
    YearAssumptions,
    contract_years,
    crossing_summary,
    crossing_year,
    finding,
    national_living_wage,
)

from .conftest import INSTANCES, ROOT

CURRENT = ROOT / "docs" / "examples" / "tiny-current.json"


@pytest.fixture(scope="module")
def tiny():
    return load_instance(INSTANCES / "tiny")


@pytest.fixture(scope="module")
def design(tiny) -> Design:
    design = read_design(CURRENT, tiny)
    design.kpis = evaluate(tiny, DesignConfig(), design)
    return design


def priced_at(design: Design, rate: float) -> Design:
    """The evaluated design with its awards paying `rate` per contact hour."""
    kpis = design.kpis
    return replace(design, kpis=kpis | {"pay": kpis["pay"] | {"price_paid_per_contact_hour": rate}})


def cost_of_care_by_hand(tiny, design: Design, wage: float) -> tuple[float, float]:
    """Each lot's build-up with carers at `wage`, weighted by the hours its awards deliver."""
    awards = pd.DataFrame(design.kpis["award_pay"])
    areas = {lot.lot: lot.areas for lot in design.lots}
    hours = awards.groupby("lot")["hours_delivered_per_week"].sum()
    travel = awards.groupby("lot")["travel_minutes_per_contact_hour"].first()
    build = {lot: replace(lot_assumptions(tiny, areas[lot], travel[lot]), pay_rate=wage) for lot in hours.index}
    share = hours / hours.sum()
    return (sum(share[lot] * price_per_contact_hour(a) for lot, a in build.items()),
            sum(share[lot] * direct_cost_per_contact_hour(a) for lot, a in build.items()))


def test_year_two_cost_by_hand(tiny, design):
    kpis = design.kpis
    table = contract_years(tiny, design)
    row = table[(table["contract_year"] == 2) & (table["scenario"] == "central")].iloc[0]
    # by hand: the evaluation's first-year terms, 2% growth, the NLW of April 2026, 13% exits
    terms, lots = kpis["cost_terms_gbp_per_year"], pd.DataFrame(kpis["lots"])
    block_h, call_h = lots["block_hours_per_week"].sum(), lots["expected_framework_hours_per_week"].sum()
    care = {w: cost_of_care_by_hand(tiny, design, w)[0] for w in (12.21, 12.71)}
    market = care[12.71] / care[12.21]  # residual and growth hours follow the cost of care
    rate = (terms["block"] + terms["framework"]) / (52 * (block_h + call_h))
    spot = terms["framework"] / (52 * call_h) * 1.25  # the configuration's 25% spot premium
    growth = tiny.expected_demand().sum() * 0.02 - kpis["idle_block_hours_per_week"]
    n = kpis["providers_awarded"]
    exits = 0.13 * n * (30_000 + 0.5 * 52 * (block_h + call_h) / n * 0.25 * rate)
    expected = (terms["block"] + terms["framework"] + terms["residual"] * market + 52 * growth * spot * market
                + terms["contracts"] + exits)
    assert row["year"] == 2026 and row["period"] == "2026-27"
    assert row["annual_cost_gbp"] == pytest.approx(expected, rel=1e-9)
    assert row["hours_per_week"] == pytest.approx(tiny.expected_demand().sum() * 1.02)
    paid = kpis["pay"]["price_paid_per_contact_hour"]  # the evaluation's, rates fixed
    assert row["price_paid_per_contact_hour"] == pytest.approx(paid)
    assert row["cost_of_care_per_contact_hour"] == pytest.approx(care[12.71])
    assert row["gap_per_contact_hour"] == pytest.approx(paid - care[12.71])
    # the first year's cost of care is the one the evaluation sets beside the design's prices
    assert care[12.21] == pytest.approx(kpis["pay"]["cost_of_care_per_contact_hour"], abs=0.01)
    # the first year is the evaluation's council spend plus exits priced the same way
    first = table[(table["contract_year"] == 1) & (table["scenario"] == "central")].iloc[0]
    assert first["annual_cost_gbp"] - first["exits_gbp"] == pytest.approx(kpis["council_spend_gbp_per_year"], abs=0.1)


def test_nlw_path_uses_published_figures(tiny, design):
    assert [national_living_wage(y) for y in (2024, 2025, 2026)] == [11.44, 12.21, 12.71]
    assert national_living_wage(2027) == round(12.71 * 1.03, 2)  # labelled assumption: +3% a year
    assumptions = YearAssumptions(start_year=2024)
    table = contract_years(tiny, design, assumptions=assumptions)
    by_year = table.groupby("year")[["nlw_gbp_per_hour", "cost_of_care_per_contact_hour"]].first()
    assert list(by_year.index) == [2024, 2025, 2026, 2027, 2028]
    assert by_year.loc[[2024, 2025, 2026], "nlw_gbp_per_hour"].tolist() == [11.44, 12.21, 12.71]
    for year, wage in ((2024, 11.44), (2026, 12.71)):
        assert by_year.loc[year, "cost_of_care_per_contact_hour"] == pytest.approx(
            cost_of_care_by_hand(tiny, design, wage)[0])
    assert contract_years(tiny, design)["year"].min() == tiny.policy["year"]


def test_fixed_price_below_cost_of_care_found_in_its_year(tiny, design):
    assumptions = YearAssumptions()
    care = {y: cost_of_care_by_hand(tiny, design, national_living_wage(y))[0] for y in range(2025, 2030)}
    between = (care[2026] + care[2027]) / 2  # covers the cost of care to 2026-27, not in 2027-28
    tables = {name: contract_years(tiny, priced_at(design, rate), assumptions=assumptions)
              for name, rate in (("late", between), ("early", care[2025] - 1), ("ample", care[2029] + 1))}
    assert crossing_year(tables["late"]) == 2027
    summary = crossing_summary(tables)
    assert summary.loc["late", "crossing"] == "2027-28"
    assert summary.loc["early", "crossing"] == "2025-26 (from the start)"
    assert pd.isna(summary.loc["ample", "crossing_year"]) and summary.loc["ample", "crossing"] == "never within the contract"
    late = tables["late"]
    assert late.groupby("year")["price_paid_per_contact_hour"].first().round(9).nunique() == 1  # fixed rates
    assert not late[late["year"] <= 2026]["below_cost_of_care"].any() and late[late["year"] >= 2027]["below_cost_of_care"].all()
    text = finding(summary, assumptions)
    assert "2 of 3 designs pay below the cost of care" in text and "late, in 2027-28" in text


def test_uplift_by_cpi_raises_the_price_paid(tiny, design):
    fixed = contract_years(tiny, design).groupby("year")["price_paid_per_contact_hour"].first()
    cpi = contract_years(tiny, design, assumptions=YearAssumptions(price_uplift="cpi")).groupby("year")[
        "price_paid_per_contact_hour"].first()
    assert cpi.iloc[0] == pytest.approx(fixed.iloc[0]) and cpi.iloc[2] == pytest.approx(fixed.iloc[2] * 1.02 ** 2)


def test_demand_growth_raises_hours_and_cost(tiny, design):
    table = contract_years(tiny, design).set_index(["year", "scenario"])
    for column in ("hours_per_week", "annual_cost_gbp"):
        first, last = table.loc[2025, column], table.loc[2029, column]
        assert first["low"] == pytest.approx(first["high"])
        assert first["low"] < last["low"] < last["central"] < last["high"]


def test_zero_exit_rate_gives_no_exit_cost(tiny, design):
    assert YearAssumptions().exit_rate == StressSettings().exit_rate  # the stress test's rate
    none = contract_years(tiny, design, assumptions=YearAssumptions(exit_rate=0.0))
    assert (none["exits_gbp"] == 0).all() and (none["expected_exits"] == 0).all()
    some = contract_years(tiny, design)
    assert (some["exits_gbp"] > 0).all()
    assert (some["annual_cost_gbp"] - none["annual_cost_gbp"]).round(6).equals(some["exits_gbp"].round(6))
