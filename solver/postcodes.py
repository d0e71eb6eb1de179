"""English postcodes to LSOAs, offline: `data/england_postcodes_2025.npz`.

Every live English postcode of OS Code-Point Open (April 2025) with its LSOA (2011 definitions):
ONS's postcode lookup, or for postcodes newer than it the LSOA boundary holding the postcode's grid
point (or, off the generalised coast, the nearest one). The file holds the outward codes (sorted), how
many postcodes each has, each postcode's inward code as a step from the previous one of its outward code
(the inward code `1AA` is the number 1 x 676 + 0 x 26 + 0), and the index of its LSOA.
`solver/data/build.py` writes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import as_file, files

import numpy as np
import pandas as pd

from .geography import lsoa_code, lsoa_number
from .instance import Problem
from .instance.problems import close_matches

POSTCODES_FILE = "england_postcodes_2025.npz"
SOURCE = "OS Code-Point Open, April 2025, with ONS's postcode to LSOA lookup"
SHAPE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
INWARD_CODES = 10 * 26 * 26


def normalise(text: str) -> str | None:
    """A postcode as Royal Mail writes it ('sw1a1aa' -> 'SW1A 1AA'), or None if it is not shaped like one."""
    compact = re.sub(r"\s+", "", text).upper()
    return f"{compact[:-3]} {compact[-3:]}" if SHAPE.fullmatch(compact) else None


def inward_number(inward: str) -> int:
    return int(inward[0]) * 676 + (ord(inward[1]) - 65) * 26 + ord(inward[2]) - 65


def inward_text(number: int) -> str:
    digit, letters = divmod(int(number), 676)
    return f"{digit}{chr(65 + letters // 26)}{chr(65 + letters % 26)}"


def pack_postcodes(postcodes: list[str], lsoa_codes: list[str]) -> dict[str, np.ndarray]:
    """The arrays of the packed file, from normalised postcodes and their LSOA codes."""
    frame = pd.DataFrame({"outward": [p.split()[0] for p in postcodes],
                          "inward": [inward_number(p.split()[1]) for p in postcodes], "lsoa": lsoa_codes})
    frame = frame.sort_values(["outward", "inward"], kind="stable").reset_index(drop=True)
    outward, count = np.unique(frame["outward"].to_numpy(str), return_counts=True)
    steps = np.diff(frame["inward"].to_numpy(np.int64), prepend=0)
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    steps[starts] = frame["inward"].to_numpy()[starts]
    lsoas, index = np.unique(frame["lsoa"].to_numpy(str), return_inverse=True)
    return {"outward": outward.astype("S4"), "count": count.astype(np.uint32), "inward_step": steps.astype(np.uint16),
            "lsoa_index": index.astype(np.uint16), "lsoa": np.array([lsoa_number(c) for c in lsoas], dtype=np.int32)}


@dataclass(frozen=True)
class PostcodeTable:
    outward: list[str]
    start: np.ndarray  # first postcode of each outward code, and the total at the end
    key: np.ndarray  # outward position x INWARD_CODES + inward number, sorted
    lsoa: np.ndarray  # LSOA code of each postcode

    def lsoa_of(self, postcode: str) -> str | None:
        """The LSOA of a normalised postcode, or None if it is not in the table."""
        outward, inward = postcode.split()
        position = self._outward_position(outward)
        if position is None:
            return None
        key = position * INWARD_CODES + inward_number(inward)
        found = int(np.searchsorted(self.key, key))
        return str(self.lsoa[found]) if found < len(self.key) and self.key[found] == key else None

    def close_matches(self, postcode: str) -> list[str]:
        """Up to three postcodes in the table that look like `postcode` (normalised)."""
        outward, inward = postcode.split()
        outwards = [outward] if self._outward_position(outward) is not None else \
            close_matches(outward, self.outward, n=3, cutoff=0.6)
        found = []
        for candidate in outwards:
            position = self.outward.index(candidate)
            inwards = [inward_text(k % INWARD_CODES) for k in self.key[self.start[position]:self.start[position + 1]]]
            one_off = [i for i in inwards if sum(a != b for a, b in zip(i, inward)) == 1]
            near = [inward] if inward in inwards else sorted(one_off, key=lambda i: _typo_distance(i, inward))
            found += [f"{candidate} {i}" for i in near]
        return found[:3]

    def _outward_position(self, outward: str) -> int | None:
        position = int(np.searchsorted(self.outward, outward))
        return position if position < len(self.outward) and self.outward[position] == outward else None


def _typo_distance(inward: str, typed: str) -> tuple[int, int, str]:
    """Sort key of an inward code one character off: the typed digit first, then the nearer wrong character."""
    return int(inward[0] != typed[0]), sum(abs(ord(a) - ord(b)) for a, b in zip(inward, typed)), inward


@lru_cache(maxsize=1)
def postcode_table() -> PostcodeTable:
    with as_file(files("solver") / "data" / POSTCODES_FILE) as path, np.load(path) as data:
        outward, count, steps = data["outward"].astype(str), data["count"], data["inward_step"]
        lsoa = np.array([lsoa_code(n) for n in data["lsoa"]])[data["lsoa_index"]]
    start = np.concatenate([[0], np.cumsum(count, dtype=np.int64)])
    total = np.cumsum(steps, dtype=np.int64)
    inward = total - np.repeat(np.concatenate([[0], total[start[1:-1] - 1]]), count)
    key = np.repeat(np.arange(len(outward), dtype=np.int64), count) * INWARD_CODES + inward
    return PostcodeTable(list(outward), start, key, lsoa)


def geocode(frame: pd.DataFrame, column: str) -> tuple[pd.Series, list[Problem]]:
    """The LSOA code of each row's postcode in `column` (rows left empty are skipped), and a problem
    naming the file, row and value for each postcode that is malformed or not in the table."""
    table, where = postcode_table(), frame.attrs["source"]
    found, problems = {}, []
    for index, value in frame[column].items():
        if not value:
            continue
        postcode = normalise(value)
        lsoa = table.lsoa_of(postcode) if postcode else None
        if lsoa is not None:
            found[index] = lsoa
        elif postcode is None:
            problems.append(Problem(f"'{value}' is not a postcode", where, int(index) + 2, column,
                                    "write a full postcode, e.g. 'ME14 1XQ' (outward code, space, a digit and "
                                    "two letters)"))
        else:
            near = table.close_matches(postcode)
            problems.append(Problem(f"'{value}' ({postcode}) is not a live English postcode ({SOURCE})", where,
                                    int(index) + 2, column,
                                    (f"did you mean {' or '.join(repr(n) for n in near)}? " if near else "")
                                    + "Check it on the letterhead or give the area's LSOA code instead"))
    return pd.Series(found, dtype=str), problems
