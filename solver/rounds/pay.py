"""Pay and price of care rounds: what the provider is paid under each payment basis, what a carer is
paid, whether that reaches the minimum wage over all working time, and the cost-based price per
contact hour built up like the Homecare Association's "Minimum Price for Homecare".

Working time is contact time plus travel *between* visits (National Minimum Wage rules,
../shared/domain.md §3); travel from home to the first visit and from the last visit home is not,
and neither is waiting between visits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from ..instance.schema import DEFAULT_VISIT_MIX, PAYMENT_BASES

PAY_PRACTICES = ("contact_only", "travel_paid")
BAND_MINUTES = 15
EPS_GBP = 1e-9


@dataclass(frozen=True)
class CarerWeek:
    """One carer's pay period (a week, or the days routed)."""

    contact_minutes: tuple[float, ...]  # one entry per visit served
    travel_minutes: float  # between visits: working time
    home_travel_minutes: float = 0.0  # home to first visit, last visit home: not working time
    waiting_minutes: float = 0.0  # between visits: not working time
    miles: float = 0.0  # between visits, reimbursed at the mileage rate

    @property
    def contact(self) -> float:
        return math.fsum(self.contact_minutes)

    @property
    def working(self) -> float:
        return self.contact + self.travel_minutes


def provider_income(week: CarerWeek, basis: str, rate: float) -> float:
    """The provider's income for this carer's work at a council rate (£/hour) under a payment basis:
    per_minute_contact pays contact minutes only; banded_15_minutes pays each visit in whole
    15-minute bands, rounded up; per_hour_including_travel pays contact and travel between visits;
    salaried_block pays the rostered time between the first and last visit, waiting included."""
    if basis == "per_minute_contact":
        minutes = week.contact
    elif basis == "banded_15_minutes":
        minutes = sum(BAND_MINUTES * math.ceil(m / BAND_MINUTES - 1e-9) for m in week.contact_minutes)
    elif basis == "per_hour_including_travel":
        minutes = week.working
    elif basis == "salaried_block":
        minutes = week.working + week.waiting_minutes
    else:
        raise ValueError(f"unknown payment basis {basis!r}: choose one of {', '.join(PAYMENT_BASES)}")
    return rate * minutes / 60


def paid_minutes(week: CarerWeek, practice: str) -> float:
    if practice == "contact_only":
        return week.contact
    if practice == "travel_paid":
        return week.working
    raise ValueError(f"unknown pay practice {practice!r}: choose one of {', '.join(PAY_PRACTICES)}")


@dataclass(frozen=True)
class PayCheck:
    pay: float  # £ for the period, mileage excluded (expenses are not pay for minimum-wage purposes)
    effective_hourly: float  # pay ÷ working hours
    breach: bool  # effective hourly pay below the National Living Wage
    unpaid_travel_minutes: float  # travel between visits that is working time but not paid


def check_pay(week: CarerWeek, practice: str, pay_rate: float, nlw: float) -> PayCheck:
    """A carer's pay at pay_rate (£/paid hour) under a practice, tested against the NLW over all
    working time, as the minimum-wage rules average it over the pay period."""
    paid = paid_minutes(week, practice)
    pay = pay_rate * paid / 60
    effective = pay / (week.working / 60) if week.working > 0 else 0.0
    return PayCheck(pay, effective, week.working > 0 and effective < nlw - EPS_GBP, week.working - paid)


MINIMUM_PRICE_2025_26 = 32.14  # Homecare Association Minimum Price per contact hour, ../shared/domain.md §3


@dataclass(frozen=True)
class PriceAssumptions:
    """Inputs of the cost-based price per contact hour. Defaults are the Homecare Association's
    2025-26 Minimum Price (£32.14) as far as ../shared/domain.md §3 and published figures allow:

    - pay_rate 12.21: National Living Wage from April 2025; the Association prices at the NLW.
    - travel_minutes_per_contact_hour 12: domain.md's urban base case (the 2020-21 breakdown,
      £1.70 of travel pay on £8.72 of contact pay, implies 11.7).
    - miles_per_contact_hour 5.33: about 3 miles per visit (industry data 2017-18, domain.md) at
      the default visit mix's 33.75-minute mean visit (solver/instance/schema.py), 60/33.75 visits
      per contact hour.
    - mileage_rate 0.45: HMRC approved mileage rate, as the instances' policy.
    - holiday 12.07%: statutory 5.6 weeks, 5.6 / (52 - 5.6).
    - sickness 2.0% and training 4.8%: the 2020-21 "other on-costs" (£1.97 on £10.42 of pay,
      18.9%) less holiday leaves 6.8% for sickness, training and other paid absence; the split
      between the two is our assumption.
    - employer NI 15% above £5,000 a year (from April 2025, domain.md), pension 3% on qualifying
      earnings above £6,240 (auto-enrolment minimum), both on an annual pay of a carer delivering
      contact_hours_per_week = 25 (our assumption: a part-time carer; the threshold effect depends
      on it).
    - running_costs_share 26% and surplus_share 3% of the price: domain.md (running costs 25-26%,
      surplus about 3%, direct care-worker cost 71-72%).

    Check: the Association's direct cost of care at the minimum wage, £22.71 for 2025-26 (its
    2025-26 fee-rate survey), against this model's direct cost; see tests/test_pay.py.
    """

    pay_rate: float = 12.21
    travel_minutes_per_contact_hour: float = 12.0
    miles_per_contact_hour: float = 3 * 60 / sum(m * s for m, s in DEFAULT_VISIT_MIX.items())
    mileage_rate: float = 0.45
    holiday_share: float = 5.6 / (52 - 5.6)
    sickness_share: float = 0.020
    training_share: float = 0.048
    employer_ni_rate: float = 0.15
    employer_ni_threshold_per_year: float = 5000.0
    pension_rate: float = 0.03
    pension_threshold_per_year: float = 6240.0
    contact_hours_per_week: float = 25.0
    running_costs_share: float = 0.26
    surplus_share: float = 0.03

    def __post_init__(self) -> None:
        bad = [f.name for f in fields(self) if getattr(self, f.name) < 0]
        if bad or self.running_costs_share + self.surplus_share >= 1:
            raise ValueError(f"price assumptions must be non-negative and leave room for direct costs: {bad}")


def price_breakdown(a: PriceAssumptions) -> dict[str, float]:
    """£ per contact hour by item; the items sum to the price."""
    contact = a.pay_rate
    travel = a.pay_rate * a.travel_minutes_per_contact_hour / 60
    holiday = (contact + travel) * a.holiday_share
    sickness = (contact + travel) * a.sickness_share
    training = (contact + travel) * a.training_share
    gross = contact + travel + holiday + sickness + training
    annual = gross * a.contact_hours_per_week * 52

    def above(threshold: float) -> float:
        return max(0.0, 1 - threshold / annual) if annual > 0 else 0.0

    items = {"contact_pay": contact, "travel_pay": travel, "holiday": holiday, "sickness": sickness,
             "training": training,
             "employer_ni": gross * a.employer_ni_rate * above(a.employer_ni_threshold_per_year),
             "pension": gross * a.pension_rate * above(a.pension_threshold_per_year),
             "mileage": a.miles_per_contact_hour * a.mileage_rate}
    direct = math.fsum(items.values())
    price = direct / (1 - a.running_costs_share - a.surplus_share)
    return items | {"running_costs": price * a.running_costs_share, "surplus": price * a.surplus_share}


def direct_cost_per_contact_hour(a: PriceAssumptions) -> float:
    items = price_breakdown(a)
    return math.fsum(v for k, v in items.items() if k not in ("running_costs", "surplus"))


def price_per_contact_hour(a: PriceAssumptions) -> float:
    return math.fsum(price_breakdown(a).values())
