"""Aggregation at parents: weighted arithmetic / geometric / harmonic means of children.

Weights are renormalised over the children that have a score. With ``coverage`` = (sum of
the weights of children with a score) / (sum of all children's weights), a parent whose
coverage is below ``min_coverage`` is missing (flag ``low_coverage``); a parent computed
from only some of its children is flagged ``partial``.

Zero and negative child scores (see docs/scoring.md):
- geometric: any child score 0 (with weight > 0) → 0; a negative score → missing
  (flag ``negative_score``), as the log of a negative number is undefined;
- harmonic: any child score 0 (with weight > 0) → 0; a negative score → missing
  (flag ``negative_score``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FLAG_LOW_COVERAGE = "low_coverage"
FLAG_PARTIAL = "partial"
FLAG_NEGATIVE = "negative_score"


@dataclass
class Aggregated:
    score: np.ndarray
    coverage: np.ndarray
    flags: dict[str, np.ndarray]


def weighted_mean(
    scores: np.ndarray,
    weights: np.ndarray,
    method: str = "arithmetic",
    min_coverage: float = 0.5,
) -> Aggregated:
    """Row-wise weighted mean of ``scores`` (rows × children, NaN = missing)."""
    scores = np.asarray(scores, dtype="float64")
    w = np.broadcast_to(np.asarray(weights, dtype="float64"), scores.shape)
    present = ~np.isnan(scores)
    w_present = np.where(present, w, 0.0)
    w_sum = w_present.sum(axis=1)
    # Per row: the rows may carry different weights (robustness replications do).
    total = w.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = np.where(total > 0, w_sum / np.where(total > 0, total, 1.0), 0.0)
    filled = np.where(present, scores, 0.0)
    counted = present & (w > 0)
    negative = (counted & (filled < 0)).any(axis=1)
    zero = (counted & (filled == 0)).any(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        if method == "arithmetic":
            value = (w_present * filled).sum(axis=1) / w_sum
            negative = np.zeros(len(scores), dtype=bool)
        elif method == "geometric":
            logs = np.log(np.where(counted & (filled > 0), filled, 1.0))
            value = np.exp((w_present * logs).sum(axis=1) / w_sum)
            value = np.where(zero, 0.0, value)
        elif method == "harmonic":
            inv = np.where(counted & (filled > 0), 1.0 / np.where(filled > 0, filled, 1.0), 0.0)
            value = w_sum / (w_present * inv).sum(axis=1)
            value = np.where(zero, 0.0, value)
        else:  # pragma: no cover - the schema restricts methods
            raise ValueError(f"unknown aggregation {method}")
    low = (coverage < min_coverage) | (w_sum <= 0)
    value = np.where(low | negative, np.nan, value)
    partial = ~low & ~present.all(axis=1)
    return Aggregated(
        score=value,
        coverage=coverage,
        flags={
            FLAG_LOW_COVERAGE: low,
            FLAG_NEGATIVE: negative & ~low,
            FLAG_PARTIAL: partial,
        },
    )
