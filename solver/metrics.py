"""Market measures shared by instance summaries and design evaluation."""

from __future__ import annotations

import pandas as pd


def hhi(volumes: pd.Series) -> float:
    """Herfindahl-Hirschman index of volumes: sum of squared percentage shares, 0-10,000."""
    total = float(volumes.sum())
    if total <= 0:
        return 0.0
    return float((((volumes / total) * 100) ** 2).sum())


def concentration_band(index: float) -> str:
    """The US 2010 merger guidelines' bands (../shared/domain.md §3)."""
    if index < 1500:
        return "unconcentrated"
    return "moderately concentrated" if index <= 2500 else "highly concentrated"
