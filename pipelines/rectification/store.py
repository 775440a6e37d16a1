"""``scores.rectification_tasks`` (replaced per opening quarter) and the append-only
``scores.rectification_events`` (versions; never updated or deleted)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd

from pipelines.quarters import Quarter
from pipelines.rectification.config import CLOSED
from pipelines.rectification.engine import EVENT_COLUMNS, TASK_COLUMNS
from pipelines.sqlfiles import sql
from pipelines.warehouse.store import ensure_schema, transaction

_SCHEMA_FILES: tuple[str, ...] = (
    "scores/create_schema_scores",
    "rectification/create_rectification_tasks",
    "rectification/create_rectification_events",
    "rectification/create_view_rectification_events_current",
    "rectification/create_view_rectification_task_status",
)
# Content columns whose values make an event version (the fingerprint).
_CONTENT = tuple(c for c in EVENT_COLUMNS if c not in ("task_id", "quarter"))


def ensure_rectification_schema(con: duckdb.DuckDBPyConnection) -> None:
    ensure_schema(con)
    with transaction(con):
        for name in _SCHEMA_FILES:
            con.execute(sql(name))


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    ((n,),) = con.execute(
        sql("rectification/select_table_exists"), {"schema": schema, "table": table}
    ).fetchall()
    return bool(n)


def open_tasks(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> pd.DataFrame:
    """Tasks open when ``quarter`` is measured, with ``last_score``."""
    return con.execute(
        sql("rectification/select_open_tasks"), {"quarter": str(quarter), "closed": CLOSED}
    ).df()


def all_tasks(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(sql("rectification/select_all_tasks")).df()


def progress_rows(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> pd.DataFrame:
    """The quarter's ledger rows in force (empty when none was received or the source is not
    enabled)."""
    if not table_exists(con, "warehouse", "rectification_progress"):
        return pd.DataFrame(columns=["task_id", "status", "progress", "completed_at"])
    return con.execute(sql("rectification/select_progress_rows"), {"quarter": str(quarter)}).df()


def fingerprints(events: pd.DataFrame) -> pd.Series:
    """sha256 of each row's content (floats rounded to 6 places, missing as empty)."""

    def text(value: object) -> str:
        if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
            return ""
        if isinstance(value, float):
            return f"{value:.6f}"
        if pd.isna(value):  # type: ignore[arg-type]
            return ""
        return str(value)

    rows = events[list(_CONTENT)].astype(object).itertuples(index=False, name=None)
    return pd.Series(
        [hashlib.sha256("\x1f".join(text(v) for v in row).encode()).hexdigest() for row in rows],
        index=events.index,
        dtype=object,
    )


def event_versions_to_append(desired: pd.DataFrame, latest: pd.DataFrame) -> pd.DataFrame:
    """The rows to append so that the current view of a quarter equals ``desired``:
    changed or new events (version + 1) and withdrawals of events no longer derived.
    ``latest``: newest version per task of the quarter (task_id, version, withdrawn,
    fingerprint)."""
    desired = desired.copy()
    desired["fingerprint"] = fingerprints(desired)
    desired["withdrawn"] = False
    merged = desired.merge(
        latest.rename(
            columns={
                "version": "old_version",
                "withdrawn": "old_withdrawn",
                "fingerprint": "old_fp",
            }
        ),
        on="task_id",
        how="left",
    )
    unchanged = merged["old_fp"].eq(merged["fingerprint"]) & merged["old_withdrawn"].eq(False)
    changed = merged[~unchanged.fillna(False).astype(bool)].copy()
    changed["version"] = changed["old_version"].fillna(0).astype("int64") + 1
    gone = latest[~latest["withdrawn"].astype(bool) & ~latest["task_id"].isin(desired["task_id"])]
    quarter = desired["quarter"].iloc[0] if len(desired) else None
    withdrawals = pd.DataFrame(
        {
            "task_id": gone["task_id"],
            "quarter": quarter,
            "version": gone["version"].astype("int64") + 1,
            "withdrawn": True,
            "fingerprint": "withdrawn",
        }
    )
    columns = ["task_id", "quarter", "version", "withdrawn", *_CONTENT, "fingerprint"]
    parts = [
        p
        for p in (changed.reindex(columns=columns), withdrawals.reindex(columns=columns))
        if len(p)
    ]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)


def write_quarter(
    con: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    tasks: pd.DataFrame,
    events: pd.DataFrame,
    *,
    run_id: str,
    computed_at: datetime,
) -> int:
    """Replace the tasks opened in ``quarter`` and append the event versions that change
    what is known about ``quarter``, in one transaction. Returns the rows appended."""
    params = {"quarter": str(quarter)}
    with transaction(con):
        latest = con.execute(sql("rectification/select_latest_event_versions"), params).df()
        if len(events) == 0 and latest.empty:
            append = pd.DataFrame()
        else:
            desired = events.copy()
            desired["quarter"] = str(quarter)
            if desired.empty:
                # Every earlier event of the quarter is withdrawn.
                desired = pd.DataFrame(columns=list(EVENT_COLUMNS))
            append = event_versions_to_append(desired, latest)
            if len(append) and append["quarter"].isna().any():
                append["quarter"] = str(quarter)
        con.execute(sql("rectification/delete_rectification_tasks"), params)
        if len(tasks):
            con.register("rectification_task_rows", tasks[list(TASK_COLUMNS)])
            try:
                con.execute(
                    sql("rectification/insert_rectification_tasks"), {"computed_at": computed_at}
                )
            finally:
                con.unregister("rectification_task_rows")
        if len(append):
            con.register("rectification_event_rows", append)
            try:
                con.execute(
                    sql("rectification/insert_rectification_events"),
                    {"computed_at": computed_at, "run_id": run_id},
                )
            finally:
                con.unregister("rectification_event_rows")
    return len(append)


def events_as_of(con: duckdb.DuckDBPyConnection, quarter: Quarter, as_of: datetime) -> pd.DataFrame:
    return con.execute(
        sql("rectification/select_events_as_of"), {"quarter": str(quarter), "as_of": as_of}
    ).df()


def task_history(
    con: duckdb.DuckDBPyConnection, quarter: Quarter, department: str | None = None
) -> pd.DataFrame:
    return con.execute(
        sql("rectification/select_task_history"),
        {"quarter": str(quarter), "department": department},
    ).df()
