"""Everything a comparison writes to its folder: the comparison CSV, a Markdown report and a
self-contained HTML page (the verdict first, a map of each design's lots), an Excel workbook, PNG
figures and SVG maps, GIS layers of each design's areas and lots (solver/reports/geojson.py) and each
design's design.json."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import years
from ..compare import (
    FORMATS,
    PRINT_GROUPS,
    RULE_NOTE,
    in_millions,
    printable,
    ranking_basis,
    verdict,
)
from ..instance import Instance
from ..report import BASIS_WORDS, LOT_HEADINGS, PAY_FORMATS, PAY_LOT_COLUMNS, lot_tables
from ..report import LOT_FORMATS as DESIGN_LOT_FORMATS
from ..run import Run
from . import figures
from .documents import (
    Heading,
    Image,
    Item,
    Maps,
    Table,
    Text,
    Verdict,
    formatted,
    html_page,
    markdown,
)
from .geojson import Geography, area_lots, geography, gis_files, write_gis
from .map import canvas, lot_map
from .tables import (
    draws_table,
    failures_table,
    lot_table,
    provider_table,
    scored,
    stress_table,
)
from .workbook import write_workbook

LOT_COLUMNS = {**LOT_HEADINGS, "cost_gbp_per_year": "£m/yr", "cost_per_contact_hour_gbp": "£/h"}
LOT_FORMATS = {**DESIGN_LOT_FORMATS, "£/h": "£{:.2f}", "£m/yr": "£{:.2f}m"}
STRESS_COLUMNS = {"cost_mean_gbp_per_year": "£m/yr mean", "cost_p5_gbp_per_year": "£m/yr p5",
                  "cost_p50_gbp_per_year": "£m/yr p50", "cost_p95_gbp_per_year": "£m/yr p95",
                  "scenario_expected_cost_gbp_per_year": "£m/yr scenarios", "unmet_mean_hours_per_week": "unmet h/wk mean",
                  "unmet_p50_hours_per_week": "unmet p50", "unmet_p95_hours_per_week": "unmet p95",
                  "p_any_unmet": "P(unmet)", "exits_mean": "exits mean", "exit_rate": "exit rate"}
STRESS_FORMATS = {**{h: "£{:.2f}m" for h in STRESS_COLUMNS.values() if h.startswith("£")},
                  "unmet h/wk mean": "{:,.1f}", "unmet p50": "{:,.1f}", "unmet p95": "{:,.1f}", "P(unmet)": "{:.0%}",
                  "exits mean": "{:.2f}", "exit rate": "{:.0%}"}
PROVIDER_COLUMNS = {"guaranteed_hours_per_week": "guaranteed h/wk", "min_viable_hours_per_week": "viable at h/wk",
                    "below_viability": "below viable", "expected_hours_per_week": "expected h/wk",
                    "share_of_all_hours": "share", "reserved_headroom_hours_per_week": "headroom h/wk",
                    "absorbs_in_partner_failure_hours_per_week": "takes on if a partner fails h/wk",
                    "capacity_hours_per_week": "capacity h/wk"}
PROVIDER_FORMATS = {"share": "{:.1%}", "viable at h/wk": "{:,.0f}", "capacity h/wk": "{:,.0f}"}


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "design"


def write_reports(instance: Instance, candidates: list[Run], table: pd.DataFrame, out: Path) -> None:
    """Write every output of a comparison to `out`."""
    for folder in ("designs", "geojson", "figures"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "comparison.csv")
    designs = scored(candidates)
    geo = geography(instance)
    drawing = canvas(geo.km)
    lots = {c.name: lot_table(c) for c in designs}
    providers = {c.name: provider_table(instance, c) for c in designs}
    maps: dict[str, Path] = {}
    bars: dict[str, Path] = {}
    for c in designs:
        name = slug(c.name)
        c.design.write(out / "designs" / f"{name}.json")
        write_gis(instance, c.name, c.design, lots[c.name], out / "geojson", f"{name}-", geo)
        maps[c.name] = out / "figures" / f"{name}-map.svg"
        maps[c.name].write_text(lot_map(instance, c.name, c.design, lots[c.name], drawing) + "\n", encoding="utf-8")
        bars[c.name] = figures.lot_bars(c.name, lots[c.name], instance.policy["council_rate_gbp_per_hour"],
                                        out / "figures" / f"{name}-lots.png")
    distribution = (figures.cost_distribution({c.name: c.stress for c in designs}, out / "figures" / "cost-distribution.png")
                    if designs else None)

    items = _content(instance, candidates, table, Shown(lots, providers, maps, bars, distribution), geo)
    (out / "report.md").write_text(markdown(items, out), encoding="utf-8")
    (out / "report.html").write_text(html_page(items, f"Tender designs compared: {instance.name}"), encoding="utf-8")
    sheets = {"comparison": table}
    if designs:
        sheets |= {"stress": stress_table(candidates), "stress draws": draws_table(candidates)}
    sheets |= {f"lots {name}": frame for name, frame in lots.items()}
    sheets |= {f"awards {c.name}": c.design.to_frame() for c in designs}
    sheets |= {f"providers {name}": frame for name, frame in providers.items()}
    sheets |= {f"areas {c.name}": area_lots(instance, c.design) for c in designs}
    failures = failures_table(candidates)
    if len(failures):
        sheets["failures"] = failures
    write_workbook(out / "comparison.xlsx", sheets)


@dataclass
class Shown:
    """What the report shows of the scored designs, by design: tables, map and bar files, and the
    cost distribution across designs."""

    lots: dict[str, pd.DataFrame]
    providers: dict[str, pd.DataFrame]
    maps: dict[str, Path]
    bars: dict[str, Path]
    distribution: Path | None


LOW_BID_COLUMNS = {"lot": "lot", "hours_delivered_per_week": "h/wk", "income_per_contact_hour": "paid £/ch",
                   "direct_cost_per_contact_hour": "direct cost £/ch", "cost_of_care_per_contact_hour": "cost of care £/ch",
                   "shortfall_per_contact_hour": "short £/ch", "affordable_pay_per_working_hour": "pay £/wh",
                   "abnormally_low": "abnormally low"}
LOW_BID_FORMATS = {h: "£{:.2f}" for h in LOW_BID_COLUMNS.values() if "£" in h} | {"h/wk": "{:,.0f}"}


YEARS_FORMATS = {h: "£{:.2f}" for h in ("paid £/ch", "cost of care £/ch, first", "last")} | {
    "gap last year £/ch": "{:+.2f}"} | {h: "£{:.2f}m" for h in ("£m contract, low", "central", "high")}
RULE_COLUMNS = {"relaxed": "relaxed to", "saving_found_gbp_per_year": "£m/yr found",
                "most_it_buys_gbp_per_year": "£m/yr at most", "binding": "binding", "status": "relaxed solve"}
RULE_FORMATS = {"£m/yr found": "£{:.3f}m", "£m/yr at most": "£{:.3f}m"}


def next_best_items(run: Run) -> list[Item]:
    """The other lot counts the design's search screened, beside the chosen one."""
    tried = pd.DataFrame(run.design.solve.get("lot_counts_tried", []))
    if len(tried) < 2 or "objective" not in tried:
        return []
    chosen = len(run.design.lots)
    close = set(run.design.solve.get("lot_counts_too_close_to_call", []))
    tried = tried.set_index("lots").assign(
        chosen=lambda t: ["yes" if k == chosen else "" for k in t.index],
        too_close_to_call=lambda t: ["yes" if k in close else "" for k in t.index])
    columns = {"objective": "£m/yr screening", "bound": "£m/yr bound", "gap": "gap", "providers": "providers",
               "council_spend_gbp_per_year": "£m spend", "unmet_gbp_per_year": "£m unmet",
               "travel_gbp_per_year": "£m travel", "outcome": "outcome", "chosen": "chosen",
               "too_close_to_call": "within the chosen gap"}
    return [Table(f"Lot counts {run.name}'s search screened", formatted(
                in_millions(tried.reindex(columns=list(columns)), columns), columns,
                {h: "£{:.2f}m" for h in columns.values() if h.startswith("£m")} | {"gap": "{:.1%}"}, "lots")),
            Text("Each lot count's design at screening effort (its heuristic lots, the award model's root node); the "
                 "chosen count then gets the exact solve. A count within the chosen design's gap cannot be ruled out "
                 "on this search.")]


def rule_cost_items(run: Run) -> list[Item]:
    """What each rule of the design costs on its lots, if measured."""
    if run.rule_costs is None:
        return []
    table = in_millions(run.rule_costs, RULE_COLUMNS).assign(
        binding=run.rule_costs["binding"].map({True: "yes", False: "no"}).fillna(""))
    return [Table(f"What each rule of {run.name} costs (its lots held)", formatted(table, RULE_COLUMNS, RULE_FORMATS,
                                                                                    "rule")),
            Text(RULE_NOTE)]


def low_bid_items(run: Run) -> list[Item]:
    """The design's awards priced below their lot's cost of care, if any."""
    low = pd.DataFrame(run.design.kpis["low_bids"])
    if low.empty:
        return [Text(f"No award of {run.name} is priced below its lot's cost of care.")]
    low = low.set_index("provider")[list(LOW_BID_COLUMNS)].assign(
        abnormally_low=low["abnormally_low"].map({True: "yes", False: ""}).to_numpy())
    return [Table(f"Awards of {run.name} below their lot's cost of care", formatted(low, LOW_BID_COLUMNS,
                                                                                     LOW_BID_FORMATS, "provider")),
            Text("Abnormally low: below the direct cost of minimum-wage care at the lot's travel, so the price cannot "
                 "pay carers the NLW for their working time even with no running costs; pay £/wh is what it leaves "
                 "them per working hour.")]


def _content(instance: Instance, candidates: list[Run], table: pd.DataFrame, shown: Shown, geo: Geography) -> list[Item]:
    hours = instance.areas["care_hours_per_week"].sum()
    settings = next((c.stress.settings for c in scored(candidates)), None)
    items: list[Item] = [
        Heading(f"Tender designs compared: {instance.name}", 1),
        Text(f"{len(instance.areas)} areas, {len(instance.providers)} providers, {hours:,.0f} care hours a week; "
             f"{len(instance.scenarios)} demand scenarios ({', '.join(instance.scenarios.index)})."),
        Verdict(verdict(table), ranking_basis(settings) if settings else ""),
    ]
    for c in candidates:
        if c.design is None:
            items.append(Text(f"{c.name} ({c.source}): {c.status}. {' '.join(c.failure.split())}"))
    shown_table = printable(table)
    items += [Heading("Comparison"),
              *(Table(group, formatted(shown_table.reindex(columns=columns), formats=FORMATS, index_name="design"))
                for group, columns in PRINT_GROUPS.items()),
              Text("£/h is the expected cost per contact hour delivered; 'fail unabs. h/wk' is the hours a week the "
                   "lot's other providers cannot absorb when the worst single provider fails (base scenario); "
                   "travel min/h is hour-weighted over the lots.")]
    if shown.maps:
        items += [Heading("Lots on the map"),
                  Maps(shown.maps, f"Each area in its lot's colour, lots outlined, awarded providers' bases as dots; "
                                   f"{geo.method}.")]
    if shown.distribution:
        items += [
            Heading("Stress test"),
            Text(f"{settings.draws} draws, seed {settings.seed}. Each draw picks a demand scenario by its "
                 f"probability and scales it by a county-wide lognormal factor (log-sd {settings.county_sigma:g}) and "
                 f"per-area noise (log-sd {settings.area_sigma:g}); each awarded provider exits at a random time in "
                 f"the year with probability {settings.exit_rate:.0%} (about one agency in six closed each year in "
                 f"2014-16, one in ten in 2017), after which its awards are gone and its hours go to the lot's "
                 f"other providers (with their reserved headroom), then the residual market, else unmet."),
            Table("", formatted(in_millions(stress_table(candidates), STRESS_COLUMNS), STRESS_COLUMNS, STRESS_FORMATS,
                                "design")),
            Image(shown.distribution, "annual cost over the stress draws"),
        ]
    if scored(candidates):
        tables = years.for_runs(instance, scored(candidates), settings=settings)
        summary = years.crossing_summary(tables)
        items += [Heading("Over the contract's years"), Text(years.basis_sentence(tables)),
                  Table("", formatted(summary.reindex(columns=list(years.SUMMARY_COLUMNS)).assign(
                      **{c: summary[c] / 1e6 for c in summary if c.startswith("contract_cost")}),
                      years.SUMMARY_COLUMNS, YEARS_FORMATS, "design")),
                  Text(years.finding(summary))]
    if scored(candidates):
        items += [Heading("Designs"),
                  Text("Providers: guaranteed hours are block and call-off floors, against the hours a week the "
                       "provider needs to stay viable; expected hours are what it is expected to deliver (its awards "
                       "and any residual-market hours), and share is of all hours; headroom is capacity it reserves "
                       "for a lot partner's failure; 'takes on if a partner fails' is the most it absorbs when one of "
                       "its lot partners fails (base scenario).")]
    for c in scored(candidates):
        description = c.config.description if c.config is not None else ""
        work, pay = lot_tables(shown.lots[c.name])
        providers = shown.providers[c.name].assign(
            below_viability=shown.providers[c.name]["below_viability"].map({True: "yes", False: ""}))
        items += [
            Heading(f"Design: {c.name}", 3),
            Text(f"{description + '. ' if description else ''}{'optimised' if c.status == 'ok' else c.status} from {c.source}; "
                 f"{len(c.design.lots)} lots, {c.design.kpis['providers_awarded']} providers awarded."),
            Table(f"Lots of {c.name}", formatted(in_millions(work, LOT_COLUMNS), LOT_COLUMNS, LOT_FORMATS, "lot")),
            Table(f"Carers' pay and the price of care in the lots of {c.name} "
                  f"({BASIS_WORDS[instance.policy['payment_basis']]})", formatted(pay, PAY_LOT_COLUMNS, PAY_FORMATS, "lot")),
            Table(f"Providers of {c.name}", formatted(providers, PROVIDER_COLUMNS, PROVIDER_FORMATS, "provider")),
            *low_bid_items(c),
            *next_best_items(c),
            *rule_cost_items(c),
            Image(shown.bars[c.name], f"{c.name}: per-lot travel and cost"),
        ]
    items += [Heading("Files"),
              Text("comparison.csv and comparison.xlsx (a sheet per table, and each stress draw); designs/NAME.json "
                   "(each design, to evaluate again); " + gis_files(geo, "geojson/NAME-") + "; figures/NAME-map.svg "
                   "(each design's map) and figures/*.png.")]
    return items
