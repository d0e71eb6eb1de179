"""Generator of realistic synthetic counties, calibrated to published figures.

Calibration (see ../shared/domain.md §3): about 2% of people aged 65+ receive council-funded home
care, at about 14 hours a week each; visits mostly 30 minutes, about 10% of 15 minutes, about 10%
double-handed; providers many small and a few large, about a quarter serving four clients or fewer,
each working local patches around its offices (the largest with branches), overlapping at the edges;
bids spread around the council rate (£24.10 in 2025-26), some below the £22.71 direct cost of
minimum-wage care.

Same profile, size and seed give the same files, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .instance.geometry import delaunay_adjacency
from .instance.problems import InputError, Problem
from .instance.schema import MIX_COLUMNS

CLIENT_TAKE_UP = 0.02  # council-funded home care clients per person aged 65+
HOURS_PER_CLIENT = 14.0  # ADASS 2024-25 average package
COUNCIL_RATE = 24.10  # Homecare Association fee survey 2025-26 average
NATIONAL_LIVING_WAGE = 12.21  # April 2025
MILEAGE_RATE = 0.45  # HMRC approved mileage rate, £/mile
SMALL_PROVIDER_SHARE = 0.27  # providers serving four clients or fewer (28% nationally)
INCUMBENT_COVERAGE = 0.93  # share of clients served by a listed provider today
# Providers' footprints (see `patches`).
BRANCH_CLIENTS = 100  # assumption: council clients per office; CQC (2013) inspected services of under 5 to 200+ people, largest 700
PATCH_MARKET_SHARE = 0.2  # assumption: a provider serves a fifth of the clients in its patch, its neighbours the rest
MARKET_ROUNDS = 50  # rounds of iterative proportional fitting of market shares to quotas
PATCH_MIN_KM = 8.0  # assumption: 5 miles, a town and its villages; rounds hop 3.06 miles a visit (Access Group 2018)
PATCH_MAX_KM = 25.0  # assumption: about half an hour's drive on rural roads
PATCH_EDGE_EXPONENT = 10  # assumption: how sharply a patch fades at its edge (the pull halves at the radius)
BRANCH_SPACING_KM = 2 * PATCH_MIN_KM  # a provider's branches are placed so that their smallest patches do not overlap


@dataclass(frozen=True)
class Profile:
    width_km: float
    height_km: float
    cores: int  # dense urban centres
    towns: int  # market towns
    core_share: float  # share of areas in the centres
    town_share: float  # share of areas in the towns
    residents_per_area: float
    providers_per_100_areas: float
    reference_areas: int  # the county measures width x height at this many areas; it scales with sqrt(n)


PROFILES = {
    "shire": Profile(60, 50, 1, 6, 0.30, 0.35, 3000, 23, 150),
    "city": Profile(24, 20, 3, 4, 0.75, 0.20, 2000, 14, 300),
    "rural": Profile(80, 65, 0, 8, 0.0, 0.45, 2000, 25, 80),
}

SYLLABLES_A = ("Ash", "Brad", "Chip", "Dun", "Elm", "Fern", "Gold", "Hal", "Ire", "Kings", "Lang", "Mal",
               "Nor", "Oak", "Pen", "Queen", "Ris", "Stan", "Thorn", "Up", "Ver", "Wal", "Yar", "Bex")
SYLLABLES_B = ("ford", "ton", "bury", "ham", "ley", "wick", "field", "worth", "stow", "combe", "minster",
               "by", "thorpe", "well", "bridge", "den")
PROVIDER_WORDS = ("Acorn", "Beacon", "Bluebell", "Caring Hands", "Cedar", "Comfort", "Daisy", "Evergreen",
                  "Harmony", "Heartwood", "Helping Hand", "Hollybush", "Kindred", "Lantern", "Meadow",
                  "Oakleaf", "Orchard", "Primrose", "Riverside", "Rosewood", "Sunrise", "Willow", "Wren",
                  "Haven", "Compass", "Foxglove", "Heather", "Juniper", "Linden", "Maple")
PROVIDER_KINDS = ("Home Care", "Care Services", "Homecare Ltd", "Care at Home", "Support Services")


def place_names(rng: np.random.Generator, count: int) -> list[str]:
    """Distinct made-up English place names; past the syllable pairs, names repeat with a suffix."""
    pairs = [a + b for a in SYLLABLES_A for b in SYLLABLES_B]
    order = rng.permutation(len(pairs))
    return [pairs[order[i % len(pairs)]] + ("" if i < len(pairs) else f" {'NSEW'[(i // len(pairs) - 1) % 4]}"
            + (str(i // (4 * len(pairs)) + 1) if i >= 5 * len(pairs) else "")) for i in range(count)]


def area_points(rng: np.random.Generator, profile: Profile, n: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Area centres, names and rurality: dense urban cores, market towns, a rural hinterland."""
    size = np.array([profile.width_km, profile.height_km]) * np.sqrt(n / profile.reference_areas)
    centres = rng.uniform(0.2, 0.8, size=(profile.cores, 2)) * size
    towns = rng.uniform(0.08, 0.92, size=(profile.towns, 2)) * size
    names = place_names(rng, profile.cores + profile.towns + 1)
    n_core = round(n * profile.core_share) if profile.cores else 0
    n_town = round(n * profile.town_share) if profile.towns else 0
    points, labels, classes = [], [], []
    for i in range(n):
        if i < n_core:
            k = i % profile.cores
            points.append(centres[k] + rng.normal(0, 0.06 * size.min(), 2))
            labels.append(names[k])
            classes.append("urban")
        elif i < n_core + n_town:
            k = (i - n_core) % profile.towns
            points.append(towns[k] + rng.normal(0, 0.025 * size.min(), 2))
            labels.append(names[profile.cores + k])
            classes.append("town")
        else:
            points.append(rng.uniform(0, 1, 2) * size)
            labels.append("")
            classes.append("rural")
    xy = np.clip(np.array(points), 0, size)
    # Rural areas are named after their nearest settlement's hinterland villages.
    villages = place_names(np.random.default_rng(rng.integers(1 << 31)), n)
    labels = [label or villages[i] for i, label in enumerate(labels)]
    return xy, labels, np.array(classes)


def generate(profile_name: str, n_areas: int, seed: int, n_providers: int | None = None) -> dict[str, pd.DataFrame | dict]:
    """Tables of a generated instance, keyed by table name, plus 'manifest'."""
    if profile_name not in PROFILES:
        raise InputError([Problem(f"unknown profile '{profile_name}'", fix=f"choose one of {', '.join(PROFILES)}")])
    if n_areas < 2:
        raise InputError([Problem(f"--areas {n_areas} is too few", fix="ask for at least 2 areas")])
    profile = PROFILES[profile_name]
    rng = np.random.default_rng(seed)
    xy, labels, rurality = area_points(rng, profile, n_areas)
    residents = np.round(profile.residents_per_area * rng.lognormal(0, 0.18, n_areas)).astype(int)
    old_share = np.select([rurality == "urban", rurality == "town"], [0.16, 0.21], 0.27)
    pop65 = np.round(residents * old_share * rng.lognormal(0, 0.12, n_areas)).astype(int)
    clients = rng.poisson(pop65 * CLIENT_TAKE_UP * rng.lognormal(0, 0.2, n_areas))
    hours = np.round(clients * HOURS_PER_CLIENT * rng.lognormal(0, 0.08, n_areas) * 2) / 2
    short = np.clip(rng.normal(0.10, 0.03, n_areas), 0.03, 0.2)
    long45 = np.clip(rng.normal(0.15, 0.04, n_areas), 0.05, 0.25)
    long60 = np.clip(rng.normal(0.10, 0.03, n_areas), 0.03, 0.2)
    mix = np.round(np.column_stack([short, 1 - short - long45 - long60, long45, long60]), 3)
    mix[:, 1] = np.round(1 - mix[:, 0] - mix[:, 2] - mix[:, 3], 3)
    double = np.round(np.clip(rng.normal(0.10, 0.025, n_areas), 0.02, 0.2), 3)
    width = len(str(n_areas))
    ids = [f"A{i + 1:0{width}d}" for i in range(n_areas)]
    counters: dict[str, int] = {}
    names = []
    for label in labels:
        counters[label] = counters.get(label, 0) + 1
        names.append(f"{label} {counters[label]}")
    areas = pd.DataFrame({
        "area_id": ids, "name": names, "x_km": np.round(xy[:, 0], 3), "y_km": np.round(xy[:, 1], 3),
        "rurality": rurality, "pop_65plus": pop65, "clients": clients, "care_hours_per_week": hours,
        **{c: mix[:, j] for j, c in enumerate(MIX_COLUMNS)}, "double_handed_share": double,
    })
    pairs, adjacency_note = delaunay_adjacency(ids, xy)
    adjacency = pd.DataFrame(pairs, columns=["area_a", "area_b"])
    command = f"tender generate --profile {profile_name} --areas {n_areas} --seed {seed}"
    if n_providers is None:
        n_providers = max(3, round(n_areas * profile.providers_per_100_areas / 100))
    else:
        command += f" --providers {n_providers}"
    providers, incumbency = synthetic_providers(rng, areas, xy, n_providers)
    scenarios = default_scenarios()
    manifest = {
        "name": f"{profile_name}-{n_areas}-seed{seed}",
        "description": f"Synthetic {profile_name} county generated by `{command}`",
        "tables": {"areas": "areas.csv", "adjacency": "adjacency.csv", "providers": "providers.csv",
                   "incumbency": "incumbency.csv", "scenarios": "scenarios.csv"},
        "policy": default_policy(areas, scenarios),
        "provenance": {"command": command, "adjacency": adjacency_note},
    }
    return {"manifest": manifest, "areas": areas, "adjacency": adjacency, "providers": providers,
            "incumbency": incumbency, "scenarios": scenarios}


def default_scenarios() -> pd.DataFrame:
    """Base, growth, winter surge and reablement, with rurality multipliers and probabilities."""
    return pd.DataFrame([
        ("base", 0.55, 1.0, 1.0, 1.0, "Demand as today"),
        ("growth", 0.20, 1.05, 1.05, 1.07, "A year of growth in the 85+ population"),
        ("winter_surge", 0.15, 1.12, 1.12, 1.15, "Winter pressure and hospital discharges"),
        ("reablement", 0.10, 0.93, 0.93, 0.95, "Reablement takes new entrants off long-term care"),
    ], columns=["scenario", "probability", "multiplier_urban", "multiplier_town", "multiplier_rural",
                "description"])


def default_policy(areas: pd.DataFrame, scenarios: pd.DataFrame) -> dict:
    """2025-26 policy figures; the budget is expected hours at the council rate plus 3%."""
    expected = float(areas["care_hours_per_week"].sum() * (scenarios["probability"] * scenarios["multiplier_town"]).sum())
    return {"year": 2025, "national_living_wage_gbp_per_hour": NATIONAL_LIVING_WAGE,
            "mileage_rate_gbp_per_mile": MILEAGE_RATE, "payment_basis": "per_minute_contact",
            "council_rate_gbp_per_hour": COUNCIL_RATE,
            "budget_gbp_per_year": float(round(expected * 52 * COUNCIL_RATE * 1.03, -3))}


def synthetic_providers(rng: np.random.Generator, areas: pd.DataFrame, xy: np.ndarray,
                        n_providers: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Providers with heavy-tailed sizes, based mostly in urban and town areas, and who serves whom today.

    Each provider works local patches around its offices (see `patches`), so its incumbency is local and
    neighbours overlap at their edges. The offices and patch radii are kept, in memory only, as
    `providers.attrs["branches"]`: provider id -> [(area id, patch radius km), ...], main office first.
    """
    total_clients = int(areas["clients"].sum())
    n_small = round(n_providers * SMALL_PROVIDER_SHARE)
    quota = np.zeros(n_providers, dtype=int)
    quota[:n_small] = rng.integers(1, 5, n_small)
    weights = rng.pareto(1.8, n_providers - n_small) + 1
    remaining = max(0, round(total_clients * INCUMBENT_COVERAGE) - int(quota.sum()))
    quota[n_small:] = np.maximum(5, np.floor(remaining * weights / weights.sum())).astype(int)
    order = rng.permutation(n_providers)
    quota = quota[order]
    settled = areas["rurality"].map({"urban": 3.0, "town": 2.0, "rural": 0.4}).to_numpy() * areas["pop_65plus"].to_numpy()
    base = rng.choice(len(areas), size=n_providers, p=settled / settled.sum())
    owner, site, radius = patches(rng, areas, xy, quota, base, settled)
    # A client's pull towards a provider is that of the provider's patch it is deepest in.
    pull = np.zeros((len(areas), n_providers))
    np.maximum.at(pull.T, owner, patch_pull(distances(xy, site), radius).T)
    draw = market_shares(areas["clients"].to_numpy(dtype=float), quota.astype(float), pull)
    left = quota.astype(float)
    served = np.zeros((len(areas), n_providers), dtype=int)
    client_area = np.repeat(np.arange(len(areas)), areas["clients"].to_numpy())
    for a in client_area[rng.permutation(len(client_area))]:
        w = draw[a] * left / quota
        if w.sum() <= 1e-9 or rng.random() > INCUMBENT_COVERAGE:
            continue
        p = int(rng.choice(n_providers, p=w / w.sum()))
        served[a, p] += 1
        left[p] -= 1
    per_client = (areas["care_hours_per_week"] / areas["clients"].where(areas["clients"] > 0)).fillna(0).to_numpy()
    rows = [(f"P{p + 1:02d}", areas["area_id"].iat[a], int(served[a, p]), round(float(served[a, p] * per_client[a]), 2))
            for p in range(n_providers) for a in range(len(areas)) if served[a, p] > 0]
    incumbency = pd.DataFrame(rows, columns=["provider_id", "area_id", "clients", "hours_per_week"])
    current = incumbency.groupby("provider_id")["hours_per_week"].sum()
    ids = [f"P{p + 1:02d}" for p in range(n_providers)]
    current_hours = np.array([round(float(current.get(i, 0.0)), 2) for i in ids])
    capacity = np.round(np.maximum(current_hours * rng.uniform(1.15, 1.6, n_providers), 60.0))
    min_viable = np.round(np.maximum(current_hours * rng.uniform(0.35, 0.6, n_providers), 20.0))
    block = np.round(np.clip(rng.normal(COUNCIL_RATE - 0.3, 1.6, n_providers), 19.5, 30.0), 2)
    framework = np.round(block + rng.uniform(0.5, 1.8, n_providers), 2)
    quality = rng.choice([1, 2, 3, 4], size=n_providers, p=[0.03, 0.15, 0.72, 0.10])
    word_order = rng.permutation(len(PROVIDER_WORDS))
    names = [f"{PROVIDER_WORDS[word_order[p % len(PROVIDER_WORDS)]]} {PROVIDER_KINDS[p % len(PROVIDER_KINDS)]}"
             + (f" {p // len(PROVIDER_WORDS) + 1}" if p >= len(PROVIDER_WORDS) else "") for p in range(n_providers)]
    providers = pd.DataFrame({
        "provider_id": ids, "name": names, "base_area_id": areas["area_id"].to_numpy()[base],
        "current_hours_per_week": current_hours, "max_hours_per_week": capacity,
        "block_rate_gbp_per_hour": block, "framework_rate_gbp_per_hour": framework,
        "quality_score": quality, "min_viable_hours_per_week": min_viable,
    })
    providers.attrs["branches"] = {ids[p]: [] for p in range(n_providers)}
    for p, a, r in zip(owner, site, radius):
        providers.attrs["branches"][ids[p]].append((str(areas["area_id"].iat[a]), float(r)))
    return providers, incumbency


def market_shares(clients: np.ndarray, quota: np.ndarray, pull: np.ndarray) -> np.ndarray:
    """Each provider's share of each area's clients (areas x providers), by a doubly constrained gravity model.

    Shares follow the patches' pull, scaled per provider (iterative proportional fitting) until each
    provider's expected clients match its quota, so the market clears near the offices instead of
    sending far whoever still has quota at the end.
    """
    supply = quota * clients.sum() / quota.sum()
    scale = np.ones(len(quota))
    for _ in range(MARKET_ROUNDS):
        weight = pull * scale[None, :]
        shares = weight / weight.sum(axis=1, keepdims=True)
        scale *= supply / (clients @ shares)
    return shares


def patch_pull(dist: np.ndarray, radius: np.ndarray) -> np.ndarray:
    """How strongly patches draw clients `dist` km away (areas x offices): 1 at the office, 1/2 at the edge, 1/1025 at twice it."""
    return 1 / (1 + (dist / radius[None, :]) ** PATCH_EDGE_EXPONENT)


def patches(rng: np.random.Generator, areas: pd.DataFrame, xy: np.ndarray, quota: np.ndarray, base: np.ndarray,
            settled: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every office (its provider, its area index) and its patch radius in km, each provider's main office first.

    Real agencies work a patch around their office and the largest run several branches: a provider has
    one office per `BRANCH_CLIENTS` of its quota, the branches in settled areas away from its own offices
    and from others'. A patch is the disc around an office holding its share of the quota over
    `PATCH_MARKET_SHARE`, at least `PATCH_MIN_KM`: small in towns, wider where clients are sparse; and an
    area with clients outside every patch (rural, mostly) widens the patch nearest to it in patch radii,
    so someone reaches it. No patch reaches beyond `PATCH_MAX_KM`.
    """
    n_branches = np.ceil(quota / BRANCH_CLIENTS).astype(int)
    owner = np.repeat(np.arange(len(quota)), n_branches)
    site = np.repeat(base, n_branches)
    for p in np.flatnonzero(n_branches > 1):
        first = int(np.flatnonzero(owner == p)[0])
        for k in range(first + 1, first + n_branches[p]):
            own, anyone = distances(xy, site[first:k]).min(axis=1), distances(xy, site[:k]).min(axis=1)
            w = settled * np.minimum(own / BRANCH_SPACING_KM, 1.0) ** 2 * np.minimum(anyone / PATCH_MIN_KM, 1.0)
            site[k] = rng.choice(len(areas), p=w / w.sum())
    dist = distances(xy, site)
    nearest = np.argsort(dist, axis=0, kind="stable")
    held = np.cumsum(areas["clients"].to_numpy()[nearest], axis=0)
    wanted = quota[owner] / n_branches[owner] / PATCH_MARKET_SHARE
    reach = np.minimum((held < wanted[None, :]).sum(axis=0), len(areas) - 1)
    radius = np.maximum(dist[nearest[reach, np.arange(len(site))], np.arange(len(site))], PATCH_MIN_KM)
    stretch = dist / radius[None, :]
    outside = np.flatnonzero((areas["clients"].to_numpy() > 0) & (stretch.min(axis=1) > 1))
    widened = stretch[outside].argmin(axis=1)
    np.maximum.at(radius, widened, dist[outside, widened])
    return owner, site, np.minimum(radius, PATCH_MAX_KM)


def distances(xy: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Straight-line km from every area to each of the areas `sites` (areas x sites)."""
    return np.hypot(xy[:, None, 0] - xy[None, sites, 0], xy[:, None, 1] - xy[None, sites, 1])


def write_instance(tables: dict[str, pd.DataFrame | dict], out: Path, readme_text: str | None = None) -> None:
    """The manifest, one CSV per table, and a README (by default the synthetic one) with provenance and totals."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = tables["manifest"]
    assert isinstance(manifest, dict)
    (out / "instance.yaml").write_text(yaml.safe_dump(manifest, sort_keys=False, width=100, allow_unicode=True),
                                       encoding="utf-8")
    for name, file in manifest["tables"].items():
        frame = tables[name]
        assert isinstance(frame, pd.DataFrame)
        frame.to_csv(out / file, index=False, lineterminator="\n", float_format="%.10g", encoding="utf-8")
    (out / "README.md").write_text(readme(tables) if readme_text is None else readme_text, encoding="utf-8")


def readme(tables: dict[str, pd.DataFrame | dict]) -> str:
    manifest, areas, providers = tables["manifest"], tables["areas"], tables["providers"]
    assert isinstance(manifest, dict) and isinstance(areas, pd.DataFrame) and isinstance(providers, pd.DataFrame)
    return (f"# {manifest['name']}\n\n{manifest.get('description', 'Synthetic instance')}. All data are synthetic.\n\n"
            f"{rurality_table(areas)}\n\n{providers_sentence(providers)}\n")


def rurality_table(areas: pd.DataFrame) -> str:
    """Markdown table of areas, clients and care hours by rurality class, with a total row."""
    by_class = areas.groupby("rurality").agg(areas=("area_id", "size"), clients=("clients", "sum"),
                                             hours=("care_hours_per_week", "sum"))
    rows = "\n".join(f"| {r.Index} | {r.areas} | {r.clients:,} | {r.hours:,.0f} |" for r in by_class.itertuples())
    return (f"| rurality | areas | clients | care hours/week |\n|---|---|---|---|\n{rows}\n"
            f"| total | {len(areas)} | {areas['clients'].sum():,} | {areas['care_hours_per_week'].sum():,.0f} |")


def providers_sentence(providers: pd.DataFrame) -> str:
    return (f"{len(providers)} providers: {providers['current_hours_per_week'].sum():,.0f} council hours/week now, "
            f"capacity {providers['max_hours_per_week'].sum():,.0f}; block bids "
            f"£{providers['block_rate_gbp_per_hour'].min():.2f}–£{providers['block_rate_gbp_per_hour'].max():.2f} "
            f"an hour.")
