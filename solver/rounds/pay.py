"""Pay and price of care rounds: what the provider is paid under each payment basis, what a carer is
paid, whether that reaches the minimum wage over all working time, and the cost-based price per
contact hour built up like the Homecare Association's "Minimum Price for Homecare".

Working time is contact time, travel *between* visits (National Minimum Wage rules,
../shared/domain.md §3) and waiting between visits that the carer cannot use for their own
purposes: HMRC counts "waiting time between visits because of gaps in the rota" as working time
(summarised for providers in Surrey Care Association, "Understanding pay in domiciliary care").
The rules give no length; a gap of up to WAITING_COUNTED_UP_TO_MINUTES is taken as one the carer
cannot use (our assumption: less than an hour, after the drive, leaves no time that is really the
carer's own), a longer one as a break. Travel from home to the first visit and from the last visit
home is not working time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from ..instance.schema import DEFAULT_VISIT_MIX, PAYMENT_BASES
from ..roads import ACCESS_MINUTES, DETOUR_FACTOR, SPEED_KMH, fixed_minutes_per_trip, minutes_per_km
from ..travel import KM_PER_MILE, load_fit

PAY_PRACTICES = ("contact_only", "travel_paid", "working_time_paid")
WAITING_COUNTED_UP_TO_MINUTES = 60.0
BAND_MINUTES = 15
EPS_GBP = 1e-9


@dataclass(frozen=True)
class CarerWeek:
    """One carer's pay period (a week, or the days routed)."""

    contact_minutes: tuple[float, ...]  # one entry per visit served
    travel_minutes: float  # between visits: working time
    home_travel_minutes: float = 0.0  # home to first visit, last visit home: not working time
    waiting_minutes: float = 0.0  # between visits, all of it
    counted_waiting_minutes: float = 0.0  # the part that is working time: gaps the carer cannot use
    miles: float = 0.0  # between visits, reimbursed at the mileage rate

    @property
    def contact(self) -> float:
        return math.fsum(self.contact_minutes)

    @property
    def working(self) -> float:
        return self.contact + self.travel_minutes + self.counted_waiting_minutes


def provider_income(week: CarerWeek, basis: str, rate: float) -> float:
    """The provider's income for this carer's work at a council rate (£/hour) under a payment basis:
    per_minute_contact pays contact minutes only; banded_15_minutes pays each visit in whole
    15-minute bands, rounded up; per_hour_including_travel pays contact and travel between visits;
    salaried_block pays the rostered time between the first and last visit, all waiting included."""
    if basis == "per_minute_contact":
        minutes = week.contact
    elif basis == "banded_15_minutes":
        minutes = sum(BAND_MINUTES * math.ceil(m / BAND_MINUTES - 1e-9) for m in week.contact_minutes)
    elif basis == "per_hour_including_travel":
        minutes = week.contact + week.travel_minutes
    elif basis == "salaried_block":
        minutes = week.contact + week.travel_minutes + week.waiting_minutes
    else:
        raise ValueError(f"unknown payment basis {basis!r}: choose one of {', '.join(PAYMENT_BASES)}")
    return rate * minutes / 60


def paid_minutes(week: CarerWeek, practice: str) -> float:
    """Minutes a carer is paid for: contact only; contact and travel between visits; or all
    working time, counted waiting included."""
    if practice == "contact_only":
        return week.contact
    if practice == "travel_paid":
        return week.contact + week.travel_minutes
    if practice == "working_time_paid":
        return week.working
    raise ValueError(f"unknown pay practice {practice!r}: choose one of {', '.join(PAY_PRACTICES)}")


@dataclass(frozen=True)
class PayCheck:
    pay: float  # £ for the period, mileage excluded (expenses are not pay for minimum-wage purposes)
    effective_hourly: float  # pay ÷ working hours
    breach: bool  # effective hourly pay below the National Living Wage
    unpaid_working_minutes: float  # working time not paid: travel between visits, counted waiting


def check_pay(week: CarerWeek, practice: str, pay_rate: float, nlw: float) -> PayCheck:
    """A carer's pay at pay_rate (£/paid hour) under a practice, tested against the NLW over all
    working time, as the minimum-wage rules average it over the pay period."""
    paid = paid_minutes(week, practice)
    pay = pay_rate * paid / 60
    effective = pay / (week.working / 60) if week.working > 0 else 0.0
    return PayCheck(pay, effective, week.working > 0 and effective < nlw - EPS_GBP, week.working - paid)


# The default build-up's rounds, from first principles: the published 3.06 miles of travel per visit
# (148 million miles over 2017-18, "The Hidden Dynamics of Homecare", domain.md §3) driven on the road
# model's town roads (solver/roads.py: a trip of 3.06 road miles, its fixed part and access time),
# on the trips between visits that routed rounds make per visit (the rest start a shift from home,
# not working time), at the default visit mix; the waiting HMRC counts and all waiting are routed
# rounds' medians (solver/travel_fit.py: the fit's coefficients and provenance in solver/data/travel_fit.json).
PUBLISHED_MILES_PER_VISIT = 3.06
ROUTED = load_fit()["provenance"]
TRIPS_PER_VISIT = load_fit()["coefficients"]["trips_per_visit"]
_VISITS_PER_CONTACT_HOUR = 60 / sum(m * s for m, s in DEFAULT_VISIT_MIX.items())
_TRIP_KM = PUBLISHED_MILES_PER_VISIT * KM_PER_MILE / DETOUR_FACTOR  # straight-line km of such a trip
DEFAULT_TRAVEL_MINUTES_PER_CONTACT_HOUR = (TRIPS_PER_VISIT * _VISITS_PER_CONTACT_HOUR * (
    fixed_minutes_per_trip("town") + minutes_per_km("town") * _TRIP_KM + ACCESS_MINUTES))
DEFAULT_MILES_PER_CONTACT_HOUR = TRIPS_PER_VISIT * _VISITS_PER_CONTACT_HOUR * PUBLISHED_MILES_PER_VISIT
COUNTED_WAITING_MINUTES_PER_CONTACT_HOUR = ROUTED["median_counted_waiting_min_per_contact_hour"]
ALL_WAITING_MINUTES_PER_CONTACT_HOUR = ROUTED["median_waiting_min_per_contact_hour"]
MINIMUM_PRICE_2025_26 = 32.14  # Homecare Association Minimum Price per contact hour, ../shared/domain.md §3


@dataclass(frozen=True)
class PriceAssumptions:
    """Inputs of the cost-based price per contact hour, built up like the Homecare Association's
    2025-26 Minimum Price (£32.14) from ../shared/domain.md §3 and published figures, with two
    corrections: working time includes the waiting HMRC counts, and mileage is what the priced
    travel drives.

    - pay_rate 12.21: National Living Wage from April 2025; the Association prices at the NLW.
    - travel_minutes_per_contact_hour and miles_per_contact_hour: the published 3.06 miles per
      visit on the road model's town roads, on the trips between visits routed rounds make
      (DEFAULT_TRAVEL_MINUTES_PER_CONTACT_HOUR, DEFAULT_MILES_PER_CONTACT_HOUR, above); the
      Association's own 12 minutes and 5.33 miles per contact hour imply 26.7 mph door to door,
      which no road model with parking and access gives. For a lot (solver/care_cost.py), miles
      None drives its travel at road_speed_kmh, less each trip's fixed part and access time
      (not_driving_minutes_per_contact_hour).
    - waiting_minutes_per_contact_hour: waiting between visits that is working time (gaps up to
      WAITING_COUNTED_UP_TO_MINUTES), paid at the pay rate; routed rounds' median by default.
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

    Checks (tests/test_pay.py): the total within 2% of £32.14, the direct cost within 3% of the
    Association's £22.71 direct cost of minimum-wage care, and the split of the price.
    """

    pay_rate: float = 12.21
    travel_minutes_per_contact_hour: float = DEFAULT_TRAVEL_MINUTES_PER_CONTACT_HOUR
    waiting_minutes_per_contact_hour: float = COUNTED_WAITING_MINUTES_PER_CONTACT_HOUR
    miles_per_contact_hour: float | None = DEFAULT_MILES_PER_CONTACT_HOUR
    road_speed_kmh: float = SPEED_KMH["town"]
    not_driving_minutes_per_contact_hour: float = 0.0
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
        bad = [f.name for f in fields(self) if (getattr(self, f.name) or 0) < 0]
        if bad or self.running_costs_share + self.surplus_share >= 1:
            raise ValueError(f"price assumptions must be non-negative and leave room for direct costs: {bad}")

    @property
    def miles(self) -> float:
        """Miles driven per contact hour."""
        if self.miles_per_contact_hour is not None:
            return self.miles_per_contact_hour
        driving = max(0.0, self.travel_minutes_per_contact_hour - self.not_driving_minutes_per_contact_hour)
        return driving / 60 * self.road_speed_kmh / KM_PER_MILE

    @property
    def direct_share(self) -> float:
        """The share of the price that pays for direct care."""
        return 1 - self.running_costs_share - self.surplus_share


def price_breakdown(a: PriceAssumptions) -> dict[str, float]:
    """£ per contact hour by item; the items sum to the price."""
    contact = a.pay_rate
    travel = a.pay_rate * a.travel_minutes_per_contact_hour / 60
    waiting = a.pay_rate * a.waiting_minutes_per_contact_hour / 60
    worked = contact + travel + waiting
    holiday, sickness, training = worked * a.holiday_share, worked * a.sickness_share, worked * a.training_share
    gross = worked + holiday + sickness + training
    annual = gross * a.contact_hours_per_week * 52

    def above(threshold: float) -> float:
        return max(0.0, 1 - threshold / annual) if annual > 0 else 0.0

    items = {"contact_pay": contact, "travel_pay": travel, "waiting_pay": waiting, "holiday": holiday,
             "sickness": sickness,
             "training": training,
             "employer_ni": gross * a.employer_ni_rate * above(a.employer_ni_threshold_per_year),
             "pension": gross * a.pension_rate * above(a.pension_threshold_per_year),
             "mileage": a.miles * a.mileage_rate}
    price = math.fsum(items.values()) / a.direct_share
    return items | {"running_costs": price * a.running_costs_share, "surplus": price * a.surplus_share}


def direct_cost_per_contact_hour(a: PriceAssumptions) -> float:
    items = price_breakdown(a)
    return math.fsum(v for k, v in items.items() if k not in ("running_costs", "surplus"))


def price_per_contact_hour(a: PriceAssumptions) -> float:
    return math.fsum(price_breakdown(a).values())


def travel_cost_per_contact_hour(a: PriceAssumptions) -> float:
    """The direct cost of a contact hour's travel between visits: its pay with on-costs, and its
    mileage (the build-up's direct cost less the same without the travel)."""
    without = replace(a, travel_minutes_per_contact_hour=0.0, miles_per_contact_hour=0.0)
    return direct_cost_per_contact_hour(a) - direct_cost_per_contact_hour(without)


def affordable_pay(income_per_contact_hour: float, a: PriceAssumptions) -> float:
    """The hourly pay, for all working time, that an income per contact hour affords once the
    provider keeps its running costs and surplus at the assumptions' shares and pays the on-costs
    and mileage: the pay rate at which the build-up's price equals the income. Below the NLW, the
    price cannot pay carers the minimum wage for the time they work."""
    def price_at(rate: float) -> float:
        return price_per_contact_hour(replace(a, pay_rate=rate))
    low, high = 0.0, max(1.0, income_per_contact_hour)
    if price_at(low) >= income_per_contact_hour:
        return 0.0
    for _ in range(60):  # the price rises with the rate (NI and pension thresholds make it piecewise)
        middle = (low + high) / 2
        low, high = (middle, high) if price_at(middle) < income_per_contact_hour else (low, middle)
    return (low + high) / 2
