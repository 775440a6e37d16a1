"""Warehouse operations on a real DuckDB file: staging, promotion, version in force."""

from __future__ import annotations

import signal
import threading
import time
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pyarrow as pa
import pytest

from pipelines.intake.archive import ArchivedFile
from pipelines.warehouse import store

Q = "2025Q2"


def register(con: duckdb.DuckDBPyConnection, hash_: str, day: int) -> None:
    store.register_submission(
        con,
        ArchivedFile(
            submission_hash=hash_,
            source="loan_balances",
            quarter=Q,
            file_name=f"{hash_}.csv",
            landing_path=f"/landing/{hash_}.csv",
            archive_path=f"/archive/{hash_}.csv",
            received_at=datetime(2025, 7, day, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
            size_bytes=10,
        ),
    )


def loans(region: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_row": [2],
            "region_code": [region],
            "stat_month": ["2025-06"],
            "total_loans_100m": [100.0],
            "manufacturing_loans_100m": [20.0],
            "inclusive_sme_loans_100m": [8.0],
            "inclusive_sme_borrowers": [1000],
            "inclusive_sme_rate_pct": [4.2],
            "new_sme_loans_100m": [0.9],
            "first_time_borrowers": [50],
        }
    )


def in_warehouse(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select submission_hash, region_code from warehouse.loan_balances where quarter = ?", [Q]
    ).fetchall()


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "w.duckdb"))
    store.ensure_schema(connection)
    yield connection
    connection.close()


def status(con: duckdb.DuckDBPyConnection, hash_: str) -> str:
    return con.execute(
        "select status from intake.submissions where submission_hash = ?", [hash_]
    ).fetchall()[0][0]


def test_promote_refuses_an_unvalidated_version_and_keeps_the_one_in_force(
    con: duckdb.DuckDBPyConnection,
) -> None:
    register(con, "a" * 64, 5)
    store.stage_rows(con, "loan_balances", Q, "a" * 64, loans("990102"))
    store.update_status(
        con, "loan_balances", Q, "a" * 64, status="validated", error_count=0, failing_rows=0
    )
    assert store.promote(con, "loan_balances", Q, "a" * 64) == 1

    register(con, "b" * 64, 9)
    store.stage_rows(con, "loan_balances", Q, "b" * 64, loans("990103"))
    store.update_status(
        con, "loan_balances", Q, "b" * 64, status="rejected", error_count=3, failing_rows=1
    )
    with pytest.raises(store.NotValidatedError, match="未通过校验"):
        store.promote(con, "loan_balances", Q, "b" * 64)
    assert in_warehouse(con) == [("a" * 64, "990102")]
    assert status(con, "a" * 64) == "accepted"
    # Staging now holds the rejected version: re-promoting the one in force must not empty
    # the partition.
    with pytest.raises(store.NotValidatedError, match="不在暂存区"):
        store.promote(con, "loan_balances", Q, "a" * 64)
    assert in_warehouse(con) == [("a" * 64, "990102")]


def test_candidate_is_new_version_else_version_in_force(con: duckdb.DuckDBPyConnection) -> None:
    register(con, "a" * 64, 5)
    assert store.select_candidate(con, "loan_balances", Q).submission_hash == "a" * 64
    store.update_status(
        con, "loan_balances", Q, "a" * 64, status="validated", error_count=0, failing_rows=0
    )
    store.stage_rows(con, "loan_balances", Q, "a" * 64, loans("990102"))
    store.promote(con, "loan_balances", Q, "a" * 64)
    register(con, "b" * 64, 9)
    assert store.select_candidate(con, "loan_balances", Q).submission_hash == "b" * 64
    store.update_status(
        con, "loan_balances", Q, "b" * 64, status="rejected", error_count=1, failing_rows=1
    )
    # After the rejection a rebuild stages the version in force, not the rejected file.
    assert store.select_candidate(con, "loan_balances", Q).submission_hash == "a" * 64
    # Re-validating the version in force does not demote it.
    store.update_status(
        con, "loan_balances", Q, "a" * 64, status="validated", error_count=0, failing_rows=0
    )
    assert status(con, "a" * 64) == "accepted"
    in_force = con.execute(
        "select submission_hash from intake.submissions_in_force where quarter = ?", [Q]
    ).fetchall()
    assert in_force == [("a" * 64,)]


def test_older_unvalidated_versions_are_superseded(con: duckdb.DuckDBPyConnection) -> None:
    register(con, "a" * 64, 5)
    register(con, "b" * 64, 9)
    candidate = store.select_candidate(con, "loan_balances", Q)
    assert candidate.submission_hash == "b" * 64
    store.mark_superseded(con, "loan_balances", Q, candidate.submission_hash)
    assert status(con, "a" * 64) == "superseded"
    assert status(con, "b" * 64) == "received"


def test_validated_version_is_promoted_before_the_one_in_force(
    con: duckdb.DuckDBPyConnection,
) -> None:
    for hash_, day, region in (("a" * 64, 5, "990102"), ("b" * 64, 9, "990103")):
        register(con, hash_, day)
        candidate = store.select_candidate(con, "loan_balances", Q)
        assert candidate.submission_hash == hash_
        store.stage_rows(con, "loan_balances", Q, hash_, loans(region))
        store.update_status(
            con, "loan_balances", Q, hash_, status="validated", error_count=0, failing_rows=0
        )
        # Validated, not yet promoted: still the candidate (not the version in force).
        assert store.select_candidate(con, "loan_balances", Q).submission_hash == hash_
        store.promote(con, "loan_balances", Q, hash_)
    assert in_warehouse(con) == [("b" * 64, "990103")]
    assert [status(con, h) for h in ("a" * 64, "b" * 64)] == ["accepted", "accepted"]


def test_volume_baseline_is_the_rows_in_force(con: duckdb.DuckDBPyConnection) -> None:
    assert store.previous_accepted_rows(con, "loan_balances", Q) is None
    register(con, "a" * 64, 5)
    store.update_status(
        con, "loan_balances", Q, "a" * 64, status="validated", error_count=0, failing_rows=0
    )
    store.stage_rows(con, "loan_balances", Q, "a" * 64, pd.concat([loans("990102")] * 3))
    store.promote(con, "loan_balances", Q, "a" * 64)
    assert store.previous_accepted_rows(con, "loan_balances", Q) == 3


def staged(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select submission_hash, region_code from staging.loan_balances where quarter = ? "
        "order by region_code",
        [Q],
    ).fetchall()


def validated_in_force(con: duckdb.DuckDBPyConnection) -> None:
    """Version a, validated and promoted; version b registered and marked validated (as a
    re-validation of a version that had passed would leave it)."""
    register(con, "a" * 64, 5)
    store.stage_rows(con, "loan_balances", Q, "a" * 64, loans("990102"))
    store.update_status(
        con, "loan_balances", Q, "a" * 64, status="validated", error_count=0, failing_rows=0
    )
    store.promote(con, "loan_balances", Q, "a" * 64)
    register(con, "b" * 64, 9)
    store.update_status(
        con, "loan_balances", Q, "b" * 64, status="validated", error_count=0, failing_rows=0
    )


def test_staging_commits_in_bounded_batches_and_marks_the_version_staged_at_the_end(
    con: duckdb.DuckDBPyConnection,
) -> None:
    register(con, "b" * 64, 9)
    with store.staging_writer(con, "loan_balances", Q, "b" * 64) as writer:
        writer.commit_rows = 1
        writer.write(loans("990102"))
        writer.write(loans("990103"))
        # Committed batch by batch: a second connection already sees the rows, unmarked.
        other = con.cursor()
        assert len(staged(other)) == 2
        assert other.execute("select count(*) from intake.staged_versions").fetchall() == [(0,)]
    assert writer.rows == 2
    assert con.execute(
        "select source, quarter, submission_hash, staged_rows from intake.staged_versions"
    ).fetchall() == [("loan_balances", Q, "b" * 64, 2)]


@pytest.mark.parametrize("background", [False, True])
def test_a_staging_write_that_fails_half_way_leaves_nothing_staged_nor_promotable(
    con: duckdb.DuckDBPyConnection, background: bool
) -> None:
    validated_in_force(con)
    with (
        pytest.raises(RuntimeError, match="读取中断"),
        store.staging_writer(con, "loan_balances", Q, "b" * 64, background=background) as writer,
    ):
        writer.commit_rows = 1
        writer.write(loans("990103"))
        writer.write(loans("990104"))
        raise RuntimeError("读取中断")
    assert staged(con) == []
    with pytest.raises(store.NotValidatedError, match="不在暂存区"):
        store.promote(con, "loan_balances", Q, "b" * 64)
    assert in_warehouse(con) == [("a" * 64, "990102")]


def test_a_version_killed_mid_staging_is_never_promoted(tmp_path: Path) -> None:
    path = tmp_path / "killed.duckdb"
    con = duckdb.connect(str(path))
    store.ensure_schema(con)
    validated_in_force(con)
    # Killed after two committed batches: neither finish nor abort runs.
    writer = store.StagingWriter(con, "loan_balances", Q, "b" * 64, commit_rows=1)
    writer.write(loans("990103"))
    writer.write(loans("990104"))
    con.close()

    con = duckdb.connect(str(path))
    assert staged(con) == [("b" * 64, "990103"), ("b" * 64, "990104")]
    with pytest.raises(store.NotValidatedError, match="暂存不完整"):
        store.promote(con, "loan_balances", Q, "b" * 64)
    assert in_warehouse(con) == [("a" * 64, "990102")]
    assert status(con, "b" * 64) == "validated"
    # The next staging write replaces the partial partition and marks it complete.
    store.stage_rows(con, "loan_balances", Q, "b" * 64, pd.concat([loans("990103")] * 3))
    assert store.promote(con, "loan_balances", Q, "b" * 64) == 3
    con.close()


def test_ensure_schema_adds_the_tables_and_columns_a_contract_gained(
    con: duckdb.DuckDBPyConnection,
) -> None:
    # As on a warehouse made before the contract had the column, or before the source existed.
    con.execute("alter table staging.loan_balances drop column first_time_borrowers")
    con.execute("drop table warehouse.approval_cases")
    store.ensure_schema(con)
    columns = con.execute(
        "select schema_name, table_name from duckdb_columns() "
        "where column_name = 'first_time_borrowers' order by all"
    ).fetchall()
    assert columns == [("staging", "loan_balances"), ("warehouse", "loan_balances")]
    (count,) = con.execute("select count(*) from warehouse.approval_cases").fetchone()
    assert count == 0


def test_a_staging_writer_that_cannot_start_leaves_no_transaction_open(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "bare.duckdb"))
    store.ensure_schema(con, sources=[])  # the intake schema only: no staging table
    with (
        pytest.raises(duckdb.CatalogException),
        store.staging_writer(con, "loan_balances", Q, "a" * 64),
    ):
        pass
    con.execute("begin transaction")  # would fail inside a transaction left open
    con.execute("commit")
    con.close()


def warehouse_rows(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select * exclude (submission_hash) from warehouse.loan_balances where quarter = ? "
        "order by region_code",
        [Q],
    ).fetchall()


def test_an_arrow_batch_is_staged_and_promoted_as_its_pandas_frame_is(
    con: duckdb.DuckDBPyConnection,
) -> None:
    register(con, "a" * 64, 5)
    store.update_status(
        con, "loan_balances", Q, "a" * 64, status="validated", error_count=0, failing_rows=0
    )
    frame = pd.concat([loans("990102"), loans("990103")], ignore_index=True)
    frame.loc[1, "first_time_borrowers"] = None  # a missing integer (nullable in Arrow)
    frame["first_time_borrowers"] = frame["first_time_borrowers"].astype("Int64")
    store.stage_rows(con, "loan_balances", Q, "a" * 64, frame)
    assert store.promote(con, "loan_balances", Q, "a" * 64) == 2
    from_pandas = warehouse_rows(con)
    assert from_pandas[1][-1] is None

    table = pa.Table.from_pandas(frame, preserve_index=False)
    assert store.stage_rows(con, "loan_balances", Q, "a" * 64, table) == 2
    assert store.promote(con, "loan_balances", Q, "a" * 64) == 2
    assert warehouse_rows(con) == from_pandas
    # An empty Arrow batch stages nothing (as an empty frame does).
    assert store.stage_rows(con, "loan_balances", Q, "a" * 64, table.slice(0, 0)) == 0


def threads(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select current_setting('threads')").fetchall()[0][0]


@pytest.mark.parametrize("fails", [False, True])
def test_the_staging_writer_runs_its_threads_and_restores_the_connection_setting(
    con: duckdb.DuckDBPyConnection, fails: bool
) -> None:
    con.execute("set threads = 3")
    register(con, "b" * 64, 9)
    with (
        pytest.raises(RuntimeError, match="读取中断") if fails else nullcontext(),
        store.staging_writer(con, "loan_balances", Q, "b" * 64) as writer,
    ):
        assert threads(con) == store.WRITE_THREADS
        writer.write(loans("990102"))
        if fails:
            raise RuntimeError("读取中断")
    assert threads(con) == 3
    assert len(staged(con)) == (0 if fails else 1)


def test_a_background_writer_stages_every_batch_in_order_and_marks_the_version_staged(
    con: duckdb.DuckDBPyConnection,
) -> None:
    con.execute("set threads = 3")
    register(con, "b" * 64, 9)
    regions = [f"99{n:04d}" for n in range(40)]
    with store.staging_writer(con, "loan_balances", Q, "b" * 64, background=True) as writer:
        writer.commit_rows = 3  # commits on the worker's thread too
        for region in regions:
            writer.write(loans(region))
        writer.write(loans("990000").iloc[:0])  # an empty batch stages nothing
    assert writer.rows == 40
    assert [region for _, region in staged(con)] == regions
    assert con.execute(
        "select staged_rows from intake.staged_versions where submission_hash = ?", ["b" * 64]
    ).fetchall() == [(40,)]
    assert threads(con) == 3
    store.update_status(
        con, "loan_balances", Q, "b" * 64, status="validated", error_count=0, failing_rows=0
    )
    assert store.promote(con, "loan_balances", Q, "b" * 64) == 40


def test_an_insert_failing_on_the_writers_thread_raises_in_the_caller_and_stages_nothing(
    con: duckdb.DuckDBPyConnection,
) -> None:
    validated_in_force(con)
    bad = loans("990104").assign(total_loans_100m=["不是数字"])  # the insert's cast fails
    with (
        pytest.raises(duckdb.ConversionException),
        store.staging_writer(con, "loan_balances", Q, "b" * 64, background=True) as writer,
    ):
        writer.commit_rows = 1
        writer.write(loans("990103"))
        writer.write(bad)
        for _ in range(200):  # the error surfaces at a later write or at the block's end
            writer.write(loans("990105"))
    assert staged(con) == []
    with pytest.raises(store.NotValidatedError, match="不在暂存区"):
        store.promote(con, "loan_balances", Q, "b" * 64)
    assert in_warehouse(con) == [("a" * 64, "990102")]
    con.execute("begin transaction")  # no transaction was left open
    con.execute("commit")


def test_a_frame_changed_by_the_caller_after_write_is_staged_as_it_was_handed_over(
    con: duckdb.DuckDBPyConnection,
) -> None:
    register(con, "b" * 64, 9)
    with store.staging_writer(con, "loan_balances", Q, "b" * 64, background=True) as writer:
        frames = [loans(f"99{n:04d}") for n in range(20)]
        for frame in frames:
            writer.write(frame)
            frame.loc[0, "region_code"] = "改过了"  # the caller reuses its frame at once
    assert [region for _, region in staged(con)] == [f"99{n:04d}" for n in range(20)]


def test_an_interrupt_while_the_writer_aborts_still_rolls_back_once_the_insert_is_done(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, sigint_raises: int
) -> None:
    """The block fails while the worker inserts a batch, and Ctrl-C (or SIGTERM) arrives
    while the abort waits for that insert: the interrupt is raised once the worker is done
    and the partition rolled back, never with the worker still writing on the connection."""
    validated_in_force(con)
    con.execute("set threads = 3")
    release, inserting = threading.Event(), threading.Event()
    insert = store.StagingWriter._insert

    def slow_insert(writer: store.StagingWriter, frame: pd.DataFrame) -> None:
        if writer.rows:  # the second batch: held until released
            inserting.set()
            release.wait(5)
        insert(writer, frame)

    def interrupt_then_release() -> None:
        assert inserting.wait(5)
        time.sleep(0.2)
        signal.pthread_kill(sigint_raises, signal.SIGINT)
        time.sleep(0.3)
        release.set()

    monkeypatch.setattr(store.StagingWriter, "_insert", slow_insert)
    helper = threading.Thread(target=interrupt_then_release)
    helper.start()
    try:
        with (
            pytest.raises(KeyboardInterrupt),
            store.staging_writer(con, "loan_balances", Q, "b" * 64, background=True) as writer,
        ):
            writer.commit_rows = 1
            writer.write(loans("990103"))
            writer.write(loans("990104"))
            assert inserting.wait(5)
            raise RuntimeError("读取中断")
        assert release.is_set()
        assert not [t for t in threading.enumerate() if t.name.startswith("staging-")]
    finally:
        release.set()
        helper.join()
    assert staged(con) == []
    with pytest.raises(store.NotValidatedError, match="不在暂存区"):
        store.promote(con, "loan_balances", Q, "b" * 64)
    assert in_warehouse(con) == [("a" * 64, "990102")]
    assert threads(con) == 3
    con.execute("begin transaction")  # no transaction was left open
    con.execute("commit")


def test_a_background_writer_whose_thread_cannot_start_gives_the_connection_back(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    validated_in_force(con)
    con.execute("set threads = 3")

    def no_thread(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(store, "WriteBehind", no_thread)
    with (
        pytest.raises(RuntimeError, match="can't start new thread"),
        store.staging_writer(con, "loan_balances", Q, "b" * 64, background=True),
    ):
        pass
    assert threads(con) == 3
    con.execute("begin transaction")  # no transaction was left open
    con.execute("commit")
    assert in_warehouse(con) == [("a" * 64, "990102")]


def test_a_background_writer_reset_drains_the_queued_batches_before_the_delete(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``validate_stream`` resets the sink and reads the file again (RestartExact): what the
    worker had still queued is written and then deleted, never staged after the delete."""
    register(con, "b" * 64, 9)
    insert = store.StagingWriter._insert

    def slow_insert(writer: store.StagingWriter, frame: pd.DataFrame) -> None:
        time.sleep(0.05)  # the worker stays behind the caller
        insert(writer, frame)

    monkeypatch.setattr(store.StagingWriter, "_insert", slow_insert)
    with store.staging_writer(con, "loan_balances", Q, "b" * 64, background=True) as writer:
        writer.commit_rows = 2
        for n in range(5):
            writer.write(loans(f"98{n:04d}"))  # the first pass
        writer.reset()
        assert writer.rows == 0
        for n in range(3):
            writer.write(loans(f"99{n:04d}"))  # the exact pass
    assert writer.rows == 3
    assert [region for _, region in staged(con)] == [f"99{n:04d}" for n in range(3)]
    assert con.execute(
        "select staged_rows from intake.staged_versions where submission_hash = ?", ["b" * 64]
    ).fetchall() == [(3,)]
