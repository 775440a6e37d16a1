"""The 整改进展台账: export workbook, the declared source's rules against the warehouse's
tasks, and ``bizenv ledger``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import openpyxl
import pandas as pd
import pytest

from pipelines.cli import main
from pipelines.demo.ledger import fill_ledger
from pipelines.env import Workdir
from pipelines.quarters import Quarter
from pipelines.rectification.config import RectificationRules
from pipelines.rectification.engine import derive_quarter
from pipelines.rectification.ledger import export_ledgers, write_ledger
from pipelines.rectification.store import ensure_rectification_schema, open_tasks, write_quarter
from pipelines.validation import validate_file

# Tier slow: builds a fixture warehouse for the module and reads or renders it.
pytestmark = pytest.mark.slow

Q0, Q1 = Quarter(2024, 1), Quarter(2024, 2)
UNITS = ["990102", "990103", "990104", "990105", "990121"]
LEADS = {"N1": "市数据局", "N2": "市税务局"}
SOURCE = "rectification_progress"


def scores(node: str, values: list[float]) -> pd.DataFrame:
    frame = pd.DataFrame({"unit_code": UNITS, "node": node, "score": values})
    frame["rank"] = frame["score"].rank(method="min", ascending=False)
    frame["value"] = frame["score"]
    return frame


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A work directory whose warehouse has 2024Q1 scored: the worst unit of N1 (市数据局)
    and of N2 (市税务局) each have a task, open in 2024Q2."""
    workdir = Workdir(tmp_path / "work")
    workdir.warehouse.parent.mkdir(parents=True)
    frame = pd.concat(
        [scores("N1", [90, 80, 70, 60, 30]), scores("N2", [20, 80, 70, 60, 50])],
        ignore_index=True,
    )
    result = derive_quarter(
        Q0,
        frame,
        pd.DataFrame(),
        pd.DataFrame(columns=["task_id", "status", "progress", "completed_at"]),
        RectificationRules(bottom_n=1, below_score=None),
        indicator_names={"N1": "指标一", "N2": "指标二"},
        leads=LEADS,
        unit_names={u: f"单位{u}" for u in UNITS},
    )
    with duckdb.connect(str(workdir.warehouse)) as con:
        ensure_rectification_schema(con)
        write_quarter(
            con,
            Q0,
            result.tasks,
            result.events,
            run_id="r1",
            computed_at=datetime(2024, 4, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
        )
    return workdir.warehouse


def filled(warehouse: Path) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tasks = open_tasks(con, Q1)
    rows = fill_ledger(tasks, Q1, seed=1)
    return rows.assign(status="推进中", completed_at=pd.NaT).sort_values("task_id")


def validate(warehouse: Path, rows: pd.DataFrame, tmp_path: Path, *, connected: bool = True):
    path = write_ledger(
        rows, tmp_path / "2024Q2" / "ledger.xlsx", quarter=Q1, department="汇总", synthetic=True
    )
    if not connected:
        return validate_file(SOURCE, path, quarter=Q1)
    with duckdb.connect(str(warehouse)) as con:
        return validate_file(SOURCE, path, quarter=Q1, warehouse=con)


def errors_of(result) -> list[tuple[int | None, str | None, str]]:
    return [(e.row, e.column, e.rule) for e in result.errors]


def test_a_filled_ledger_passes(warehouse: Path, tmp_path: Path) -> None:
    rows = filled(warehouse)
    rows.loc[rows.index[0], ["status", "completed_at"]] = ["已完成", pd.Timestamp("2024-05-20")]
    result = validate(warehouse, rows, tmp_path)
    assert result.errors == []
    assert result.rows == 2


def test_task_of_another_department_is_rejected_with_row_and_column(
    warehouse: Path, tmp_path: Path
) -> None:
    rows = filled(warehouse)
    # Row 2 (the N2 task of 市税务局) is filed by 市数据局.
    assert list(rows["lead_department"]) == ["市税务局", "市数据局"]
    rows.loc[rows.index[0], "lead_department"] = "市数据局"
    result = validate(warehouse, rows, tmp_path)
    assert errors_of(result) == [(2, "牵头单位", "task_other_department")]
    assert "牵头单位是“市税务局”" in result.errors[0].message


def test_edited_locked_columns_are_rejected(warehouse: Path, tmp_path: Path) -> None:
    rows = filled(warehouse)
    rows.loc[rows.index[0], "baseline_score"] = 55.0
    rows.loc[rows.index[1], "target_text"] = "尽力而为"
    result = validate(warehouse, rows, tmp_path)
    assert errors_of(result) == [(2, "基线得分", "locked_edited"), (3, "整改目标", "locked_edited")]
    assert "导出值为“20.00”" in result.errors[0].message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"task_id": "ZG-2024Q1-990102-N9"}, [(2, "任务编号", "task_unknown")]),
        ({"status": "进行中"}, [(2, "状态", "enum")]),
        ({"status": "已完成"}, [(2, "完成日期", "completion_date")]),
        ({"completed_at": pd.Timestamp("2024-05-01")}, [(2, "完成日期", "completion_date")]),
    ],
)
def test_ledger_rules(
    warehouse: Path, tmp_path: Path, change: dict[str, object], expected: list[tuple]
) -> None:
    rows = filled(warehouse)
    for column, value in change.items():
        rows.loc[rows.index[0], column] = value
    assert errors_of(validate(warehouse, rows, tmp_path)) == expected


def test_task_not_open_in_the_quarter(warehouse: Path, tmp_path: Path) -> None:
    rows = filled(warehouse)
    path = write_ledger(
        rows, tmp_path / "2024Q1" / "l.xlsx", quarter=Q0, department="汇总", synthetic=True
    )
    with duckdb.connect(str(warehouse)) as con:
        result = validate_file(SOURCE, path, quarter=Q0, warehouse=con)
    assert {(e.column, e.rule) for e in result.errors} == {("任务编号", "task_not_open")}
    assert "尚未下达" in result.errors[0].message


def test_without_warehouse_the_ledger_cannot_be_verified(warehouse: Path, tmp_path: Path) -> None:
    result = validate(warehouse, filled(warehouse), tmp_path, connected=False)
    assert errors_of(result) == [(None, None, "ledger_unverifiable")]


def test_export_one_locked_workbook_per_department(warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tasks = open_tasks(con, Q1)
    paths = export_ledgers(tasks, Q1, tmp_path / "out", department=None, synthetic=True)
    assert [p.name for p in paths] == [
        "整改进展台账_2024Q2_市数据局.xlsx",
        "整改进展台账_2024Q2_市税务局.xlsx",
    ]
    wb = openpyxl.load_workbook(paths[0])
    assert wb.sheetnames == ["填报说明", "数据"]
    assert "示例数据" in wb["填报说明"]["A1"].value
    data = wb["数据"]
    assert data.protection.sheet is True
    assert data["A2"].value == "ZG-2024Q1-990121-N1"
    assert data["A2"].protection.locked is True  # 任务编号
    status_col = [c.value for c in data[1]].index("状态") + 1
    assert data.cell(2, status_col).protection.locked is False
    lists = [dv for dv in data.data_validations.dataValidation if dv.type == "list"]
    assert lists[0].formula1 == '"未启动,推进中,已完成"'
    # The exported (unfilled) workbook is rejected only for the empty 状态.
    with duckdb.connect(str(warehouse)) as con:
        result = validate_file(SOURCE, paths[0], quarter=Q1, warehouse=con)
    assert errors_of(result) == [(2, "状态", "required")]


def test_ledger_cli(warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = str(warehouse.parent.parent)
    out = tmp_path / "exported"
    code = main(
        [
            "ledger",
            "export",
            "--quarter",
            "2024Q2",
            "--department",
            "市税务局",
            "--out",
            str(out),
            "--workdir",
            root,
        ]
    )
    assert code == 0
    assert [p.name for p in out.iterdir()] == ["整改进展台账_2024Q2_市税务局.xlsx"]
    assert main(["ledger", "status", "--workdir", root, "--department", "市数据局"]) == 0
    printed = capsys.readouterr().out
    assert "ZG-2024Q1-990121-N1" in printed and "ZG-2024Q1-990102-N2" not in printed
    assert "2024Q1  新立" in printed
    summary = next(line for line in printed.splitlines() if "整改任务：共" in line)
    assert summary.endswith("（示例数据）")
    assert main(["ledger", "export", "--quarter", "2024Q2", "--workdir", root]) == 2
    assert main(["ledger", "status", "--department", "不存在局", "--workdir", root]) == 2
    assert "不在部门名录" in capsys.readouterr().err


def test_demo_ledger_behaviour(warehouse: Path) -> None:
    """The demo's filled ledgers: reproducible, dates exactly for 已完成 and inside the
    quarter, and a neglected task stays 未启动 quarter after quarter (it runs overdue)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tasks = open_tasks(con, Q1)
    many = pd.concat(
        [tasks.assign(task_id=tasks["task_id"] + f"-{i}") for i in range(40)], ignore_index=True
    )
    first = fill_ledger(many, Q1, seed=7)
    pd.testing.assert_frame_equal(first, fill_ledger(many, Q1, seed=7))
    done = first["status"] == "已完成"
    assert (first["completed_at"].notna() == done).all()
    assert (
        first.loc[done, "completed_at"].between(pd.Timestamp(Q1.start), pd.Timestamp(Q1.end)).all()
    )
    assert set(first["status"]) == {"未启动", "推进中", "已完成"}
    later = fill_ledger(many, Quarter(2024, 3), seed=7)
    neglected = first["status"] == "未启动"
    assert (later.loc[neglected, "status"] == "未启动").all()
    assert (later["status"] != first["status"]).any()  # the others vary by quarter


def test_check_cli_verifies_a_ledger_against_the_workdir(
    warehouse: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``bizenv check rectification_progress FILE --workdir W`` reads W's tasks (read-only)."""
    root = str(warehouse.parent.parent)
    rows = filled(warehouse)
    rows.loc[rows.index[0], "lead_department"] = "市数据局"
    path = write_ledger(
        rows, tmp_path / "2024Q2" / "台账.xlsx", quarter=Q1, department="汇总", synthetic=True
    )
    assert main(["check", SOURCE, str(path), "--workdir", root]) == 1
    out = capsys.readouterr().out
    assert "任务不属于本单位" in out or "牵头单位是“市税务局”" in out
    good = write_ledger(
        filled(warehouse),
        tmp_path / "2024Q2" / "好.xlsx",
        quarter=Q1,
        department="汇总",
        synthetic=True,
    )
    assert main(["check", SOURCE, str(good), "--workdir", root]) == 0


@pytest.mark.parametrize("other_department", [False, True])
def test_the_staging_step_checks_a_ledger_against_the_warehouse_it_writes_to(
    warehouse: Path, other_department: bool
) -> None:
    """``validate_candidate`` (the staging asset's body) checks the ledger's tasks through a
    cursor of its own while the writer's thread stages the rows: the same errors as
    ``validate_file`` on the warehouse, and the rows staged either way."""
    from contextlib import contextmanager

    from pipelines.contracts import contract
    from pipelines.intake.archive import ArchivedFile
    from pipelines.registry import default_registry
    from pipelines.validation.staging import validate_candidate
    from pipelines.warehouse import store

    workdir = Workdir(warehouse.parent.parent)
    rows = filled(warehouse)
    if other_department:
        rows.loc[rows.index[0], "lead_department"] = "市数据局"
    stored = f"archive/{SOURCE}/{Q1}/ledger.xlsx"
    path = write_ledger(rows, workdir.root / stored, quarter=Q1, department="汇总", synthetic=True)
    with duckdb.connect(str(warehouse)) as con:
        expected = errors_of(validate_file(SOURCE, path, quarter=Q1, warehouse=con))
        store.register_submission(
            con,
            ArchivedFile(
                submission_hash="c" * 64,
                source=SOURCE,
                quarter=str(Q1),
                file_name="ledger.xlsx",
                landing_path=f"landing/{SOURCE}/{Q1}/ledger.xlsx",
                archive_path=stored,
                received_at=datetime(2024, 7, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
                size_bytes=path.stat().st_size,
            ),
        )
    assert expected == ([(2, "牵头单位", "task_other_department")] if other_department else [])

    @contextmanager
    def connect() -> Iterator[duckdb.DuckDBPyConnection]:
        with duckdb.connect(str(warehouse)) as con:
            yield con

    outcome = validate_candidate(
        connect,
        contract(SOURCE),
        Q1,
        layout=workdir,
        registry=default_registry(),
        volume_factor=3.0,
        max_listed_errors=100,
        required=False,
    )
    assert outcome.result is not None
    assert errors_of(outcome.result) == expected
    assert outcome.staged_rows == 2
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            f"select count(*) from staging.{SOURCE} where quarter = ?", [str(Q1)]
        ).fetchall() == [(2,)]
        assert con.execute(
            "select status from intake.submissions where submission_hash = ?", ["c" * 64]
        ).fetchall() == [("rejected" if other_department else "validated",)]
