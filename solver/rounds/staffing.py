"""Whether a day's visits can be staffed by its carers, judged before routing and after.

Before routing, cheaply:

- impossible visits, which no carer on duty could serve (a double-handed one: fewer than two):
  outside every shift, longer than every working-time limit, or out of reach within the window
  from every home and back by the shift's end. No routing can serve them, so they are an input
  error: each is named with the reason, and `tender rounds` stops (exit 2) before routing any lot.
- too few carers: two lower bounds on the carer time the visits need. Per independent part of the
  day (decompose.split: a split shift's morning or evening pieces, say), the care plus the shortest
  journey to each client against the part's shift minutes; and per half-hour interval, the care
  that must happen inside it against the carers' minutes on duty in it. The larger gap, in carers,
  is the verdict. It is not an input error: the rounds are still routed and report what the
  carers could serve (exit 3).

After routing, the visits left unserved, at the rate the routed shifts served visits, say about
how many more shifts would serve them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..instance import Problem as InputProblem
from .decompose import could_serve, split
from .problem import EPS, Carer, Problem, Solution, Visit
from .validate import Tally

GRID_MINUTES = 30  # interval ends for the busiest-interval bound
NAMED = 20  # impossible visits listed one by one; the rest are counted


@dataclass(frozen=True)
class Shortfall:
    """About `missing` more carers are needed on day `day` (1, 2, ...), for the reason in `text`."""

    day: int
    missing: int
    text: str


def clock(minutes: float) -> str:
    whole = round(minutes)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _hours(minutes: float) -> str:
    return f"{minutes / 60:,.0f}" if minutes >= 6000 else f"{minutes / 60:.1f}"


def _count(n: int, thing: str) -> str:
    return f"{n:,} {thing}{'s' * (n != 1)}"


def _shift(carer: Carer) -> float:
    """Minutes of the shift a carer can give to care and travel: its length less any break."""
    return carer.shift_end - carer.shift_start - (carer.break_window.duration if carer.break_window else 0.0)


def _why_impossible(problem: Problem, visit: Visit, able: np.ndarray, day: int) -> tuple[str, str] | None:
    """Why no carer (or only one of two) could serve the visit, and what to do; None when enough
    could."""
    if able.sum() >= visit.carers_needed:
        return None
    skilled = [c for c in problem.carers if any(problem.qualified(c, visit, p) for p in range(visit.carers_needed))]
    if len(skilled) < visit.carers_needed:
        return (f"it needs skills {', '.join(sorted(visit.needs(0) | visit.needs(visit.carers_needed - 1)))} and "
                f"{'only 1 carer' if skilled else 'no carer'} on day {day} holds them",
                "give a carer those skills (the carers' skills column), or take them off the visit")
    longest = max(c.shift_end - c.shift_start for c in problem.carers)
    timed = [c for c in skilled
             if c.shift_start <= visit.latest and max(visit.earliest, c.shift_start) + visit.service <= c.shift_end]
    if visit.service > longest:
        return (f"it lasts {visit.service:g} min, longer than every shift on day {day} (at most {longest:g} min)",
                "shorten the visit or split it in two, or add a longer shift")
    if not timed:
        spans = sorted({(c.shift_start, c.shift_end) for c in problem.carers})
        return (f"it must start {clock(visit.earliest)}-{clock(visit.latest)} and lasts {visit.service:g} min, "
                f"outside every shift on day {day} ({', '.join(f'{clock(a)}-{clock(b)}' for a, b in spans[:4])}"
                f"{' ...' if len(spans) > 4 else ''})",
                "move the visit's window into a shift, or add a carer whose shift covers it")
    allowed = [c for c in timed if c.max_working is None or c.max_working >= visit.service]
    if not allowed:
        return (f"it lasts {visit.service:g} min, more than the working-time limit of every carer whose shift "
                f"covers it on day {day} (at most {max(c.max_working or 0.0 for c in timed):g} min)",
                "shorten the visit, or raise max_working_minutes of a carer whose shift covers it")
    if len(allowed) < visit.carers_needed:
        return (f"it needs 2 carers but only 1 shift on day {day} covers it ({allowed[0].id})",
                "add a second carer whose shift covers it, or make the visit single-handed")
    homes = sorted(float(problem.travel[c.home, visit.location]) for c in allowed)
    one = bool(able.any())
    return (f"{'only 1 carer' if one else 'no carer'} on day {day} can reach it within its window "
            f"({clock(visit.earliest)}-{clock(visit.latest)}) and be home by the shift's end"
            f"{', and it needs 2' if one else ''}; the {'second ' if one else ''}nearest home is "
            f"{homes[one]:.0f} min away",
            "widen the visit's window, lengthen a shift, or add a carer living nearer")


def impossible_visits(problems: list[Problem]) -> list[InputProblem]:
    """Every visit of the days given that no routing could serve, with the first day's reason and
    the days it fails on; a day with visits and no carer is one problem. A carer could serve a visit
    when decompose.could_serve says so and the visit fits the carer's working-time limit."""
    failing: dict[str, tuple[tuple[str, str], list[int]]] = {}
    found = []
    for day, problem in enumerate(problems, start=1):
        if not problem.visits:
            continue
        if not problem.carers:
            found.append(InputProblem(f"day {day} has {len(problem.visits):,} visits and no carer on duty",
                                      fix=f"give carers a shift on day {day} (carers' days column), or route fewer "
                                          "days"))
            continue
        limit = np.array([math.inf if c.max_working is None else c.max_working for c in problem.carers])
        able = could_serve(problem) & (limit[:, None] >= np.array([v.service for v in problem.visits])[None, :])
        for k, visit in enumerate(problem.visits):
            if visit.id in failing:
                if able[:, k].sum() < visit.carers_needed:
                    failing[visit.id][1].append(day)
            elif why := _why_impossible(problem, visit, able[:, k], day):
                failing[visit.id] = (why, [day])
    for visit, ((why, fix), days) in list(failing.items())[:NAMED]:
        on = f"day {days[0]}" if len(days) == 1 else f"days {', '.join(map(str, days))}"
        found.append(InputProblem(f"visit {visit} cannot be served on {on}: {why}", fix=fix))
    if len(failing) > NAMED:
        found.append(InputProblem(f"and {len(failing) - NAMED:,} more visits that no carer can serve",
                                  fix="fix the visits above first: the rest usually share their cause"))
    return found


def _least_journeys(problem: Problem) -> float:
    """Carer-minutes of travel any routing needs at least: every carer serving at a client arrives
    there once from somewhere else (a carer's home or another client), at least the shortest such
    journey; visits of the same client can follow one another without travel."""
    where = np.array([v.location for v in problem.visits], dtype=int)
    places = np.unique(where)
    arrivals = np.zeros(len(places))
    np.maximum.at(arrivals, np.searchsorted(places, where), [v.carers_needed for v in problem.visits])
    sources = np.union1d(places, [c.home for c in problem.carers])
    total = 0.0
    for first in range(0, len(places), 1024):
        chunk = places[first:first + 1024]
        block = problem.travel[np.ix_(sources, chunk)]
        block[sources[:, None] == chunk[None, :]] = np.inf
        total += float(arrivals[first:first + 1024] @ block.min(axis=0))
    return total


def _part_shortfall(part: Problem, day: int, one_of_several: bool) -> Shortfall | None:
    """Care plus the least journeys against the part's shift minutes."""
    care = math.fsum(v.carers_needed * v.service for v in part.visits)
    travel = _least_journeys(part)
    given = math.fsum(_shift(c) for c in part.carers)
    usual = float(np.median([_shift(c) for c in part.carers]))
    if care + travel <= given + EPS or usual <= 0:
        return None
    missing = math.ceil((care + travel - given) / usual)
    people = len({c.who for c in part.carers})
    first, last = min(c.shift_start for c in part.carers), max(c.shift_end for c in part.carers)
    label = f", shifts {clock(first)}-{clock(last)}" if one_of_several else ""
    return Shortfall(day, missing,
                     f"day {day}{label}: {len(part.visits):,} visits need at least {_hours(care + travel)} "
                     f"carer-hours ({_hours(care)} of care, {_hours(travel)} of travel); the "
                     f"{_count(len(part.carers), 'shift')} of {_count(people, 'carer')} give {_hours(given)}; about "
                     f"{missing:,} more carers on the usual {usual / 60:.1f}-hour shift are needed")


def _busiest_interval(problem: Problem, day: int) -> Shortfall | None:
    """The interval, on a half-hour grid, whose care (the visits that must start and end inside it)
    is furthest beyond the carers' minutes on duty in it, per hour of its length."""
    earliest, latest, service, needed = (np.array([getattr(v, f) for v in problem.visits], dtype=float)
                                         for f in ("earliest", "latest", "service", "carers_needed"))
    start = np.array([c.shift_start for c in problem.carers])
    end = np.array([c.shift_end for c in problem.carers])
    grid = np.arange(math.floor(min(earliest.min(), start.min()) / GRID_MINUTES) * GRID_MINUTES,
                     max((latest + service).max(), end.max()) + GRID_MINUTES, GRID_MINUTES)
    a, b = (x.ravel() for x in np.meshgrid(grid, grid, indexing="ij"))
    a, b = a[a < b], b[a < b]
    inside = (earliest[None, :] >= a[:, None] - EPS) & (latest[None, :] + service[None, :] <= b[:, None] + EPS)
    care = inside @ (needed * service)
    on_duty = np.clip(np.minimum(end[None, :], b[:, None]) - np.maximum(start[None, :], a[:, None]), 0, None)
    missing = np.ceil((care - on_duty.sum(axis=1)) / (b - a) - EPS)
    best = int(np.argmax(missing))
    if missing[best] <= 0:
        return None
    shifts = _count(int((on_duty[best] > 0).sum()), "shift")
    return Shortfall(day, int(missing[best]),
                     f"day {day}: between {clock(a[best])} and {clock(b[best])}, {int(inside[best].sum()):,} visits "
                     f"need {_hours(care[best])} carer-hours of care; the {shifts} on duty then give at most "
                     f"{_hours(on_duty[best].sum())}; about {int(missing[best]):,} more carers on duty then are needed")


def shortfalls(problem: Problem, day: int) -> list[Shortfall]:
    """The lower bounds the day's carers fall short of, largest gap first; empty when none."""
    if not problem.visits:
        return []
    parts, _ = split(problem)
    found = [_part_shortfall(part, day, len(parts) > 1) for part in parts] + [_busiest_interval(problem, day)]
    return sorted((s for s in found if s is not None), key=lambda s: -s.missing)


def check_days(problems: list[Problem]) -> list[Shortfall]:
    """Before routing: every day's shortfalls, day by day."""
    return [s for day, problem in enumerate(problems, start=1) for s in shortfalls(problem, day)]


def after_routing(problem: Problem, solution: Solution, tally: Tally, day: int) -> Shortfall | None:
    """The unserved visits in shifts, at the rate the routed shifts served visits; None when every
    visit was served. Shifts left idle that could have reached an unserved visit point to the
    search's time rather than the head count."""
    if not tally.unserved:
        return None
    routed = {s.visit for r in solution.routes for s in r.stops}
    on_route = np.array([v.id in routed for v in problem.visits], dtype=bool)
    working = {r.carer for r in solution.routes}
    idle = sum(c.id not in working for c, able in zip(problem.carers, could_serve(problem)[:, ~on_route]) if able.any())
    note = (f"; {_count(idle, 'shift')} that could reach an unserved visit had no visit, so a longer --time-limit may "
            "serve more" if idle else "")
    if not solution.routes:
        return Shortfall(day, 0, f"day {day}: no shift was given a visit, all {tally.unserved:,} visits are "
                                 f"unserved{note}")
    needed = np.array([v.carers_needed for v in problem.visits])
    rate = needed[on_route].sum() / len(solution.routes)
    missing = math.ceil(needed[~on_route].sum() / rate)
    return Shortfall(day, missing, f"day {day}: the {_count(len(solution.routes), 'routed shift')} served "
                                   f"{rate:.1f} visits each; the {tally.unserved:,} unserved visits need about "
                                   f"{missing:,} more shifts like them{note}")
