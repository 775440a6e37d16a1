"""Scoring one quarter from the stored indicator values (engine: :mod:`pipelines.scoring`)."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.indicators.store import read_indicator_values
from pipelines.quarters import Quarter
from pipelines.scoring import Framework, ScoreResult, ScoringInputError, Units, score


def score_quarter(
    con: duckdb.DuckDBPyConnection, framework: Framework, quarter: Quarter, units: Units
) -> ScoreResult:
    """Score ``quarter``: its indicator values are scored; earlier quarters' values are the
    history pool of ``frontier_observed`` bounds. Stored values of indicators that the
    framework does not have (e.g. after switching frameworks) are ignored."""
    stored = read_indicator_values(con, quarter)
    stored = stored[stored["indicator"].isin(set(framework.leaf_codes))]
    current = stored[stored["period"] == str(quarter)].reset_index(drop=True)
    history = stored[stored["period"] != str(quarter)].reset_index(drop=True)
    if current.empty:
        raise ScoringInputError(f"{quarter} 没有指标值：请先计算该季度的指标（indicator_values）")
    return score(framework, current, units, history=history if len(history) else None)


def unit_names(units: Units) -> pd.DataFrame:
    return pd.DataFrame(
        {"unit_code": [u.code for u in units.units], "unit_name": [u.name for u in units.units]}
    )
