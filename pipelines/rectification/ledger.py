"""The 整改进展台账 workbook departments fill in, and the lines of ``bizenv ledger status``.

The workbook has the columns of the ``rectification_progress`` contract: the task's columns
pre-filled and locked (sheet protection without a password: it prevents slips, not intent;
the source's ``ledger_locked_columns`` check is what enforces it), the columns to fill
unlocked, a drop-down for 状态, a date rule for 完成日期, and a 填报说明 sheet.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipelines.quarters import Quarter
from pipelines.rectification.config import STATUSES
from pipelines.tempfiles import atomic_target

SOURCE = "rectification_progress"
LOCKED: tuple[str, ...] = (
    "task_id",
    "lead_department",
    "unit_code",
    "unit_name",
    "indicator_code",
    "indicator_name",
    "opened_quarter",
    "baseline_score",
    "baseline_rank",
    "target_text",
    "deadline_quarter",
)
FILLED: tuple[str, ...] = (
    "measures",
    "owner",
    "progress",
    "status",
    "completed_at",
    "evidence",
)
_LAST_ROW = 5000


def locked_values(tasks: pd.DataFrame) -> pd.DataFrame:
    """The locked columns of each task as the export writes them (scores to 2 decimals)."""
    out = tasks[list(LOCKED)].copy()
    out["baseline_score"] = out["baseline_score"].astype("float64").round(2)
    out["baseline_rank"] = out["baseline_rank"].astype("int64")
    for column in ("task_id", "lead_department", "unit_code", "unit_name", "indicator_code"):
        out[column] = out[column].astype(str)
    return out.reset_index(drop=True)


def ledger_file_name(quarter: Quarter, department: str) -> str:
    return f"整改进展台账_{quarter}_{department}.xlsx"


def write_ledger(
    rows: pd.DataFrame, path: Path, *, quarter: Quarter, department: str, synthetic: bool
) -> Path:
    """Write ledger ``rows`` (locked columns, optionally the filled ones) to ``path``
    atomically; returns ``path``."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from pipelines.contracts import contract
    from pipelines.validation.reader import DATA_SHEET_NAME
    from pipelines.validation.template import INSTRUCTIONS_SHEET_NAME

    c = contract(SOURCE)
    mark = "（示例数据）" if synthetic else ""
    wb = Workbook()
    info = wb.active
    info.title = INSTRUCTIONS_SHEET_NAME
    info.append([f"{quarter.label_zh}整改进展台账{mark}"])
    info["A1"].font = Font(bold=True, size=14)
    info.append(["牵头单位", department])
    info.append(["填报季度", f"{quarter.label_zh}（{quarter}）"])
    info.append(["任务数", len(rows)])
    info.append(
        [
            "填写要求",
            f"在“{DATA_SHEET_NAME}”工作表逐行填写整改措施、责任人、进展情况、状态、完成日期、"
            "佐证材料说明；灰色列为锁定列（任务编号至整改期限），请勿修改、删除或新增任务行。"
            "状态只能为未启动、推进中或已完成；状态为已完成时须填写完成日期，否则完成日期留空。"
            "是否销号由下季度的重新测评决定：报告已完成而指标未改善的任务将被“回炉”。",
        ]
    )
    if synthetic:
        info.append(["说明", "本台账由虚构的示例数据生成，仅供演示（示例数据）。"])
    info.append([])
    info.append(["表头", "是否锁定", "说明"])
    for cell in info[info.max_row]:
        cell.font = Font(bold=True)
    for col in c.columns:
        info.append([col.header, "锁定" if col.column in LOCKED else "填写", col.description])
    for letter, width in zip("ABC", (16, 12, 90), strict=True):
        info.column_dimensions[letter].width = width
    for row in info.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    data = wb.create_sheet(DATA_SHEET_NAME)
    data.append(c.headers)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    locked_fill = PatternFill("solid", fgColor="EDEDED")
    for cell in data[1]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
    columns = c.column_names
    for record in rows.reindex(columns=columns).itertuples(index=False, name=None):
        data.append([_cell(v) for v in record])
    n = len(rows)
    unlocked = Protection(locked=False)
    for i, name in enumerate(columns, start=1):
        letter = get_column_letter(i)
        data.column_dimensions[letter].width = 14 if name not in ("target_text", "progress") else 36
        if name in LOCKED:
            for r in range(2, n + 2):
                data[f"{letter}{r}"].fill = locked_fill
            if name in ("task_id", "unit_code", "indicator_code"):
                data.column_dimensions[letter].width = 26 if name == "task_id" else 12
        else:
            for r in range(2, max(n, 1) + 2):
                data[f"{letter}{r}"].protection = unlocked
        if name == "status":
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(STATUSES) + '"',
                allow_blank=False,
                showErrorMessage=True,
                errorTitle="输入值不在可选范围内",
                error="“状态”请从下拉列表中选择：" + "、".join(STATUSES),
                promptTitle="状态",
                prompt="未启动 | 推进中 | 已完成",
                showInputMessage=True,
            )
            dv.add(f"{letter}2:{letter}{_LAST_ROW}")
            data.add_data_validation(dv)
        if name == "completed_at":
            dv = DataValidation(
                type="date",
                operator="greaterThan",
                formula1="DATE(2000,1,1)",
                allow_blank=True,
                showErrorMessage=True,
                errorTitle="日期格式不正确",
                error="“完成日期”请填写日期，如 2025-06-30；未完成时留空",
                promptTitle="完成日期",
                prompt="状态为已完成时填写，格式 YYYY-MM-DD",
                showInputMessage=True,
            )
            dv.add(f"{letter}2:{letter}{_LAST_ROW}")
            data.add_data_validation(dv)
            for r in range(2, n + 2):
                data[f"{letter}{r}"].number_format = "yyyy-mm-dd"
    data.freeze_panes = "B2"
    data.protection.sheet = True
    data.protection.formatRows = False
    data.protection.formatColumns = False
    wb.active = wb.index(data)

    path = Path(path)
    with atomic_target(path) as tmp:
        wb.save(tmp)
    return path


def _cell(value: object) -> object:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().date()
    return value


def export_ledgers(
    open_tasks: pd.DataFrame,
    quarter: Quarter,
    out_dir: Path,
    *,
    department: str | None,
    synthetic: bool,
) -> list[Path]:
    """One workbook per lead department of ``open_tasks`` (or only ``department``)."""
    rows = locked_values(open_tasks)
    if department is not None:
        rows = rows[rows["lead_department"] == department]
    paths = []
    for dept, part in rows.groupby("lead_department", sort=True):
        paths.append(
            write_ledger(
                part.sort_values("task_id"),
                Path(out_dir) / ledger_file_name(quarter, str(dept)),
                quarter=quarter,
                department=str(dept),
                synthetic=synthetic,
            )
        )
    return paths


def status_lines(history: pd.DataFrame, quarter: Quarter) -> list[str]:
    """``bizenv ledger status``: the outcome counts of ``quarter`` and each task's history
    up to it (``history``: sql/rectification/select_task_history.sql)."""
    from pipelines.rectification.config import OUTCOMES

    lines: list[str] = []
    this = history[history["quarter"] == str(quarter)]
    counts = this["outcome"].value_counts()
    lines.append(
        f"{quarter.label_zh}整改任务：共 {len(this)} 项（"
        + "，".join(f"{o} {int(counts.get(o, 0))}" for o in OUTCOMES)
        + "）"
    )
    for task, events in history.groupby("task_id", sort=True):
        first = events.iloc[0]
        lines.append("")
        lines.append(
            f"{task}  {first['unit_name']} · {first['indicator_name']} · 牵头单位 "
            f"{first['lead_department']} · 期限 {first['deadline_quarter']} 季度末"
        )
        lines.append(f"    目标：{first['target_text']}")
        for e in events.sort_values("quarter").itertuples(index=False):
            reported = e.reported_status if isinstance(e.reported_status, str) else "未报送"
            if e.outcome == "新立":
                reported = "—"
            score = "—" if pd.isna(e.measured_score) else f"{e.measured_score:.2f}"
            lines.append(
                f"    {e.quarter}  {e.outcome:<4}  上报：{reported:<3}  得分 {score:>6}  {e.reason}"
            )
    return lines
