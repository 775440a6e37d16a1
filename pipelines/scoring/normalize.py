"""Normalisation: a leaf's raw values → scores on the framework's scale [lo, hi].

Every function works on whole columns (one leaf, all units and periods at once) and returns a
:class:`LeafScores` with the score, the bounds used and boolean flag columns. Formulas are
documented in ``docs/scoring.md``; the ratio-based methods share::

    score = lo + (hi − lo) × clip(ratio, 0, 1) ** exponent      (flag ``clipped`` if clipped)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines.scoring.framework import (
    DEFAULT_WINDOW,
    DEFAULT_WORST_PERCENTILE,
    Node,
)

FLAG_MISSING = "missing_value"
FLAG_CLIPPED = "clipped"
FLAG_NO_SPREAD = "no_spread"


@dataclass
class LeafScores:
    score: np.ndarray
    best: np.ndarray
    worst: np.ndarray
    flags: dict[str, np.ndarray] = field(default_factory=dict)


def normalize_leaf(
    node: Node,
    frame: pd.DataFrame,
    scale: tuple[float, float],
    pool: pd.DataFrame | None = None,
) -> LeafScores:
    """Score one leaf.

    ``frame``: columns ``period, value`` (one row per base unit and period; NaN = missing).
    ``pool``: columns ``period, value`` of every known value of this leaf (current and
    earlier periods), used by ``frontier_observed`` windows; defaults to ``frame``.
    """
    assert node.normalize is not None
    method = node.normalize.method
    x = frame["value"].to_numpy(dtype="float64")
    periods = frame["period"]
    lower_better = node.direction == "lower_is_better"
    n = len(x)
    best = np.full(n, np.nan)
    worst = np.full(n, np.nan)
    flags: dict[str, np.ndarray] = {}
    lo, hi = scale

    if method == "frontier":
        best[:] = float(node.normalize.params["best"])
        worst[:] = float(node.normalize.params["worst"])
        ratio = (worst - x) / (worst - best)
    elif method == "frontier_observed":
        best, worst = _observed_bounds(node, frame, pool if pool is not None else frame)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = (worst - x) / (worst - best)
        flat = (best == worst) & ~np.isnan(x)
        ratio = np.where(flat, 1.0, ratio)
        flags[FLAG_NO_SPREAD] = flat
    elif method == "minmax":
        grouped = frame.groupby("period", sort=False, dropna=False)["value"]
        vmin = grouped.transform("min").to_numpy(dtype="float64")
        vmax = grouped.transform("max").to_numpy(dtype="float64")
        best, worst = (vmin, vmax) if lower_better else (vmax, vmin)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = (worst - x) / (worst - best)
        flat = (vmax == vmin) & ~np.isnan(x)
        ratio = np.where(flat, 1.0, ratio)
        flags[FLAG_NO_SPREAD] = flat
    elif method == "rank":
        goodness = -frame["value"] if lower_better else frame["value"]
        tmp = pd.DataFrame({"period": periods.to_numpy(), "g": goodness.to_numpy()})
        grouped = tmp.groupby("period", sort=False, dropna=False)["g"]
        r = grouped.rank(method="average", ascending=True).to_numpy(dtype="float64")
        cnt = grouped.transform("count").to_numpy(dtype="float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = (r - 1.0) / (cnt - 1.0)
        single = (cnt == 1) & ~np.isnan(x)
        ratio = np.where(single, 1.0, ratio)
        flags[FLAG_NO_SPREAD] = single
    elif method == "goalposts":
        lower = float(node.normalize.params["lower"])
        upper = float(node.normalize.params["upper"])
        default_target = lower if lower_better else upper
        target = float(node.normalize.params.get("target", default_target))
        worst[:] = upper if lower_better else lower
        best[:] = target
        ratio = (x - worst) / (best - worst)
    elif method == "zscore":
        return _zscore(node, frame, scale)
    elif method == "none":
        clipped = ~np.isnan(x) & ((x < lo) | (x > hi))
        flags[FLAG_CLIPPED] = clipped
        flags[FLAG_MISSING] = np.isnan(x)
        return LeafScores(np.clip(x, lo, hi), best, worst, flags)
    else:  # pragma: no cover - the schema restricts methods
        raise ValueError(f"unknown normalisation method {method}")

    exponent = float(node.normalize.params.get("exponent", 1.0))
    clipped = ~np.isnan(ratio) & ((ratio < 0.0) | (ratio > 1.0))
    unit_ratio = np.clip(ratio, 0.0, 1.0)
    if exponent != 1.0:
        unit_ratio = unit_ratio**exponent
    score = lo + (hi - lo) * unit_ratio
    flags[FLAG_CLIPPED] = clipped
    flags[FLAG_MISSING] = np.isnan(x)
    return LeafScores(score, best, worst, flags)


def _zscore(node: Node, frame: pd.DataFrame, scale: tuple[float, float]) -> LeafScores:
    """score = center + spread × z, z = ±(x − mean)/sd (sample sd), clipped to the scale
    unless ``clip: false``; sd = 0 or a single unit → z = 0 (flag ``no_spread``)."""
    assert node.normalize is not None
    params = node.normalize.params
    lo, hi = scale
    center = float(params.get("center", (lo + hi) / 2))
    spread = float(params.get("spread", (hi - lo) / 10))
    clip = bool(params.get("clip", True))
    x = frame["value"].to_numpy(dtype="float64")
    grouped = frame.groupby("period", sort=False, dropna=False)["value"]
    mean = grouped.transform("mean").to_numpy(dtype="float64")
    sd = grouped.transform("std").to_numpy(dtype="float64")  # ddof=1
    flat = ~np.isnan(x) & (np.isnan(sd) | (sd == 0))
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(flat, 0.0, (x - mean) / sd)
    if node.direction == "lower_is_better":
        z = -z
    raw = center + spread * z
    flags = {FLAG_NO_SPREAD: flat, FLAG_MISSING: np.isnan(x)}
    if clip:
        flags[FLAG_CLIPPED] = ~np.isnan(raw) & ((raw < lo) | (raw > hi))
        raw = np.clip(raw, lo, hi)
    nan = np.full(len(x), np.nan)
    return LeafScores(raw, nan, nan.copy(), flags)


_QUARTER_RE = re.compile(r"^(\d{4})Q([1-4])$")


def period_positions(periods: list[object]) -> dict[object, int]:
    """Position of each period on a calendar, for ``frontier_observed`` windows: quarters
    (``2025Q2``) by quarter number and whole numbers (years) by value, so that a window of 4
    is the period and the 3 calendar quarters (or years) before it, whether or not they have
    data. Other labels (not all quarters or numbers): their order."""
    quarters = [_QUARTER_RE.match(p) if isinstance(p, str) else None for p in periods]
    if periods and all(quarters):
        return {
            p: int(m.group(1)) * 4 + int(m.group(2)) - 1
            for p, m in zip(periods, quarters, strict=True)
            if m
        }
    if periods and all(isinstance(p, (int, np.integer)) for p in periods):
        return {p: int(p) for p in periods}  # type: ignore[call-overload]
    return {p: i for i, p in enumerate(periods)}


def _observed_bounds(
    node: Node, frame: pd.DataFrame, pool: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Best observed and worst-percentile bounds over a window of periods, per row."""
    assert node.normalize is not None
    window = int(node.normalize.params.get("window", DEFAULT_WINDOW))
    q = float(node.normalize.params.get("worst_percentile", DEFAULT_WORST_PERCENTILE))
    lower_better = node.direction == "lower_is_better"
    pool = pool.dropna(subset=["value"])
    all_periods = sorted(set(pool["period"]).union(frame["period"]))
    position = period_positions(all_periods)
    pool_pos = pool["period"].map(position).to_numpy()
    pool_vals = pool["value"].to_numpy(dtype="float64")
    bounds: dict[object, tuple[float, float]] = {}
    for period in frame["period"].unique():
        end = position[period]
        mask = (pool_pos <= end) & (pool_pos > end - window)
        vals = pool_vals[mask]
        if len(vals) == 0:
            bounds[period] = (np.nan, np.nan)
        elif lower_better:
            bounds[period] = (float(vals.min()), float(np.percentile(vals, 100.0 - q)))
        else:
            bounds[period] = (float(vals.max()), float(np.percentile(vals, q)))
    best = frame["period"].map({p: b[0] for p, b in bounds.items()}).to_numpy(dtype="float64")
    worst = frame["period"].map({p: b[1] for p, b in bounds.items()}).to_numpy(dtype="float64")
    return best, worst
