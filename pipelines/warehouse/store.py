"""Operations on the DuckDB warehouse. Each runs one SQL file from ``sql/`` with bound
parameters; multi-statement changes run in one transaction so a failure leaves nothing
half-written."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines.contracts import contract, enabled_sources
from pipelines.intake.archive import ArchivedFile
from pipelines.sqlfiles import sql
from pipelines.warehouse.behind import WriteBehind
from pipelines.warehouse.tables import LEADING_COLUMNS, SCHEMAS, SourceTables, source_tables

_SCHEMA_FILES: tuple[str, ...] = (
    "intake/create_schema_intake",
    "staging/create_schema_staging",
    "warehouse/create_schema_warehouse",
    "intake/create_submissions",
    "intake/add_submitted_by",
    "intake/create_validation_errors",
    "intake/create_view_submissions_in_force",
    "intake/create_receipts",
    "intake/create_staged_versions",
)
# Staged rows written per staging transaction. DuckDB keeps a transaction's appended rows
# (about 0.2 KB a row) until it commits, so one transaction per file grows with the file;
# committing every COMMIT_ROWS bounds it by this, and the completion marker
# (intake.staged_versions) written with the last batch keeps a half-staged version from
# being promoted.
COMMIT_ROWS = 200_000
# DuckDB threads while a staging writer is open. With two, each ~100k-row batch is inserted
# in parallel and the row groups the threads filled are merged again; with one, the inserts
# take about half the CPU time and the writes as a whole (commits, where the row groups are
# compressed, cost the same) about a quarter less (docs/benchmarks.md, "Staging write and
# promotion"). Promotion, one large copy, keeps the connection's threads.
WRITE_THREADS = 1


def tables(source: str) -> SourceTables:
    """The generated statements of ``source`` in the project in force."""
    return source_tables(contract(source))


def set_threads(con: duckdb.DuckDBPyConnection, count: int) -> int:
    """Set the DuckDB threads of ``con``'s database (shared by the process's connections to
    the file) and return the setting it had."""
    (before,) = fetch_one(con, "select current_setting('threads')") or (count,)
    if before != count:
        con.execute("set threads = $threads", {"threads": count})
    return int(before)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    con.execute("begin transaction")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def ensure_schema(con: duckdb.DuckDBPyConnection, sources: Sequence[str] | None = None) -> None:
    """The intake tables and the staging and warehouse tables of every enabled source (a
    column added to a contract is added to an existing table)."""
    with transaction(con):
        for name in _SCHEMA_FILES:
            con.execute(sql(name))
        # Every intake step and store opens with this: the source tables whose columns are
        # all there already are skipped (their statements would change nothing), which
        # spares a few hundred catalog statements per call.
        existing: dict[tuple[str, str], set[str]] = {}
        for schema, table, column in con.execute(sql("warehouse/select_table_columns")).fetchall():
            existing.setdefault((schema, table), set()).add(column)
        for source in enabled_sources() if sources is None else sources:
            generated = tables(source)
            wanted = {name for name, _, _ in LEADING_COLUMNS} | set(generated.columns)
            for schema in SCHEMAS:
                if wanted <= existing.get((schema, generated.source), set()):
                    continue
                con.execute(generated.create[schema])
                for statement in generated.add_columns[schema]:
                    con.execute(statement)


def register_submission(con: duckdb.DuckDBPyConnection, archived: ArchivedFile) -> None:
    con.execute(
        sql("intake/insert_submission"),
        {
            "hash": archived.submission_hash,
            "source": archived.source,
            "quarter": archived.quarter,
            "file_name": archived.file_name,
            "landing_path": archived.landing_path,
            "archive_path": archived.archive_path,
            "received_at": archived.received_at,
            "size_bytes": archived.size_bytes,
            "submitted_by": archived.submitted_by,
        },
    )


@dataclass(frozen=True)
class Candidate:
    submission_hash: str
    file_name: str
    archive_path: str
    received_at: datetime
    status: str


def select_candidate(con: duckdb.DuckDBPyConnection, source: str, quarter: str) -> Candidate | None:
    row = fetch_one(con, sql("intake/select_candidate"), {"source": source, "quarter": quarter})
    return Candidate(*row) if row else None


def mark_superseded(con: duckdb.DuckDBPyConnection, source: str, quarter: str, hash_: str) -> None:
    con.execute(
        sql("intake/mark_superseded"), {"source": source, "quarter": quarter, "hash": hash_}
    )


def previous_accepted_rows(con: duckdb.DuckDBPyConnection, source: str, quarter: str) -> int | None:
    """Rows in force for ``quarter`` (the volume check's baseline); None when there are none."""
    row = fetch_one(con, tables(source).count_warehouse, {"quarter": quarter})
    return int(row[0]) if row and row[0] else None


class StagingWriter:
    """Typed batches of one version into ``staging.<source>``: the partition (and its
    completion marker) is deleted and committed first, the generated staging insert then
    runs once per batch on the batch registered as ``staged_rows``, committed every
    ``commit_rows`` rows; ``finish`` commits the last batches with the completion marker
    (``intake.staged_versions``) that promotion verifies, ``abort`` rolls back and removes
    what was committed. Until ``finish``, the version cannot be promoted."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        source: str,
        quarter: str,
        hash_: str,
        *,
        commit_rows: int = COMMIT_ROWS,
        background: bool = False,
    ) -> None:
        self.con, self.source, self.quarter, self.hash = con, source, quarter, hash_
        self.statements = tables(source)
        self.commit_rows = commit_rows
        self.rows = 0
        self._pending = 0
        self._behind: WriteBehind[pd.DataFrame | pa.Table] | None = None
        # The writer's DuckDB threads (WRITE_THREADS) until finish or abort; the connection's
        # own setting is restored then.
        self._threads_before: int | None = set_threads(con, WRITE_THREADS)
        try:
            self.con.execute("begin transaction")
            self.reset()
            if background:
                # The inserts run on one worker thread while the caller types and checks
                # the next batch; until finish or abort, ``con`` belongs to that thread (the
                # caller reads the warehouse through a cursor of its own).
                self._behind = WriteBehind(self._insert, name=f"staging-{source}")
        except BaseException:
            self._restore_threads()
            raise

    def _commit(self) -> None:
        self.con.execute("commit")
        self.con.execute("begin transaction")
        self._pending = 0

    def _delete_partition(self) -> None:
        self.con.execute(
            sql("intake/delete_staged_version"), {"source": self.source, "quarter": self.quarter}
        )
        self.con.execute(self.statements.delete_staging, {"quarter": self.quarter})

    def reset(self) -> None:
        if self._behind is not None:
            self._behind.drain()
        self._delete_partition()
        self._commit()
        self.rows = 0

    def write(self, frame: pd.DataFrame | pa.Table) -> None:
        """Stage one typed batch: a pandas frame or an Arrow table with the same columns
        (DuckDB scans either). In the background mode the batch is queued, and an insert
        that failed raises here, at the next write, or at finish."""
        if len(frame) == 0:
            return
        if self._behind is None:
            self._insert(frame)
        elif isinstance(frame, pd.DataFrame):
            # A shallow copy: with copy-on-write, the caller's later changes to its frame
            # copy the data first, so the worker reads the batch as it was handed over.
            self._behind.put(frame.copy(deep=False))
        else:
            self._behind.put(frame)

    def _insert(self, frame: pd.DataFrame | pa.Table) -> None:
        self.con.register("staged_rows", frame)
        try:
            self.con.execute(
                self.statements.insert_staging, {"quarter": self.quarter, "hash": self.hash}
            )
        except BaseException:
            # In the transaction the failed insert aborted, unregistering fails too; the
            # insert's own error is the one to report.
            with suppress(duckdb.Error):
                self.con.unregister("staged_rows")
            raise
        self.con.unregister("staged_rows")
        self.rows += len(frame)
        self._pending += len(frame)
        if self._pending >= self.commit_rows:
            self._commit()

    def finish(self) -> None:
        """Write what is queued, then commit the last batches with the completion marker.
        Raises an insert's error (the caller then aborts)."""
        if self._behind is not None:
            behind, self._behind = self._behind, None
            try:
                behind.close()
            except BaseException:
                self.abort()
                raise
        try:
            self.con.execute(
                sql("intake/insert_staged_version"),
                {
                    "source": self.source,
                    "quarter": self.quarter,
                    "hash": self.hash,
                    "staged_rows": self.rows,
                },
            )
            self.con.execute("commit")
        finally:
            self._restore_threads()

    def abort(self) -> None:
        """Roll back the open batches and delete the committed ones (best effort: a broken
        connection leaves them, unmarked, for the next staging write to replace)."""
        behind, self._behind = self._behind, None
        try:
            if behind is not None:
                # Raises an interrupt that came while it waited for the running insert,
                # after the worker stopped: the rollback below runs then all the same.
                behind.cancel()
        finally:
            try:
                with suppress(duckdb.Error):
                    self.con.execute("rollback")
                    with transaction(self.con):
                        self._delete_partition()
            finally:
                self._restore_threads()

    def _restore_threads(self) -> None:
        if self._threads_before is not None:
            with suppress(duckdb.Error):
                set_threads(self.con, self._threads_before)
            self._threads_before = None


@contextmanager
def staging_writer(
    con: duckdb.DuckDBPyConnection,
    source: str,
    quarter: str,
    hash_: str,
    *,
    background: bool = False,
) -> Iterator[StagingWriter]:
    """Replace the staging partition batch by batch in bounded transactions; the version is
    marked staged (promotable) only when every batch was written. With ``background`` the
    inserts run on a worker thread (``StagingWriter``), and ``con`` is the worker's until
    the block ends."""
    try:
        writer = StagingWriter(con, source, quarter, hash_, background=background)
    except BaseException:
        with suppress(duckdb.Error):
            con.execute("rollback")  # the transaction the writer had begun
        raise
    try:
        yield writer
    except BaseException:
        writer.abort()
        raise
    writer.finish()


def stage_rows(
    con: duckdb.DuckDBPyConnection,
    source: str,
    quarter: str,
    hash_: str,
    frame: pd.DataFrame | pa.Table | None,
) -> int:
    """Replace the staging partition with the typed rows of one version."""
    with staging_writer(con, source, quarter, hash_) as writer:
        if frame is not None:
            writer.write(frame)
    return writer.rows


def record_errors(
    con: duckdb.DuckDBPyConnection,
    source: str,
    quarter: str,
    hash_: str,
    stage: str,
    errors: Sequence[object],
) -> None:
    """Replace the stored errors of one version's validation stage."""
    rows = pd.DataFrame(
        {
            "submission_hash": hash_,
            "source": source,
            "quarter": quarter,
            "stage": stage,
            "row_number": pd.array([getattr(e, "row", None) for e in errors], dtype="Int64"),
            "column_header": pd.array([getattr(e, "column", None) for e in errors], dtype="string"),
            "value": pd.array([getattr(e, "value", None) for e in errors], dtype="string"),
            "rule": pd.array([getattr(e, "rule", "") for e in errors], dtype="string"),
            "message": pd.array([getattr(e, "message", "") for e in errors], dtype="string"),
        },
        index=range(len(errors)),
    )
    params = {"source": source, "quarter": quarter, "hash": hash_, "stage": stage}
    with transaction(con):
        con.execute(sql("intake/delete_validation_errors"), params)
        if len(rows):
            con.register("error_rows", rows)
            try:
                con.execute(sql("intake/insert_validation_errors"))
            finally:
                con.unregister("error_rows")


def update_data_rows(
    con: duckdb.DuckDBPyConnection, source: str, quarter: str, hash_: str, data_rows: int
) -> None:
    con.execute(
        sql("intake/update_data_rows"),
        {"source": source, "quarter": quarter, "hash": hash_, "data_rows": data_rows},
    )


def update_status(
    con: duckdb.DuckDBPyConnection,
    source: str,
    quarter: str,
    hash_: str,
    *,
    status: str,
    error_count: int,
    failing_rows: int,
    report_html: str | None = None,
    report_csv: str | None = None,
) -> None:
    con.execute(
        sql("intake/update_status"),
        {
            "source": source,
            "quarter": quarter,
            "hash": hash_,
            "status": status,
            "error_count": error_count,
            "failing_rows": failing_rows,
            "report_html": report_html,
            "report_csv": report_csv,
        },
    )


class NotValidatedError(RuntimeError):
    """A version that has not passed its contract cannot be promoted."""


PROMOTABLE = ("validated", "accepted")


def promote(con: duckdb.DuckDBPyConnection, source: str, quarter: str, hash_: str) -> int:
    """Replace the warehouse partition with the validated staged version, atomically.

    Refuses (and changes nothing) unless the version passed validation, so materializing the
    warehouse asset on its own can never load a rejected file.
    """
    params = {"quarter": quarter, "hash": hash_}
    generated = tables(source)
    with transaction(con):
        row = fetch_one(con, sql("intake/select_status"), {"source": source, **params})
        if row is None or row[0] not in PROMOTABLE:
            status = row[0] if row else "未登记"
            raise NotValidatedError(
                f"{quarter} 版本 {hash_[:12]} 的状态为“{status}”，未通过校验，"
                "不能入库；在用版本不变"
            )
        (staged,) = fetch_one(con, generated.count_staged_version, params)
        if not staged:
            raise NotValidatedError(
                f"{quarter} 版本 {hash_[:12]} 不在暂存区（暂存区中是另一个版本），"
                "请先重新运行校验（staging）；在用版本不变"
            )
        marker = fetch_one(con, sql("intake/select_staged_version"), {"source": source, **params})
        if marker is None or marker[0] != staged:
            raise NotValidatedError(
                f"{quarter} 版本 {hash_[:12]} 暂存不完整（暂存写入中断），"
                "请先重新运行校验（staging）；在用版本不变"
            )
        con.execute(generated.delete_warehouse, {"quarter": quarter})
        con.execute(generated.promote, params)
        con.execute(sql("intake/mark_loaded"), {"source": source, **params})
        con.execute(sql("intake/mark_superseded"), {"source": source, **params})
        (loaded,) = fetch_one(con, generated.count_warehouse, {"quarter": quarter})
    return int(loaded)


def fetch_one(
    con: duckdb.DuckDBPyConnection, query: str, params: dict[str, object] | None = None
) -> tuple | None:
    """First row of a query, reading the result to its end (DuckDB 2.0 keeps a connection
    busy while a result is only partly fetched)."""
    rows = con.execute(query, params or {}).fetchall()
    return rows[0] if rows else None
