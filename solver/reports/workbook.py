"""An Excel workbook with one sheet per table, numbers kept as numbers and formatted by what their
column holds (pounds, shares, hours, counts), headers frozen and filterable, columns sized to fit."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

SHEET_NAME_LIMIT = 31  # Excel's
WIDTH_LIMIT = 60  # characters
HEADER_WIDTH = 16  # a longer header wraps
POUNDS, PENCE, PERCENT, HOURS, WHOLE, DECIMAL = "£#,##0", "£#,##0.00", "0.0%", "#,##0.0", "#,##0", "#,##0.00"


def number_format(column: str, values: pd.Series) -> str | None:
    """Excel's format for a column, from its name (…_gbp_per_year, …share, …hours…) and values."""
    name = column.lower()
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return None
    if "gbp" in name or "£" in name:
        return POUNDS if "year" in name or "£/yr" in name or "£m" in name else PENCE
    if any(word in name for word in ("share", "gap", "rate", "probability")) and not name.endswith("_pct"):
        return PERCENT
    if "hours" in name or "h/wk" in name:
        return HOURS
    return WHOLE if pd.api.types.is_integer_dtype(values) else DECIMAL


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unused sheet name: no []:*?/\\ and at most 31 characters."""
    base = re.sub(r"[\[\]:*?/\\]", "-", name)[:SHEET_NAME_LIMIT]
    candidate, n = base, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{base[:SHEET_NAME_LIMIT - len(str(n)) - 1]}~{n}"
    taken.add(candidate.lower())
    return candidate


def write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    taken: set[str] = set()
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            title = sheet_name(name, taken)
            indexed = frame.index.name is not None
            frame.to_excel(writer, sheet_name=title, index=indexed)
            _format(writer.sheets[title], frame.reset_index() if indexed else frame)
    return path


def _format(sheet: Worksheet, frame: pd.DataFrame) -> None:
    """Bold wrapped headers, frozen with a filter; each column's number format and a width to fit."""
    sheet.freeze_panes = "B2" if len(frame.columns) > 1 else "A2"
    if len(frame):
        sheet.auto_filter.ref = sheet.dimensions
    for position, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(position)
        header = sheet[f"{letter}1"]
        header.font, header.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        style = number_format(str(column), frame[column])
        if style:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=position, max_col=position):
                cell.number_format = style
        widest = max((len(_shown(v, style)) for v in frame[column].head(500)), default=0)
        sheet.column_dimensions[letter].width = min(WIDTH_LIMIT, max(widest, min(len(str(column)), HEADER_WIDTH)) + 2)


def _shown(value: object, style: str | None) -> str:
    """Roughly what Excel shows for a value in a format, to size its column."""
    if style is None or not isinstance(value, (int, float)) or pd.isna(value):
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    if style == PERCENT:
        return f"{value:.1%}"
    return f"£{value:,.2f}" if style.startswith("£") else f"{value:,.2f}"
