"""Number handling shared by the bulletin's sections: reading warehouse cells (NULL, NaN),
the one rounding of displayed scores and the Chinese-report number formats."""

from __future__ import annotations

import math

import pandas as pd


def to_float(value: object) -> float | None:
    """A warehouse cell as a float; None for NULL, NaN and what is not a number."""
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def to_int(value: object) -> int | None:
    number = to_float(value)
    return None if number is None else int(number)


def mean_of(series: pd.Series) -> float | None:
    """The mean of the numbers in ``series`` (None when it has none)."""
    clean = pd.to_numeric(series, errors="coerce").dropna()
    return float(clean.mean()) if len(clean) else None


def round2(value: float | None) -> float | None:
    """Rounding used for every displayed score: the narrative and tables agree to the digit."""
    return None if value is None else round(value + 0.0, 2)


def change_of_means(mean: float | None, previous_mean: float | None) -> float | None:
    """The change of a mean as displayed: the difference of the two rounded means."""
    if mean is None or previous_mean is None:
        return None
    return round2(round2(mean) - round2(previous_mean))  # type: ignore[operator]


def fmt_number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return "0" if text in ("-0", "0") else text


def fmt_value(value: float | None) -> str:
    """A raw indicator value: fewer decimals as the magnitude grows (18,445 元, 3.94 个)."""
    if value is None:
        return "—"
    size = abs(value)
    return fmt_number(value, 0 if size >= 1000 else 1 if size >= 100 else 2)


def fmt_bound(value: object) -> str:
    number = to_float(value)
    if number is None:
        return "—"
    return f"{number:g}"


def fmt_share(share: float | None) -> str:
    """A share of simulations as a whole percentage (half up): 0.925 → 93%."""
    if share is None:
        return "—"
    return f"{math.floor(share * 100 + 0.5)}%"
