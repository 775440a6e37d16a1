"""The annual evaluation's recomputation from the year's cases (``bulletin.yaml``
``annual.score: recomputed_from_cases``).

The year is one period of the indicator SQL: every leaf's file runs once with
``$first_quarter`` = Q1 and ``$quarter`` = Q4 of the year (:func:`period_parameters`), so a
flow leaf (durations, rates, survey scores, counts) is computed over the rows of the four
quarters in the warehouse (each quarter's partition holds its source's version in force),
not as a mean of quarterly means; a stock leaf (loan balances) reads the year's end. The
values are then scored by the same engine as a quarter (:func:`pipelines.scoring.score`):
period label = the year; ``frontier_observed`` bounds are observed over the year's own
values (quarterly values measure a shorter period and are not pooled with them).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from pipelines.indicators.compute import compute_indicator_values, leaf_sql_text, used_parameters
from pipelines.indicators.store import prepare_calendar
from pipelines.quarters import Quarter
from pipelines.scoring import Framework, ScoreResult, Units, score


@dataclass(frozen=True)
class YearScores:
    """One year recomputed: every leaf's value over the year (``unit_code, indicator, value,
    n_cases``), the engine's result (period = the year) and the totals by unit."""

    year: int
    values: pd.DataFrame
    result: ScoreResult
    totals: dict[str, float]  # unit code → unrounded total (units with a total only)


def year_end_leaves(framework: Framework) -> list[str]:
    """Leaves whose SQL does not read the period's rows (no ``$first_quarter``): they take
    the year's end (stock figures such as balances; year-to-date figures)."""
    return [
        leaf.code
        for leaf in framework.leaves()
        if "first_quarter" not in used_parameters(leaf_sql_text(leaf))
    ]


def recompute_year(
    con: duckdb.DuckDBPyConnection, framework: Framework, year: int, units: Units
) -> YearScores:
    """Compute every leaf over the year's four quarters and score them. Creates the working
    day calendar of the year's case dates (write access needed)."""
    first, last = Quarter(year, 1), Quarter(year, 4)
    prepare_calendar(con, last, first=first)
    values = compute_indicator_values(con, framework, last, first=first)
    listed = set(units.codes)
    frame = pd.DataFrame(
        {
            "period": year,
            "unit": values["unit_code"].astype(str),
            "indicator": values["indicator"],
            "value": values["value"],
        }
    )
    frame = frame[frame["unit"].isin(listed)].reset_index(drop=True)
    result = score(framework, frame, units)
    totals = result.totals
    scored = totals[totals["score"].notna()]
    return YearScores(
        year=year,
        values=values,
        result=result,
        totals={str(u): float(s) for u, s in zip(scored["unit"], scored["score"], strict=True)},
    )
