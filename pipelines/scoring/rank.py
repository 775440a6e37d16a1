"""Ranking: units ranked per node and period on the unrounded score.

Higher score ranks first; ties share the best rank (competition ranking 1, 2, 2, 4); a missing
score, or a unit excluded from ranking (``rank: false``, e.g. a city used only as a member of a
composite unit), gets no rank.
"""

from __future__ import annotations

import pandas as pd


def competition_rank(
    frame: pd.DataFrame,
    by: list[str],
    score: str = "score",
    eligible: pd.Series | None = None,
) -> pd.Series:
    """Rank ``frame[score]`` descending within groups ``by``; returns an ``Int64`` Series."""
    values = frame[score].astype("float64")
    if eligible is not None:
        values = values.where(eligible.to_numpy())
    keyed = frame[by].copy()
    keyed["_v"] = values
    ranks = keyed.groupby(by, sort=False, dropna=False)["_v"].rank(
        method="min", ascending=False, na_option="keep"
    )
    return ranks.round().astype("Int64")
