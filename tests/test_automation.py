"""The landing sensor and the quarterly schedule."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest
from demo_defs import schedule, sensor

from pipelines.automation import quarterly_cron, reported_quarter, scan_landing
from pipelines.defs.automation.backfill import backfill_request, requested_partitions
from pipelines.env import Workdir
from pipelines.quarters import Quarter

SHANGHAI = ZoneInfo("Asia/Shanghai")


def drop(landing: Path, relative: str, content: str) -> Path:
    path = landing / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def test_scan_reports_new_changed_and_ignores_identical(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    assert scan_landing(landing, None).changes == []
    path = drop(landing, "2025Q2/loan_balances/贷款.csv", "a\n1\n")
    first = scan_landing(landing, None)
    assert [(c.quarter, c.source, c.path) for c in first.changes] == [
        (Quarter(2025, 2), "loan_balances", path)
    ]
    assert scan_landing(landing, first.cursor).changes == []
    # Same bytes written again (new mtime): nothing to do.
    path.write_text("a\n1\n", encoding="utf-8")
    os.utime(path, ns=(1, 2))
    again = scan_landing(landing, first.cursor)
    assert again.changes == []
    # Changed bytes: one change with the new hash.
    path.write_text("a\n1\n2\n", encoding="utf-8")
    changed = scan_landing(landing, again.cursor)
    assert len(changed.changes) == 1
    assert changed.changes[0].submission_hash != first.changes[0].submission_hash


def test_scan_skips_versions_already_archived(tmp_path: Path) -> None:
    from pipelines.intake.archive import archive_file
    from pipelines.intake.marks import mark_received

    landing, archive = tmp_path / "landing", tmp_path / "archive"
    done = drop(landing, "2025Q2/loan_balances/贷款.csv", "a\n1\n")
    # What the intake asset does for every file it takes: archive it and mark the receipt.
    archived = archive_file(done, archive, "loan_balances", Quarter(2025, 2))
    mark_received(
        archive, landing, done, "loan_balances", Quarter(2025, 2), archived.submission_hash
    )
    new = drop(landing, "2025Q2/approval_cases/办件.csv", "a\n1\n")
    scan = scan_landing(landing, None, archive)
    assert [c.path for c in scan.changes] == [new]


def test_scan_skips_misplaced_files_with_a_message(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    drop(landing, "2025Q2/water/报装.csv", "x")
    drop(landing, "第二季度/loan_balances/贷款.csv", "x")
    good = drop(landing, "2025Q1/approval_cases/办件.csv", "x")
    scan = scan_landing(landing, None)
    assert [c.path for c in scan.changes] == [good]
    assert len(scan.misplaced) == 2
    assert any("未知的数据源目录" in m for m in scan.misplaced)
    assert any("无法识别的季度" in m for m in scan.misplaced)
    # Reported once, then remembered in the cursor.
    assert scan_landing(landing, scan.cursor).misplaced == []


def test_scan_waits_for_files_still_being_written(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    path = drop(landing, "2025Q2/loan_balances/贷款.csv", "a\n1\n")
    written = path.stat().st_mtime
    early = scan_landing(landing, None, settle_seconds=10, now=written + 2)
    assert early.changes == []
    later = scan_landing(landing, early.cursor, settle_seconds=10, now=written + 11)
    assert [c.path for c in later.changes] == [path]


def test_scan_survives_a_file_vanishing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipelines.automation as automation

    landing = tmp_path / "landing"
    drop(landing, "2025Q2/loan_balances/贷款.csv", "a\n1\n")

    def vanished(path: Path) -> str:
        raise FileNotFoundError(path)

    monkeypatch.setattr(automation, "file_sha256", vanished)
    assert scan_landing(landing, None).changes == []


@pytest.mark.parametrize(
    ("tick", "expected"),
    [
        (datetime(2025, 4, 10, 8, tzinfo=SHANGHAI), Quarter(2025, 1)),
        (datetime(2025, 1, 10, 8, tzinfo=SHANGHAI), Quarter(2024, 4)),
        (datetime(2025, 7, 10, 8, tzinfo=SHANGHAI), Quarter(2025, 2)),
        # 2025-01-01 03:00 in Shanghai is still 2024-12-31 in UTC: the quarter is Shanghai's.
        (datetime(2024, 12, 31, 19, tzinfo=ZoneInfo("UTC")), Quarter(2024, 4)),
    ],
)
def test_reported_quarter_at_boundaries(tick: datetime, expected: Quarter) -> None:
    assert reported_quarter(tick) == expected


def test_quarterly_cron() -> None:
    assert quarterly_cron(10) == "0 8 10 1,4,7,10 *"
    with pytest.raises(ValueError):
        quarterly_cron(31)


def test_sensor_ticks(workdir: Workdir) -> None:
    landing_sensor = sensor("landing_sensor")
    context = dg.build_sensor_context(cursor=None)
    result = landing_sensor(context)
    assert result.run_requests == []

    first = drop(workdir.landing, "2025Q2/utility_connections/报装.csv", "x\n1\n")
    os.utime(first, (first.stat().st_atime - 60, first.stat().st_mtime - 60))  # settled
    drop(workdir.landing, "2025Q2/unknown/x.csv", "x\n1\n")
    result = landing_sensor(dg.build_sensor_context(cursor=result.cursor))
    (request,) = result.run_requests
    assert request.job_name == "refresh_utility_connections"
    assert request.partition_key == "2025-04-01"

    same = landing_sensor(dg.build_sensor_context(cursor=result.cursor))
    assert same.run_requests == []
    assert "2025Q2/unknown/x.csv" in same.cursor

    # A changed file (new bytes) launches a new run with a new run key.
    path = workdir.landing / "2025Q2/utility_connections/报装.csv"
    path.write_text("x\n1\n2\n", encoding="utf-8")
    os.utime(path, (path.stat().st_atime - 60, path.stat().st_mtime - 60))
    changed = landing_sensor(dg.build_sensor_context(cursor=same.cursor))
    (again,) = changed.run_requests
    assert again.job_name == "refresh_utility_connections"
    assert again.run_key != request.run_key


def test_schedule_targets_previous_quarter() -> None:
    reporting_schedule = schedule("quarterly_reporting_schedule")
    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2026, 1, 10, 8, tzinfo=SHANGHAI)
    )
    request = reporting_schedule(context)
    assert request.partition_key == "2025-10-01"
    assert reporting_schedule.cron_schedule == "0 8 10 1,4,7,10 *"
    assert reporting_schedule.execution_timezone == "Asia/Shanghai"


def test_correction_to_an_earlier_quarter_backfills_it_and_every_later_quarter(
    workdir: Workdir,
) -> None:
    from pipelines.definitions import defs

    landing_sensor, correction_sensor = sensor("landing_sensor"), sensor("correction_sensor")

    old = drop(workdir.landing, "2025Q1/loan_balances/贷款.csv", "x\n1\n")
    new = drop(workdir.landing, "2025Q2/loan_balances/贷款.csv", "x\n1\n")
    for path in (old, new):
        os.utime(path, (path.stat().st_atime - 60, path.stat().st_mtime - 60))
    definitions = defs()
    first = landing_sensor(dg.build_sensor_context(cursor=None, definitions=definitions))
    # A first submission of the latest quarter is an ordinary refresh run.
    latest = [r for r in first.run_requests if r.partition_key == "2025-04-01"]
    assert [r.job_name for r in latest] == ["refresh_loan_balances"]

    old.write_text("x\n1\n2\n", encoding="utf-8")
    os.utime(old, (old.stat().st_atime - 60, old.stat().st_mtime - 60))
    # The earlier quarter is not landing_sensor's business …
    assert landing_sensor(dg.build_sensor_context(cursor=first.cursor)).run_requests == []
    # … but correction_sensor's: one backfill.
    context = dg.build_sensor_context(
        cursor=None, definitions=definitions, sensor_name="correction_sensor"
    )
    primed = correction_sensor(context)
    assert primed.run_requests and all(requested_partitions(r) for r in primed.run_requests)
    old.write_text("x\n1\n2\n3\n", encoding="utf-8")
    os.utime(old, (old.stat().st_atime - 60, old.stat().st_mtime - 60))
    # evaluate_tick runs Dagster's own validation of backfill requests, as the daemon does.
    result = correction_sensor.evaluate_tick(
        dg.build_sensor_context(
            cursor=primed.cursor, definitions=definitions, sensor_name="correction_sensor"
        )
    )
    (request,) = result.run_requests
    assert request.asset_graph_subset is not None  # a backfill, ordered by Dagster
    wanted = {(key.to_user_string(), p) for key, p in requested_partitions(request)}
    # The corrected source's chain only for the corrected quarter …
    assert ("warehouse/loan_balances", "2025-01-01") in wanted
    assert ("warehouse/loan_balances", "2025-04-01") not in wanted
    assert not any(key.startswith("warehouse/approval_cases") for key, _ in wanted)
    # … and everything downstream for that quarter and every later one.
    for partition in ("2025-01-01", "2025-04-01"):
        for key in ("indicators/indicator_values", "scoring/rankings", "reports/bulletin"):
            assert (key, partition) in wanted


def test_backfill_request_asks_for_exactly_the_given_partitions() -> None:
    """The one use of Dagster's private API (pipelines/defs/automation/backfill.py): each
    selection's assets over its own partition keys, as one backfill; nothing else."""
    from demo_defs import demo_definitions

    repository = demo_definitions().get_repository_def()
    chain = dg.AssetSelection.assets(dg.AssetKey(["warehouse", "loan_balances"]))
    later = dg.AssetSelection.assets(dg.AssetKey(["scoring", "rankings"]))
    request = backfill_request(
        repository,
        [(chain, ["2025-01-01"]), (later, ["2025-01-01", "2025-04-01"])],
        tags={"bizenv/source": "loan_balances"},
    )
    assert request.asset_graph_subset is not None
    assert request.job_name is None and request.partition_key is None
    assert request.tags == {"bizenv/source": "loan_balances"}
    assert requested_partitions(request) == {
        (dg.AssetKey(["warehouse", "loan_balances"]), "2025-01-01"),
        (dg.AssetKey(["scoring", "rankings"]), "2025-01-01"),
        (dg.AssetKey(["scoring", "rankings"]), "2025-04-01"),
    }
    assert requested_partitions(dg.RunRequest(partition_key="2025-01-01")) == set()
