"""Every failure of run/backfill/demo/report ends in a Chinese message and a non-zero exit,
never a traceback (issue 16, points 8, 9 and 10): the failing step's own message is read
from the run's event log; a read-only work directory, a full disk and a corrupt warehouse are
explained; a corrupt warehouse is detected once, not retried."""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.cli import main
from pipelines.defs.keys import REPORT_ASSETS
from pipelines.defs.resources import CorruptWarehouseError, WarehouseDuckDB
from pipelines.env import Workdir
from pipelines.failures import explain_exception, explain_text, failure_messages
from pipelines.orchestration import (
    RunOutcome,
    outcome_lines,
    run_quarter,
    status_lines,
)
from pipelines.quarters import Quarter

# Tier slow: runs the pipeline (run_quarter, bizenv run) on small fixtures.
pytestmark = pytest.mark.slow

Q = Quarter(2025, 2)


@pytest.mark.parametrize(
    ("cls_name", "message", "expected"),
    [
        ("OSError", "[Errno 28] No space left on device", "磁盘空间不足"),
        ("OutOfMemoryException", "Could not write file: File too large", "ulimit -f"),
        ("OperationalError", "attempt to write a readonly database", "工作目录只读"),
        ("PermissionError", "[Errno 13] Permission denied: '/w/reports'", "无写权限"),
        (
            "IOException",
            'The file "x" exists, but it is not a valid DuckDB database file!',
            "不是有效的 DuckDB",
        ),
        ("FrameworkError", "指标体系 framework.yaml 第 3 行：权重之和不为 1", "权重之和不为 1"),
        ("ValueError", "something odd", "未预期的错误（ValueError: something odd）"),
        (
            "DagsterAssetCheckFailedError",
            "1 blocking asset check failed with ERROR severity:\n"
            "staging/inspections: meets_contract",
            "未通过数据规范校验（阻断性检查）",
        ),
        (
            "DagsterAssetCheckFailedError",
            "1 blocking asset check failed with ERROR severity:\n"
            "scoring/indicator_scores: scores_within_range\n",
            "未通过阻断性检查 scores_within_range，下游未运行",
        ),
    ],
)
def test_explain_text(cls_name: str, message: str, expected: str) -> None:
    assert expected in explain_text(cls_name, message)


def test_explain_exception_prefers_the_named_cause() -> None:
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device", "/w/warehouse/bizenv.duckdb")
        except OSError as inner:
            raise RuntimeError("wrapper") from inner
    except RuntimeError as exc:
        text = explain_exception(exc)
    assert text.startswith("磁盘空间不足") and "bizenv.duckdb" in text


@dg.asset
def _framework_step() -> None:
    raise dg.Failure(description="指标体系有误：第 3 行权重之和不为 1", allow_retries=False)


@dg.asset
def _disk_step() -> None:
    raise OSError(errno.ENOSPC, "No space left on device", "/w/warehouse/bizenv.duckdb.wal")


def test_failure_messages_are_the_steps_own_messages() -> None:
    result = dg.materialize([_framework_step, _disk_step], raise_on_error=False)
    lines = failure_messages(result.all_events)
    assert "_framework_step：指标体系有误：第 3 行权重之和不为 1" in lines
    assert any(line.startswith("_disk_step：磁盘空间不足") for line in lines)
    assert len(lines) == 2  # the run-level failure adds nothing


def test_broken_framework_fails_the_run_with_its_chinese_message(
    workdir: Workdir, project_copy: Path
) -> None:
    broken = project_copy / "framework.yaml"
    broken.write_text("name: 坏的指标体系\nindicators: [\n", encoding="utf-8")
    outcome = run_quarter(Q, asset_selection=[dg.AssetKey(["indicators", "indicator_values"])])
    assert not outcome
    assert len(outcome.messages) == 1
    line = outcome.messages[0]
    assert line.startswith("indicators/indicator_values：") and "framework.yaml" in line
    assert "Traceback" not in line and "未预期" not in line


def _corrupt(workdir: Workdir) -> None:
    workdir.warehouse.parent.mkdir(parents=True, exist_ok=True)
    workdir.warehouse.write_bytes(b"this is not a duckdb file" * 200)


def test_corrupt_warehouse_is_reported_once_by_run(
    workdir: Workdir, capsys: pytest.CaptureFixture[str]
) -> None:
    _corrupt(workdir)
    code = main(["run", "--quarter", str(Q), "--workdir", str(workdir.root)])
    err = capsys.readouterr().err
    assert code == 1
    assert "不是有效的 DuckDB 文件" in err and "Traceback" not in err
    # No run was started: nothing to retry for minutes.
    assert dg.DagsterInstance.get().get_runs() == []


def test_corrupt_warehouse_resource_does_not_retry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"x" * 4096)
    calls = []
    real = duckdb.connect

    def counting(**kwargs: object) -> duckdb.DuckDBPyConnection:
        calls.append(kwargs)
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(duckdb, "connect", counting)
    resource = WarehouseDuckDB(database=str(bad))
    with (
        pytest.raises(CorruptWarehouseError, match="不是有效的 DuckDB 文件"),
        resource.get_connection(),
    ):
        pass
    assert len(calls) == 1


def test_status_lines_on_a_corrupt_warehouse_is_a_line_not_a_traceback(workdir: Workdir) -> None:
    _corrupt(workdir)
    (line,) = status_lines(workdir, Q, ["loan_balances"])
    assert "无法读取数据仓库" in line and "不是有效的 DuckDB" in line


def _read_only(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system", "/w")

    monkeypatch.setattr(module, refuse)


def test_run_in_a_read_only_work_directory(
    workdir: Workdir, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _read_only(monkeypatch, "pipelines.instance.make_temp")
    code = main(["run", "--quarter", str(Q), "--workdir", str(workdir.root)])
    err = capsys.readouterr().err
    assert code == 1
    assert "不可写" in err and "只读" in err and "Traceback" not in err


def test_report_in_a_read_only_work_directory(
    workdir: Workdir, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with duckdb.connect(str(workdir.warehouse)):
        pass
    monkeypatch.setattr(
        "pipelines.reports.build_bulletin",
        lambda *a, **k: (_ for _ in ()).throw(
            PermissionError(errno.EACCES, "Permission denied", "/w/reports")
        ),
    )
    code = main(["report", "--quarter", str(Q), "--workdir", str(workdir.root)])
    err = capsys.readouterr().err
    assert code == 1 and "无写权限" in err and "Traceback" not in err


def test_demo_in_a_read_only_work_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "demo"
    root.mkdir()
    (root / ".bizenv-workdir").write_text("x")
    _read_only(monkeypatch, "shutil.rmtree")
    code = main(["demo", "--workdir", str(root), "--scale", "0.01"])
    err = capsys.readouterr().err
    assert code == 1 and "只读" in err and "Traceback" not in err
    assert shutil.rmtree is not None


@pytest.mark.parametrize(
    ("materialized", "note"),
    [
        (frozenset(), True),  # a source rejected: the bulletin was not rebuilt — say so
        (frozenset(REPORT_ASSETS), False),
    ],
)
def test_outcome_lines_give_the_reason_and_whether_the_bulletin_was_rebuilt(
    materialized: frozenset[dg.AssetKey], note: bool
) -> None:
    outcome = RunOutcome(False, "r", ("staging/loan_balances：未通过数据规范校验",), materialized)
    lines = outcome_lines(outcome)
    assert lines[0] == "    原因：staging/loan_balances：未通过数据规范校验"
    assert any("未重建季通报" in line for line in lines) is note
