"""Intake against an operator's habits and hostile files (issue 16, points 2, 3, 4, 11 and
"also seen"), in-process on a temporary work directory:

* paths are stored relative to the work directory: a copy reads its own archive, also once
  the original is gone;
* a landing name as long as the file system allows is rejected with a report named by hash;
* symbolic links, sub-folders, hidden and lock files are refused or skipped with a note;
* a re-sent version becomes the newest received and the candidate, every receipt is recorded,
  and the CLI line names the version in force.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.automation import scan_landing
from pipelines.demo.generator import generate_source_frame, inject_fault, write_submission
from pipelines.env import Workdir, configure_environment
from pipelines.intake.archive import NotRegularFileError, archive_file, file_sha256
from pipelines.intake.landing import scan_source_folder
from pipelines.orchestration import run_quarter, status_lines
from pipelines.quarters import Quarter

Q = Quarter(2025, 2)
SOURCE = "loan_balances"


def _frame() -> pd.DataFrame:
    return generate_source_frame(SOURCE, Q, seed=11, scale=0.05)


def _land(workdir: Workdir, frame: pd.DataFrame, name: str) -> Path:
    path = workdir.landing / str(Q) / SOURCE / name
    write_submission(frame, SOURCE, path, fmt="csv-utf8")
    return path


def _query(workdir: Workdir, text: str, params: list[object] | None = None) -> list[tuple]:
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        return con.execute(text, params or []).fetchall()


def _in_force(workdir: Workdir) -> str:
    return _query(
        workdir,
        "select submission_hash from intake.submissions_in_force where source = ? and quarter = ?",
        [SOURCE, str(Q)],
    )[0][0]


def _revised(frame: pd.DataFrame) -> pd.DataFrame:
    """A valid correction: other bytes, same shape."""
    revised = frame.copy()
    revised["first_time_borrowers"] = revised["first_time_borrowers"] + 1
    return revised


def _bad(frame: pd.DataFrame) -> pd.DataFrame:
    bad, _ = inject_fault(frame, SOURCE, "bad_type", seed=1)
    return bad


@pytest.mark.slow
def test_resent_version_becomes_the_candidate_and_the_line_names_the_version_in_force(
    workdir: Workdir,
) -> None:
    frame = _frame()
    a = _land(workdir, frame, "贷款_A.csv")
    assert run_quarter(Q, sources=(SOURCE,))
    b = _land(workdir, _bad(frame), "贷款_B.csv")
    assert not run_quarter(Q, sources=(SOURCE,))
    c = _land(workdir, _revised(frame), "贷款_C.csv")
    assert run_quarter(Q, sources=(SOURCE,))
    assert _in_force(workdir) == file_sha256(c)

    # The office re-sends A's bytes (a new file name): A becomes the newest received,
    # is validated again and put back in force; the CLI line names A.
    shutil.copyfile(a, workdir.landing / str(Q) / SOURCE / "贷款_A_重新报送.csv")
    assert run_quarter(Q, sources=(SOURCE,))
    assert _in_force(workdir) == file_sha256(a)
    (line,) = status_lines(workdir, Q, [SOURCE])
    assert line.startswith("    ✓") and "贷款_A" in line and f"{len(frame):,} 行" in line
    receipts = _query(
        workdir,
        "select count(*) from intake.receipts where submission_hash = ?",
        [file_sha256(a)],
    )[0][0]
    assert receipts == 2  # both receipts of A recorded

    # Re-sending the rejected B: validated again, rejected again; A stays in force and the
    # line says so (never a ✓ for rows that are not B's).
    shutil.copyfile(b, workdir.landing / str(Q) / SOURCE / "贷款_B_再次.csv")
    outcome = run_quarter(Q, sources=(SOURCE,))
    assert not outcome
    assert _in_force(workdir) == file_sha256(a)
    (line,) = status_lines(workdir, Q, [SOURCE])
    assert line.startswith("    ✗") and "贷款_B" in line and "在用版本 贷款_A" in line
    # The failing step says why in Chinese (never an unexplained English error).
    assert outcome.messages and not any("未预期" in m for m in outcome.messages)

    # A later scan of the same files is not a new receipt: nothing is reopened, the quarter
    # is rebuilt with A in force.
    assert run_quarter(Q, sources=(SOURCE,))
    assert _query(workdir, "select count(*) from intake.receipts")[0][0] == 5
    assert _in_force(workdir) == file_sha256(a)


@pytest.mark.slow
def test_copied_work_directory_reads_its_own_archive(
    workdir: Workdir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _land(workdir, _frame(), "贷款.csv")
    assert run_quarter(Q, sources=(SOURCE,))
    archive_path, landing_path = _query(
        workdir, "select archive_path, landing_path from intake.submissions"
    )[0]
    assert not Path(archive_path).is_absolute() and archive_path.startswith("archive/objects/")
    assert landing_path == f"landing/{Q}/{SOURCE}/贷款.csv"

    copy = tmp_path / "copy"
    shutil.copytree(workdir.root, copy, symlinks=True)
    moved = tmp_path / "moved-away"
    workdir.root.rename(moved)  # the original is gone
    for name in ("BIZENV_HOME", "BIZENV_DUCKDB", "DAGSTER_HOME"):
        monkeypatch.delenv(name, raising=False)
    copied = configure_environment(copy)
    # A corrected file in the copy: staging reads the copy's archive (never the original).
    corrected = _land(copied, _revised(_frame()), "贷款_更正.csv")
    assert run_quarter(Q, sources=(SOURCE,))
    assert _in_force(copied) == file_sha256(corrected)
    assert _query(copied, f"select count(*) from warehouse.{SOURCE}")[0][0] == len(_frame())
    assert not (workdir.root).exists()


@pytest.mark.slow
def test_long_landing_name_is_rejected_with_a_hash_named_report(workdir: Workdir) -> None:
    stem = "某某县市场监督管理局关于二零二五年第二季度普惠小微贷款余额统计报表的更正说明" * 2
    stem = stem[:75]  # 75 Chinese characters: a 225-byte stem, near the 255-byte limit
    assert 220 < len(stem.encode()) < 250
    path = _land(workdir, _bad(_frame()), f"{stem}.csv")
    assert not run_quarter(Q, sources=(SOURCE,))
    status, report_html, report_csv = _query(
        workdir, "select status, report_html, report_csv from intake.submissions"
    )[0]
    assert status == "rejected"
    digest = file_sha256(path)
    assert Path(report_html).name == f"{SOURCE}_{digest[:12]}.rejection.html"
    html = (workdir.root / report_html).read_text(encoding="utf-8")
    assert stem in html  # the report still names the file as the department named it
    assert (workdir.root / report_csv).is_file()


def test_symlinks_and_odd_entries_are_refused_with_notes(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / str(Q) / SOURCE
    folder.mkdir(parents=True)
    good = folder / "贷款.csv"
    good.write_text("区划代码\n990102\n", encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n", encoding="utf-8")
    (folder / "x.csv").symlink_to(secret)
    (folder / "子文件夹").mkdir()
    (folder / "子文件夹" / "y.csv").write_text("a\n", encoding="utf-8")
    (folder / "~$贷款.xlsx").write_text("lock", encoding="utf-8")
    (folder / ".hidden.csv").write_text("a\n", encoding="utf-8")
    os.mkfifo(folder / "pipe.csv")

    result = scan_source_folder(landing, SOURCE, Q)

    assert result.files == [good]
    notes = "\n".join(result.notes)
    assert "x.csv：是符号链接，已拒收" in notes
    assert "pipe.csv：不是普通文件" in notes
    assert "子文件夹：是子文件夹" in notes
    assert "~$贷款.xlsx：Excel 锁定文件" in notes
    assert ".hidden.csv：隐藏文件" in notes
    assert len(result.notes) == 5
    # The archive never follows a link, even when asked directly.
    with pytest.raises(NotRegularFileError, match="符号链接"):
        archive_file(folder / "x.csv", tmp_path / "archive", SOURCE, Q)
    assert not (tmp_path / "archive" / "objects").exists() or not any(
        p.is_file() for p in (tmp_path / "archive" / "objects").rglob("*")
    )


def test_symlinked_source_folder_is_refused_whole(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.csv").write_text("x\n", encoding="utf-8")
    (landing / str(Q)).mkdir(parents=True)
    (landing / str(Q) / SOURCE).symlink_to(outside, target_is_directory=True)
    result = scan_source_folder(landing, SOURCE, Q)
    assert result.files == []
    assert result.notes == [f"{Q}/{SOURCE}：文件夹是符号链接，已拒收其中全部文件"]


def test_sensor_reports_a_symlink_once_and_never_launches_it(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    folder = landing / str(Q) / SOURCE
    folder.mkdir(parents=True)
    (folder / "x.csv").symlink_to("/etc/passwd")
    first = scan_landing(landing, None)
    assert first.changes == []
    assert len(first.misplaced) == 1 and "符号链接" in first.misplaced[0]
    second = scan_landing(landing, first.cursor)
    assert second.changes == [] and second.misplaced == []


def test_status_lines_show_refused_entries(workdir: Workdir) -> None:
    folder = workdir.landing / str(Q) / SOURCE
    folder.mkdir(parents=True)
    (folder / "x.csv").symlink_to("/etc/passwd")
    with duckdb.connect(str(workdir.warehouse)):
        pass
    lines = status_lines(workdir, Q, [SOURCE])
    assert lines[0].endswith("未收到文件")
    assert "x.csv：是符号链接，已拒收" in lines[1]


def test_sensor_launches_a_resent_version_once(tmp_path: Path) -> None:
    """Archived bytes sent again under another name are a new receipt: one launch, with a run
    key of its own; files intake already received launch nothing."""
    from pipelines.intake.marks import mark_received

    landing, archive = tmp_path / "landing", tmp_path / "archive"
    folder = landing / str(Q) / SOURCE
    folder.mkdir(parents=True)
    first = folder / "贷款_A.csv"
    first.write_text("区划代码\n990102\n", encoding="utf-8")
    os.utime(first, (1_700_000_000, 1_700_000_000))
    archived = archive_file(first, archive, SOURCE, Q)
    mark_received(archive, landing, first, SOURCE, Q, archived.submission_hash)
    assert scan_landing(landing, None, archive).changes == []  # received by an earlier run

    again = folder / "贷款_A_重新报送.csv"
    shutil.copy2(first, again)
    scan = scan_landing(landing, None, archive)
    (change,) = scan.changes
    assert change.path == again and change.submission_hash == archived.submission_hash
    assert change.resent_receipt is not None
    assert change.run_key != f"{SOURCE}:{Q}:{archived.submission_hash}"
    # Once intake has received it, the next tick launches nothing.
    mark_received(archive, landing, again, SOURCE, Q, archived.submission_hash)
    assert scan_landing(landing, None, archive).changes == []
