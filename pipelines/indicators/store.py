"""The ``scores`` tables: schema, working-day calendar, and idempotent partition loads.

Every load deletes the quarter's partition and inserts it again in one transaction
(:func:`pipelines.warehouse.store.transaction`), so a failure leaves the previous partition.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from pipelines.indicators.compute import (
    compute_indicator_values,
    ensure_shared_views,
    indicator_sources,
)
from pipelines.quarters import Quarter
from pipelines.scoring import Framework
from pipelines.sqlfiles import sql
from pipelines.warehouse.store import ensure_schema, transaction
from pipelines.workdays import covered_years, ensure_calendar

_SCORES_SCHEMA_FILES: tuple[str, ...] = (
    "scores/create_schema_scores",
    "scores/create_indicator_values",
    "scores/create_indicator_inputs",
    "scores/create_indicator_scores",
    "scores/create_rankings",
    "scores/create_rank_uncertainty",
    "scores/create_rank_sensitivity",
    "annual/create_annual_rankings",
    "scores/create_view_score_trace",
)


def ensure_scores_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the warehouse (if missing) and the ``scores`` tables and view."""
    ensure_schema(con)
    with transaction(con):
        for name in _SCORES_SCHEMA_FILES:
            con.execute(sql(name))


def case_date_range(
    con: duckdb.DuckDBPyConnection, quarter: Quarter
) -> tuple[date | None, date | None]:
    """First and last day of every datetime column of the quarter's rows, over the enabled
    sources (statements generated from their contracts; ``least``/``greatest`` skip nulls)."""
    from pipelines.contracts import enabled_sources
    from pipelines.warehouse.store import tables

    firsts, lasts = [], []
    for source in enabled_sources():
        statement = tables(source).date_range
        if statement is None:
            continue
        ((first, last),) = con.execute(statement, {"quarter": str(quarter)}).fetchall()
        firsts += [first] if first is not None else []
        lasts += [last] if last is not None else []
    return (min(firsts) if firsts else None, max(lasts) if lasts else None)


def prepare_calendar(
    con: duckdb.DuckDBPyConnection, quarter: Quarter, *, first: Quarter | None = None
) -> tuple[date, date]:
    """(Re)create ``work_calendar`` covering the whole years of the quarter (or of the
    period ``first`` to ``quarter``) and of every case date its duration indicators read,
    then the shared views over it. Raises :class:`pipelines.workdays.CalendarCoverageError`
    (Chinese message) when a year is not covered by the installed chinesecalendar."""
    from pipelines.quarters import quarter_range

    period = list(quarter_range(first or quarter, quarter))
    ranges = [case_date_range(con, q) for q in period]
    days = [d for pair in ranges for d in pair if d is not None]
    # Whole years, so that the table is the same for every quarter of a year.
    start = date(min([*days, period[0].start]).year, 1, 1)
    end = date(max([*days, quarter.end]).year, 12, 31)
    # And the year before when the calendar knows it: requests and payouts of a first
    # quarter were accepted or approved in December.
    first_year, last_year = covered_years()
    if first_year <= start.year - 1 <= last_year:
        start = date(start.year - 1, 1, 1)
    ensure_calendar(con, start, end)
    ensure_shared_views(con)
    return start, end


def refresh_indicator_values(
    con: duckdb.DuckDBPyConnection, framework: Framework, quarter: Quarter
) -> pd.DataFrame:
    """Compute every leaf for ``quarter`` and replace the partitions of indicator_values and
    indicator_inputs, all in one transaction. Returns the values stored."""
    with transaction(con):
        values = compute_indicator_values(con, framework, quarter)
        _replace_values(con, quarter, values, indicator_sources(framework, quarter))
    return values


def replace_indicator_values(
    con: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    values: pd.DataFrame,
    sources: pd.DataFrame,
) -> None:
    """Replace a quarter of indicator_values / indicator_inputs with given frames."""
    with transaction(con):
        _replace_values(con, quarter, values, sources)


def _replace_values(
    con: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    values: pd.DataFrame,
    sources: pd.DataFrame,
) -> None:
    params = {"quarter": str(quarter)}
    con.execute(sql("scores/delete_indicator_values"), params)
    con.execute(sql("scores/delete_indicator_inputs"), params)
    con.register("indicator_value_rows", values)
    con.register("indicator_sources", sources)
    try:
        if len(values):
            con.execute(sql("scores/insert_indicator_values"), params)
        if len(sources):
            con.execute(sql("scores/insert_indicator_inputs"), params)
    finally:
        con.unregister("indicator_value_rows")
        con.unregister("indicator_sources")


def read_indicator_values(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> pd.DataFrame:
    """Values of ``quarter`` and all earlier quarters: ``period, unit, indicator, value``."""
    return con.execute(sql("scores/select_indicator_values"), {"quarter": str(quarter)}).df()


def replace_indicator_scores(
    con: duckdb.DuckDBPyConnection, quarter: Quarter, node_scores: pd.DataFrame
) -> None:
    """Replace a quarter of indicator_scores with the engine's node scores of that quarter."""
    params = {"quarter": str(quarter)}
    with transaction(con):
        con.execute(sql("scores/delete_indicator_scores"), params)
        con.register("indicator_score_rows", node_scores)
        try:
            if len(node_scores):
                con.execute(sql("scores/insert_indicator_scores"), params)
        finally:
            con.unregister("indicator_score_rows")


def replace_rankings(
    con: duckdb.DuckDBPyConnection, quarter: Quarter, root: str, unit_names: pd.DataFrame
) -> None:
    """Replace a quarter of rankings from indicator_scores (node ``root``) and the previous
    quarter's rankings. ``unit_names``: columns ``unit_code, unit_name``."""
    params = {"quarter": str(quarter), "previous_quarter": str(quarter.previous())}
    with transaction(con):
        con.execute(sql("scores/delete_rankings"), {"quarter": str(quarter)})
        con.register("unit_names", unit_names)
        try:
            con.execute(sql("scores/insert_rankings"), {**params, "root": root})
        finally:
            con.unregister("unit_names")


def read_partition(con: duckdb.DuckDBPyConnection, table: str, quarter: Quarter) -> pd.DataFrame:
    """One quarter of ``indicator_values``, ``indicator_scores``, ``rankings``,
    ``rank_uncertainty`` or ``rank_sensitivity``."""
    if table not in (
        "indicator_values",
        "indicator_scores",
        "rankings",
        "rank_uncertainty",
        "rank_sensitivity",
    ):
        raise ValueError(f"unknown scores table {table}")
    return con.execute(sql(f"scores/select_{table}_partition"), {"quarter": str(quarter)}).df()
