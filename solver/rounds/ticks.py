"""Integer time for the engines, which both work in integers.

One tick is 1/SCALE minute. Durations round up and deadlines down, so a schedule the engine
accepts in ticks also keeps every rule in exact minutes; travel *costs* round to nearest, so the
objective is not biased (reading ../shared/reference/README.md: rounding to whole units is off by
whole percents on Solomon).
"""

from __future__ import annotations

import math

import numpy as np

SCALE = 100


def up(minutes: float) -> int:
    return math.ceil(round(minutes * SCALE, 6))


def down(minutes: float) -> int:
    return math.floor(round(minutes * SCALE, 6))


def minutes(ticks: int) -> float:
    return ticks / SCALE


def travel_cost(travel: np.ndarray) -> np.ndarray:
    return np.rint(travel * SCALE).astype(np.int64)


def travel_duration(travel: np.ndarray) -> np.ndarray:
    return np.ceil(np.round(travel * SCALE, 6)).astype(np.int64)
