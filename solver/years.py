"""The contract over its years: what one evaluated design costs and pays, year by year, as the
National Living Wage rises, demand grows and providers exit, with no re-solve and no routing.

A tender fixes rates for years (typical contracts run 2-5 years, ../shared/domain.md §3) while the
minimum wage, and with it the cost of care, rises every April. The question a procurement team
asks is *when* the price it pays falls below the cost of care, and what the contract costs in all;
this module answers it for any design from its evaluation (solver/evaluate.py), cheaply enough for
`tender compare` to show it for every design.

How a year is priced, from the evaluation's first-year figures (each assumption is on
`YearAssumptions`, with its source or labelled as ours):

- **Contract hours** (block and call-off) stay as evaluated and are paid at the design's rates,
  fixed or uplifted by `price_uplift`. The **price paid per contact hour** is the evaluation's
  (solver/care_cost.py: the awards' income per contact hour delivered under the payment basis).
- **Demand growth** first fills idle block hours (already paid for), then is bought as residual
  hours are (solver/design/contract.py): at the design's average call-off rate × (1 + the
  configuration's `volume.spot_premium`). Assumption: the awards are sized to year one, so growth
  is bought off-contract; capacity is not checked here (the evaluation and the stress test do,
  within a year).
- **Residual-market and growth hours** are not under the contract: their price follows the cost of
  care (our assumption), i.e. scales with it from the first year.
- **Provider exits**: each awarded provider exits with the stress test's annual rate
  (solver/stress.py `StressSettings.exit_rate`); its contract hours are re-bought for the rest of
  the year (half a year on average: an exit falls uniformly in the year, as in the stress test and
  contract.py) at the spot premium on the contract rate, and re-letting its awards costs
  `handback_cost_gbp`. This replaces the evaluation's own failure term, which is not added.
- **Contract fees** (procurement and monitoring per contract let) stay as evaluated.
- **Cost of care** per contact hour is the evaluation's (solver/care_cost.py: each lot's
  Homecare Association-style build-up at its own travel) with carers at that year's NLW; its direct
  part is the floor below which a provider cannot pay the NLW for all working time.

Years are financial years from April (the NLW changes in April), starting in the instance policy's
year.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import pandas as pd

from .care_cost import cost_of_care_at
from .design.config import DesignConfig
from .design.contract import WEEKS_PER_YEAR
from .design.result import Design
from .instance import Instance
from .stress import StressSettings

if TYPE_CHECKING:
    from .run import Run

# National Living Wage (21 and over) from April of each year, ../shared/domain.md §3 (2023-24's
# £10.42 is the NLW the Homecare Association's 2023-24 Minimum Price was built on).
PUBLISHED_NLW = {2023: 10.42, 2024: 11.44, 2025: 12.21, 2026: 12.71}
UPLIFTS = ("fixed", "nlw", "cpi")
UPLIFT_WORDS = {"fixed": "rates fixed for the contract", "nlw": "rates uplifted with the NLW",
                "cpi": "rates uplifted by CPI"}


def _growth() -> dict[str, float]:
    return {"low": 0.01, "central": 0.02, "high": 0.03}


@dataclass(frozen=True)
class YearAssumptions:
    """Everything the years rest on, each with its source or labelled an assumption.

    - nlw_uprating 3% a year after the last published NLW (£12.71, April 2026): ASSUMPTION, about
      the growth of average earnings in recent forecasts, since the NLW is set to keep two-thirds of
      median earnings (Low Pay Commission remit); not in domain.md. Years up to 2026 use
      `PUBLISHED_NLW` (domain.md §3).
    - contract_years 5: the top of domain.md's typical 2-5 years (84.7% of contracts); recent
      tenders run longer (Norfolk 5+5, Durham 7, Cornwall up to 8, domain.md §2), so 5 shows the
      NLW's effect without counting extensions that may not be taken.
    - start_year None: the instance policy's `year`.
    - demand_growth low 1%, central 2%, high 3% a year in hours of care: ASSUMPTION. domain.md §3
      says only that the 65+ population grows steadily and the 85+ fastest: low is steady 65+
      growth with reablement holding need per head, high is need led by the 85+; to be checked
      against the council's own population projections.
    - exit_rate: the stress test's (solver/stress.py, one agency in six to one in ten closing a
      year, domain.md §3).
    - handback_cost_gbp None: the configuration's `cost.contract_fixed_gbp_per_year` (procurement
      and monitoring of a contract let), ASSUMPTION that re-letting an exiting provider's awards
      costs one such procurement.
    - price_uplift "fixed": the tendered rates held for the contract, as many councils do (what
      councils pay lags the cost of care, domain.md §3); "nlw" uplifts them by the NLW's rise,
      "cpi" by cpi_rate a year.
    - cpi_rate 2%: ASSUMPTION, the Bank of England's CPI inflation target.
    """

    nlw_uprating: float = 0.03
    contract_years: int = 5
    start_year: int | None = None
    demand_growth: dict[str, float] = field(default_factory=_growth)
    exit_rate: float = StressSettings.exit_rate
    handback_cost_gbp: float | None = None
    price_uplift: Literal["fixed", "nlw", "cpi"] = "fixed"
    cpi_rate: float = 0.02

    def __post_init__(self) -> None:
        if self.price_uplift not in UPLIFTS:
            raise ValueError(f"price_uplift {self.price_uplift!r}: choose one of {', '.join(UPLIFTS)}")
        if not 1 <= self.contract_years <= 20:
            raise ValueError(f"contract_years {self.contract_years}: give 1 to 20")
        if not 0 <= self.exit_rate <= 1:
            raise ValueError(f"exit_rate {self.exit_rate}: give a share, 0 to 1")
        if min(self.demand_growth.values(), default=0.0) <= -1 or self.nlw_uprating <= -1 or self.cpi_rate <= -1:
            raise ValueError("growth, uprating and CPI rates must be above -100%")


def national_living_wage(year: int, assumptions: YearAssumptions | None = None) -> float:
    """The NLW from April of `year`: published where domain.md gives it, uprated after that."""
    a = assumptions or YearAssumptions()
    if year in PUBLISHED_NLW:
        return PUBLISHED_NLW[year]
    last = max(PUBLISHED_NLW)
    if year < last:
        raise ValueError(f"no National Living Wage for {year}: years from {min(PUBLISHED_NLW)} are known")
    return round(PUBLISHED_NLW[last] * (1 + a.nlw_uprating) ** (year - last), 2)


def period(year: int) -> str:
    """A financial year from April: 2025 -> '2025-26'."""
    return f"{year}-{(year + 1) % 100:02d}"


def contract_years(instance: Instance, design: Design, config: DesignConfig | None = None,
                   assumptions: YearAssumptions | None = None) -> pd.DataFrame:
    """One row per contract year and demand scenario: hours of need a week, the design's annual
    cost and its parts, the price paid and the cost of care per contact hour and the gap between
    them (paid less cost: negative is below). `design` is evaluated (solver/evaluate.py), `config`
    the configuration it was evaluated under (for the spot premium and contract fee)."""
    config = config or DesignConfig()
    a = assumptions or YearAssumptions()
    kpis = design.kpis
    terms = kpis["cost_terms_gbp_per_year"]
    lots = pd.DataFrame(kpis["lots"])
    block_hours = float(lots["block_hours_per_week"].sum()) if len(lots) else 0.0
    call_hours = float(lots["expected_framework_hours_per_week"].sum()) if len(lots) else 0.0
    contract_hours = block_hours + call_hours
    contract_gbp = terms["block"] + terms["framework"]
    rate = contract_gbp / (WEEKS_PER_YEAR * contract_hours) if contract_hours > 0 else 0.0
    call_rate = terms["framework"] / (WEEKS_PER_YEAR * call_hours) if call_hours > 0 else rate
    price_paid = float(kpis["pay"]["price_paid_per_contact_hour"])
    premium = config.volume.spot_premium
    spot_rate = call_rate * (1 + premium)
    need = float(instance.expected_demand().sum())
    idle = float(kpis["idle_block_hours_per_week"])
    awarded = int(kpis["providers_awarded"])
    handback = config.cost.contract_fixed_gbp_per_year if a.handback_cost_gbp is None else a.handback_cost_gbp
    start = int(instance.policy["year"]) if a.start_year is None else a.start_year
    first_nlw = national_living_wage(start, a)
    first_cost = cost_of_care_at(instance, design, first_nlw)[0]
    rows = []
    for t in range(a.contract_years):
        year = start + t
        nlw = national_living_wage(year, a)
        cost_of_care, direct = cost_of_care_at(instance, design, nlw)
        market = cost_of_care / first_cost if first_cost > 0 else 1.0
        index = {"fixed": 1.0, "nlw": nlw / first_nlw, "cpi": (1 + a.cpi_rate) ** t}[a.price_uplift]
        paid = price_paid * index
        exits = a.exit_rate * awarded
        rebought = 0.5 * WEEKS_PER_YEAR * (contract_hours / awarded) * premium * rate * index if awarded else 0.0
        exit_gbp = exits * (handback + rebought)
        for scenario, growth in a.demand_growth.items():
            factor = (1 + growth) ** t
            bought = max(need * (factor - 1) - idle, 0.0)
            parts = {"contract_gbp": contract_gbp * index,
                     "residual_gbp": terms["residual"] * market,
                     "growth_gbp": WEEKS_PER_YEAR * bought * spot_rate * market,
                     "contracts_gbp": terms["contracts"], "exits_gbp": exit_gbp}
            rows.append({
                "contract_year": t + 1, "year": year, "period": period(year), "scenario": scenario,
                "demand_factor": factor, "hours_per_week": need * factor,
                "growth_hours_bought_per_week": bought, "nlw_gbp_per_hour": nlw,
                "price_paid_per_contact_hour": paid, "cost_of_care_per_contact_hour": cost_of_care,
                "gap_per_contact_hour": paid - cost_of_care,
                "direct_cost_per_contact_hour": direct,
                "below_cost_of_care": paid < cost_of_care, "expected_exits": exits,
                **parts, "annual_cost_gbp": sum(parts.values())})
    return pd.DataFrame(rows)


def crossing_year(table: pd.DataFrame, against: str = "cost_of_care_per_contact_hour") -> int | None:
    """The first year whose price paid is below `against` (the cost of care, or the direct cost);
    None when it never is within the contract."""
    below = table[table["price_paid_per_contact_hour"] < table[against]]
    return int(below["year"].min()) if len(below) else None


def _crossing_words(year: int | None, start: int) -> str:
    if year is None:
        return "never within the contract"
    return period(year) + (" (from the start)" if year == start else "")


def crossing_summary(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per design (the keys of `tables`, each `contract_years`' frame): when its price
    falls below the cost of care and below the direct cost, its gap in the first and last year,
    and its cost over the contract in each demand scenario."""
    rows = []
    for name, table in tables.items():
        first, last = table["year"].min(), table["year"].max()
        head = table[table["year"] == first].iloc[0]
        tail = table[table["year"] == last].iloc[0]
        care, direct = crossing_year(table), crossing_year(table, "direct_cost_per_contact_hour")
        totals = table.groupby("scenario", sort=False)["annual_cost_gbp"].sum()
        rows.append({"design": name, "price_paid_per_contact_hour": head["price_paid_per_contact_hour"],
                     "cost_of_care_first_year": head["cost_of_care_per_contact_hour"],
                     "cost_of_care_last_year": tail["cost_of_care_per_contact_hour"],
                     "gap_first_year": head["gap_per_contact_hour"], "gap_last_year": tail["gap_per_contact_hour"],
                     "crossing_year": care, "crossing": _crossing_words(care, first),
                     "direct_cost_crossing_year": direct, "direct_cost_crossing": _crossing_words(direct, first),
                     **{f"contract_cost_{s}_gbp": float(v) for s, v in totals.items()}})
    return pd.DataFrame(rows).set_index("design").astype({"crossing_year": "Int64", "direct_cost_crossing_year": "Int64"})


def finding(summary: pd.DataFrame, assumptions: YearAssumptions | None = None) -> str:
    """One sentence: how many designs pay below the cost of care, from when, and the gap at the end."""
    a = assumptions or YearAssumptions()
    if summary.empty:
        return "No design could be scored, so none is followed over the contract's years."
    words, gaps = UPLIFT_WORDS[a.price_uplift], summary["gap_last_year"]
    crossed = summary[summary["crossing_year"].notna()]
    if crossed.empty:
        return f"With {words}, no design's price falls below the cost of care within {a.contract_years} years."
    from_start = crossed["crossing"].str.endswith("(from the start)")
    text = (f"With {words}, {len(crossed)} of {len(summary)} designs pay below the cost of care within "
            f"{a.contract_years} years ({int(from_start.sum())} from the first year")
    later = crossed[~from_start]
    if len(later):
        latest = later["crossing_year"].astype(int).idxmax()
        text += f"; the last to cross is {latest}, in {period(int(later.loc[latest, 'crossing_year']))}"
    return text + f"); in the last year the price paid is {_gap_words(gaps.min(), gaps.max())} it."


def _gap_words(low: float, high: float) -> str:
    """A range of gaps (paid less cost) in words: '£1.00 to £2.00 per contact hour below'."""
    def side(gap: float) -> str:
        return "below" if gap < 0 else "above"

    if side(low) != side(high):
        return f"from £{-low:.2f} per contact hour below to £{high:.2f} above"
    near, far = sorted((abs(low), abs(high)))
    amount = f"£{near:.2f}" if round(near, 2) == round(far, 2) else f"£{near:.2f} to £{far:.2f}"
    return f"{amount} per contact hour {side(low)}"


def basis_sentence(tables: dict[str, pd.DataFrame], assumptions: YearAssumptions | None = None) -> str:
    """What the years rest on, in one sentence."""
    a = assumptions or YearAssumptions()
    some = next(iter(tables.values()))
    first, last = int(some["year"].min()), int(some["year"].max())
    growth = ", ".join(f"{s} {g:.0%}" for s, g in a.demand_growth.items())
    return (f"{period(first)} to {period(last)}, {UPLIFT_WORDS[a.price_uplift]}; NLW "
            f"£{national_living_wage(first, a):.2f} to £{national_living_wage(last, a):.2f} (published to "
            f"{period(max(PUBLISHED_NLW))}, then +{a.nlw_uprating:.0%} a year, an assumption); demand "
            f"growth a year {growth} (assumptions); provider exits {a.exit_rate:.0%} a year (the stress "
            f"test's rate); the cost of care is each lot's, as the evaluation prices it, at each year's NLW.")


SUMMARY_COLUMNS = {"price_paid_per_contact_hour": "paid £/ch", "cost_of_care_first_year": "cost of care £/ch, first",
                   "cost_of_care_last_year": "last", "crossing": "below cost of care",
                   "direct_cost_crossing": "below direct cost", "gap_last_year": "gap last year £/ch",
                   "contract_cost_low_gbp": "£m contract, low", "contract_cost_central_gbp": "central",
                   "contract_cost_high_gbp": "high"}


def for_runs(instance: Instance, runs: list[Run], assumptions: YearAssumptions | None = None,
             settings: StressSettings | None = None) -> dict[str, pd.DataFrame]:
    """`contract_years` of every scored design of a comparison, by name; with the comparison's
    stress settings, exits come at their rate."""
    a = assumptions or YearAssumptions()
    if settings is not None:
        a = replace(a, exit_rate=settings.exit_rate)
    return {r.name: contract_years(instance, r.design, r.config, a) for r in runs if r.design is not None}
