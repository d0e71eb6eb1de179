"""`tender rounds`: route a lot's days, check them, and turn them into per-carer and per-lot figures
of work, pay and price under every payment basis."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
from rich.console import Console

from ..design.result import read_design
from ..instance import InputError, Instance
from ..instance import Problem as InputProblem
from ..instance.schema import PAYMENT_BASES
from ..report import frame_table
from .continuity import CONTINUITY_PENALTY_MINUTES, carers_per_client, route_days
from .measures import carer_weeks
from .pay import (PAY_PRACTICES, CarerWeek, PriceAssumptions, affordable_pay, check_pay,
                  direct_cost_per_contact_hour, price_per_contact_hour, provider_income)
from .plot import plot_lot
from .problem import Problem, Solution
from .staffing import Shortfall, after_routing, check_days
from .validate import Tally, Violation, tally, validate


@dataclass
class LotRounds:
    """A lot's routed days. `short` holds the lower bounds on carers the days fall short of before
    routing, `after` each day's estimate from what the routing left unserved."""

    lot: str
    areas: list[str]
    days: list[tuple[Problem, Solution]]
    violations: list[Violation]
    weeks: dict[str, CarerWeek]
    tallies: list[Tally]
    short: list[Shortfall]
    after: list[Shortfall]

    @property
    def tally(self) -> Tally:
        return sum(self.tallies, Tally())

    @property
    def contact(self) -> float:
        return math.fsum(w.contact for w in self.weeks.values())

    def total(self, field: str) -> float:
        return math.fsum(getattr(w, field) for w in self.weeks.values())


def select_lots(instance: Instance, design: Path | None, lot: str | None, areas: str | None) -> dict[str, list[str]]:
    """Lot name -> area ids: one lot (or all) of a design file, or the comma-separated areas given."""
    if design is not None:
        lots = {x.lot: x.areas for x in read_design(design, instance).lots if lot is None or x.lot == lot}
        if not lots:
            raise InputError([InputProblem(f"the design has no lot {lot!r}", str(design), column="lots",
                                           fix="use a lot name from its lots.csv")])
        return lots
    chosen = [a.strip() for a in (areas or "").split(",") if a.strip()]
    unknown = [a for a in chosen if a not in instance.areas.index]
    if unknown or not chosen:
        raise InputError([InputProblem(f"unknown or no areas: {', '.join(unknown) or '(none)'}", "--areas",
                                       fix="give area ids from the instance's areas table, e.g. A01,A02")])
    return {lot or "areas": chosen}


def route_lot(lot: str, areas: list[str], days: list[Problem], speed_kmh: float, time_limit: float, seed: int,
              engine: str, continuity_penalty: float | None = None) -> LotRounds:
    """Route the lot's days (from lot_day.py or from_csv.py) in turn, later days keeping clients
    with the carers they know (continuity.py), each checked by the validator; speed_kmh turns
    travel minutes into miles. The days should have no impossible visits (check them first with
    staffing.impossible_visits); too few carers is a verdict in the result."""
    short = check_days(days)
    routed = route_days(days.__getitem__, len(days), time_limit, seed, engine,
                        CONTINUITY_PENALTY_MINUTES if continuity_penalty is None else continuity_penalty)
    found = [validate(problem, solution) for problem, solution in routed]
    tallies = [tally(problem, solution, f) for (problem, solution), f in zip(routed, found)]
    after = [a for day, ((problem, solution), t) in enumerate(zip(routed, tallies), start=1)
             if (a := after_routing(problem, solution, t, day)) is not None]
    return LotRounds(lot, areas, routed, [v for f in found for v in f], carer_weeks(routed, speed_kmh), tallies,
                     short, after)


def per_contact_hour(minutes: float, contact: float) -> float:
    return minutes * 60 / contact if contact > 0 else 0.0


def carer_table(lots: list[LotRounds], pay_rate: float, nlw: float) -> pd.DataFrame:
    rows = []
    for lot in lots:
        for who, week in lot.weeks.items():
            row = {"lot": lot.lot, "carer": who, "visits": len(week.contact_minutes), "contact_min": week.contact,
                   "travel_min": week.travel_minutes, "home_travel_min": week.home_travel_minutes,
                   "waiting_min": week.waiting_minutes, "counted_waiting_min": week.counted_waiting_minutes,
                   "miles": week.miles,
                   "travel_min_per_contact_hour": per_contact_hour(week.travel_minutes, week.contact)}
            for practice in PAY_PRACTICES:
                check = check_pay(week, practice, pay_rate, nlw)
                row |= {f"pay_{practice}": check.pay, f"effective_hourly_{practice}": check.effective_hourly,
                        f"breach_{practice}": check.breach,
                        f"unpaid_working_min_{practice}": check.unpaid_working_minutes}
            rows.append(row)
    return pd.DataFrame(rows)


def kinds_text(counted: Tally) -> str:
    """Violation kinds with counts, most frequent first, e.g. 'travel 2,982, shift 86'."""
    return ", ".join(f"{kind} {n:,}" for kind, n in counted.kinds.most_common())


def lot_table(lots: list[LotRounds], carers: pd.DataFrame) -> pd.DataFrame:
    """One row per lot. served + unserved + served_in_violation = visits (over the days);
    carers_short is at least how many more carers the busiest day needs, from the bounds before
    routing (staffing.py)."""
    rows = []
    for lot in lots:
        mine = carers[carers["lot"] == lot.lot] if len(carers) else carers
        visits = [v for problem, _ in lot.days for v in problem.visits]
        counted = lot.tally
        row = {"lot": lot.lot, "areas": " ".join(lot.areas), "days": len(lot.days), "visits": len(visits),
               "served": counted.served, "unserved": counted.unserved, "served_in_violation": counted.broken,
               "double_handed": sum(v.carers_needed == 2 for v in visits), "carers_needed": len(lot.weeks),
               "carers_short": max((s.missing for s in lot.short), default=0),
               "shifts_worked": max((len(s.routes) for _, s in lot.days), default=0),
               "contact_min": lot.contact, "travel_min": lot.total("travel_minutes"),
               "home_travel_min": lot.total("home_travel_minutes"), "waiting_min": lot.total("waiting_minutes"),
               "counted_waiting_min": lot.total("counted_waiting_minutes"),
               "miles": lot.total("miles"),
               "travel_min_per_contact_hour": per_contact_hour(lot.total("travel_minutes"), lot.contact),
               "carers_per_client": carers_per_client(lot.days), "violations": len(lot.violations),
               "violation_kinds": kinds_text(counted), "engine": "/".join(sorted({s.engine for _, s in lot.days}))}
        for practice in PAY_PRACTICES:
            row[f"breaches_{practice}"] = int(mine[f"breach_{practice}"].sum()) if len(mine) else 0
        rows.append(row)
    return pd.DataFrame(rows)


def lot_price(lot: LotRounds, pay_rate: float, mileage_rate: float) -> PriceAssumptions:
    """The Homecare Association-style price assumptions with this lot's routed travel and mileage."""
    return PriceAssumptions(pay_rate=pay_rate,
                            travel_minutes_per_contact_hour=per_contact_hour(lot.total("travel_minutes"), lot.contact),
                            waiting_minutes_per_contact_hour=per_contact_hour(lot.total("counted_waiting_minutes"),
                                                                              lot.contact),
                            miles_per_contact_hour=per_contact_hour(lot.total("miles"), lot.contact),
                            mileage_rate=mileage_rate)


def payment_table(lots: list[LotRounds], policy: dict, pay_rate: float) -> pd.DataFrame:
    """Per lot and payment basis: the provider's income at the council rate against the cost of
    care (direct cost, i.e. the minimum wage for all working time with on-costs and mileage, and the
    full price with running costs and surplus) at the lot's own travel, and the hourly pay for all
    working time that the income affords (pay.affordable_pay)."""
    rate = float(policy["council_rate_gbp_per_hour"])
    rows = []
    for lot in lots:
        assumptions = lot_price(lot, pay_rate, float(policy["mileage_rate_gbp_per_mile"]))
        direct, price = direct_cost_per_contact_hour(assumptions), price_per_contact_hour(assumptions)
        for basis in PAYMENT_BASES:
            income = math.fsum(provider_income(w, basis, rate) for w in lot.weeks.values())
            per_hour = income * 60 / lot.contact if lot.contact > 0 else 0.0
            rows.append({"lot": lot.lot, "basis": basis, "current": basis == policy["payment_basis"],
                         "council_rate": rate, "income_gbp": income, "income_per_contact_hour": per_hour,
                         "direct_cost_per_contact_hour": direct, "price_per_contact_hour": price,
                         "below_direct_cost": per_hour < direct, "below_price": per_hour < price,
                         "affordable_pay_per_working_hour": affordable_pay(per_hour, assumptions)})
    return pd.DataFrame(rows)


def write_rounds(out: Path, lots: list[LotRounds], tables: dict[str, pd.DataFrame], settings: dict) -> list[str]:
    """CSV tables, rounds.json (settings, every route and violation) and a PNG of each lot's first
    day. Returns the names written."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in tables.items():
        frame.round(3).to_csv(out / f"{name}.csv", index=False)
        written.append(f"{name}.csv")
    routes = {lot.lot: [{"day": d + 1, "engine": s.engine, "travel_min": s.objective, "unserved": s.unserved,
                         "routes": [asdict(r) for r in s.routes]} for d, (_, s) in enumerate(lot.days)]
              for lot in lots}
    summary = {"settings": settings, "lots": tables["lots"].to_dict(orient="records"),
               "violations": {lot.lot: [str(v) for v in lot.violations] for lot in lots}, "routes": routes}
    (out / "rounds.json").write_text(json.dumps(summary, indent=1, default=float) + "\n")
    written.append("rounds.json")
    for lot in lots:
        plot_lot(*lot.days[0], out / f"rounds-{lot.lot}.png")
        written.append(f"rounds-{lot.lot}.png")
    return written


VISIT_COLUMNS = ["visits", "served", "unserved", "served_in_violation", "double_handed", "carers_needed",
                 "carers_short", "shifts_worked"]
SHORT = {"served_in_violation": "in breach", "carers_short": "carers short", "double_handed": "2-handed",
         "carers_needed": "carers", "shifts_worked": "shifts", "contact_min": "contact", "travel_min": "travel",
         "home_travel_min": "home", "waiting_min": "waiting", "counted_waiting_min": "waiting worked",
         "travel_min_per_contact_hour": "travel/ch",
         "carers_per_client": "carers/client", "breaches_contact_only": "breach c-only",
         "breaches_travel_paid": "breach t-paid", "breaches_working_time_paid": "breach w-paid",
         "effective_hourly_contact_only": "£/h c-only", "breach_contact_only": "breach c-only",
         "effective_hourly_travel_paid": "£/h t-paid", "breach_travel_paid": "breach t-paid",
         "effective_hourly_working_time_paid": "£/h w-paid", "breach_working_time_paid": "breach w-paid",
         "income_gbp": "income", "income_per_contact_hour": "£/ch", "direct_cost_per_contact_hour": "direct £/ch",
         "price_per_contact_hour": "price £/ch", "below_direct_cost": "< direct", "below_price": "< price",
         "affordable_pay_per_working_hour": "affords £/wh"}


def print_rounds(console: Console, tables: dict[str, pd.DataFrame], pay_rate: float, nlw: float,
                 council_rate: float) -> None:
    """The tables, headings shortened: minutes, c-only = paid for contact time only, t-paid = travel
    between visits paid too, w-paid = all working time paid (counted waiting too), ch = contact
    hour, wh = working hour."""
    money = "£{:,.2f}"
    lots = tables["lots"].set_index("lot")
    console.print(frame_table(lots[VISIT_COLUMNS].rename(columns=SHORT),
                              "Visits per lot over the days: served within the rules, unserved, served in breach of a "
                              "rule; carers who worked, and at least how many more the busiest day needs",
                              {SHORT.get(c, c): "{:,}" for c in VISIT_COLUMNS}, index_name="lot"))
    work = lots.drop(columns=["areas", "days", "engine", "violations", "violation_kinds", *VISIT_COLUMNS])
    console.print(frame_table(work.rename(columns=SHORT), "Work per lot (minutes; travel = between visits, working "
                                                          "time; home = to and from home, not working time)",
                              {"travel/ch": "{:.1f}", "carers/client": "{:.2f}"}, index_name="lot"))
    carers = tables["carers"].set_index("carer")[
        ["lot", "visits", "contact_min", "travel_min", "home_travel_min", "waiting_min", "counted_waiting_min",
         "miles", *(f"{k}_{p}" for p in PAY_PRACTICES for k in ("effective_hourly", "breach"))]].rename(columns=SHORT)
    console.print(frame_table(carers, f"Carers: pay per working hour at £{pay_rate:.2f} per paid hour, paid for "
                                      "contact only, for travel too, or for all working time (waiting worked = "
                                      f"gaps counted as working time); breach = below the NLW £{nlw:.2f}",
                              {"miles": "{:,.1f}", "£/h c-only": money, "£/h t-paid": money, "£/h w-paid": money},
                              index_name="carer"))
    payment = tables["payment"].set_index("lot").drop(columns=["council_rate"]).rename(columns=SHORT)
    console.print(frame_table(payment, f"Provider income at the council rate £{council_rate:.2f} under each payment "
                                       "basis against the cost of care at the lot's travel (£/ch = per contact hour)",
                              {k: money for k in ("income", "£/ch", "direct £/ch", "price £/ch", "affords £/wh")},
                              index_name="lot"))


VIOLATIONS_SHOWN = 10


def verdict_lines(lot: LotRounds) -> list[str]:
    """What the lot's visits came to, how many more carers it needs before and after routing, and
    the first violations."""
    counted, days = lot.tally, f"{len(lot.days)} day{'s' * (len(lot.days) > 1)}"
    if counted.served == counted.asked and not counted.kinds:
        return [f"{lot.lot}: all {counted.asked:,} visits over {days} served within the rules"]
    parts = [f"{counted.served:,} served within the rules"]
    if counted.unserved:
        parts.append(f"{counted.unserved:,} unserved")
    if counted.broken:
        parts.append(f"{counted.broken:,} served in breach of a rule")
    lines = [f"{lot.lot}: {counted.asked:,} visits over {days}: {', '.join(parts)}"
             + (f" (violations: {kinds_text(counted)})" if counted.kinds else "")]
    lines += [f"  too few carers, before routing: {s.text}" for s in lot.short]
    lines += [f"  after routing: {s.text}" for s in lot.after]
    lines += [f"  violation: {v}" for v in counted.breaches[:VIOLATIONS_SHOWN]]
    if len(counted.breaches) > VIOLATIONS_SHOWN:
        lines.append(f"  ... and {len(counted.breaches) - VIOLATIONS_SHOWN:,} more violations in rounds.json")
    return lines


def print_verdict(out: Console, err: Console, lots: list[LotRounds]) -> bool:
    """Each lot's verdict, on `out` when every visit was served within the rules, else on `err`.
    Returns whether any lot falls short (`tender rounds` then exits 3)."""
    for lot in lots:
        for line in verdict_lines(lot):
            (err if lot.violations else out).print(line, highlight=False, soft_wrap=True)
    return any(lot.violations for lot in lots)
