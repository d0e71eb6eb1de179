"""Fit the travel estimator (solver/travel.py) on routing runs.

Candidate lots are contiguous groups of 3-30 areas (at most MAX_VISITS_PER_DAY visits a day) grown
from random seed areas on an instance's adjacency graph, so they mix rurality as the county does.
Each lot's day of visits and carers (rounds/lot_day.py) is routed with the existing engines
(rounds/engine.py, engine "auto": PyVRP when the day has no double-handed visits or breaks, else
OR-Tools; the instances' areas all have some double-handed care, so in practice OR-Tools) for 2-5 s,
with several placements of clients and carers per lot (one placement alone swings routed travel by
±30%), and the routed travel between visits per contact hour is measured as `tender rounds` does
(rounds/measures.py: travel between consecutive visits over contact time, summed over carers).

The model is the continuous approximation's own scale, taken area by area so that uneven density
counts, with a fitted exponent, a rurality term and a size term:

    log(routed) = log_c + a·log(base_h) + b_rural·rural_share + b_n·log(N)

where base_h = DETOUR_FACTOR·BHH_CONSTANT·Σ_i sqrt(N_i·A_i)/speed_i / N · 60 minutes per visit,
times 60 over the mean visit length (travel.py's formula without ROUND_FACTOR, summed over areas
i with N_i one window's visits, A_i km² and speed_i by rurality; N = Σ N_i), and rural_share the
share of hours in rural areas. It is fitted by least squares on a train set of lots and judged by
the absolute percentage error on held-out lots (split by lot) and by 5-fold cross-validation, all
deterministic by seed (routing itself is cut by a clock: see rounds/engine.py).

    .venv/bin/python -m solver.travel_fit [--lots 60] [--samples 3] [--seed 7] [--time-limit S] [--out PATH]
    .venv/bin/python -m solver.travel_fit --refit solver/data/travel_fit.json   # new model, same runs

writes the coefficients with their provenance to solver/data/travel_fit.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .instance import Instance, load_instance
from .instance.schema import MIX_COLUMNS, VISIT_LENGTHS_MINUTES
from .travel import (
    BHH_CONSTANT,
    DETOUR_FACTOR,
    SPEED_KMH,
    WINDOWS_PER_DAY,
    area_sizes_km2,
    travel_minutes_per_contact_hour,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INSTANCES = ("shire", "city", "wiltshire")
FIT_PATH = Path(__file__).resolve().parent / "data" / "travel_fit.json"
FEATURES = ("log_base_h", "rural_share", "log_n")  # with an intercept, log_c
COEFFICIENTS = ("log_c", "a", "b_rural", "b_n")


@functools.cache
def load_fit(path: Path = FIT_PATH) -> dict:
    """The fitted coefficients and their provenance (without the per-lot results)."""
    record = json.loads(Path(path).read_text())
    return {"model": record["model"], "coefficients": record["coefficients"], "provenance": record["provenance"]}


# ---------------------------------------------------------------- lots

MAX_VISITS_PER_DAY = 750  # larger days do not always route within 5 s


def grow_lot(instance: Instance, size: int, rng: np.random.Generator,
             max_visits: float = MAX_VISITS_PER_DAY) -> list[str]:
    """A contiguous group of `size` areas grown from a random seed area: each step adds a random
    neighbour of the group (areas bordering it on more sides are likelier, which keeps lots compact).
    Growth stops early when the next area would take the day past max_visits."""
    per_day = (instance.areas["visits_per_week"] / 7).to_dict()
    ids = list(instance.area_ids)
    neighbours: dict[str, list[str]] = {a: [] for a in ids}
    for a, b in instance.adjacency:
        neighbours[a].append(b)
        neighbours[b].append(a)
    for near in neighbours.values():
        near.sort()
    lot = [ids[int(rng.integers(len(ids)))]]
    inside = set(lot)
    while len(lot) < size:
        frontier = sorted({b for a in lot for b in neighbours[a] if b not in inside})
        if not frontier:
            break
        weight = np.array([sum(c in inside for c in neighbours[b]) for b in frontier], dtype=float) ** 2
        pick = frontier[int(rng.choice(len(frontier), p=weight / weight.sum()))]
        if sum(per_day[a] for a in lot) + per_day[pick] > max_visits:
            break
        lot.append(pick)
        inside.add(pick)
    return lot


def generate_lots(instances: dict[str, Instance], n_lots: int, seed: int,
                  sizes: tuple[int, int] = (3, 30)) -> list[tuple[str, list[str]]]:
    """n_lots (instance name, areas) pairs, instances taken in turn, sizes uniform on log scale
    within `sizes`; the same seed gives the same lots."""
    rng = np.random.default_rng(seed)
    names = sorted(instances)
    lots = []
    for i in range(n_lots):
        name = names[i % len(names)]
        size = round(math.exp(rng.uniform(math.log(sizes[0]), math.log(sizes[1]))))
        lots.append((name, grow_lot(instances[name], size, rng)))
    return lots


# ---------------------------------------------------------------- features and model

def lot_features(instance: Instance, areas: list[str]) -> dict[str, float]:
    """The quantities the estimator sees: km², one window's visits, hours-weighted speed, mean
    visit minutes, rural share of hours and the continuous approximation's base (minutes of
    travel per contact hour before any calibration)."""
    table = instance.areas.loc[areas]
    sizes = dict(zip(instance.area_ids, area_sizes_km2(instance)))
    hours = float(table["care_hours_per_week"].sum())
    weights = table["care_hours_per_week"] / max(hours, 1e-9)
    n = max(float(table["visits_per_week"].sum()) / 7 / WINDOWS_PER_DAY, 1.0)
    area_km2 = float(sum(sizes[a] for a in areas))
    speed = float((weights * table["rurality"].map(SPEED_KMH)).sum())
    mean_visit = float((table[list(MIX_COLUMNS)] * np.array(VISIT_LENGTHS_MINUTES)).sum(axis=1).mul(weights).sum())
    base = DETOUR_FACTOR * BHH_CONSTANT * math.sqrt(area_km2 / n) / speed * 60 * 60 / mean_visit
    # uneven density: BHH summed area by area, sqrt(N_i·A_i) at each area's own speed
    per_window = table["visits_per_week"].to_numpy(dtype=float) / 7 / WINDOWS_PER_DAY
    own = np.array([sizes[a] for a in areas]) * per_window
    base_h = float(DETOUR_FACTOR * BHH_CONSTANT * np.sum(np.sqrt(own) / table["rurality"].map(SPEED_KMH).to_numpy())
                   / n * 60 * 60 / mean_visit)
    rural = float(weights[table["rurality"] == "rural"].sum())
    return {"areas": len(areas), "area_km2": area_km2, "visits_per_window": n, "speed_kmh": speed,
            "mean_visit_minutes": mean_visit, "rural_share": rural, "base": base, "log_base": _log(base),
            "base_h": base_h, "log_base_h": _log(base_h), "log_n": _log(n)}


def _log(x: float) -> float:
    return math.log(x) if x > 0 else float("-inf")


def design_matrix(rows: list[dict[str, float]]) -> np.ndarray:
    return np.array([[1.0] + [r[f] for f in FEATURES] for r in rows])


def predict(coefficients: dict[str, float], features: dict[str, float]) -> float:
    """Routed travel minutes per contact hour from fitted coefficients."""
    x = [1.0] + [features[f] for f in FEATURES]
    if not all(math.isfinite(v) for v in x):
        return 0.0
    return math.exp(sum(coefficients[c] * v for c, v in zip(COEFFICIENTS, x)))


def fit(rows: list[dict[str, float]], target: list[float]) -> dict[str, float]:
    """Least squares on log(routed travel per contact hour)."""
    beta, *_ = np.linalg.lstsq(design_matrix(rows), np.log(np.asarray(target)), rcond=None)
    return dict(zip(COEFFICIENTS, map(float, beta)))


def cross_validated_ape(rows: list[dict[str, float]], target: list[float], folds: int, seed: int) -> list[float]:
    """Absolute % errors of every lot predicted by a fit on the other folds."""
    order = np.random.default_rng([seed, 2]).permutation(len(rows))
    errors = []
    for k in range(folds):
        out = set(order[k::folds].tolist())
        c = fit([rows[i] for i in range(len(rows)) if i not in out], [target[i] for i in range(len(rows)) if i not in out])
        errors += [ape(predict(c, rows[i]), target[i]) for i in sorted(out)]
    return errors


def ape(predicted: float, actual: float) -> float:
    return abs(predicted - actual) / actual * 100


def split_lots(n: int, test_share: float, seed: int) -> tuple[list[int], list[int]]:
    """Train and test indices, by lot."""
    order = np.random.default_rng([seed, 1]).permutation(n)
    n_test = max(1, round(n * test_share))
    return sorted(order[n_test:].tolist()), sorted(order[:n_test].tolist())


# ---------------------------------------------------------------- routing runs

@dataclass
class RoutedLot:
    instance: str
    areas: list[str]
    visits: int
    engine: str
    unserved: int
    seconds: float
    routed: float  # travel minutes between visits per contact hour
    calibrated: float  # travel.py's published-figure calibration for the same lot
    features: dict[str, float]


def time_limit_for(visits: int, low: float = 2.0, high: float = 5.0) -> float:
    """Seconds to route a day: 2 s up to 300 visits, growing to 5 s at 750."""
    return float(min(high, max(low, visits / 150)))


def route_lot(instance: Instance, name: str, areas: list[str], seed: int, time_limit: float | None = None,
              samples: int = 1) -> RoutedLot:
    """Route the lot's day `samples` times, each with its own clients' and carers' places (lot_day
    seeds seed, seed + 1000, ...), and measure travel between visits per contact hour over them all:
    one placement alone varies by ±30%, which is noise the estimator should not fit."""
    from .rounds.engine import route
    from .rounds.lot_day import lot_day, lot_speed_kmh
    from .rounds.measures import carer_weeks

    speed = lot_speed_kmh(instance, areas)
    contact = between = seconds = 0.0
    visits = unserved = 0
    engines = set()
    for k in range(samples):
        problem = lot_day(instance, areas, seed=seed + 1000 * k, name=f"{name} fit")
        limit = time_limit if time_limit is not None else time_limit_for(len(problem.visits))
        started = time.perf_counter()
        solution = route(problem, limit, seed, "auto")  # PyVRP unless double-handed visits or breaks
        seconds += time.perf_counter() - started
        weeks = carer_weeks([(problem, solution)], speed)
        contact += math.fsum(w.contact for w in weeks.values())
        between += math.fsum(w.travel_minutes for w in weeks.values())
        visits += len(problem.visits)
        unserved += len(solution.unserved)
        engines.add(solution.engine)
    return RoutedLot(name, areas, round(visits / samples), "+".join(sorted(engines)), unserved, seconds,
                     between * 60 / contact if contact > 0 else 0.0,
                     travel_minutes_per_contact_hour(instance, areas), lot_features(instance, areas))


def load_instances(names: tuple[str, ...] = DEFAULT_INSTANCES) -> dict[str, Instance]:
    return {n: load_instance(ROOT / "instances" / n) for n in names}


def run(n_lots: int = 60, seed: int = 7, time_limit: float | None = None, test_share: float = 0.3,
        names: tuple[str, ...] = DEFAULT_INSTANCES, samples: int = 3, log=print) -> dict:
    """Generate, route and fit; returns the fit record (coefficients, provenance, per-lot results)."""
    started = time.perf_counter()
    instances = load_instances(names)
    lots = generate_lots(instances, n_lots, seed)
    routed = []
    for i, (name, areas) in enumerate(lots):
        r = route_lot(instances[name], name, areas, seed + i, time_limit, samples)
        log(f"lot {i + 1:3d}/{n_lots} {name:9s} {len(areas):2d} areas {r.visits:4d} visits {r.engine:7s} "
            f"{r.seconds:4.1f}s routed {r.routed:5.2f} calibrated {r.calibrated:5.2f} unserved {r.unserved}")
        routed.append(r)
    return fit_record(routed, seed, test_share, names, time.perf_counter() - started, samples)


def fit_record(routed: list[RoutedLot], seed: int, test_share: float, names: tuple[str, ...],
               seconds: float, samples: int) -> dict:
    usable = [r for r in routed if r.unserved == 0 and r.routed > 0]
    cv = cross_validated_ape([r.features for r in usable], [r.routed for r in usable], 5, seed)
    train, test = split_lots(len(usable), test_share, seed)
    coefficients = fit([usable[i].features for i in train], [usable[i].routed for i in train])
    held_out = set(test)
    errors = [ape(predict(coefficients, usable[i].features), usable[i].routed) for i in test]
    train_errors = [ape(predict(coefficients, usable[i].features), usable[i].routed) for i in train]
    return {
        "model": "routed travel min per contact hour = exp(log_c + a*log(base_h) + b_rural*rural_share + b_n*log(N)); "
                 "base_h = DETOUR_FACTOR*BHH_CONSTANT*sum_i(sqrt(N_i*A_i)/speed_i)/N*60 * 60/mean_visit_minutes, "
                 "N = one window's visits (N_i per area), A_i km2, speed_i km/h by rurality",
        "coefficients": coefficients,
        "provenance": {
            "date": dt.date.today().isoformat(),
            "instances": list(names),
            "lots": len(routed), "lots_used": len(usable), "train_lots": len(train), "test_lots": len(test),
            "seed": seed, "routing": f"solver.rounds lot_day + route(engine='auto'), 2-5 s per day; {samples} placements "
                       "of clients and carers per lot, travel and contact summed over them",
            "samples_per_lot": samples,
            "model_choice": "features chosen among ~10 small candidate sets (BHH base plain or area by area, "
                            "rurality, log N, log areas, mean visit, speed) by 5-fold cross-validation",
            "held_out_median_ape_pct": round(float(np.median(errors)), 2),
            "held_out_p90_ape_pct": round(float(np.percentile(errors, 90)), 2),
            "train_median_ape_pct": round(float(np.median(train_errors)), 2),
            "cv5_median_ape_pct": round(float(np.median(cv)), 2),
            "cv5_p90_ape_pct": round(float(np.percentile(cv, 90)), 2),
            "seconds": round(seconds, 1),
        },
        "lots": [{**asdict(r),
                  "held_out": (usable.index(r) in held_out) if r in usable else None}
                 for r in routed],
    }


def refit(path: Path) -> dict:
    """Fit again on the routed lots of a saved fit file, with features recomputed from the instances
    (for a change of model without routing again); provenance keeps the routing run's date."""
    saved = json.loads(Path(path).read_text())
    p = saved["provenance"]
    instances = load_instances(tuple(p["instances"]))
    fields = set(RoutedLot.__dataclass_fields__) - {"features"}
    routed = [RoutedLot(**{k: r[k] for k in fields}, features=lot_features(instances[r["instance"]], r["areas"]))
              for r in saved["lots"]]
    record = fit_record(routed, p["seed"], p["test_lots"] / p["lots_used"], tuple(p["instances"]), p["seconds"],
                        p.get("samples_per_lot", 1))
    record["provenance"]["date"] = p["date"]
    record["provenance"]["refitted"] = dt.date.today().isoformat()
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lots", type=int, default=60)
    parser.add_argument("--samples", type=int, default=3, help="client placements routed per lot")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--time-limit", type=float, default=None, help="seconds per lot (default 2-5 by size)")
    parser.add_argument("--out", type=Path, default=FIT_PATH)
    parser.add_argument("--refit", type=Path, default=None,
                        help="refit on the routed lots saved in this fit file instead of routing again")
    args = parser.parse_args(argv)
    record = refit(args.refit) if args.refit else run(args.lots, args.seed, args.time_limit, samples=args.samples)
    args.out.write_text(json.dumps(record, indent=1) + "\n")
    print(json.dumps({"coefficients": record["coefficients"], "provenance": record["provenance"]}, indent=1))


if __name__ == "__main__":
    main()
