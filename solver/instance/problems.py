"""Problems found in input files: each names where it is and how to fix it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    message: str
    file: str | None = None
    row: int | None = None
    column: str | None = None
    fix: str | None = None
    key: str | None = None  # a setting's dotted name, in a configuration or a design file

    def __str__(self) -> str:
        where = ", ".join(
            part
            for part in (
                self.file,
                f"row {self.row}" if self.row is not None else None,
                f"column '{self.column}'" if self.column else None,
                f"key '{self.key}'" if self.key else None,
            )
            if part
        )
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} — {self.fix}" if self.fix else text


class InputError(Exception):
    """Input that cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def close_matches(name: str, options: Iterable[str], n: int = 1, cutoff: float = 0.8) -> list[str]:
    """Up to `n` options that `name` is most likely a misspelling of (case aside), closest first."""
    by_lower = {option.lower(): option for option in options}
    return [by_lower[found] for found in difflib.get_close_matches(name.lower(), list(by_lower), n=n, cutoff=cutoff)]


def close_match(name: str, options: Iterable[str]) -> str | None:
    """The option that `name` is most likely a misspelling of (case aside), or None."""
    found = close_matches(name, options)
    return found[0] if found else None


def listing(items: Sequence[str], limit: int = 10) -> str:
    """The first `limit` items, comma-separated, and how many more there are."""
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")
