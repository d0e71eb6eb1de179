"""A report as a list of items (headings, text, tables, figures), rendered to Markdown (figures
linked) or to one self-contained HTML page (figures embedded as base64 PNG)."""

from __future__ import annotations

import base64
import html
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
class Image:
    path: Path
    caption: str


Item = Heading | Text | Table | Image


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
        elif isinstance(item, Table):
            parts.append(f"*{item.caption}*\n\n{_markdown_table(item.frame)}" if item.caption else _markdown_table(item.frame))
        else:
            parts.append(f"![{item.caption}]({item.path.relative_to(folder).as_posix()})")
    return "\n\n".join(parts) + "\n"


def _markdown_table(frame: pd.DataFrame) -> str:
    def row(cells) -> str:
        return "| " + " | ".join(str(c).replace("|", "\\|").replace("\n", " ") for c in cells) + " |"
    return "\n".join([row(frame.columns), row(["---"] * len(frame.columns)), *(row(r) for r in frame.itertuples(index=False))])


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1400px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 3px 7px; text-align: right; }
th { background: #f0f0f0; }
td:first-child, th:first-child { text-align: left; }
caption { caption-side: top; text-align: left; font-style: italic; padding-bottom: 4px; }
figure { margin: 1em 0; } img { max-width: 100%; }
"""


def html_page(items: list[Item], title: str) -> str:
    """One self-contained page: styles inline, figures as data URIs."""
    body = []
    for item in items:
        if isinstance(item, Heading):
            body.append(f"<h{item.level}>{html.escape(item.text)}</h{item.level}>")
        elif isinstance(item, Text):
            body.append(f"<p>{html.escape(item.text)}</p>")
        elif isinstance(item, Table):
            table = item.frame.to_html(index=False, border=0, escape=True)
            if item.caption:
                table = table.replace(">", f"><caption>{html.escape(item.caption)}</caption>", 1)
            body.append(table)
        else:
            data = base64.b64encode(item.path.read_bytes()).decode("ascii")
            body.append(f'<figure><img alt="{html.escape(item.caption)}" src="data:image/png;base64,{data}">'
                        f"<figcaption>{html.escape(item.caption)}</figcaption></figure>")
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{html.escape(title)}</title>\n"
            f"<style>{STYLE}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n")
