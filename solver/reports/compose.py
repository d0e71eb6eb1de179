"""Everything a comparison writes to its folder: the comparison CSV, a Markdown report and a
self-contained HTML page, an Excel workbook, PNG figures, a GeoJSON of each design's lots and each
design's design.json."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from ..compare import FORMATS, printable
from ..run import Run
from ..instance import Instance
from ..report import LOT_HEADINGS
from . import figures
from .documents import Heading, Image, Item, Table, Text, formatted, html_page, markdown
from .geojson import SHAPE_METHOD, area_cells, lot_shapes, lots_geojson
from .tables import draws_table, failures_table, lot_table, scored, stress_table
from .workbook import write_workbook

LOT_COLUMNS = {**LOT_HEADINGS, "cost_gbp_per_year": "£/yr", "cost_per_contact_hour_gbp": "£/h"}
LOT_FORMATS = {"rural": "{:.0%}", "travel min/h": "{:.1f}", "£/h": "£{:.2f}", "£/yr": "£{:,.0f}"}
STRESS_COLUMNS = {"cost_mean_gbp_per_year": "£/yr mean", "cost_p5_gbp_per_year": "£/yr p5",
                  "cost_p50_gbp_per_year": "£/yr p50", "cost_p95_gbp_per_year": "£/yr p95",
                  "scenario_expected_cost_gbp_per_year": "£/yr scenarios", "unmet_mean_hours_per_week": "unmet h/wk mean",
                  "unmet_p50_hours_per_week": "unmet p50", "unmet_p95_hours_per_week": "unmet p95",
                  "p_any_unmet": "P(unmet)", "exits_mean": "exits mean", "exit_rate": "exit rate"}
STRESS_FORMATS = {**{h: "£{:,.0f}" for h in STRESS_COLUMNS.values() if h.startswith("£")},
                  "unmet h/wk mean": "{:,.1f}", "unmet p50": "{:,.1f}", "unmet p95": "{:,.1f}", "P(unmet)": "{:.0%}",
                  "exits mean": "{:.2f}", "exit rate": "{:.0%}"}


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "design"


def write_reports(instance: Instance, candidates: list[Run], table: pd.DataFrame, out: Path) -> None:
    """Write every output of a comparison to `out`."""
    for folder in ("designs", "geojson", "figures"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "comparison.csv")
    designs = scored(candidates)
    cells = area_cells(instance)
    lots = {c.name: lot_table(c) for c in designs}
    pictures: dict[str, list[Path]] = {}
    for c in designs:
        name = slug(c.name)
        c.design.write(out / "designs" / f"{name}.json")
        geojson = lots_geojson(instance, c.name, c.design, lots[c.name], cells)
        (out / "geojson" / f"{name}-lots.geojson").write_text(json.dumps(geojson) + "\n")
        pictures[c.name] = [
            figures.lot_map(instance, c.name, c.design, lot_shapes(instance, c.design, cells),
                            out / "figures" / f"{name}-map.png"),
            figures.lot_bars(c.name, lots[c.name], instance.policy["council_rate_gbp_per_hour"],
                             out / "figures" / f"{name}-lots.png")]
    distribution = (figures.cost_distribution({c.name: c.stress for c in designs}, out / "figures" / "cost-distribution.png")
                    if designs else None)

    items = _content(instance, candidates, table, lots, pictures, distribution)
    (out / "report.md").write_text(markdown(items, out))
    (out / "report.html").write_text(html_page(items, f"Tender designs compared: {instance.name}"))
    sheets = {"comparison": table}
    if designs:
        sheets |= {"stress": stress_table(candidates), "stress draws": draws_table(candidates)}
    sheets |= {f"lots {name}": frame for name, frame in lots.items()}
    failures = failures_table(candidates)
    if len(failures):
        sheets["failures"] = failures
    write_workbook(out / "comparison.xlsx", sheets)


def _content(instance: Instance, candidates: list[Run], table: pd.DataFrame, lots: dict[str, pd.DataFrame],
             pictures: dict[str, list[Path]], distribution: Path | None) -> list[Item]:
    hours = instance.areas["care_hours_per_week"].sum()
    items: list[Item] = [
        Heading(f"Tender designs compared: {instance.name}", 1),
        Text(f"{len(instance.areas)} areas, {len(instance.providers)} providers, {hours:,.0f} care hours a week; "
             f"{len(instance.scenarios)} demand scenarios ({', '.join(instance.scenarios.index)})."),
        Heading("Comparison"),
        Table("", formatted(printable(table), formats=FORMATS, index_name="design")),
        Text("£m/yr mean and p95 come from the stress test; every other figure from the evaluation over the "
             "instance's demand scenarios, the same for every design. £/h is the expected cost per contact hour "
             "delivered; 'fail unabs. h/wk' is the hours a week the lot's other providers cannot absorb when the "
             "worst single provider fails (base scenario); travel min/h is hour-weighted over the lots."),
    ]
    for c in candidates:
        if c.design is None:
            items.append(Text(f"{c.name} ({c.source}): {c.status}. {' '.join(c.failure.split())}"))
    if distribution:
        settings = next(c.stress.settings for c in scored(candidates))
        items += [
            Heading("Stress test"),
            Text(f"{settings.draws} draws, seed {settings.seed}. Each draw picks a demand scenario by its "
                 f"probability and scales it by a county-wide lognormal factor (log-sd {settings.county_sigma:g}) and "
                 f"per-area noise (log-sd {settings.area_sigma:g}); each awarded provider exits at a random time in "
                 f"the year with probability {settings.exit_rate:.0%} (about one agency in six closed each year in "
                 f"2014-16, one in ten in 2017), after which its awards are gone and its hours go to the lot's "
                 f"other providers (with their reserved headroom), then the residual market, else unmet."),
            Table("", formatted(stress_table(candidates), STRESS_COLUMNS, STRESS_FORMATS, "design")),
            Image(distribution, "annual cost over the stress draws"),
        ]
    for c in scored(candidates):
        description = c.config.description if c.config is not None else ""
        items += [
            Heading(f"Design: {c.name}"),
            Text(f"{description + '. ' if description else ''}{'optimised' if c.status == 'ok' else c.status} from {c.source}; "
                 f"{len(c.design.lots)} lots, {c.design.kpis['providers_awarded']} providers awarded."),
            Table(f"Lots of {c.name}", formatted(lots[c.name], LOT_COLUMNS, LOT_FORMATS, "lot")),
            *(Image(path, f"{c.name}: {kind}") for path, kind in zip(pictures[c.name], ("lot map", "per-lot travel and cost"))),
        ]
    items += [Heading("Files"),
              Text("comparison.csv and comparison.xlsx (a sheet per table, and each stress draw); designs/NAME.json "
                   "(each design, to evaluate again); geojson/NAME-lots.geojson (one feature per lot; " + SHAPE_METHOD
                   + "); figures/*.png.")]
    return items
