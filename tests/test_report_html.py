"""The comparison's HTML report read back: the verdict the terminal prints comes first, each design's
map has one outline per lot over areas that carry their tooltip, and each design has its provider
table; then the page as headless Chromium draws it, when Chromium is installed."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from rich.console import Console
from shapely.geometry import Polygon, box

from solver.compare import compare, comparison_table, print_comparison, verdict
from solver.design.contract import market_of
from solver.instance import load_instance
from solver.reports import write_reports
from solver.reports.map import canvas
from solver.reports.tables import partner_absorption, provider_table
from solver.stress import StressSettings

from .conftest import INSTANCES, ROOT

CURRENT = ROOT / "docs" / "examples" / "tiny-current.json"
SETTINGS = StressSettings(draws=50)
SCREEN = (1366, 900)  # the narrowest screen the report is read on


@pytest.fixture(scope="module")
def tiny():
    return load_instance(INSTANCES / "tiny")


@pytest.fixture(scope="module")
def runs(tiny, tmp_path_factory) -> list:
    """The council's current design and a two-lot one (Town and East merged), scored alike."""
    design = json.loads(CURRENT.read_text())
    town, east, west = design["lots"]
    design["lots"] = [{"lot": "North", "areas": town["areas"] + east["areas"]}, west]
    design["awards"] = [{**a, "lot": "North" if a["lot"] in ("Town", "East") else a["lot"]} for a in design["awards"]
                        if (a["lot"], a["provider"]) != ("East", "P04")]
    merged = tmp_path_factory.mktemp("designs") / "merged.json"
    merged.write_text(json.dumps(design))
    scored = []
    for path, name in ((CURRENT, "current"), (merged, "merged")):
        run, = compare(tiny, [], current=path, settings=SETTINGS)
        run.name = name
        scored.append(run)
    return scored


@pytest.fixture(scope="module")
def report(tiny, runs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    write_reports(tiny, runs, comparison_table(tiny, runs), out)
    return out


class Page(HTMLParser):
    """The body's elements in order (tag, attributes), the verdict's text, each map's shapes and the
    tables' captions and cells."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.verdict = ""
        self.maps: dict[str, dict[str, list]] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self._open: list[str] = []
        self._design: str | None = None
        self._table: list[list[str]] | None = None
        self._caption = False

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        self.elements.append((tag, attrs))
        self._open.append(tag)
        if tag == "figure" and "data-design" in attrs:
            self._design = attrs["data-design"]
            self.maps[self._design] = {"lots": [], "areas": []}
        elif tag == "path" and self._design is not None:
            if attrs.get("class") == "lot":
                self.maps[self._design]["lots"].append(attrs["data-lot"])
            else:
                self.maps[self._design]["areas"].append("")
        elif tag == "table":
            self._table = []
        elif tag == "caption":
            self._caption = True
        elif tag == "tr" and self._table is not None:
            self._table.append([])

    def handle_endtag(self, tag) -> None:
        self._open.pop()
        if tag == "figure":
            self._design = None
        elif tag == "caption":
            self._caption = False

    def handle_data(self, data) -> None:
        inside = set(self._open)
        if "section" in inside and "p" in inside and not self.verdict:
            self.verdict = data
        elif self._caption:
            self.tables[data] = self._table
        elif self._design is not None and self._open[-2:] == ["path", "title"]:
            self.maps[self._design]["areas"][-1] += data
        elif self._table is not None and {"td", "th"} & inside:
            self._table[-1].append(data)


def parsed(report: Path) -> Page:
    page = Page()
    page.feed((report / "report.html").read_text())
    return page


def test_the_verdict_comes_first_and_is_the_terminal_s(tiny, runs, report: Path) -> None:
    page = parsed(report)
    table = comparison_table(tiny, runs)
    body = [tag for tag, _ in page.elements[page.elements.index(("body", {})) + 1:]]
    assert body[:4] == ["h1", "p", "section", "p"]  # title, the county in a line, then the verdict
    assert page.verdict == verdict(table) and page.verdict.startswith("best: ")
    terminal = io.StringIO()
    print_comparison(Console(file=terminal, width=400), tiny, table, SETTINGS)
    assert verdict(table) in terminal.getvalue()


def test_each_design_s_map_has_one_outline_per_lot_over_its_areas(tiny, runs, report: Path) -> None:
    page = parsed(report)
    assert list(page.maps) == [r.name for r in runs]
    for run in runs:
        drawn = page.maps[run.name]
        assert drawn["lots"] == [lot.lot for lot in run.design.lots]
        assert len(drawn["areas"]) == len(tiny.areas)
        lots = run.to_frame()
        for lot in run.design.lots:
            tips = [t for t in drawn["areas"] if f"lot {lot.lot}," in t]
            assert len(tips) == len(lot.areas)
            assert all(lots.at[lot.lot, "providers"] in t and "min per contact hour" in t for t in tips)
    svg = (report / "figures" / "merged-map.svg").read_text()
    assert svg.startswith("<svg xmlns=") and svg.count('class="lot"') == 2
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", (report / "report.html").read_text())  # offline


def test_each_design_has_its_provider_table_in_both_reports(runs, report: Path) -> None:
    page = parsed(report)
    markdown = (report / "report.md").read_text()
    for run in runs:
        rows = page.tables[f"Providers of {run.name}"]
        assert rows[0][:3] == ["provider", "name", "lots"]
        assert [row[0] for row in rows[1:]] == sorted({a.provider for a in run.design.awards})
        assert f"*Providers of {run.name}*" in markdown


def test_provider_table_agrees_with_the_evaluation(tiny, runs) -> None:
    for run in runs:
        kpis = run.design.kpis
        table = provider_table(tiny, run)
        assert list(table.index) == sorted({a.provider for a in run.design.awards})
        assert set(table.index[table["below_viability"]]) == set(kpis["providers_below_viability"])
        assert table["share_of_all_hours"].max() == pytest.approx(kpis["largest_share"], abs=1e-4)
        failures = pd.DataFrame(kpis["failures"])
        base = failures[failures["scenario"] == tiny.scenarios.index[0]].set_index("provider")
        absorbed = partner_absorption(*market_of(tiny, run.config, run.design))
        assert absorbed.sum().to_dict() == pytest.approx(base["absorbed_by_partners_per_week"].to_dict(), abs=0.01)
        assert (absorbed.max(axis=1).round(1) == table["absorbs_in_partner_failure_hours_per_week"]).all()
    current = provider_table(tiny, runs[0])  # P01 holds Town only, 100 block hours and no call-off floor
    assert current.loc["P01", "lots"] == "Town" and current.loc["P01", "guaranteed_hours_per_week"] == 100


def test_canvas_flips_y_and_keeps_holes_and_separate_parts() -> None:
    ring = box(0, 0, 10, 10)
    shapes = {"donut": Polygon(ring.exterior.coords, [box(4, 4, 6, 6).exterior.coords]), "hole": box(4, 4, 6, 6),
              "north": box(0, 10, 10, 20)}
    drawing = canvas(shapes)
    assert (drawing.width, drawing.height) == (500, 1000)
    assert len(drawing.shapes["donut"].interiors) == 1
    assert drawing.shapes["north"].bounds == (0, 0, 500, 500)  # north is drawn at the top


# In headless Chromium

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed: apt install chromium")
# Added to a copy of the page: every map shown, what the browser drew measured, a pointer moved onto an
# area, and the findings written into the DOM that Chromium dumps.
PROBE = """<script>
const found = {width: document.documentElement.scrollWidth, maps: {},
               scrolling: [...document.querySelectorAll(".table")].filter((t) => t.scrollWidth > t.clientWidth).length};
for (const figure of document.querySelectorAll(".maps > figure")) {
  figure.style.display = "flex";
  const drawn = (s) => [...figure.querySelectorAll(s)].filter((p) => p.getBBox().width > 0 && p.getBBox().height > 0);
  found.maps[figure.dataset.design] = {lots: drawn("path.lot").map((p) => p.dataset.lot), areas: drawn(".areas path").length};
}
const area = document.querySelector(".maps > figure .areas path");
area.dispatchEvent(new MouseEvent("mouseover", {bubbles: true}));
found.hover = [area.querySelector("title").textContent, document.querySelector(".map-info").textContent];
const out = document.createElement("pre");
out.id = "probe";
out.textContent = JSON.stringify(found);
document.body.append(out);
</script></body>"""


def chromium(*args: str) -> str:
    result = subprocess.run([CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars",
                             f"--window-size={SCREEN[0]},{SCREEN[1]}", *args],
                            capture_output=True, text=True, timeout=120, check=True)
    return result.stdout


@needs_chromium
def test_chromium_draws_one_outline_per_lot_and_the_page_fits_the_screen(tiny, runs, report: Path) -> None:
    probed = report / "probed.html"
    probed.write_text((report / "report.html").read_text().replace("</body>", PROBE))
    dom = chromium("--dump-dom", probed.as_uri())
    found = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1).replace("&quot;", '"'))
    for run in runs:
        assert found["maps"][run.name] == {"lots": [lot.lot for lot in run.design.lots], "areas": len(tiny.areas)}
    assert found["width"] <= SCREEN[0] and found["scrolling"] == 0  # every table fits the screen
    assert found["hover"][0] == found["hover"][1]  # the line beside the map says what is under the pointer


@needs_chromium
def test_chromium_paints_every_lot_in_its_colour(runs, report: Path, tmp_path: Path) -> None:
    svg = (report / "figures" / "current-map.svg").read_text()
    colours = list(dict.fromkeys(re.findall(r'<path fill="(#[0-9a-f]{6})"', svg)))
    assert len(colours) == len(runs[0].design.lots)
    shot = tmp_path / "map.png"
    chromium(f"--screenshot={shot}", (report / "figures" / "current-map.svg").as_uri())
    pixels = np.asarray(Image.open(shot).convert("RGB"), dtype=float).reshape(-1, 3)
    for colour in colours:
        fill = np.array([int(colour[i:i + 2], 16) for i in (1, 3, 5)])
        shown = 0.6 * fill + 0.4 * 255  # the areas' fill opacity over the white page
        assert (np.abs(pixels - shown).max(axis=1) < 8).sum() > 1000, colour
