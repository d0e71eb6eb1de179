"""Reading the manifest and its tables (CSV files or sheets of an XLSX workbook), column by column.

Row numbers in messages count the header as row 1, as a spreadsheet does.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .problems import InputError, Problem
from .schema import POLICY_FIELDS, TABLES, Column, Table

MANIFEST = "instance.yaml"


def manifest_path(path: Path) -> Path:
    return path / MANIFEST if path.is_dir() else path


def read_manifest(path: Path) -> dict[str, Any]:
    file = manifest_path(path)
    if not file.exists():
        raise InputError([Problem(f"no instance manifest found at {file}",
                                  fix=f"point at a folder holding {MANIFEST} (see docs/instance-format.md)")])
    try:
        manifest = yaml.safe_load(file.read_text())
    except yaml.YAMLError as err:
        raise InputError([Problem(f"is not valid YAML ({err})", file=str(file))]) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict):
        raise InputError([Problem("needs a 'tables' mapping naming the instance's tables", file=str(file),
                                  fix="add e.g. 'tables: {areas: areas.csv, providers: providers.csv, ...}'")])
    return manifest


def table_source(base: Path, entry: Any) -> tuple[Path, str | None]:
    """A table entry is 'file.csv', 'book.xlsx#sheet' or {file: ..., sheet: ...}."""
    if isinstance(entry, dict):
        return base / str(entry.get("file", "")), entry.get("sheet")
    text = str(entry)
    if "#" in text:
        file, sheet = text.split("#", 1)
        return base / file, sheet
    return base / text, None


def describe(file: Path, sheet: str | None) -> str:
    return f"{file} (sheet '{sheet}')" if sheet else str(file)


def read_raw(file: Path, sheet: str | None) -> pd.DataFrame:
    """Every cell as text, so that type errors can be reported per cell."""
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        frame = pd.read_excel(file, sheet_name=sheet or 0, dtype=str, keep_default_na=False)
    else:
        frame = pd.read_csv(file, dtype=str, keep_default_na=False, skipinitialspace=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def parse_column(raw: pd.Series, column: Column, where: str, problems: list[Problem]) -> pd.Series:
    if column.kind in ("id", "text", "category"):
        values = raw.astype(str)
        for index, value in values.items():
            row = int(index) + 2
            if column.kind != "text" and value == "":
                problems.append(Problem("is empty", where, row, column.name, "fill in a value"))
            elif column.allowed and value not in column.allowed:
                problems.append(Problem(f"'{value}' is not one of {', '.join(column.allowed)}",
                                        where, row, column.name, "use one of the allowed values"))
        return values
    numbers = pd.to_numeric(raw, errors="coerce")
    for index, value in numbers.items():
        row, text = int(index) + 2, raw[index]
        if math.isnan(value):
            what = "is empty" if text == "" or text.lower() == "nan" else f"'{text}' is not a number"
            problems.append(Problem(what, where, row, column.name, f"enter a {_kind_word(column)}"))
        elif math.isinf(value):
            problems.append(Problem(f"'{text}' is not a finite number", where, row, column.name,
                                    f"enter a {_kind_word(column)}"))
        elif column.minimum is not None and value < column.minimum:
            problems.append(Problem(f"{text} is below the minimum {column.minimum:g}", where, row,
                                    column.name, f"enter a {_kind_word(column)}"))
        elif column.maximum is not None and value > column.maximum:
            problems.append(Problem(f"{text} is above the maximum {column.maximum:g}", where, row,
                                    column.name, f"enter a {_kind_word(column)}"))
        elif column.kind == "count" and value != int(value):
            problems.append(Problem(f"{text} is not a whole number", where, row, column.name,
                                    "enter a whole number"))
    return numbers.astype("int64") if column.kind == "count" and not numbers.isna().any() else numbers


def _kind_word(column: Column) -> str:
    low, high = column.minimum, column.maximum
    kind = {"count": "whole number", "share": "fraction", "number": "number"}[column.kind]
    if low is not None and high is not None:
        return f"{kind} between {low:g} and {high:g}"
    return f"{kind} of at least {low:g}" if low is not None else kind


def read_table(base: Path, manifest_file: str, table: Table, entry: Any,
               problems: list[Problem]) -> pd.DataFrame | None:
    """One table, typed; problems are appended and None returned when it cannot be read."""
    if entry is None:
        if table.required:
            problems.append(Problem(f"names no '{table.name}' table", manifest_file,
                                    fix=f"add 'tables: {{{table.name}: {table.name}.csv}}' ({table.description})"))
        return None
    file, sheet = table_source(base, entry)
    where = describe(file, sheet)
    if not file.exists():
        problems.append(Problem(f"the {table.name} table's file does not exist", where,
                                fix=f"create it or correct 'tables: {table.name}' in {manifest_file}"))
        return None
    try:
        raw = read_raw(file, sheet)
    except (ValueError, KeyError, pd.errors.ParserError, OSError) as err:
        problems.append(Problem(f"cannot be read as a table ({err})", where,
                                fix="save it as CSV with a header row, or as an XLSX sheet"))
        return None
    before = len(problems)
    present = set(raw.columns)
    for column in table.columns:
        if column.required and column.name not in present:
            problems.append(Problem(f"missing column '{column.name}' ({column.description})", where,
                                    fix=f"add a '{column.name}' column"))
    if table.alternatives and not any(set(group) <= present for group in table.alternatives):
        options = " or ".join("/".join(group) for group in table.alternatives)
        problems.append(Problem(f"needs coordinate columns {options}", where, fix="add one pair"))
    if len(problems) > before:
        return None
    typed = pd.DataFrame(index=raw.index)
    for column in table.columns:
        if column.name in present:
            typed[column.name] = parse_column(raw[column.name], column, where, problems)
    if table.key:
        duplicated = typed.duplicated(subset=list(table.key), keep="first")
        for index in typed.index[duplicated]:
            key = ", ".join(f"{k}={typed.at[index, k]}" for k in table.key)
            problems.append(Problem(f"duplicate {key}", where, int(index) + 2, table.key[-1],
                                    "each id may appear once; remove or rename the repeat"))
    typed.attrs["source"] = where
    return typed


def read_policy(manifest: dict[str, Any], manifest_file: str, problems: list[Problem]) -> dict[str, Any]:
    raw = manifest.get("policy")
    if not isinstance(raw, dict):
        problems.append(Problem("needs a 'policy' mapping", manifest_file,
                                fix="add policy: year, national_living_wage_gbp_per_hour, ... "
                                    "(see docs/instance-format.md)"))
        return {}
    policy: dict[str, Any] = {}
    for field in POLICY_FIELDS:
        value = raw.get(field.name)
        if value is None:
            if field.required:
                problems.append(Problem(f"policy is missing '{field.name}' ({field.description})",
                                        manifest_file, column=f"policy.{field.name}", fix="add it"))
            continue
        if field.kind == "category":
            if value not in field.allowed:
                problems.append(Problem(f"'{value}' is not one of {', '.join(field.allowed)}", manifest_file,
                                        column=f"policy.{field.name}", fix="use one of the allowed values"))
            policy[field.name] = value
        elif not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0 or (
                field.kind == "count" and value != int(value)):
            problems.append(Problem(f"'{value}' is not a non-negative {'whole ' if field.kind == 'count' else ''}"
                                    "number", manifest_file, column=f"policy.{field.name}", fix="correct it"))
        else:
            policy[field.name] = int(value) if field.kind == "count" else float(value)
    return policy


def read_tables(path: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame | None], dict[str, Any]]:
    """Manifest, typed tables and policy; raises InputError listing every problem found."""
    manifest = read_manifest(path)
    file = manifest_path(path)
    problems: list[Problem] = []
    unknown = set(manifest["tables"]) - {t.name for t in TABLES}
    for name in sorted(unknown):
        problems.append(Problem(f"names an unknown table '{name}'", str(file),
                                fix=f"tables are {', '.join(t.name for t in TABLES)}"))
    tables = {t.name: read_table(file.parent, str(file), t, manifest["tables"].get(t.name), problems)
              for t in TABLES}
    policy = read_policy(manifest, str(file), problems)
    if problems:
        raise InputError(problems)
    return manifest, tables, policy
