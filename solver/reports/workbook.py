"""An Excel workbook with one sheet per table, numbers kept as numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

SHEET_NAME_LIMIT = 31  # Excel's


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
            frame.to_excel(writer, sheet_name=sheet_name(name, taken), index=frame.index.name is not None)
    return path
