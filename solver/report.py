"""Writing a design's outputs (design.json, CSV tables) and printing its summary."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from rich.console import Console
from rich.table import Table

from .design.result import Design
from .generate import COUNCIL_RATE
from .instance import Instance
from .instance.schema import PAYMENT_BASES
from .rounds.pay import MINIMUM_PRICE_2025_26
from .travel import PUBLISHED_MINUTES_PER_CONTACT_HOUR


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
    from .reports.geojson import (
        write_gis,  # here: importing solver.reports imports this module
    )

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
TRAVEL_BESIDE_PUBLISHED = ("routed rounds on real road times with parking and the walk to the door, changing care "
                           "plans and carers' runs, at each provider's share (solver/travel.py), beside the published "
                           f"{PUBLISHED_MINUTES_PER_CONTACT_HOUR[0]:g}-{PUBLISHED_MINUTES_PER_CONTACT_HOUR[1]:g} paid "
                           "minutes per contact hour, 12 an urban base case (../shared/domain.md §3); dense urban lots "
                           "sit below 8, and routed trips are shorter than the published 3 miles a visit")


BASIS_WORDS = {"per_minute_contact": "paid per contact minute", "banded_15_minutes": "paid in 15-minute bands",
               "per_hour_including_travel": "paid per hour with travel",
               "salaried_block": "paid for rostered time (salaried)"}
PAY_METHOD = ("pay is what the price leaves once the provider keeps running costs (26%) and surplus (3%) and pays "
              "on-costs and mileage, for all working time: contact, travel between visits and the waiting HMRC "
              "counts (solver/care_cost.py)")
PAY_HEADINGS = {"unpaid_working_hours_per_carer_week": "unpaid h/carer-wk",
                "price_paid_per_contact_hour": "paid £/ch", "cost_of_care_per_contact_hour": "cost of care £/ch",
                "affordable_pay_per_working_hour": "pay £/wh", "carers_below_nlw_share": "below NLW"}
PAY_LOT_COLUMNS = {"travel_minutes_per_contact_hour": "travel min/h", **PAY_HEADINGS}
PAY_FORMATS = {"travel min/h": "{:.1f}", "unpaid h/carer-wk": "{:.1f}", "paid £/ch": "£{:.2f}", "cost of care £/ch": "£{:.2f}",
               "pay £/wh": "£{:.2f}", "below NLW": "{:.0%}"}


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
    work, pay = lot_tables(lots)
    console.print(frame_table(work.rename(columns=LOT_HEADINGS), f"Lots of {instance.name}", LOT_FORMATS,
                              index_name="lot"))
    console.print(frame_table(pay.rename(columns=PAY_LOT_COLUMNS), f"Carers' pay and the price of care, lot by lot "
                              f"({BASIS_WORDS[instance.policy['payment_basis']]})", PAY_FORMATS, index_name="lot"))
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
        "carers' pay": pay_sentence(instance, kpis["pay"]),
        "low bids": low_bids_sentence(kpis["low_bids"]),
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
LOT_FORMATS = {"rural": "{:.0%}", "travel min/h": "{:.1f}"}
FAILURE_HEADINGS = {"hours_lost_per_week": "lost", "absorbed_by_partners_per_week": "partners",
                    "absorbed_by_residual_market_per_week": "residual market", "unmet_per_week": "unmet"}
RECONCILE_HEADINGS = {"model_gbp_per_year": "model", "evaluation_gbp_per_year": "evaluation"}


def print_before_bids(console: Console, instance: Instance, config, design: Design, bids: pd.DataFrame,
                      out: Path) -> list[str]:
    """Before the bids: each lot's indicative price and bidders, the estimated bids, and how the
    design's cost moves with the bids that may come; writes lot_prices.csv and estimated_bids.csv."""
    from .pre_tender import BID_SPREAD, bid_robustness, lot_prices
    prices = lot_prices(instance, config, design)
    spread = bid_robustness(instance, config, design, bids)
    console.print(frame_table(prices.rename(columns=PRICE_HEADINGS), f"Before the bids: what to advertise, lot by lot "
                              f"({instance.name})", PRICE_FORMATS, index_name="lot"))
    console.print(f"[bold]bids[/bold]: estimated from the cost of care where each provider works now, "
                  f"£{bids['block_rate_gbp_per_hour'].min():.2f}-£{bids['block_rate_gbp_per_hour'].max():.2f} block "
                  f"(estimated_bids.csv); on {spread['samples']} bid sets spread by {BID_SPREAD:.0%} the design costs "
                  f"£{spread['cost_p5_gbp_per_year'] / 1e6:.2f}m-£{spread['cost_p95_gbp_per_year'] / 1e6:.2f}m a year "
                  f"(5th-95th percentile, median £{spread['cost_p50_gbp_per_year'] / 1e6:.2f}m); bidders and the chance "
                  f"of none rest on assumed bid rates (solver/pre_tender.py)", highlight=False)
    prices.to_csv(out / "lot_prices.csv")
    bids.to_csv(out / "estimated_bids.csv")
    return ["lot_prices.csv", "estimated_bids.csv"]


PRICE_HEADINGS = {"hours_per_week": "hours/wk", "rural_share": "rural", "travel_minutes_per_contact_hour": "travel min/h",
                  "indicative_price_per_contact_hour": "price £/ch", "rural_uplift": "rural uplift",
                  "providers_able_to_bid": "able to bid", "incumbents_able_to_bid": "incumbents",
                  "expected_bidders": "expected bids", "chance_of_no_bid": "P(no bid)"}
PRICE_FORMATS = {"hours/wk": "{:,.0f}", "rural": "{:.0%}", "travel min/h": "{:.1f}", "price £/ch": "£{:.2f}",
                 "rural uplift": "{:+.1%}", "expected bids": "{:.1f}", "P(no bid)": "{:.1%}"}


def lot_tables(lots: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A lots table cut in two: the work (volumes, contracts, travel) and carers' pay and the price of
    care under the design's payment basis."""
    per_basis = [f"{kind}_{b}" for kind in ("affordable_pay", "below_nlw") for b in PAYMENT_BASES]
    work = lots.drop(columns=[c for c in [*PAY_HEADINGS, *per_basis] if c in lots])
    return work, lots.reindex(columns=list(PAY_LOT_COLUMNS))


def pay_sentence(instance: Instance, pay: dict) -> str:
    """The design's price against the cost of care, and what it leaves carers, under its payment basis
    and the others."""
    basis = instance.policy["payment_basis"]
    nlw = instance.policy["national_living_wage_gbp_per_hour"]
    others = "; ".join(f"{BASIS_WORDS[b]}: £{pay[f'affordable_pay_{b}']:.2f}, {pay[f'below_nlw_{b}']:.0%} below"
                       for b in PAYMENT_BASES if b != basis)
    return (f"£{pay['price_paid_per_contact_hour']:.2f} per contact hour ({BASIS_WORDS[basis]}) against a cost of "
            f"care of £{pay['cost_of_care_per_contact_hour']:.2f} at the lots' travel and the NLW £{nlw:.2f}; "
            f"{pay['unpaid_working_hours_per_carer_week']:.1f} h of each carer's working week unpaid by the council; "
            f"that price affords £{pay['affordable_pay_per_working_hour']:.2f} per working hour, "
            f"{pay['carers_below_nlw_share']:.0%} of carers below the NLW (the same rates {others}); "
            f"{PAY_METHOD}")


def low_bids_sentence(low: list[dict]) -> str:
    if not low:
        return "no award is priced below its lot's cost of care"
    abnormal = [b for b in low if b["abnormally_low"]]
    worst = low[0]
    return (f"{len(low)} awards below their lot's cost of care, {len(abnormal)} abnormally low (below the direct "
            f"cost of minimum-wage care); the furthest below, {worst['provider']} in {worst['lot']}, "
            f"£{worst['income_per_contact_hour']:.2f} against £{worst['cost_of_care_per_contact_hour']:.2f} "
            f"(£{worst['shortfall_per_contact_hour']:.2f} an hour short, affording carers "
            f"£{worst['affordable_pay_per_working_hour']:.2f} a working hour)")


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
    if report.get("improved_objective") is not None:
        text += (f"; lots improved to {report['improved_objective']:,.1f} by recombination and boundary moves, "
                 "centres anywhere (outside that bound's scope)")
    if "all_partition_status" not in report:
        return text
    if report["all_partition_bound"] is None:
        return f"{text}; no bound for any balanced partition ({report['all_partition_status']})"
    return (f"{text}; {report['all_partition_bound']:,.1f} for any balanced partition "
            f"(gap {report['all_partition_gap']:.2%})")
