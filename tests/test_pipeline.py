"""The intake graph end to end, in-process, on a temporary work directory: files land, are
archived, validated by the blocking check, promoted; a bad resubmission is rejected while the
previous version stays in force; a good one replaces it."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import AssetKey

from pipelines.demo import DEMO_SOURCES as SOURCES
from pipelines.demo.generator import generate_source_frame, inject_fault, write_submission
from pipelines.env import Workdir
from pipelines.intake.archive import file_sha256
from pipelines.orchestration import run_quarter
from pipelines.quarters import Quarter

SCALE = 0.03
Q1, Q2 = Quarter(2024, 4), Quarter(2025, 1)
FORMATS = {
    "approval_cases": "csv-utf8-bom",
    "utility_connections": "xlsx",
    "loan_balances": "csv-gbk",
    "satisfaction_responses": "csv-utf8",
    "enterprise_requests": "csv-utf8-bom",
    "inspections": "xlsx",
    "policy_payouts": "csv-gbk",
}


def land(
    workdir: Workdir, source: str, quarter: Quarter, frame: pd.DataFrame, name: str, received: float
) -> Path:
    suffix = ".xlsx" if FORMATS[source] == "xlsx" else ".csv"
    path = workdir.landing / str(quarter) / source / f"{name}{suffix}"
    write_submission(frame, source, path, fmt=FORMATS[source])
    os.utime(path, (received, received))
    return path


def query(workdir: Workdir, text: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        return con.execute(text, params or []).fetchall()


@pytest.fixture
def landed(workdir: Workdir) -> dict[tuple[str, Quarter], tuple[Path, pd.DataFrame]]:
    files = {}
    for n, quarter in enumerate((Q1, Q2)):
        for source in SOURCES:
            frame = generate_source_frame(source, quarter, seed=7, scale=SCALE)
            path = land(workdir, source, quarter, frame, f"{source}_v1", 1_700_000_000 + n)
            files[(source, quarter)] = (path, frame)
    return files


@pytest.mark.slow
def test_quarters_load_and_bad_resubmission_keeps_previous_version(
    workdir: Workdir, landed: dict[tuple[str, Quarter], tuple[Path, pd.DataFrame]]
) -> None:
    for quarter in (Q1, Q2):
        assert run_quarter(quarter, "in_process")
    for (source, quarter), (path, frame) in landed.items():
        rows = query(
            workdir,
            f"select count(*), count(distinct submission_hash), min(submission_hash) "
            f"from warehouse.{source} where quarter = ?",
            [str(quarter)],
        )[0]
        assert rows == (len(frame), 1, file_sha256(path)), (source, quarter)
        (data_rows,) = query(
            workdir,
            "select data_rows from intake.submissions where submission_hash = ?",
            [file_sha256(path)],
        )[0]
        assert data_rows == len(frame), (source, quarter)  # xlsx included

    # A corrected file with rows whose end precedes their start: rejected, v1 stays in force.
    source = "utility_connections"
    v1_path, v1_frame = landed[(source, Q2)]
    bad_frame, bad_positions = inject_fault(v1_frame, source, "end_before_start", seed=3)
    bad_path = land(workdir, source, Q2, bad_frame, f"{source}_v2_更正版", 1_800_000_000)
    assert not run_quarter(Q2, "in_process", sources=(source,))
    (hashes,) = query(
        workdir,
        f"select list(distinct submission_hash) from warehouse.{source} where quarter = ?",
        [str(Q2)],
    )[0]
    assert hashes == [file_sha256(v1_path)]
    status, report_csv = query(
        workdir,
        "select status, report_csv from intake.submissions where submission_hash = ?",
        [file_sha256(bad_path)],
    )[0]
    assert status == "rejected"
    report = pd.read_csv(workdir.root / report_csv, encoding="utf-8-sig", dtype=str)
    assert set(report["行号"].astype(int)) >= {p + 2 for p in bad_positions}
    assert (report["列名"] == "接通时间").any()

    # Promoting on its own (one click in the UI) while staging holds the rejected rows fails
    # and changes nothing (tests/test_warehouse_store.py: promote refuses unvalidated versions).
    assert not run_quarter(Q2, "in_process", asset_selection=[AssetKey(["warehouse", source])])
    (hashes,) = query(
        workdir,
        f"select list(distinct submission_hash) from warehouse.{source} where quarter = ?",
        [str(Q2)],
    )[0]
    assert hashes == [file_sha256(v1_path)]

    # The quarter can still be rebuilt: the version in force is staged again, the rejected
    # correction is not re-validated, and everything downstream runs.
    assert run_quarter(Q2, "in_process")
    assert query(
        workdir,
        "select status from intake.submissions where submission_hash = ?",
        [file_sha256(v1_path)],
    ) == [("accepted",)]

    # A half-exported file (a tenth of the rows) fails the volume check against 2024Q4.
    half = land(
        workdir, source, Q2, v1_frame.iloc[: len(v1_frame) // 10], f"{source}_half", 1_850_000_000
    )
    assert not run_quarter(Q2, "in_process", sources=(source,))
    rules = query(
        workdir,
        "select distinct rule from intake.validation_errors where submission_hash = ?",
        [file_sha256(half)],
    )
    assert ("volume",) in rules

    # A good corrected file replaces the partition atomically.
    good_frame = v1_frame.iloc[: len(v1_frame) - 3]
    good_path = land(workdir, source, Q2, good_frame, f"{source}_v3", 1_900_000_000)
    assert run_quarter(Q2, "in_process", sources=(source,)), query(
        workdir,
        "select s.status, e.rule, e.message from intake.submissions s left join "
        "intake.validation_errors e using (submission_hash) where s.submission_hash = ?",
        [file_sha256(good_path)],
    )
    rows = query(
        workdir,
        f"select count(*), min(submission_hash) from warehouse.{source} where quarter = ?",
        [str(Q2)],
    )[0]
    assert rows == (len(good_frame), file_sha256(good_path))
    statuses = query(
        workdir,
        "select status from intake.submissions where source = ? and quarter = ? "
        "order by received_at",
        [source, str(Q2)],
    )
    assert [s for (s,) in statuses] == ["accepted", "rejected", "rejected", "accepted"]
    # Nothing submitted is lost: every version is in the archive, byte for byte.
    for path in (v1_path, bad_path, half, good_path):
        digest = file_sha256(path)
        stored = workdir.archive / "objects" / digest[:2] / f"{digest}{path.suffix}"
        assert stored.read_bytes() == path.read_bytes()


@pytest.mark.slow
def test_multiprocess_executor_respects_duckdb_pool(
    workdir: Workdir, landed: dict[tuple[str, Quarter], tuple[Path, pd.DataFrame]]
) -> None:
    import dagster as dg

    sources = ("loan_balances", "satisfaction_responses")
    assert run_quarter(Q1, "multiprocess", sources=sources)
    instance = dg.DagsterInstance.get()
    (record,) = instance.get_run_records(limit=1)
    messages = [(e.user_message or "") for e in instance.all_logs(record.dagster_run.run_id)]
    # Steps of different sources were ready together and waited for the pool, one at a time…
    assert any("blocked by limit for pool duckdb_warehouse" in m for m in messages)
    # …so DuckDB never refused a second process.
    assert not any(
        "could not set lock" in m.lower() or "conflicting lock" in m.lower() for m in messages
    )
    counts = query(
        workdir,
        "select source, count(*) from intake.submissions where quarter = ? and status = 'accepted' "
        "group by source",
        [str(Q1)],
    )
    assert sorted(s for s, _ in counts) == sorted(sources)
