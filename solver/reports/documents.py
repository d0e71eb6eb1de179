"""A report as a list of items (headings, text, a verdict, tables, figures, maps), rendered to
Markdown (figures and maps linked) or to one self-contained HTML page (figures embedded as base64
PNG, maps as inline SVG, one design's at a time with a tab per design; no script, style or font
from anywhere else, so it works offline)."""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..report import format_cell


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Text:
    text: str


@dataclass
class Table:
    caption: str
    frame: pd.DataFrame  # cells already formatted as text


@dataclass
class Verdict:
    text: str
    basis: str  # what it rests on


@dataclass
class Image:
    path: Path
    caption: str


@dataclass
class Maps:
    """SVG maps, one per design (design name → file)."""

    files: dict[str, Path]
    caption: str


Item = Heading | Text | Verdict | Table | Image | Maps


def formatted(frame: pd.DataFrame, headings: dict[str, str] | None = None, formats: dict[str, str] | None = None,
              index_name: str | None = None) -> pd.DataFrame:
    """Cells as text, formatted per (renamed) column as `report.frame_table` prints them."""
    frame = frame.rename(columns=headings or {})
    if index_name is not None:
        frame = frame.rename_axis(index_name).reset_index()
    formats = formats or {}
    return pd.DataFrame({column: [format_cell(v, formats.get(column)) for v in frame[column]]
                         for column in frame.columns})


def markdown(items: list[Item], folder: Path) -> str:
    """Markdown, figure links relative to `folder` (where the file is written)."""
    parts = []
    for item in items:
        if isinstance(item, Heading):
            parts.append(f"{'#' * item.level} {item.text}")
        elif isinstance(item, Text):
            parts.append(item.text)
        elif isinstance(item, Verdict):
            parts.append(f"**{item.text}**" + (f"\n\n{item.basis}" if item.basis else ""))
        elif isinstance(item, Table):
            parts.append(f"*{item.caption}*\n\n{_markdown_table(item.frame)}" if item.caption else _markdown_table(item.frame))
        elif isinstance(item, Image):
            parts.append(f"![{item.caption}]({item.path.relative_to(folder).as_posix()})")
        else:
            parts += [item.caption, *(f"![{name}]({path.relative_to(folder).as_posix()})" for name, path in item.files.items())]
    return "\n\n".join(parts) + "\n"


def _markdown_table(frame: pd.DataFrame) -> str:
    def row(cells) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
    return "\n".join([row(frame.columns), row(["---"] * len(frame.columns)), *(row(r) for r in frame.itertuples(index=False))])


STYLE = """
body { font-family: system-ui, sans-serif; margin: 0 auto; padding: 1em 2em 3em; max-width: 1280px; color: #222;
       line-height: 1.4; }
h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.verdict { border-left: 5px solid #2b8a3e; background: #f1f8f3; padding: 0.6em 1em; margin: 1em 0; }
.verdict .best { font-size: 1.1em; font-weight: 600; margin: 0 0 0.4em; }
.verdict .basis { font-size: 0.9em; color: #444; margin: 0; }
.table { overflow-x: auto; margin: 0.5em 0 1.5em; }
table { border-collapse: collapse; font-size: 0.85em; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: right; }
th { background: #f0f0f0; vertical-align: bottom; font-weight: 600; }
td { white-space: nowrap; }
th.text, td.text { text-align: left; }
caption { caption-side: top; text-align: left; font-style: italic; padding-bottom: 4px; }
figure { margin: 1em 0; } img { max-width: 100%; }
.maps > input { position: absolute; opacity: 0; }
.maps > label { display: inline-block; padding: 4px 12px; margin: 0 4px 4px 0; border: 1px solid #bbb;
                border-radius: 4px; cursor: pointer; background: #f6f6f6; }
.maps > input:checked + label { background: #2b5797; border-color: #2b5797; color: #fff; }
.maps > input:focus-visible + label { outline: 2px solid #2b5797; outline-offset: 2px; }
.maps > figure { display: none; align-items: flex-start; gap: 1em; flex-wrap: wrap; }
.map { display: block; height: 75vh; max-height: 900px; width: auto; max-width: calc(100% - 17em); }
@media (max-width: 800px) { .map { max-width: 100%; height: auto; } }
.map .areas path:hover { fill-opacity: 0.95; stroke: #000; stroke-width: 1.5; }
.map-info { flex: 1 1 15em; max-width: 24em; white-space: pre-line; font-size: 0.9em; background: #f6f6f6;
            padding: 6px 10px; margin: 0; }
"""
# The map under the pointer described beside it, at once (a <title> tooltip waits a second or so).
MAP_SCRIPT = """
for (const figure of document.querySelectorAll(".maps > figure")) {
  const info = figure.querySelector(".map-info");
  figure.querySelector("svg").addEventListener("mouseover", (event) => {
    const title = event.target.querySelector(":scope > title");
    if (title) info.textContent = title.textContent;
  });
}
"""
NUMBER = re.compile(r"^[-+£]*[\d,.]+[%m]?$")


def html_page(items: list[Item], title: str) -> str:
    """One self-contained page: styles and script inline, figures as data URIs, maps as inline SVG."""
    body, style = [], STYLE
    for item in items:
        if isinstance(item, Heading):
            anchor = re.sub(r"[^a-z0-9]+", "-", item.text.lower()).strip("-")
            body.append(f'<h{item.level} id="{anchor}">{html.escape(item.text)}</h{item.level}>')
        elif isinstance(item, Text):
            body.append(f"<p>{html.escape(item.text)}</p>")
        elif isinstance(item, Verdict):
            basis = f'<p class="basis">{html.escape(item.basis)}</p>' if item.basis else ""
            body.append(f'<section class="verdict"><p class="best">{html.escape(item.text)}</p>{basis}</section>')
        elif isinstance(item, Table):
            body.append(_html_table(item))
        elif isinstance(item, Image):
            data = base64.b64encode(item.path.read_bytes()).decode("ascii")
            body.append(f'<figure><img alt="{html.escape(item.caption)}" src="data:image/png;base64,{data}">'
                        f"<figcaption>{html.escape(item.caption)}</figcaption></figure>")
        else:
            body.append(_html_maps(item))
            style += "".join(f".maps > input:nth-of-type({k}):checked ~ figure:nth-of-type({k}) {{ display: flex; }}\n"
                             for k in range(1, len(item.files) + 1))
    script = f"<script>{MAP_SCRIPT}</script>\n" if any(isinstance(item, Maps) for item in items) else ""
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{html.escape(title)}</title>\n"
            f"<style>{style}</style>\n</head>\n<body>\n" + "\n".join(body) + f"\n{script}</body>\n</html>\n")


def _html_table(table: Table) -> str:
    """A table in a box that scrolls sideways when it is wider than the page; a column whose cells
    are not all numbers is aligned left."""
    frame = table.frame
    text = [not all(NUMBER.match(v) for v in frame[c] if v) for c in frame.columns]
    head = "".join(f'<th{_align(t)}>{html.escape(str(c))}</th>' for c, t in zip(frame.columns, text))
    rows = "".join("<tr>" + "".join(f"<td{_align(t)}>{html.escape(str(v))}</td>" for v, t in zip(row, text)) + "</tr>"
                   for row in frame.itertuples(index=False))
    caption = f"<caption>{html.escape(table.caption)}</caption>" if table.caption else ""
    return f'<div class="table"><table>{caption}<thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>'


def _align(text: bool) -> str:
    return ' class="text"' if text else ""


def _html_maps(maps: Maps) -> str:
    """A tab per design over its map; CSS alone switches them (the script only adds the hover line)."""
    tabs, figures = [], []
    for k, (name, path) in enumerate(maps.files.items(), 1):
        checked = " checked" if k == 1 else ""
        tabs.append(f'<input type="radio" name="map" id="map-{k}"{checked}><label for="map-{k}">{html.escape(name)}</label>')
        figures.append(f'<figure data-design="{html.escape(name)}">{path.read_text()}'
                       f'<p class="map-info">Point at an area for its lot, hours, clients, providers and travel.</p>'
                       f"</figure>")
    return f'<div class="maps">{"".join(tabs)}{"".join(figures)}<p>{html.escape(maps.caption)}</p></div>'
