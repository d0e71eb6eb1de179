"""Writing a design's outputs (design.json, CSV tables) and printing its summary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from .design.result import Design
from .generate import COUNCIL_RATE
from .rounds.pay import MINIMUM_PRICE_2025_26
from .travel import PUBLISHED_MINUTES_PER_CONTACT_HOUR
from .instance import Instance


def format_cell(value: object, fmt: str | None = None) -> str:
    """A table cell as text: empty for missing, thousands separators for floats unless `fmt` says."""
    if pd.isna(value):
        return ""
    return (fmt or ("{:,.0f}" if isinstance(value, float) else "{}")).format(value)


def frame_table(frame: pd.DataFrame, title: str, formats: dict[str, str] | None = None,
                index_name: str | None = None) -> Table:
    """A rich table of a DataFrame, numbers right-aligned and formatted per column."""
    formats = formats or {}
    table = Table(title=title, title_justify="left")
    if index_name is not None:
        table.add_column(index_name)
    for column in frame.columns:
        table.add_column(str(column), justify="right" if pd.api.types.is_numeric_dtype(frame[column]) else "left")
    for index, row in frame.iterrows():
        cells = [str(index)] if index_name is not None else []
        cells += [format_cell(row[column], formats.get(column)) for column in frame.columns]
        table.add_row(*cells)
    return table


def write_outputs(instance: Instance, design: Design, out: Path) -> list[str]:
    """Write a scored design: design.json, awards, per-lot KPIs, every failure, and the area → lot table
    with the areas' and lots' GIS layers (solver/reports/geojson.py); returns the files' names."""
    from .reports.geojson import write_gis  # here: importing solver.reports imports this module

    out.mkdir(parents=True, exist_ok=True)
    design.write(out / "design.json")
    design.to_frame().merge(instance.providers[["name"]], left_on="provider", right_index=True, how="left").to_csv(
        out / "awards.csv", index=False)
    lots = pd.DataFrame(design.kpis["lots"])
    lots.to_csv(out / "lots.csv", index=False)
    gis = write_gis(instance, out.resolve().name, design, lots.set_index("lot"), out)
    pd.DataFrame(design.kpis["failures"]).to_csv(out / "failures.csv", index=False)
    return ["design.json", "awards.csv", "lots.csv", "failures.csv", *(path.name for path in gis)]


PRICE_BESIDE_PUBLISHED = (f"against the councils' 2025-26 average £{COUNCIL_RATE:.2f} and the Homecare Association's "
                          f"minimum price £{MINIMUM_PRICE_2025_26:.2f}, ../shared/domain.md §3")
TRAVEL_BESIDE_PUBLISHED = ("optimised rounds, which leave out parking, traffic and moved visits (solver/travel.py), "
                           f"so mostly below the published {PUBLISHED_MINUTES_PER_CONTACT_HOUR[0]:g}-"
                           f"{PUBLISHED_MINUTES_PER_CONTACT_HOUR[1]:g} paid minutes per contact hour, 12 an urban base "
                           "case (../shared/domain.md §3)")


def print_design(console: Console, instance: Instance, design: Design) -> None:
    kpis = design.kpis
    solve = design.solve
    if solve:
        console.print(f"[bold]method[/bold]: {solve.get('method', 'given')}", highlight=False)
        for stage in ("lot_stage", "award_stage"):
            report = solve.get(stage)
            if report:
                console.print(f"[bold]{stage.replace('_', ' ')}[/bold]: {_describe(report)}", highlight=False)
        if "reproducible" in solve:
            console.print("[bold]reproducible[/bold]: " + (
                "yes: every decision was bounded by counted work (nodes, moves), none by the clock"
                if solve["reproducible"] else "[yellow]no[/yellow]: a time limit cut a stage short, so the design may "
                "differ on a busier or faster machine; raise --time-limit (or lower --node-limit)"), highlight=False)
        if "lot_source" in solve:
            console.print(f"[bold]lots from[/bold]: {solve['lot_source']}", highlight=False)
        for tried in solve.get("lot_counts_tried", []):
            if "objective" in tried:
                console.print(f"[bold]{tried['lots']} lots[/bold] (screening): £{tried['objective']:,.0f} a year",
                              highlight=False)
        if solve.get("lot_counts_too_close_to_call"):
            console.print("[yellow]lot count too close to call:[/yellow] the screening cost of "
                          + ", ".join(f"{k} lots" for k in solve["lot_counts_too_close_to_call"])
                          + " lies within the chosen design's gap; a higher --node-limit may separate them",
                          highlight=False)
    lots = pd.DataFrame(kpis["lots"]).set_index("lot")
    console.print(frame_table(lots.rename(columns=LOT_HEADINGS), f"Lots of {instance.name}",
                              {"rural": "{:.0%}", "travel min/h": "{:.1f}"}, index_name="lot"))
    costs = ", ".join(f"{s} £{c:,.0f}" for s, c in kpis["cost_by_scenario_gbp_per_year"].items())
    failure = kpis["worst_single_failure"]
    terms = kpis["cost_terms_gbp_per_year"]
    residual = kpis["residual_market"]
    lines = {
        "expected cost": f"£{kpis['expected_cost_gbp_per_year']:,.0f} a year, the total designs are ranked by: "
                         f"council spend £{kpis['council_spend_gbp_per_year']:,.0f} "
                         f"(£{kpis['cost_per_contact_hour_gbp']:.2f} per contact hour {PRICE_BESIDE_PUBLISHED}), unmet care "
                         f"£{terms['unmet']:,.0f}, provider failures £{terms['failures']:,.0f}, carers' travel "
                         f"£{terms['travel']:,.0f}, continuity £{terms['continuity']:,.0f}",
        "cost by scenario": costs + " (spend and unmet care)",
        "idle block hours": f"{kpis['idle_block_hours_per_week']:,.0f} a week (expected)",
        "unmet hours": ", ".join(f"{s} {h:,.0f}" for s, h in kpis["unmet_hours_per_week_by_scenario"].items()),
        "residual market": f"{residual['capacity_hours_per_week']:,.0f} hours/week open to the lots; bought "
                           + ", ".join(f"{s} {h:,.0f}" for s, h in residual["used_hours_per_week_by_scenario"].items()),
        "carers' travel": f"£{kpis['travel_cost_gbp_per_year']:,.0f} a year (true cost, unpaid under per-minute billing); "
                          f"travel min/h in the lots table are {TRAVEL_BESIDE_PUBLISHED}",
        "continuity": f"{kpis['clients_forced_to_switch']:,} clients forced to switch provider",
        "market": f"HHI {kpis['hhi_before']:,.0f} before, {kpis['hhi_after']:,.0f} after; largest share "
                  f"{kpis['largest_share']:.0%}; {kpis['providers_awarded']} providers awarded, "
                  f"{kpis['incumbents_retained']} incumbents retained, "
                  f"{len(kpis['incumbents_losing_all_work'])} losing all work",
        "viability": (", ".join(kpis["providers_below_viability"]) + " guaranteed less than their minimum"
                      if kpis["providers_below_viability"] else "every awarded provider guaranteed its minimum"),
        "worst single failure": (f"{failure['provider']} ({failure['scenario']}): {failure['hours_lost_per_week']:,.0f} "
                                 f"hours/week lost, {failure['absorbed_by_partners_per_week']:,.0f} taken on by its "
                                 f"lot partners, {failure['to_residual_market_hours_per_week']:,.0f} by the residual "
                                 f"market, {failure['unmet_hours_per_week']:,.0f} unmet"
                                 if failure else "no provider awarded"),
        "rural coverage": f"{kpis['rural_hours_met_share']:.1%} of rural hours met",
    }
    for key, value in lines.items():
        console.print(f"[bold]{key}[/bold]: {value}", highlight=False)
    failures = pd.DataFrame(kpis["failures"])
    if not failures.empty:
        console.print(frame_table(failures.set_index(["provider", "scenario"]).drop(columns="extra_cost_gbp_per_week")
                                  .rename(columns=FAILURE_HEADINGS).reset_index(level="scenario"),
                                  "Each awarded provider's failure, every scenario (hours/week)", index_name="provider"))
    if "reconciliation" in kpis:
        table = pd.DataFrame(kpis["reconciliation"]).T
        console.print(frame_table(table.rename(columns=RECONCILE_HEADINGS), "Cost terms: the award model and the "
                                  "evaluation (£/year)", {"model": "£{:,.0f}", "evaluation": "£{:,.0f}"}, index_name="term"))


LOT_HEADINGS = {"hours_per_week": "hours/wk", "rural_share": "rural", "block_hours_per_week": "block/wk",
                "expected_framework_hours_per_week": "framework/wk", "expected_residual_hours_per_week": "residual/wk",
                "expected_unmet_hours_per_week": "unmet/wk", "reserved_headroom_hours_per_week": "headroom",
                "travel_minutes_per_contact_hour": "travel min/h"}
FAILURE_HEADINGS = {"hours_lost_per_week": "lost", "absorbed_by_partners_per_week": "partners",
                    "absorbed_by_residual_market_per_week": "residual market", "unmet_per_week": "unmet"}
RECONCILE_HEADINGS = {"model_gbp_per_year": "model", "evaluation_gbp_per_year": "evaluation"}


def _describe(report: dict) -> str:
    if "solver" not in report:
        return report.get("status", "")
    parts = [f"{report['solver']} {report['status']}"]
    if report.get("objective") is not None:
        parts.append(f"objective {report['objective']:,.1f}")
    if report.get("bound") is not None:
        scope = f" for {report['bound_scope']}" if report.get("bound_scope") else ""
        parts.append(f"bound {report['bound']:,.1f}{scope}")
    if report.get("gap") is not None:
        parts.append(f"gap {report['gap']:.2%}")
    parts.append(f"{report['seconds']:.1f} s")
    text = ", ".join(parts)
    if "all_partition_status" not in report:
        return text
    if report["all_partition_bound"] is None:
        return f"{text}; no bound for any balanced partition ({report['all_partition_status']})"
    return (f"{text}; {report['all_partition_bound']:,.1f} for any balanced partition "
            f"(gap {report['all_partition_gap']:.2%})")
