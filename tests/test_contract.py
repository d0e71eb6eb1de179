"""One contract, priced the same by the award model, the evaluation and the stress test.

The known answers are worked by hand on `tiny`: lot Town (areas A01-A04, 440 hours/week in the base
scenario) is held by P04 (block 150, call-off ceiling 100, framework £24.13) and P01 (block 100,
ceiling 50, framework £26.23); P03 and P05 commit all their capacity to lot Rest, so the only
residual market open to Town is P02 (64 hours/week, holding no award) at its share of Town's hours.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from solver.design.config import load_config
from solver.design.contract import WEEKS_PER_YEAR, dispatch, market_of
from solver.design.optimise import optimise
from solver.design.result import Award, Design, Lot
from solver.evaluate import evaluate
from solver.instance import load_instance
from solver.stress import StressSettings, stress_test

from .conftest import INSTANCES, ROOT

TOWN = ["A01", "A02", "A03", "A04"]
REST = ["A05", "A06", "A07", "A08", "A09", "A10", "A11", "A12"]


@pytest.fixture(scope="module")
def tiny():
    return load_instance(INSTANCES / "tiny")


@pytest.fixture(scope="module")
def config():
    return load_config(ROOT / "configs" / "balanced.yaml")


def town_design(headroom: float = 0.0) -> Design:
    return Design("tiny", [Lot("Town", TOWN), Lot("Rest", REST)], [
        Award("Town", "P04", 150, call_off_ceiling_hours_per_week=100),
        Award("Town", "P01", 100, call_off_ceiling_hours_per_week=50, reserved_headroom_hours_per_week=headroom),
        Award("Rest", "P03", 400, call_off_ceiling_hours_per_week=227),
        Award("Rest", "P05", 300, call_off_ceiling_hours_per_week=202),
    ])


def p02_share_of_town(tiny) -> float:
    """Every tiny area is within 25 km of P02's base, so it offers Town Town's share of all hours."""
    expected = tiny.expected_demand()
    return float(expected[TOWN].sum() / expected.sum())


def test_dispatch_known_answer(tiny, config) -> None:
    market, terms = market_of(tiny, config, town_design())
    out = dispatch(market, terms, market.demand.T)
    base = 0
    assert market.demand[0, base] == pytest.approx(440.0)
    # blocks 250, then P04's call-off (cheaper) to its ceiling, then P01's, then P02, then unmet
    assert out.call_off[base, :2] == pytest.approx([100.0, 50.0])
    p02 = 64 * p02_share_of_town(tiny)
    assert out.residual[base, 0].sum() == pytest.approx(p02)
    assert out.residual[base, 0, tiny.provider_ids.index("P02")] == pytest.approx(p02)
    assert out.unmet[base, 0] == pytest.approx(440 - 250 - 150 - p02)
    assert out.cost["block"][base, 0] == pytest.approx(150 * 22.97 + 100 * 24.98)
    assert out.cost["framework"][base, 0] == pytest.approx(100 * 24.13 + 50 * 26.23)
    assert out.cost["unmet"][base, 0] == pytest.approx((440 - 400 - p02) * config.volume.unmet_penalty_gbp_per_hour)
    price = float(market.residual_price[tiny.provider_ids.index("P02"), 0])
    assert price > 24.43 * (1 + config.volume.spot_premium)  # its bid, the premium, and the trip from its base
    assert out.cost["residual"][base, 0] == pytest.approx(p02 * price)


def test_each_failure_known_answer_and_headroom(tiny, config) -> None:
    """P04 fails in the base scenario: its 250 hours are lost; P01 is at its ceiling, so without
    headroom all 250 go unmet; with 30 hours of reserved headroom P01 takes on 30."""
    for headroom, partners in ((0.0, 0.0), (30.0, 30.0)):
        kpis = evaluate(tiny, config, town_design(headroom))
        row = next(f for f in kpis["failures"] if f["provider"] == "P04" and f["scenario"] == "base")
        assert row["hours_lost_per_week"] == pytest.approx(250.0)
        assert row["absorbed_by_partners_per_week"] == pytest.approx(partners)
        assert row["absorbed_by_residual_market_per_week"] == pytest.approx(0.0, abs=1e-9)
        assert row["unmet_per_week"] == pytest.approx(250.0 - partners)
    # every awarded provider, every scenario
    assert {(f["provider"], f["scenario"]) for f in kpis["failures"]} == {
        (p, s) for p in ("P01", "P03", "P04", "P05") for s in tiny.scenarios.index}


def test_unmet_care_is_always_in_the_ranking_cost(tiny, config) -> None:
    kpis = evaluate(tiny, config, town_design())
    market, _ = market_of(tiny, config, town_design())
    unmet = sum(p * sum(h for h in [kpis["unmet_hours_per_week_by_scenario"][s]])
                for s, p in zip(market.scenarios, market.probability))
    assert kpis["cost_terms_gbp_per_year"]["unmet"] == pytest.approx(
        WEEKS_PER_YEAR * unmet * config.volume.unmet_penalty_gbp_per_hour, rel=1e-3)
    assert kpis["expected_cost_gbp_per_year"] == pytest.approx(sum(kpis["cost_terms_gbp_per_year"].values()), abs=1)
    # P01's headroom takes on 30 of P04's hours that would go unmet: that failure costs less
    relieved = evaluate(tiny, config, town_design(30.0))

    def p04_fails(k: dict) -> float:
        return next(f["extra_cost_gbp_per_week"] for f in k["failures"] if f["provider"] == "P04" and f["scenario"] == "base")

    assert p04_fails(relieved) < p04_fails(kpis) - 29 * (config.volume.unmet_penalty_gbp_per_hour - 30)


def test_stress_test_without_noise_or_exits_is_the_evaluation(tiny, config) -> None:
    design = town_design()
    calm = StressSettings(draws=40, exit_rate=0.0, county_sigma=0.0, area_sigma=0.0)
    result = stress_test(tiny, config, design, calm)
    by_scenario = evaluate(tiny, config, design)["cost_by_scenario_gbp_per_year"]
    for cost, scenario in zip(result.cost_gbp_per_year, result.scenario):
        assert cost == pytest.approx(by_scenario[scenario], rel=1e-8)


def test_stress_exits_use_the_same_failure_dispatch(tiny, config) -> None:
    """With every provider exiting at once at the start of the year and no noise, a draw's cost is
    the evaluation's dispatch with every award failed."""
    design = town_design()
    market, terms = market_of(tiny, config, design)
    everyone = dispatch(market, terms, market.demand.T, np.ones((len(market.scenarios), len(terms.lot)), dtype=bool))
    assert everyone.block_paid.sum() == 0 and everyone.call_off.sum() == 0
    result = stress_test(tiny, config, design, StressSettings(draws=30, exit_rate=1.0, county_sigma=0.0, area_sigma=0.0))
    assert (result.exits == 4).all()
    assert (result.unmet_hours_per_week > 0).all()


def test_optimised_design_reconciles_term_by_term(tiny, config) -> None:
    quick = replace(config, lots=replace(config.lots, count_min=3, count_max=3),
                    solver=replace(config.solver, time_limit=8.0, gap=0.02))
    design = optimise(tiny, quick)
    kpis = evaluate(tiny, quick, design)
    assert set(kpis["reconciliation"]) >= {"block", "framework", "residual", "unmet", "failures", "contracts",
                                           "travel", "continuity"}
    for term, row in kpis["reconciliation"].items():
        assert row["agrees"], (term, row)
    assert kpis["expected_cost_gbp_per_year"] == pytest.approx(design.solve["award_stage"]["objective"], rel=0.01)
    # the plan is real: residual purchases within the market's capacity, no provider above its capacity
    residual = kpis["residual_market"]
    assert max(residual["used_hours_per_week_by_scenario"].values()) <= residual["capacity_hours_per_week"] + 1e-6
    capacity = tiny.providers["max_hours_per_week"]
    for p in {a.provider for a in design.awards}:
        committed = sum(a.block_hours_per_week + (a.call_off_ceiling_hours_per_week or 0)
                        + a.reserved_headroom_hours_per_week for a in design.awards if a.provider == p)
        assert committed <= capacity[p] + 1e-6


def _switched(config, section: str, **changes):
    return replace(config, **{section: replace(getattr(config, section), **changes)})


@pytest.mark.parametrize("section, changes, check", [
    ("volume", {"spot": False}, lambda base, k: k["residual_market"]["capacity_hours_per_week"] == 0
     and k["cost_terms_gbp_per_year"]["unmet"] > base["cost_terms_gbp_per_year"]["unmet"]),
    ("volume", {"residual_reach_km": 1.0}, lambda base, k: k["residual_market"]["capacity_hours_per_week"]
     < base["residual_market"]["capacity_hours_per_week"]),
    ("volume", {"spot_premium": 1.0}, lambda base, k: k["cost_terms_gbp_per_year"]["residual"]
     > base["cost_terms_gbp_per_year"]["residual"]),
    ("volume", {"unmet_penalty_gbp_per_hour": 240.0}, lambda base, k: k["cost_terms_gbp_per_year"]["unmet"]
     == pytest.approx(2 * base["cost_terms_gbp_per_year"]["unmet"], rel=1e-6)),
    ("stability", {"exit_rate": 0.0}, lambda base, k: k["cost_terms_gbp_per_year"]["failures"] == 0
     and base["cost_terms_gbp_per_year"]["failures"] > 0),
    ("cost", {"rural_uplift": 0.13}, lambda base, k: k["cost_terms_gbp_per_year"]["block"]
     > base["cost_terms_gbp_per_year"]["block"]),
    ("awards", {"quality_weight": 1.5}, lambda base, k: k["cost_terms_gbp_per_year"]["quality"] != 0
     and base["cost_terms_gbp_per_year"]["quality"] == 0),
    ("awards", {"single_rate_gbp_per_hour": 30.0}, lambda base, k: k["cost_terms_gbp_per_year"]["block"]
     == pytest.approx(WEEKS_PER_YEAR * 30.0 * sum(a.block_hours_per_week for a in town_design().awards))),
    ("continuity", {"enabled": False}, lambda base, k: k["cost_terms_gbp_per_year"]["continuity"] == 0
     and base["cost_terms_gbp_per_year"]["continuity"] > 0),
])
def test_each_contract_switch_moves_the_figures_the_right_way(tiny, config, section, changes, check) -> None:
    base = evaluate(tiny, config, town_design())
    assert check(base, evaluate(tiny, _switched(config, section, **changes), town_design()))


def test_resilience_rule_reserves_headroom_for_each_failure(tiny, config) -> None:
    quick = replace(config, lots=replace(config.lots, count_min=3, count_max=3),
                    solver=replace(config.solver, node_limit=20))
    free = optimise(tiny, _switched(quick, "stability", resilience_share=0.0))
    held = optimise(tiny, _switched(quick, "stability", resilience_share=0.5))
    for award in held.awards:
        partners = [a for a in held.awards if a.lot == award.lot and a.provider != award.provider]
        contracted = award.block_hours_per_week + award.call_off_ceiling_hours_per_week
        assert sum(a.reserved_headroom_hours_per_week for a in partners) >= 0.5 * contracted - 0.1
    assert sum(a.reserved_headroom_hours_per_week for a in held.awards) >= sum(
        a.reserved_headroom_hours_per_week for a in free.awards)
