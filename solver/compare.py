"""Contract designs side by side: optimise each configuration, add the council's current design if
given, and score every design with the same evaluation and the same stress test (one seed for all,
so the designs face the same draws of demand).

Each design is one `run.Run`; a configuration that fails — its rules cannot all be met, or it
cannot be read — is kept with its explanation, and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from rich.console import Console

from . import years
from .design.config import DesignConfig, with_valuation
from .design.result import read_design
from .evaluate import evaluate
from .instance import InputError, Instance
from .instance.schema import PAYMENT_BASES
from .report import (
    PAY_FORMATS,
    PAY_HEADINGS,
    PAY_METHOD,
    PRICE_BESIDE_PUBLISHED,
    TRAVEL_BESIDE_PUBLISHED,
    frame_table,
)
from .rule_costs import rule_costs
from .run import Run, given, prepared, run
from .stress import StressSettings

RULE_SECONDS = 120.0  # a cap per relaxed solve; the design's node limit decides


def compare(instance: Instance, config_paths: list[Path], current: Path | None = None,
            current_config: DesignConfig | None = None,
            adjust: Callable[[DesignConfig], DesignConfig] = lambda config: config,
            settings: StressSettings = StressSettings(), rule_seconds: float | None = RULE_SECONDS,
            progress: Callable[[str], None] = lambda message: None) -> list[Run]:
    """Every configuration's design (or failure), then the current design, all scored alike, and
    (unless rule_seconds is None) what each rule of every optimised design costs on its lots. The
    current design and every configuration are read first: a mistake in any raises InputError,
    with the problems of all of them, before any time is spent."""
    problems = []
    design = None
    if current is not None:
        try:
            design = read_design(current, instance)
        except InputError as error:
            problems += error.problems
    configs = {}
    for path in config_paths:
        try:
            configs[path] = prepared(instance, path, adjust)
        except InputError as error:
            problems += error.problems
    if problems:
        raise InputError(problems)
    reference = current_config or DesignConfig()
    current_run = [given(instance, design, current, reference, settings)] if design is not None else []
    runs = [run(instance, config, settings, progress=progress, source=str(path))
            for path, config in configs.items()] + current_run
    _unique_names(runs)
    for scored in runs:
        if scored.design is not None:
            valued = with_valuation(scored.config, reference)
            kpis = scored.kpis if valued == scored.config else evaluate(instance, valued, scored.design)
            scored.design.kpis["common_ranking_cost_gbp_per_year"] = kpis["expected_cost_gbp_per_year"]
        if scored.status == "ok" and rule_seconds is not None:
            progress(f"{scored.name}: what each rule costs")
            scored.rule_costs = rule_costs(instance, scored.config, scored.design, rule_seconds,
                                           scored.config.solver.node_limit)
    return runs


def _unique_names(candidates: list[Run]) -> None:
    seen: dict[str, int] = {}
    for candidate in candidates:
        seen[candidate.name] = seen.get(candidate.name, 0) + 1
        if seen[candidate.name] > 1:
            candidate.name = f"{candidate.name}-{seen[candidate.name]}"


def comparison_table(instance: Instance, candidates: list[Run]) -> pd.DataFrame:
    """One row per design; a failed design keeps its row, with why in `outcome` and `failure`."""
    table = pd.DataFrame([_row(instance, c) for c in candidates]).set_index("design")
    return table.astype({c: "Int64" for c in COUNTS if c in table.columns})


def _row(instance: Instance, candidate: Run) -> dict:
    if candidate.design is None:
        return {"design": candidate.name, "outcome": candidate.status, "seconds": round(candidate.seconds, 1),
                "failure": " ".join(candidate.failure.split())}
    kpis, stress = candidate.design.kpis, candidate.stress.summary()
    probability = instance.probabilities
    unmet = kpis["unmet_hours_per_week_by_scenario"]
    failure = kpis["worst_single_failure"] or {}
    return {
        "design": candidate.name,
        "outcome": candidate.status,
        "lots": len(candidate.design.lots),
        "providers": kpis["providers_awarded"],
        "common_ranking_cost_gbp_per_year": round(kpis["common_ranking_cost_gbp_per_year"]),
        "expected_cost_gbp_per_year": round(kpis["expected_cost_gbp_per_year"]),
        "council_spend_gbp_per_year": round(kpis["council_spend_gbp_per_year"]),
        "unmet_penalty_gbp_per_year": round(kpis["unmet_penalty_gbp_per_year"]),
        "cost_mean_gbp_per_year": round(stress["cost_mean_gbp_per_year"]),
        "cost_p95_gbp_per_year": round(stress["cost_p95_gbp_per_year"]),
        "cost_per_contact_hour_gbp": kpis["cost_per_contact_hour_gbp"],
        "idle_block_hours_per_week": kpis["idle_block_hours_per_week"],
        "clients_forced_to_switch": kpis["clients_forced_to_switch"],
        "hhi_after": kpis["hhi_after"],
        "largest_share": kpis["largest_share"],
        "providers_below_viability": len(kpis["providers_below_viability"]),
        "incumbents_losing_all_work": len(kpis["incumbents_losing_all_work"]),
        "worst_failure_provider": failure.get("provider"),
        "worst_failure_unabsorbed_hours_per_week": failure.get("unabsorbed_hours_per_week"),
        "unmet_expected_hours_per_week": round(float(sum(probability[s] * h for s, h in unmet.items())), 1),
        "unmet_worst_scenario_hours_per_week": max(unmet.values()),
        "stress_p_any_unmet": round(stress["p_any_unmet"], 3),
        "rural_hours_met_share": float(kpis["rural_hours_met_share"]),
        **kpis["pay"],
        "low_bids": len(kpis["low_bids"]),
        "abnormally_low_bids": sum(b["abnormally_low"] for b in kpis["low_bids"]),
        "award_gap": (candidate.design.solve.get("award_stage") or {}).get("gap"),
        "lot_stage": _stage(candidate.design.solve.get("lot_stage")),
        "award_stage": _stage(candidate.design.solve.get("award_stage")),
        "seconds": round(candidate.seconds, 1),
    }


def _stage(report: dict | None) -> str:
    """A solver stage as 'status (gap)'."""
    if not report:
        return "given"
    gap = report.get("gap")
    return report.get("status", "") + (f" ({gap:.2%})" if gap is not None else "")


COUNTS = ["lots", "providers", "low_bids", "abnormally_low_bids", "common_ranking_cost_gbp_per_year", "expected_cost_gbp_per_year", "council_spend_gbp_per_year",
          "unmet_penalty_gbp_per_year", "cost_mean_gbp_per_year", "cost_p95_gbp_per_year", "clients_forced_to_switch",
          "hhi_after", "providers_below_viability", "incumbents_losing_all_work"]

RULE_HEADINGS = {"saving_found_gbp_per_year": "found", "most_it_buys_gbp_per_year": "at most",
                 "status": "relaxed solve"}
RULE_NOTE = ("Each rule the configuration sets, relaxed alone and the awards solved again on the design's lots "
             "(the design's own node limit): 'found' is the saving of the best relaxed design found, 'at most' what any award "
             "on these lots could save (the relaxed model's bound); binding = the saving found exceeds the design's "
             "own gap. The lot count and balance shape the lots and are not re-solved here.")


def print_comparison(console: Console, instance: Instance, table: pd.DataFrame, settings: StressSettings,
                     runs: list[Run] = ()) -> None:
    for group, columns in PRINT_GROUPS.items():
        console.print(frame_table(printable(table).reindex(columns=columns),
                                  f"Designs compared on {instance.name}: {group}", FORMATS, index_name="design"))
    for r in runs:
        if r.rule_costs is not None:
            costs = r.rule_costs.drop(columns=["relaxed", "seconds"], errors="ignore").rename(columns=RULE_HEADINGS)
            console.print(frame_table(costs, f"What each rule of {r.name} costs, £ a year (its lots held)",
                                      {"found": "£{:,.0f}", "at most": "£{:,.0f}"}, index_name="rule"))
    if any(r.rule_costs is not None for r in runs):
        console.print(RULE_NOTE, highlight=False)
    scored_runs = [r for r in runs if r.design is not None]
    if scored_runs:
        tables = years.for_runs(instance, scored_runs, settings=settings)
        console.print(f"over the contract's years: {years.finding(years.crossing_summary(tables))} "
                      f"({years.basis_sentence(tables)})", highlight=False)
    console.print(ranking_basis(settings), highlight=False)
    console.print(verdict(table), highlight=False)


def ranking_basis(settings: StressSettings) -> str:
    """What the comparison's costs are, and so what the verdict rests on."""
    return (f"£m ranking: spend, unmet care at its penalty, provider failures, travel and continuity, valued "
            f"alike for every design (the reference configuration's values); £m own rules: the same under each "
            f"design's own values, its award model's objective; £m/yr: mean and 95th percentile of spend and unmet "
            f"care over {settings.draws} stress draws (seed {settings.seed}, provider exit rate "
            f"{settings.exit_rate:.0%}); the rest from the evaluation over the instance's scenarios. £/h "
            f"{PRICE_BESIDE_PUBLISHED}; travel min/h: {TRAVEL_BESIDE_PUBLISHED}; paid £/ch is what the design "
            f"pays per contact hour under the instance's payment basis, cost of care £/ch the Homecare "
            f"Association-style price at each lot's travel; {PAY_METHOD}; low bids are awards below their lot's "
            f"cost of care, abnormal ones below the direct cost of minimum-wage care")


def verdict(table: pd.DataFrame) -> str:
    """The design with the lowest ranking cost under one set of values (the reference
    configuration's unmet penalty, hand-over value, travel weight and exit rate), in which unmet care
    is priced: a design that drops care ranks cheaper only if its penalty-inclusive cost is lower.
    The runner-up and the margin say by how much it wins."""
    column = "common_ranking_cost_gbp_per_year"
    scored = table[table["outcome"].isin(["ok", "given"])] if column in table else table.iloc[:0]
    if scored.empty:
        return "no design could be scored"
    ranked = scored[column].astype(float).sort_values(kind="stable")
    name = ranked.index[0]
    row = scored.loc[name]
    text = (f"best: {name}: ranking cost £{row[column] / 1e6:.2f}m a year under common values (council spend "
            f"£{row['council_spend_gbp_per_year'] / 1e6:.2f}m, £{row['cost_per_contact_hour_gbp']:.2f} per contact hour; "
            f"unmet care {row['unmet_expected_hours_per_week']:,.0f} h/week, £{row['unmet_penalty_gbp_per_year'] / 1e6:.2f}m); "
            f"stress test mean £{row['cost_mean_gbp_per_year'] / 1e6:.2f}m, 95th percentile "
            f"£{row['cost_p95_gbp_per_year'] / 1e6:.2f}m")
    if len(ranked) > 1:
        margin = (ranked.iloc[1] - ranked.iloc[0]) / 1e6
        text += (f"; {ranked.index[1]} ranks next, " + (f"£{margin:.2f}m a year dearer" if round(margin, 2) > 0 else
                                                           "level to the nearest £0.01m"))
        gap = row.get("award_gap")
        if gap is not None and not pd.isna(gap):
            room = float(gap) * ranked.iloc[0] / 1e6
            text += (f", more than {name}'s own solver gap (£{room:.2f}m): the order holds" if margin > room else
                     f", within {name}'s own solver gap (£{room:.2f}m): too close to call on this search")
    return text


def printable(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison with short headings (for `FORMATS`) and annual costs in £ million."""
    return in_millions(table.drop(columns="failure", errors="ignore"), HEADINGS).rename(columns=HEADINGS)


def in_millions(frame: pd.DataFrame, headings: dict[str, str]) -> pd.DataFrame:
    """`frame` with each column whose heading in `headings` is in £m ("£m…") divided by a million."""
    columns = [c for c, h in headings.items() if h.startswith("£m") and c in frame]
    return frame.assign(**{c: frame[c].astype(float) / 1e6 for c in columns})


HEADINGS = {
    "common_ranking_cost_gbp_per_year": "£m ranking", "expected_cost_gbp_per_year": "£m own rules",
    "council_spend_gbp_per_year": "£m spend",
    "unmet_penalty_gbp_per_year": "£m unmet", "cost_mean_gbp_per_year": "£m/yr mean", "cost_p95_gbp_per_year": "£m/yr p95", "cost_per_contact_hour_gbp": "£/h",
    "idle_block_hours_per_week": "idle h/wk", "clients_forced_to_switch": "switched", "hhi_after": "HHI",
    "largest_share": "top share", "providers_below_viability": "below viable",
    "incumbents_losing_all_work": "incumb. out", "worst_failure_provider": "worst fail",
    "worst_failure_unabsorbed_hours_per_week": "fail unabs. h/wk", "unmet_expected_hours_per_week": "unmet h/wk",
    "unmet_worst_scenario_hours_per_week": "unmet worst", "stress_p_any_unmet": "P(unmet)",
    "rural_hours_met_share": "rural met", "travel_minutes_per_contact_hour": "travel min/h",
    "lot_stage": "lot stage", "award_stage": "award stage", "seconds": "s",
    **PAY_HEADINGS, "low_bids": "low bids", "abnormally_low_bids": "abnormal bids",
    **{f"{kind}_{b}": f"{word} {short}" for b, short in
       zip(PAYMENT_BASES, ("per-min", "banded", "+travel", "salaried")) for kind, word in
       (("affordable_pay", "£/wh"), ("below_nlw", "<NLW"))},
}
FORMATS = {"£m ranking": "£{:.2f}m", "£m own rules": "£{:.2f}m", "£m spend": "£{:.2f}m", "£m unmet": "£{:.2f}m",
           "£m/yr mean": "£{:.2f}m", "£m/yr p95": "£{:.2f}m", "£/h": "£{:.2f}", "top share": "{:.0%}",
           "P(unmet)": "{:.0%}", "rural met": "{:.1%}", "travel min/h": "{:.1f}", "unmet h/wk": "{:,.1f}",
           "unmet worst": "{:,.1f}", "s": "{:.0f}", **PAY_FORMATS,
           **{HEADINGS[f"{kind}_{b}"]: f for b in PAYMENT_BASES for kind, f in
              (("affordable_pay", "£{:.2f}"), ("below_nlw", "{:.0%}"))}}
# The printed comparison: three tables, one row per design in each, to fit a terminal.
PRINT_GROUPS = {
    "cost and coverage": ["£m ranking", "£m own rules", "£m spend", "£m unmet", "£m/yr mean", "£m/yr p95",
                          "£/h", "idle h/wk", "unmet h/wk", "unmet worst", "P(unmet)", "rural met"],
    "market and continuity": ["lots", "providers", "switched", "HHI", "top share", "below viable", "incumb. out",
                              "worst fail", "fail unabs. h/wk"],
    "carers' pay and the price of care": ["travel min/h", "unpaid h/carer-wk", "paid £/ch", "cost of care £/ch",
                                          "pay £/wh", "below NLW", "low bids", "abnormal bids"],
    "the same rates under each payment basis": [HEADINGS[f"{kind}_{b}"] for b in PAYMENT_BASES
                                                for kind in ("affordable_pay", "below_nlw")],
    "solving": ["outcome", "lot stage", "award stage", "s"],
}
