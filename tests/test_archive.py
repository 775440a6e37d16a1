import json
import os
import stat
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from pipelines.intake.archive import (
    ArchivedFile,
    LandingPathError,
    archive_file,
    data_rows_label,
    file_sha256,
    landing_files,
    parse_landing_path,
)
from pipelines.quarters import Quarter

Q = Quarter(2025, 2)


def _land(landing: Path, name: str, text: str, source: str = "loan_balances") -> Path:
    path = landing / str(Q) / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_archive_is_content_addressed_read_only_and_idempotent(tmp_path: Path) -> None:
    landing, archive = tmp_path / "landing", tmp_path / "archive"
    path = _land(landing, "贷款.csv", "区划代码,统计月份\n990102,2025-04\n990103,2025-04\n")
    first = archive_file(path, archive, "loan_balances", Q)
    digest = file_sha256(path)
    assert first.submission_hash == digest
    # Stored relative to the work directory (archive's parent): a copied work directory
    # reads its own archive.
    assert first.archive_path == f"archive/objects/{digest[:2]}/{digest}.csv"
    assert first.landing_path == "landing/2025Q2/loan_balances/贷款.csv"
    stored = tmp_path / first.archive_path
    assert stored.read_bytes() == path.read_bytes()
    assert not stored.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    meta = json.loads(
        (archive / "submissions" / "loan_balances" / "2025Q2" / f"{digest}.json").read_text(
            encoding="utf-8"
        )
    )
    assert meta["file_name"] == "贷款.csv" and meta["size_bytes"] == path.stat().st_size
    # Archiving copies and hashes only: rows are counted by validation, which reads the file.
    assert "data_rows" not in meta
    # A re-scan of the same bytes (even touched later) keeps the first record.
    os.utime(path, (path.stat().st_atime + 3600, path.stat().st_mtime + 3600))
    again = archive_file(path, archive, "loan_balances", Q)
    assert again == first


def test_record_of_an_earlier_release_with_a_row_count_still_loads(tmp_path: Path) -> None:
    """Records archived before rows were counted only by validation carry ``data_rows``:
    a re-scan of such a content returns its first record (received time kept), the count
    left out."""
    landing, archive = tmp_path / "landing", tmp_path / "archive"
    path = _land(landing, "贷款.csv", "区划代码,统计月份\n990102,2025-04\n")
    first = archive_file(path, archive, "loan_balances", Q)
    meta_path = (
        archive / "submissions" / "loan_balances" / "2025Q2" / f"{first.submission_hash}.json"
    )
    old = {**json.loads(meta_path.read_text(encoding="utf-8")), "data_rows": 1}
    old["received_at"] = "2025-07-03T18:00:00+08:00"
    os.chmod(meta_path, 0o644)
    meta_path.write_text(json.dumps(old, ensure_ascii=False), encoding="utf-8")
    again = archive_file(path, archive, "loan_balances", Q)
    assert again == ArchivedFile(
        **{
            **{k: v for k, v in old.items() if k != "data_rows"},
            "received_at": datetime(2025, 7, 3, 18, tzinfo=ZoneInfo("Asia/Shanghai")),
        }
    )
    assert again.received_at.isoformat() == "2025-07-03T18:00:00+08:00"


@pytest.mark.parametrize(
    ("data_rows", "validated", "expected"),
    [
        (2_840_000, True, "2,840,000"),
        (0, True, "0"),
        (None, False, "未校验"),  # received, or superseded before validation read it
        (pd.NA, False, "未校验"),  # a null in a DuckDB frame (Int64)
        (float("nan"), False, "未校验"),
        (None, True, "无法读取"),  # validated, but the file could not be read
        (pd.NA, True, "无法读取"),
    ],
)
def test_data_rows_label(data_rows: object, validated: bool, expected: str) -> None:
    assert data_rows_label(data_rows, validated) == expected


def test_resubmission_is_a_new_version_and_the_old_one_survives(tmp_path: Path) -> None:
    landing, archive = tmp_path / "landing", tmp_path / "archive"
    path = _land(landing, "贷款.csv", "区划代码\n990102\n")
    v1 = archive_file(path, archive, "loan_balances", Q)
    os.chmod(path, 0o644)
    path.write_text("区划代码\n990102\n990103\n", encoding="utf-8")  # overwritten in landing
    v2 = archive_file(path, archive, "loan_balances", Q)
    assert v1.submission_hash != v2.submission_hash
    assert (tmp_path / v1.archive_path).read_text(encoding="utf-8") == "区划代码\n990102\n"
    assert (tmp_path / v2.archive_path).read_text(encoding="utf-8") == "区划代码\n990102\n990103\n"


def test_landing_files_skips_lock_hidden_and_partial_files(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    keep = _land(landing, "a.xlsx", "x")
    # An unsupported format is still a submission: archived, then rejected with a report.
    old_excel = _land(landing, "b.xls", "x")
    _land(landing, "~$a.xlsx", "lock")
    _land(landing, ".partial.csv", "x")
    _land(landing, "c.csv.part", "x")
    assert landing_files(landing, "loan_balances", Q) == [keep, old_excel]
    assert landing_files(landing, "approval_cases", Q) == []


@pytest.mark.parametrize(
    ("relative", "message"),
    [
        ("2025Q2/unknown_source/a.csv", "未知的数据源目录"),
        ("2025年2季度/loan_balances/a.csv", "无法识别的季度"),
        ("2025Q2/a.csv", "目录结构"),
    ],
)
def test_parse_landing_path_rejects_wrong_places(
    tmp_path: Path, relative: str, message: str
) -> None:
    with pytest.raises(LandingPathError, match=message):
        parse_landing_path(tmp_path, tmp_path / relative)


def test_parse_landing_path(tmp_path: Path) -> None:
    assert parse_landing_path(tmp_path, tmp_path / "2024Q3/approval_cases/x.csv") == (
        Quarter(2024, 3),
        "approval_cases",
    )


def test_received_time_is_the_archives_first_sight_not_the_files_date(tmp_path: Path) -> None:
    """WinSCP, ``rsync -t`` and ``scp -p`` keep the sender's file date: an old mtime must not
    make a late file "on time". The archive's first sight counts; ``received_at`` (the
    explicit override for historical imports) wins over both."""
    from datetime import datetime, timedelta

    from pipelines.intake.archive import now_shanghai, parse_received_at

    landing, archive = tmp_path / "landing", tmp_path / "archive"
    path = _land(landing, "贷款.csv", "区划代码,统计月份\n990102,2025-04\n")
    old = parse_received_at("2025-07-01 18:00").timestamp()
    os.utime(path, (old, old))
    before = now_shanghai()
    archived = archive_file(path, archive, "loan_balances", Q)
    assert before - timedelta(seconds=1) <= archived.received_at <= now_shanghai()
    assert archived.received_at.utcoffset() == timedelta(hours=8)  # Asia/Shanghai

    historical = _land(landing, "贷款_历史.csv", "区划代码,统计月份\n990103,2025-04\n")
    at = datetime.fromisoformat("2025-07-03T18:00:00+08:00")
    imported = archive_file(historical, archive, "loan_balances", Q, received_at=at)
    assert imported.received_at == at
