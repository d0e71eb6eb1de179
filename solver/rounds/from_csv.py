"""Days of visits and carers read from CSV files (or XLSX sheets), for rounds a provider already has.

visits: visit_id, client_id, x_km, y_km, earliest and latest (start window, HH:MM),
duration_minutes, optional carers_needed (1 or 2, default 1), day (1, 2, ...; blank = every day)
and skills (space-separated, e.g. "insulin hoist": every carer of the visit holds them).
carers: carer_id, home_x_km, home_y_km, shift_start and shift_end (HH:MM), optional
max_working_minutes, break_earliest, break_latest (HH:MM) with break_minutes, days (e.g.
"1 2 3 4 5"; blank = every day) and skills (space-separated). Two rows with the same carer_id
are one person's split shift.
An optional travel matrix (first column and header row: client_id and carer_id values, cells:
minutes) replaces the straight-line estimate (km x detour factor at one speed).
Every problem is reported with its file, row and column.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..instance import InputError
from ..instance import Problem as InputProblem
from ..instance.schema import Column, Table
from ..instance.tables import describe, read_raw, read_table, table_source
from .problem import BreakWindow, Carer, Problem, Visit, travel_minutes

VISITS = Table("visits", "one row per visit", (
    Column("visit_id", "id", "unique visit id"),
    Column("client_id", "id", "the client; visits of one client share a place"),
    Column("x_km", "number", "easting of the client's home, km", minimum=None),
    Column("y_km", "number", "northing of the client's home, km", minimum=None),
    Column("earliest", "text", "earliest start, HH:MM"),
    Column("latest", "text", "latest start, HH:MM"),
    Column("duration_minutes", "number", "minutes of care"),
    Column("carers_needed", "text", "1 or 2 (blank = 1)", required=False),
    Column("day", "text", "day number 1, 2, ... (blank = every day)", required=False),
    Column("skills", "text", "skills every carer of the visit holds, space-separated (blank = none)",
           required=False),
), key=("visit_id",))

CARERS = Table("carers", "one row per shift", (
    Column("carer_id", "id", "the carer; two rows make a split shift"),
    Column("home_x_km", "number", "easting of the carer's home, km", minimum=None),
    Column("home_y_km", "number", "northing of the carer's home, km", minimum=None),
    Column("shift_start", "text", "leaves home from, HH:MM"),
    Column("shift_end", "text", "home by, HH:MM"),
    Column("max_working_minutes", "text", "visits plus travel between them, at most (blank = no limit)",
           required=False),
    Column("break_earliest", "text", "break starts from, HH:MM (blank = no break)", required=False),
    Column("break_latest", "text", "break starts by, HH:MM", required=False),
    Column("break_minutes", "text", "break length, minutes", required=False),
    Column("days", "text", "days worked, e.g. '1 2 3 4 5' (blank = every day)", required=False),
    Column("skills", "text", "skills the carer holds, space-separated (blank = none)", required=False),
))

CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")  # HH:MM, or HH:MM:SS as spreadsheets save times


class _Cells:
    """Typed reading of text cells with every problem collected."""

    def __init__(self, frame: pd.DataFrame, problems: list[InputProblem]):
        self.frame, self.problems, self.where = frame, problems, frame.attrs["source"]

    def text(self, row: int, column: str) -> str:
        return str(self.frame.at[row, column]).strip() if column in self.frame else ""

    def _parse(self, row: int, column: str, parse: Callable[[str], float | None], fix: str,
               required: bool = False) -> float | None:
        text = self.text(row, column)
        if text == "":
            if required:
                self.problems.append(InputProblem("is empty", self.where, row + 2, column, fix))
            return None
        value = parse(text)
        if value is None:
            self.problems.append(InputProblem(f"'{text}' cannot be read", self.where, row + 2, column, fix))
        return value

    def clock(self, row: int, column: str, required: bool = False) -> float | None:
        def parse(text: str) -> float | None:
            match = CLOCK.match(text)
            if not match or int(match[2]) > 59 or int(match[3] or 0) > 59:
                return None
            minutes = 60.0 * int(match[1]) + int(match[2]) + int(match[3] or 0) / 60
            return minutes if minutes <= 24 * 60 else None
        return self._parse(row, column, parse, "write a time of day from 00:00 to 24:00 as HH:MM, e.g. 07:30",
                           required)

    def number(self, row: int, column: str, low: float = 0.0) -> float | None:
        def parse(text: str) -> float | None:
            try:
                value = float(text)
            except ValueError:
                return None
            return value if math.isfinite(value) and value >= low else None
        return self._parse(row, column, parse, f"enter a number of at least {low:g}, or leave it blank")

    def days(self, row: int, column: str) -> set[int] | None:
        text = self.text(row, column).replace(",", " ")
        if text == "":
            return None
        if not all(part.isdigit() and int(part) >= 1 for part in text.split()):
            self.problems.append(InputProblem(f"'{text}' is not a list of day numbers", self.where, row + 2, column,
                                              "write day numbers from 1, e.g. '1 2 3 4 5', or leave it blank"))
            return None
        return {int(part) for part in text.split()}

    def require(self, ok: bool, row: int, column: str, message: str, fix: str) -> None:
        if not ok:
            self.problems.append(InputProblem(message, self.where, row + 2, column, fix))


def _read(path: Path, table: Table, option: str, problems: list[InputProblem]) -> pd.DataFrame | None:
    file, _ = table_source(path.parent, path.name)
    if not file.exists():
        problems.append(InputProblem(f"the {table.name} file does not exist", str(file),
                                     fix=f"check the path given to {option}"))
        return None
    return read_table(path.parent, option, table, path.name, problems)


def read_days(visits_path: Path, carers_path: Path, matrix_path: Path | None = None, speed_kmh: float = 25.0,
              detour: float = 1.3, name: str = "rounds") -> Callable[[int], Problem]:
    """Check the files and return make_day(day) -> Problem, day 0 being day 1 of the files."""
    problems: list[InputProblem] = []
    visits = _read(visits_path, VISITS, "--visits", problems)
    carers = _read(carers_path, CARERS, "--carers", problems)
    if visits is None or carers is None:
        raise InputError(problems)
    visit_rows = _visits(_Cells(visits, problems))
    carer_rows = _carers(_Cells(carers, problems))
    places, xy = _places(visits, carers, problems)
    if problems:
        raise InputError(problems)
    travel = (_matrix(matrix_path, places, problems) if matrix_path is not None
              else travel_minutes(xy, detour, speed_kmh))
    if problems:
        raise InputError(problems)
    index = {place: i for i, place in enumerate(places)}

    def make_day(day: int) -> Problem:
        today = [Visit(v["id"], index[("client", v["client"])], v["earliest"], v["latest"], v["service"],
                       v["needed"], v["client"], skills=v["skills"]) for v in visit_rows if v["day"] in (None, day + 1)]
        shifts = [c for c in carer_rows if c["days"] is None or day + 1 in c["days"]]
        pieces: dict[str, int] = {}
        on_duty = []
        for c in shifts:
            pieces[c["person"]] = pieces.get(c["person"], 0) + 1
            on_duty.append(Carer(f"{c['person']}#{pieces[c['person']]}", index[("carer", c["person"])], c["start"],
                                 c["end"], c["max_working"], c["break"], person=c["person"], skills=c["skills"]))
        return Problem(today, on_duty, travel, coordinates=xy, name=f"{name} day {day + 1}")

    return make_day


def _visits(cells: _Cells) -> list[dict]:
    rows = []
    for i in cells.frame.index:
        earliest, latest = cells.clock(i, "earliest", required=True), cells.clock(i, "latest", required=True)
        if earliest is not None and latest is not None:
            cells.require(earliest <= latest, i, "latest", "is before earliest", "give a window that opens first")
        needed = cells.number(i, "carers_needed", low=1)
        cells.require(needed in (None, 1, 2), i, "carers_needed", f"{needed} is not 1 or 2", "use 1 or 2")
        day = cells.number(i, "day", low=1)
        cells.require(day is None or day == int(day), i, "day", "is not a whole day number", "use 1, 2, ...")
        rows.append({"id": cells.frame.at[i, "visit_id"], "client": cells.frame.at[i, "client_id"],
                     "earliest": earliest, "latest": latest, "service": float(cells.frame.at[i, "duration_minutes"]),
                     "needed": int(needed or 1), "day": None if day is None else int(day),
                     "skills": frozenset(cells.text(i, "skills").split())})
    return rows


def _carers(cells: _Cells) -> list[dict]:
    rows = []
    for i in cells.frame.index:
        start, end = cells.clock(i, "shift_start", required=True), cells.clock(i, "shift_end", required=True)
        if start is not None and end is not None:
            cells.require(start < end, i, "shift_end", "is not after shift_start",
                          "give a shift that ends after it starts")
        break_times = [cells.clock(i, "break_earliest"), cells.clock(i, "break_latest"),
                       cells.number(i, "break_minutes")]
        has_break = any(t is not None for t in break_times)
        cells.require(not has_break or all(t is not None for t in break_times), i, "break_minutes",
                      "a break needs break_earliest, break_latest and break_minutes", "fill in all three or none")
        window = BreakWindow(*break_times) if has_break and all(t is not None for t in break_times) else None
        if window and start is not None and end is not None:
            cells.require(max(window.earliest, start) <= min(window.latest, end - window.duration), i,
                          "break_latest", "the break cannot fit in the shift", "move the break window into the shift")
        rows.append({"row": i, "person": cells.frame.at[i, "carer_id"], "start": start, "end": end, "break": window,
                     "max_working": cells.number(i, "max_working_minutes"), "days": cells.days(i, "days"),
                     "skills": frozenset(cells.text(i, "skills").split())})
    by_person: dict[str, list[dict]] = {}
    for row in rows:
        by_person.setdefault(row["person"], []).append(row)
    for shifts in by_person.values():
        for a, b in ((a, b) for a in shifts for b in shifts if a["row"] < b["row"]):
            same_day = a["days"] is None or b["days"] is None or a["days"] & b["days"]
            if same_day and None not in (a["start"], a["end"], b["start"], b["end"]):
                cells.require(a["end"] <= b["start"] or b["end"] <= a["start"], b["row"], "shift_start",
                              f"overlaps carer {a['person']}'s shift on row {a['row'] + 2}",
                              "a person's shifts on the same day must not overlap")
    return rows


def _places(visits: pd.DataFrame, carers: pd.DataFrame, problems: list[InputProblem]) -> tuple[list, np.ndarray]:
    """One place per client and per carer's home, in that order; a client or carer with two
    different places is a problem."""
    places, xy = [], []
    for frame, kind, id_column, columns in ((visits, "client", "client_id", ("x_km", "y_km")),
                                            (carers, "carer", "carer_id", ("home_x_km", "home_y_km"))):
        for key, rows in frame.groupby(id_column, sort=False):
            points = rows[list(columns)].drop_duplicates()
            if len(points) > 1:
                problems.append(InputProblem(f"{kind} {key} has {len(points)} different places",
                                             frame.attrs["source"], int(points.index[1]) + 2, columns[0],
                                             f"give every row of {kind} {key} the same {columns[0]}/{columns[1]}"))
            places.append((kind, key))
            xy.append(points.iloc[0].to_numpy(dtype=float))
    return places, np.array(xy, dtype=float).reshape(-1, 2)


def _matrix(path: Path, places: list[tuple[str, str]], problems: list[InputProblem]) -> np.ndarray:
    """The travel matrix in the order of `places`, every client and carer present."""
    file, sheet = table_source(path.parent, path.name)
    where = describe(file, sheet)
    if not file.exists():
        problems.append(InputProblem("the travel matrix file does not exist", where,
                                     fix="check the path given to --travel-matrix"))
        return np.zeros((0, 0))
    try:
        raw = read_raw(file, sheet)
    except (ValueError, KeyError, pd.errors.ParserError, OSError) as err:
        problems.append(InputProblem(f"cannot be read as a table ({err})", where,
                                     fix="save it as CSV (or an XLSX sheet) with a header row of ids"))
        return np.zeros((0, 0))
    ids = [key for _, key in places]
    if len(set(ids)) < len(ids):
        problems.append(InputProblem("a client_id is also a carer_id, so the matrix cannot tell them apart", where,
                                     fix="rename the client or the carer in the visits or carers file"))
        return np.zeros((0, 0))
    if raw.empty or len(raw.columns) < 2:
        problems.append(InputProblem("has no rows or no columns of minutes", where,
                                     fix="list every client_id and carer_id in the first column and the header row"))
        return np.zeros((0, 0))
    raw = raw.set_index(raw.columns[0])
    for kind, labels in (("row", raw.index), ("column", raw.columns)):
        if labels.duplicated().any():
            problems.append(InputProblem(f"{kind} id {labels[labels.duplicated()][0]} appears twice", where,
                                         fix="give each client and carer one row and one column"))
            return np.zeros((0, 0))
    missing = [i for i in ids if i not in raw.index or i not in raw.columns]
    if missing:
        problems.append(InputProblem(f"no row or column for {', '.join(missing[:5])}"
                                     f"{' and more' if len(missing) > 5 else ''}", where,
                                     fix="list every client_id and carer_id in the first column and the header row"))
        return np.zeros((0, 0))
    cells = raw.loc[ids, ids].apply(pd.to_numeric, errors="coerce")
    bad = np.argwhere(~np.isfinite(cells.to_numpy()) | (cells.to_numpy() < 0))
    for r, c in bad[:10]:
        problems.append(InputProblem(f"'{raw.loc[ids[r], ids[c]]}' is not a non-negative number of minutes", where,
                                     int(raw.index.get_loc(ids[r])) + 2, ids[c], "enter minutes of travel"))
    return cells.to_numpy(dtype=float)
