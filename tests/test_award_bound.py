"""The award stage's bound: valid inequalities that keep every whole design's price, and the path
large models take (relaxation bound, then branch and bound over the awards it supports)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from solver.design import optimise as optimise_module
from solver.care_cost import lot_travel_cost_per_week
from solver.design import by_lot
from solver.design.awards import AWARD_TERMS, AwardModel
from solver.design.contract import WEEKS_PER_YEAR
from solver.design.mip import solve
from solver.design.optimise import optimise
from solver.design.result import Award, Design, Lot
from solver.evaluate import evaluate
from solver.travel import area_sizes_km2

from .test_contract import REST, TOWN, config, tiny  # noqa: F401 (fixtures)


def priced_by_the_model(tiny, config, design: Design) -> dict[str, float]:
    """The award model's cost terms with every award and its terms fixed at the design's."""
    model = AwardModel(tiny, config, [lot.areas for lot in design.lots])
    model.finalise()
    with model.fixed_at(design.awards):
        report = solve(model.problem, "highs", None, 1e-9)
    assert report.status == "optimal"
    return model.objective_terms()


@pytest.mark.parametrize("lots, awards", [
    ([Lot("L1", TOWN), Lot("L2", REST)], [
        Award("L1", "P04", 150, call_off_ceiling_hours_per_week=100, reserved_headroom_hours_per_week=50),
        Award("L1", "P01", 100, call_off_ceiling_hours_per_week=50, reserved_headroom_hours_per_week=80),
        Award("L2", "P03", 400, call_off_ceiling_hours_per_week=100, reserved_headroom_hours_per_week=110),
        Award("L2", "P05", 250, call_off_ceiling_hours_per_week=100, reserved_headroom_hours_per_week=150)]),
    ([Lot("L1", TOWN + REST)], [
        Award("L1", "P03", 350, call_off_ceiling_hours_per_week=100, reserved_headroom_hours_per_week=80),
        Award("L1", "P04", 200, call_off_ceiling_hours_per_week=50, reserved_headroom_hours_per_week=150),
        Award("L1", "P05", 250, call_off_ceiling_hours_per_week=150)]),
])
def test_failure_cuts_keep_every_whole_designs_price(tiny, config, lots, awards) -> None:
    """The cuts that share partners' rooms among at most K - 1 failures cut off fractional awards
    only: a hand-written design (within the resilience rule) is priced by the model, cuts and all,
    as the evaluation prices it."""
    rules = replace(config, stability=replace(config.stability, max_provider_share=None, enforce_min_viable=False))
    design = Design("tiny", lots, awards)
    design.solve = {"objective_terms_gbp_per_year": priced_by_the_model(tiny, rules, design)}
    kpis = evaluate(tiny, rules, design)
    assert kpis["cost_terms_gbp_per_year"]["failures"] > 0
    for term, row in kpis["reconciliation"].items():
        assert row["agrees"], (term, row)


def test_large_award_model_is_bounded_by_its_relaxation_and_lagrangian(tiny, config, monkeypatch) -> None:
    monkeypatch.setattr(optimise_module, "WHOLE_MIP_MAX_VARIABLES", 0)
    quick = replace(config, lots=replace(config.lots, count_min=2, count_max=2),
                    solver=replace(config.solver, time_limit=20.0))
    design = optimise(tiny, quick)
    award = design.solve["award_stage"]
    lots = [lot.areas for lot in design.lots]
    model = AwardModel(tiny, quick, lots)
    model.finalise()
    relaxation = optimise_module._relaxation(model, 60)
    assert award["bounds"]["lp_relaxation"] == pytest.approx(relaxation.objective, rel=1e-6)
    assert award["bound"] == pytest.approx(max(award["bounds"].values()), rel=1e-9)
    assert relaxation.objective - 1e-6 <= award["bound"] <= award["objective"] + 1e-6
    assert award["gap"] == pytest.approx((award["objective"] - award["bound"]) / award["objective"], abs=1e-9)
    assert award["status"] == ("within_gap" if award["gap"] <= quick.solver.gap else "feasible") or award["gap"] < 1e-6
    assert design.solve["award_search"]["lots_and_pairs_searched"] == 3 and not design.solve["award_search"]["cut_by_time"]
    kpis = evaluate(tiny, quick, design)
    for term, row in kpis["reconciliation"].items():
        assert row["agrees"], (term, row)


def test_travel_is_never_priced_below_one_providers(tiny, config) -> None:
    """A lot has at least one provider, so even the relaxation prices at least one provider's travel."""
    model = AwardModel(tiny, config, [TOWN, REST])
    model.finalise()
    optimise_module._relaxation(model, 60)
    sizes = area_sizes_km2(tiny)
    one_each = sum(lot_travel_cost_per_week(tiny, areas, 1, sizes) for areas in (TOWN, REST))
    assert model.value(model.objective["travel"]) >= config.cost.travel_cost_weight * WEEKS_PER_YEAR * one_each - 1e-6


def relaxed(tiny, config) -> tuple[AwardModel, float]:
    model = AwardModel(tiny, config, [TOWN, REST])
    model.finalise()
    return model, optimise_module._relaxation(model, 60).objective


def test_lots_are_linked_only_through_providers(tiny, config) -> None:
    model, _ = relaxed(tiny, config)
    within, linking = by_lot.split(model)
    assert set(within) == set(model.lot_ids)
    for lot, constraints in within.items():
        assert all(model.lot_of[v.name] == lot for c in constraints for v in c)
    families = {name.split("_", 1)[1].split(":")[0] for name, c in model.problem.constraints.items() if c in linking}
    assert "capacity" in families and not any(f.startswith(("demand", "ceiling")) for f in families)


def test_lagrangian_bound_lies_between_the_relaxation_and_the_best_design(tiny, config) -> None:
    """At the relaxation's duals the lots' LP relaxations sum to the relaxation's bound (so the
    duals and their signs are read right); with the lots' MIPs solved whole the bound may only rise,
    and never above the whole model's optimum."""
    model, lp = relaxed(tiny, config)
    y = by_lot.duals(model)
    assert by_lot.lagrangian_bound(model, y, 60, relax=True).bound == pytest.approx(lp, rel=1e-7)
    lagrangian = by_lot.lagrangian_bound(model, y, 60)
    assert lagrangian.lots_proved == len(model.lot_ids)
    best = solve(model.problem, "highs", 120, 1e-9)
    assert best.status == "optimal"
    assert lp - 1e-6 <= lagrangian.bound <= best.objective * (1 + 1e-6)


def test_pair_search_keeps_a_cheaper_design_priced_as_the_model_prices_it(tiny, config) -> None:
    """From a poor design (the cheapest single provider per lot), lot-by-lot and pairwise search
    returns a design no dearer, whose values the whole model prices at the objective reported."""
    model, _ = relaxed(tiny, config)
    report = solve(model.problem, "highs", 60, 0.2, node_limit=1)
    assert report.has_solution
    values = {v.name: float(v.varValue or 0.0) for v in model.problem.variables()}
    found = by_lot.search_pairs(model, values, report.objective, 1, time.perf_counter() + 120)
    assert found.objective <= report.objective + 1e-6
    assert found.tried == len(model.lot_ids) + 1  # each lot, then the one pair
    awards = [Award(l, p, **{name: found.values[getattr(model, group)[l, p].name]
                             for group, name in AWARD_TERMS.items()})
              for (l, p), w in model.w.items() if found.values[w.name] > 0.5]
    with model.fixed_at(awards):
        priced = solve(model.problem, "highs", None, 1e-9)
    assert priced.objective == pytest.approx(found.objective, rel=1e-6)
