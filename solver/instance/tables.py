"""Reading the manifest and its tables (CSV files or sheets of an XLSX workbook), column by column.

Row numbers in messages count the header as row 1, as a spreadsheet does.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .problems import InputError, Problem, close_match, listing
from .schema import POLICY_FIELDS, TABLES, Column, Table

MANIFEST = "instance.yaml"
MANIFEST_KEYS = ("name", "description", "tables", "policy", "geography", "provenance")
SAVE_AS_CSV = "save it as 'CSV UTF-8 (Comma delimited)'"
UNITS = (("_km", "kilometres (metres / 1000)"), ("_gbp_per_hour", "pounds an hour"), ("_gbp_per_mile", "pounds a mile"),
         ("_gbp_per_year", "pounds a year"), ("_hours_per_week", "hours a week"))
"""What a column's name says its unit is, for the fix of a value too large (often the wrong unit)."""


class UnreadableTable(ValueError):
    """A file that cannot be read as a table of text cells; says why, where and what to do."""

    def __init__(self, message: str, fix: str, row: int | None = None):
        super().__init__(message)
        self.message, self.fix, self.row = message, fix, row


def manifest_path(path: Path) -> Path:
    return path / MANIFEST if path.is_dir() else path


def read_manifest(path: Path) -> dict[str, Any]:
    file = manifest_path(path)
    if not file.exists() or file.suffix.lower() not in (".yaml", ".yml"):
        raise InputError([Problem(f"no instance manifest found at {file}",
                                  fix=f"point at a folder holding {MANIFEST} (see docs/instance-format.md)")])
    try:
        manifest = yaml.safe_load(read_text(file, "save it as UTF-8 text"))
    except UnreadableTable as err:
        raise InputError([Problem(err.message, str(file), err.row, fix=err.fix)]) from None
    except OSError as err:
        raise InputError([Problem(f"cannot be read ({err.strerror})", str(file))]) from None
    except yaml.YAMLError as err:
        raise InputError([Problem(f"is not valid YAML ({err})", file=str(file))]) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables"), dict):
        keys = list(manifest) if isinstance(manifest, dict) else []
        meant = close_match("tables", (str(k) for k in keys if k != "tables"))
        raise InputError([Problem("needs a 'tables' mapping naming the instance's tables", file=str(file),
                                  fix=f"rename '{meant}' to 'tables'" if meant else
                                  "add e.g. 'tables: {areas: areas.csv, providers: providers.csv, ...}'")])
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


def read_text(file: Path, save_as: str) -> str:
    """A text file's contents: UTF-8 (with or without a byte-order mark) or UTF-16 with one."""
    data = file.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        raise UnreadableTable("is a zipped file (an Excel workbook?), not text",
                              f"give a workbook an .xlsx name, or {save_as}")
    encoding = "UTF-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "UTF-8"
    try:
        text = data.decode("utf-16" if encoding == "UTF-16" else "utf-8-sig")
    except UnicodeDecodeError as err:
        raise UnreadableTable(f"is not {encoding} text (byte 0x{data[err.start]:02x} is from another encoding)",
                              save_as, data[:err.start].count(b"\n") + 1) from None
    if "\x00" in text:
        raise UnreadableTable("holds NUL characters (a UTF-16 file without its byte-order mark?)", save_as,
                              text[:text.index("\x00")].count("\n") + 1)
    return text


def _csv_records(file: Path) -> list[list[str]]:
    text = read_text(file, SAVE_AS_CSV)
    header = next((line for line in text.splitlines() if line.strip()), "")
    if "," not in header:
        for separator, name in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
            if separator in header:
                raise UnreadableTable(f"this file is separated by {name}, not commas",
                                      "save it as comma-separated (CSV)", 1)
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as err:
        raise UnreadableTable(f"is not valid CSV ({err})", SAVE_AS_CSV) from None


def _column_letter(position: int) -> str:
    """A spreadsheet's name for the column at 0-based `position`: A, B, ..., Z, AA, ..."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _frame(records: list[list[str]]) -> pd.DataFrame:
    """Text cells under the first non-blank row as header, indexed so that a cell's row is index + 2.

    Wholly blank rows (spreadsheets export them as ',,,') are skipped, and so are unnamed columns
    with nothing in them.
    """
    cells = [[str(c).strip() for c in record] for record in records]
    filled = [i for i, record in enumerate(cells) if any(record)]
    if not filled:
        return pd.DataFrame()
    header = cells[filled[0]]
    body = {i - 1: record for i, record in enumerate(cells) if i > filled[0] and any(record)}
    width = len(header)
    for index, record in body.items():
        if len(record) > width and any(record[width:]):
            raise UnreadableTable(f"has {len(record)} cells but the header names {width} columns",
                                  "quote text holding commas (\"Smith, Jones\") or remove the extra cells", index + 2)
        body[index] = (record + [""] * width)[:width]
        if body[index] == header:  # two files pasted together, or a header repeated on every page
            raise UnreadableTable("repeats the header row", "remove it", index + 2)
    rows = list(body.values())
    keep = [j for j, name in enumerate(header) if name or any(row[j] for row in rows)]
    names = [header[j] or f"column {_column_letter(j)}" for j in keep]
    for j, name in zip(keep, names):
        first = names.index(name)
        if keep[first] != j:
            raise UnreadableTable(f"names column '{name}' twice (columns {_column_letter(keep[first])} and "
                                  f"{_column_letter(j)})", "remove or rename one of them", 1)
    return pd.DataFrame([[row[j] for j in keep] for row in rows], index=list(body), columns=names, dtype=str)


def read_raw(file: Path, sheet: str | None) -> pd.DataFrame:
    """Every cell as stripped text, so that type errors can be reported per cell; raises UnreadableTable."""
    if file.suffix.lower() in (".xlsx", ".xlsm"):
        if not file.read_bytes().startswith(b"PK\x03\x04"):
            raise UnreadableTable("is not an Excel workbook", "give a CSV file a .csv name, or save it as .xlsx")
        with pd.ExcelFile(file) as book:
            if sheet is not None and sheet not in book.sheet_names:
                meant = close_match(sheet, book.sheet_names)
                raise UnreadableTable(f"has no sheet '{sheet}'", f"did you mean '{meant}'?" if meant else
                                      f"its sheets are {', '.join(book.sheet_names)}")
            cells = pd.read_excel(book, sheet_name=sheet or 0, header=None, dtype=str, keep_default_na=False)
        return _frame(cells.to_numpy().tolist())
    return _frame(_csv_records(file))


def number_text(value: float) -> str:
    """A number for a message: 20,000 and 10,000,000 rather than 2e+04 and 1e+07, but 2025 and 0.5."""
    if value == int(value) and 10_000 <= abs(value) < 1e15:
        return f"{value:,.0f}"
    return f"{value:g}"


def _kind_word(column: Column) -> str:
    low, high = column.minimum, column.maximum
    kind = {"count": "whole number", "share": "fraction", "number": "number"}[column.kind]
    if low is not None and high is not None:
        return f"{kind} between {number_text(low)} and {number_text(high)}"
    return f"{kind} of at least {number_text(low)}" if low is not None else kind


def _number_problem(value: float, text: str, column: Column) -> tuple[str, str] | None:
    """What is wrong with a number for this column, and the fix; None when it is fine."""
    enter = f"enter a {_kind_word(column)}"
    if math.isnan(value):
        return f"'{text}' is not a number", enter
    if math.isinf(value):
        return f"'{text}' is not a finite number", enter
    if column.minimum is not None and value < column.minimum:
        return f"{text} is below the minimum {number_text(column.minimum)}", enter
    if column.maximum is not None and value > column.maximum:
        unit = next((f", in {unit}" for suffix, unit in UNITS if column.name.endswith(suffix)), "")
        return f"{text} is above the maximum {number_text(column.maximum)}", enter + unit
    if column.kind == "count" and value != int(value):
        return f"{text} is not a whole number", "enter a whole number"
    return None


def _category_problem(value: str, column: Column) -> tuple[str, str] | None:
    if value in column.allowed:
        return None
    meant = close_match(value, column.allowed)
    return (f"'{value}' is not one of {', '.join(column.allowed)}",
            f"write '{meant}'" if meant else "use one of the allowed values")


def parse_column(raw: pd.Series, column: Column, where: str, problems: list[Problem]) -> pd.Series:
    if column.kind in ("id", "text", "category"):
        values = raw.astype(str)
        for index, value in values.items():
            row = int(index) + 2
            if column.kind != "text" and value == "":
                problems.append(Problem("is empty", where, row, column.name, "fill in a value"))
            elif column.allowed and (problem := _category_problem(value, column)):
                problems.append(Problem(problem[0], where, row, column.name, problem[1]))
        return values
    numbers = pd.to_numeric(raw, errors="coerce")
    for index, value in numbers.items():
        text = raw[index]
        if text == "" or text.lower() == "nan":
            problem: tuple[str, str] | None = ("is empty", f"enter a {_kind_word(column)}")
        else:
            problem = _number_problem(value, text, column)
        if problem:
            problems.append(Problem(problem[0], where, int(index) + 2, column.name, problem[1]))
    return numbers.astype("int64") if column.kind == "count" and not numbers.isna().any() else numbers


def _unusual(usual: tuple[float, float], value: float) -> bool:
    """Whether a valid value lies outside a usual range."""
    return math.isfinite(value) and not usual[0] <= value <= usual[1]


def _usual(usual: tuple[float, float]) -> str:
    return f"the usual {number_text(usual[0])} to {number_text(usual[1])}"


def _warn_unusual(column: Column, values: pd.Series, where: str, warnings: list[Problem]) -> None:
    """One warning for all of a column's unusual values."""
    usual = column.usual
    if usual is None:
        return
    outside = values[[_unusual(usual, float(v)) for v in values]]
    if outside.empty:
        return
    rows = listing([f"row {int(i) + 2} ({number_text(v)})" for i, v in outside.items()], 5)
    single = len(outside) == 1
    warnings.append(Problem(f"{len(outside)} of {len(values)} rows {'is' if single else 'are'} outside "
                            f"{_usual(usual)}: {rows}", where, int(outside.index[0]) + 2 if single else None,
                            column.name, f"check them ({column.description.rstrip('.')})"))


def _missing_fix(name: str, unknown: list[str], otherwise: str) -> str:
    meant = close_match(name, unknown)
    return f"rename '{meant}' to '{name}'" if meant else otherwise


def _check_columns(table: Table, present: list[str], where: str, problems: list[Problem],
                   warnings: list[Problem] | None) -> None:
    """Missing columns are errors; an unknown column that looks like a misspelt one is a warning."""
    names = [c.name for c in table.columns]
    unknown = [c for c in present if c not in names]
    for column in table.columns:
        if column.required and column.name not in present:
            problems.append(Problem(f"missing column '{column.name}' ({column.description})", where,
                                    fix=_missing_fix(column.name, unknown, f"add a '{column.name}' column")))
    if table.alternatives and not any(set(group) <= set(present) for group in table.alternatives):
        options = " or ".join("/".join(group) for group in table.alternatives)
        renames = [_missing_fix(c, unknown, "") for group in table.alternatives for c in group if c not in present]
        problems.append(Problem(f"needs coordinate columns {options}", where,
                                fix="; ".join(r for r in renames if r) or "add one pair"))
    for group in table.together:
        given = [c for c in group if c in present]
        if given and len(given) < len(group):
            lacking = [c for c in group if c not in present]
            renames = [r for c in lacking if (r := _missing_fix(c, unknown, ""))]
            problems.append(Problem(f"has {', '.join(given)} but not {', '.join(lacking)}", where,
                                    fix="; ".join(renames) or f"give all of {', '.join(group)} or none"))
    if warnings is not None:
        absent = [n for n in names if n not in present]
        for column in unknown:
            if meant := close_match(column, absent):
                warnings.append(Problem(f"column '{column}' is not part of the format and is ignored", where,
                                        column=column, fix=f"did you mean '{meant}'? rename it"))


def read_table(base: Path, manifest_file: str, table: Table, entry: Any,
               problems: list[Problem], warnings: list[Problem] | None = None) -> pd.DataFrame | None:
    """One table, typed; problems (and warnings, if given a list) are appended, None returned when it
    cannot be read.
    """
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
    except UnreadableTable as err:
        problems.append(Problem(err.message, where, err.row, fix=err.fix))
        return None
    except (ValueError, KeyError, OSError) as err:
        problems.append(Problem(f"cannot be read as a table ({err})", where,
                                fix="save it as CSV with a header row, or as an XLSX sheet"))
        return None
    at_least = f"at least one {table.item}" + (
        "" if table.required else f", or remove '{table.name}' from the tables in {manifest_file}")
    first_pair = table.alternatives[0] if table.alternatives else ()
    header = [c.name for c in table.columns if c.required or c.name in first_pair]
    if raw.columns.empty:
        problems.append(Problem("is empty", where, fix=f"give a header row ({','.join(header)}) and {at_least}"))
        return None
    present = [str(c) for c in raw.columns]
    known = {c.name.lower() for c in table.columns}
    if not any(c.lower() in known for c in present):
        problems.append(Problem(f"has no header row naming its columns (row 1 is {listing(present, 3)})", where, 1,
                                fix=f"insert the header row {','.join(header)}"))
        return None
    before = len(problems)
    _check_columns(table, present, where, problems, warnings)
    if len(problems) > before:
        return None
    if raw.empty and not table.may_be_empty:
        problems.append(Problem("has a header but no rows", where, fix=f"give {at_least}"))
        return None
    typed = pd.DataFrame(index=raw.index)
    for column in table.columns:
        if column.name in present:
            typed[column.name] = parse_column(raw[column.name], column, where, problems)
            if warnings is not None:
                _warn_unusual(column, typed[column.name], where, warnings)
    if table.key:
        duplicated = typed.duplicated(subset=list(table.key), keep="first")
        for index in typed.index[duplicated]:
            key = ", ".join(f"{k}={typed.at[index, k]}" for k in table.key)
            problems.append(Problem(f"duplicate {key}", where, int(index) + 2, table.key[-1],
                                    "each id may appear once; remove or rename the repeat"))
    typed.attrs["source"] = where
    return typed


def _policy_problem(value: Any, field: Column) -> tuple[str, str] | None:
    if field.kind == "category":
        return _category_problem(str(value), field)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"'{value}' is not a number", "write a plain number, without quotes, £ or commas"
    return _number_problem(float(value), str(value), field)


def read_policy(manifest: dict[str, Any], manifest_file: str, problems: list[Problem],
                warnings: list[Problem]) -> dict[str, Any]:
    raw = manifest.get("policy")
    if not isinstance(raw, dict):
        meant = close_match("policy", (str(k) for k in manifest if k != "policy"))
        problems.append(Problem("needs a 'policy' mapping", manifest_file, fix=f"rename '{meant}' to 'policy'" if meant
                                else "add policy: year, national_living_wage_gbp_per_hour, ... "
                                     "(see docs/instance-format.md)"))
        return {}
    names = [f.name for f in POLICY_FIELDS]
    unknown = [str(k) for k in raw if k not in names]
    policy: dict[str, Any] = {}
    for field in POLICY_FIELDS:
        key, value = f"policy.{field.name}", raw.get(field.name)
        if value is None:
            if field.required:
                problems.append(Problem(f"policy is missing '{field.name}' ({field.description})", manifest_file,
                                        key=key, fix=_missing_fix(field.name, unknown, "add it")))
            continue
        if problem := _policy_problem(value, field):
            problems.append(Problem(problem[0], manifest_file, key=key, fix=problem[1]))
            continue
        policy[field.name] = value if field.kind == "category" else (
            int(value) if field.kind == "count" else float(value))
        if field.usual and _unusual(field.usual, float(value)):
            warnings.append(Problem(f"{number_text(value)} is outside {_usual(field.usual)}", manifest_file, key=key,
                                    fix=f"check it ({field.description.rstrip('.')})"))
    for key in unknown:
        meant = close_match(key, [n for n in names if n not in raw])
        warnings.append(Problem("is not a policy field and is ignored", manifest_file, key=f"policy.{key}",
                                fix=f"did you mean '{meant}'? rename it" if meant else
                                f"policy fields are {', '.join(names)}"))
    return policy


def read_tables(path: Path) -> tuple[dict[str, Any], dict[str, pd.DataFrame | None], dict[str, Any],
                                     list[Problem]]:
    """Manifest, typed tables, policy and warnings; raises InputError listing every problem found."""
    manifest = read_manifest(path)
    file = manifest_path(path)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    absent_keys = [k for k in MANIFEST_KEYS if k not in manifest]
    for key in manifest:
        if key not in MANIFEST_KEYS and (meant := close_match(str(key), absent_keys)):
            warnings.append(Problem(f"'{key}' is not a manifest key and is ignored", str(file),
                                    fix=f"did you mean '{meant}'? rename it"))
    known = [t.name for t in TABLES]
    renamed: set[str] = set()
    for name in sorted(set(manifest["tables"]) - set(known)):
        meant = close_match(str(name), (t for t in known if t not in manifest["tables"]))
        if meant:
            renamed.add(meant)  # not also reported as missing
        problems.append(Problem(f"names an unknown table '{name}'", str(file),
                                fix=f"rename it '{meant}'" if meant else f"tables are {', '.join(known)}"))
    tables = {t.name: read_table(file.parent, str(file), t, manifest["tables"].get(t.name), problems, warnings)
              for t in TABLES if t.name not in renamed}
    policy = read_policy(manifest, str(file), problems, warnings)
    if problems:
        raise InputError(problems)
    return manifest, tables, policy, warnings
