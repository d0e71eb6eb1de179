"""What each rule costs: the award stage re-solved on the design's lots with one rule relaxed."""

from __future__ import annotations

import pytest

from solver.design.optimise import optimise, solve_awards
from solver.evaluate import evaluate
from solver.instance import load_instance
from solver.rule_costs import HELD, RULES, rule_costs

from .conftest import INSTANCES
from .test_design import small_config


@pytest.fixture(scope="module")
def tiny():
    return load_instance(INSTANCES / "tiny")


def designed(instance, config):
    design = optimise(instance, config)
    design.kpis = evaluate(instance, config, design)
    return design


def test_a_rule_that_excludes_nothing_costs_nothing(tiny) -> None:
    """Every provider's base is within 1,000 km of every area: the reach rule excludes no one, so
    relaxing it finds no saving beyond the solver's gap."""
    config = small_config(coverage={"max_base_distance_km": 1000.0}, stability={"enabled": False})
    design = designed(tiny, config)
    costs = rule_costs(tiny, config, design, 30)
    reach = costs.loc["providers' reach"]
    assert not reach["binding"] and reach["saving_found_gbp_per_year"] <= design.solve["award_stage"]["gap"] * \
        design.solve["award_stage"]["objective"] + 1
    assert costs.index[-1] == HELD[0]


def test_a_tight_share_cap_has_a_price_bracketed_by_its_bound(tiny) -> None:
    """A 25% cap on any provider's share of all hours forces care to dearer providers: relaxing it
    saves what the relaxed award model finds (its objective against the design's), and no more than
    the relaxed model's bound allows."""
    config = small_config(stability={"max_provider_share": 0.25, "resilience_share": 0.0})
    design = designed(tiny, config)
    costs = rule_costs(tiny, config, design, 30)
    cap = costs.loc["market share cap"]
    assert cap["binding"] and 0 < cap["saving_found_gbp_per_year"] <= cap["most_it_buys_gbp_per_year"]
    relaxed = next(r for r in RULES if r.name == "market share cap").relax(config)
    _, report = solve_awards(tiny, relaxed, [lot.areas for lot in design.lots], 30, None)
    assert cap["saving_found_gbp_per_year"] == pytest.approx(design.solve["award_stage"]["objective"]
                                                             - report.objective, abs=1.0)
    assert "resilience headroom" not in costs.index  # a rule the configuration does not set is not listed


MARKET = {
    "areas.csv": "area_id,name,x_km,y_km,rurality,pop_65plus,clients,care_hours_per_week\n"
                 "A1,North,0,0,urban,500,5,50\nA2,South,0,2,urban,500,5,50\n",
    "adjacency.csv": "area_a,area_b\nA1,A2\n",
    "providers.csv": "provider_id,name,base_area_id,current_hours_per_week,max_hours_per_week,"
                     "block_rate_gbp_per_hour,framework_rate_gbp_per_hour,quality_score,min_viable_hours_per_week\n"
                     "P1,Cheap,A1,0,60,20,20,3,0\nP2,Dear,A2,0,100,25,25,3,0\n",
    "incumbency.csv": "provider_id,area_id,clients,hours_per_week\n",
    "scenarios.csv": "scenario,probability,multiplier_urban,multiplier_town,multiplier_rural\nbase,1,1,1,1\n",
    "instance.yaml": "name: two providers\ntables: {areas: areas.csv, adjacency: adjacency.csv, providers: providers.csv,"
                     " incumbency: incumbency.csv, scenarios: scenarios.csv}\n"
                     "policy: {year: 2025, national_living_wage_gbp_per_hour: 12.21, mileage_rate_gbp_per_mile: 0.45,"
                     " payment_basis: per_minute_contact, council_rate_gbp_per_hour: 24.1, budget_gbp_per_year: 200000}\n",
}


def test_the_cost_of_one_provider_per_lot_by_hand(tmp_path) -> None:
    """One lot of 100 hours a week; P1 bids £20 but can deliver 60 hours, P2 £25 and can deliver all.
    With one provider per lot, P2 takes it all: 100 x £25 = £2,500 a week. Allowed two, P1 takes its
    60 hours and P2 the other 40: £1,200 + £1,000 = £2,200. The rule costs £300 a week, £15,600 a
    year (no fees, travel, failures or continuity priced, so nothing else moves)."""
    for name, text in MARKET.items():
        (tmp_path / name).write_text(text)
    instance = load_instance(tmp_path)
    config = small_config(lots={"count_min": 1, "count_max": 1},
                          awards={"providers_max": 1, "max_lots_per_provider": 1},
                          volume={"block_share_max": 1.0, "spot": False},
                          stability={"enabled": False, "exit_rate": 0.0}, continuity={"enabled": False},
                          cost={"contract_fixed_gbp_per_year": 0.0, "travel_cost_weight": 0.0})
    design = designed(instance, config)
    assert [a.provider for a in design.awards] == ["P2"]
    assert design.solve["award_stage"]["objective"] == pytest.approx(2500 * 52, abs=1)
    cost = rule_costs(instance, config, design, 30).loc["providers per lot, at most"]
    assert cost["saving_found_gbp_per_year"] == pytest.approx(15_600, abs=1)
    assert cost["most_it_buys_gbp_per_year"] == pytest.approx(15_600, abs=1) and cost["binding"]
