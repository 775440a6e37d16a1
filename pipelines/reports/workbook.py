"""The quarter's Excel workbook (数据表): the bulletin's tables, for analysts to sort and filter.

Chinese sheet names, the header row frozen, number formats per column. Text that came from
departments and begins with ``= + - @`` (or a tab / carriage return) is written with a
leading ``'`` so that Excel never evaluates it as a formula (CSV/formula injection); plain
numbers such as ``-1`` are left as they are. Rules of rejected versions are shown by their
Chinese names.
Written to a temporary file and renamed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from copy import copy
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pipelines.reports.content import BulletinContent
from pipelines.reports.model.satisfaction import SUB_SCORES
from pipelines.tempfiles import write_atomic
from pipelines.validation.model import rule_label
from pipelines.validation.report import PLAIN_NUMBER

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SCORE = "0.00"
INTEGER = "0"
THOUSANDS = "#,##0"
PERCENT = "0.0%"
DATETIME = "yyyy-mm-dd hh:mm"
VALUE = "#,##0.00"

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F1F1F1")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def neutralise(value: object) -> object:
    """A string that Excel would read as a formula gets a leading apostrophe (a plain number
    such as ``-1`` or ``-0.5`` is left as it is)."""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and not PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def _naive(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=None)


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    number_format: str | None = None


def _body_style(wb: Workbook, number_format: str | None) -> str:
    """The named style of a body cell (thin border, ``number_format``), registered once per
    workbook: assigning a named style copies its indices, while setting border and format
    cell by cell hashes the style objects each time (minutes for a sheet of 100,000 cells)."""
    name = f"bizenv {number_format or 'General'}"
    if name not in wb.named_styles:
        wb.add_named_style(
            NamedStyle(name=name, border=_BORDER, number_format=number_format or "General")
        )
    return name


class _NamedStyles:
    """Named styles assigned to many cells. ``cell.style = name`` looks the style up by name
    in the workbook's list and rebuilds its index array for every cell (most of the time of
    a large sheet); here only the first cell of each style does, the others get a copy of
    its array. The one use of openpyxl's ``Cell._style`` (pinned by test_workbook's
    number-format and border checks on a written and re-read workbook)."""

    def __init__(self) -> None:
        self._arrays: dict[str, StyleArray] = {}

    def apply(self, cell: Cell, name: str) -> None:
        array = self._arrays.get(name)
        if array is None:
            cell.style = name
            self._arrays[name] = copy(cell._style)
        else:
            cell._style = copy(array)


def _sheet(
    wb: Workbook, title: str, columns: Sequence[Column], rows: Sequence[Sequence[object]]
) -> Worksheet:
    ws = wb.create_sheet(title)
    ws.append([c.header for c in columns])
    for cell in ws[1]:
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for row in rows:
        ws.append([neutralise(v) for v in row])
    styled = _NamedStyles()
    for i, col in enumerate(columns, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = col.width
        plain, formatted = _body_style(wb, None), _body_style(wb, col.number_format)
        for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
            if isinstance(cell.value, str):
                cell.data_type = "s"  # never a formula, whatever the text
            numeric = isinstance(cell.value, int | float | datetime)
            styled.apply(cell, formatted if col.number_format and numeric else plain)
    ws.freeze_panes = "A2"
    if rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"
    return ws


def build_workbook(content: BulletinContent, generated_at: datetime) -> Workbook:
    c = content
    wb = Workbook()
    about = wb.active
    assert about is not None
    about.title = "说明"
    title = f"{c.city}营商环境评价{c.quarter.label_zh}通报 · 数据表"
    lines: list[tuple[str, object]] = [
        (title, ""),
        ("印发单位", c.config.issuer),
        ("季度", str(c.quarter)),
        ("统计期", f"{c.quarter.start.isoformat()} 至 {c.quarter.end.isoformat()}"),
        ("数据截至", _naive(c.cutoff)),
        ("生成时间", _naive(generated_at)),
        ("数据版本", c.data_version),
        ("说明", "得分为未四舍五入值，显示保留两位小数；排名变化正数为上升、负数为下降。"),
    ]
    if c.synthetic:
        lines.insert(1, ("示例数据", f"本表由虚构的“{c.city}”示例数据生成，仅供演示"))
    for label, value in lines:
        about.append([label, neutralise(value)])
    about["A1"].font = Font(bold=True, size=14, color="C00000")
    about.column_dimensions["A"].width = 14
    about.column_dimensions["B"].width = 70
    for (cell,) in about.iter_rows(min_row=2, min_col=2, max_col=2):
        if isinstance(cell.value, datetime):
            cell.number_format = DATETIME
    about.freeze_panes = "A2"

    red = {e.unit.unit_code for e in c.lists.red}
    black = {e.unit.unit_code for e in c.lists.black}
    _sheet(
        wb,
        "综合排名",
        [
            Column("排名", 6, INTEGER),
            Column("单位编码", 10),
            Column("单位", 24),
            Column("综合得分", 10, SCORE),
            Column("上季度排名", 10, INTEGER),
            Column("排名变化", 10, INTEGER),
            Column("上季度得分", 10, SCORE),
            Column("得分变化", 10, SCORE),
            Column("榜单", 8),
        ],
        [
            [
                r.rank,
                r.unit_code,
                r.unit_name,
                r.score,
                r.previous_rank,
                r.rank_change,
                r.previous_score,
                r.score_change,
                "红榜" if r.unit_code in red else "黑榜" if r.unit_code in black else "",
            ]
            for r in c.rows
        ],
    )

    first = c.first_level
    by_unit = {(u.unit_code, s.code): u for s in first for u in s.units}
    _sheet(
        wb,
        "一级指标得分",
        [
            Column("排名", 6, INTEGER),
            Column("单位编码", 10),
            Column("单位", 24),
            Column("综合得分", 10, SCORE),
            *(Column(s.name, 12, SCORE) for s in first),
        ],
        [
            [
                r.rank,
                r.unit_code,
                r.unit_name,
                r.score,
                *(getattr(by_unit.get((r.unit_code, s.code)), "score", None) for s in first),
            ]
            for r in c.rows
        ],
    )

    names = {r.unit_code: r.unit_name for r in c.rows}
    parent_name = {n.code: c.framework.node(n.parent).name for n in c.framework.nodes() if n.parent}
    _sheet(
        wb,
        "二级指标得分",
        [
            Column("单位编码", 10),
            Column("单位", 24),
            Column("一级指标", 16),
            Column("指标编码", 12),
            Column("二级指标", 28),
            Column("得分", 10, SCORE),
            Column("全市排名", 10, INTEGER),
        ],
        [
            [
                u.unit_code,
                names.get(u.unit_code, u.unit_code),
                parent_name.get(s.code, ""),
                s.code,
                s.name,
                u.score,
                u.rank,
            ]
            for s in c.second_level
            for u in s.units
        ],
    )

    values = c.data.values_of(c.quarter)
    rows_values = []
    for v in values.itertuples(index=False):
        code = str(v.indicator)
        node = c.framework.node(code) if code in c.framework else None
        unit_code = str(v.unit_code)
        rows_values.append(
            [
                unit_code,
                names.get(unit_code, unit_code),
                code,
                node.name if node else code,
                (node.unit or "") if node else "",
                None if v.value is None else float(v.value),
                None if v.n_cases is None or v.n_cases != v.n_cases else int(v.n_cases),
            ]
        )
    _sheet(
        wb,
        "指标值",
        [
            Column("单位编码", 10),
            Column("单位", 24),
            Column("指标编码", 12),
            Column("指标", 28),
            Column("计量单位", 10),
            Column("数值", 12, VALUE),
            Column("样本数", 10, THOUSANDS),
        ],
        rows_values,
    )

    _sheet(
        wb,
        "红黑榜",
        [
            Column("榜单", 8),
            Column("排名", 6, INTEGER),
            Column("单位", 24),
            Column("综合得分", 10, SCORE),
            Column("排名变化", 10, INTEGER),
            Column("列入原因", 50),
        ],
        [
            [
                label,
                e.unit.rank,
                e.unit.unit_name,
                e.unit.score,
                e.unit.rank_change,
                "；".join(e.reasons),
            ]
            for label, entries in (("红榜", c.lists.red), ("黑榜", c.lists.black))
            for e in entries
        ],
    )

    _sheet(
        wb,
        "各地短板",
        [
            Column("单位", 24),
            Column("二级指标", 28),
            Column("所属一级指标", 16),
            Column("全市排名", 10, INTEGER),
            Column("参评单位数", 10, INTEGER),
            Column("本地数值", 12, VALUE),
            Column("全市最优", 12, VALUE),
            Column("最优单位", 12),
            Column("计量单位", 10),
            Column("得分", 10, SCORE),
            Column("牵头单位", 22),
        ],
        [
            [
                p.unit.unit_name,
                w.name,
                w.parent_name,
                w.rank,
                w.n_units,
                w.value,
                w.best_value,
                w.best_unit,
                w.measure,
                w.score,
                w.lead,
            ]
            for p in c.profiles
            for w in p.weak_points
        ],
    )

    _sheet(
        wb,
        "部门满意度",
        [
            Column("排名", 6, INTEGER),
            Column("部门", 24),
            Column("评价份数", 10, THOUSANDS),
            Column("满意度（百分制）", 14, SCORE),
            Column("不满意占比", 12, PERCENT),
            *(Column(name, 10, SCORE) for name in SUB_SCORES),
        ],
        [
            [r.rank, r.department, r.responses, r.score, r.dissatisfied_share, *r.sub_scores]
            for r in c.satisfaction
        ],
    )

    _sheet(
        wb,
        "意见建议",
        [
            Column("部门", 24),
            Column("问卷编号", 16),
            Column("总体满意度", 10, INTEGER),
            Column("意见建议（原文）", 80),
        ],
        [
            [
                str(m.department),
                str(m.response_id),
                None if m.score_overall is None else int(m.score_overall),
                str(m.comment),
            ]
            for m in c.data.comments.itertuples(index=False)
        ],
    )

    _sheet(
        wb,
        "数据质量",
        [
            Column("数据", 16),
            Column("报送单位", 18),
            Column("在用版本", 36),
            Column("收到时间", 17, DATETIME),
            Column("报送截止", 17, DATETIME),
            Column("是否按时", 9),
            Column("行数", 10, THOUSANDS),
            Column("版本数", 8, INTEGER),
            Column("退回版本数", 10, INTEGER),
            Column("被替代版本数", 12, INTEGER),
        ],
        [
            [
                q.title,
                q.submitters,
                q.status,
                _naive(q.received_at),
                _naive(q.deadline),
                "—" if q.on_time is None else "按时" if q.on_time else "逾期",
                q.rows,
                q.versions,
                len(q.rejected),
                q.superseded,
            ]
            for q in c.quality
        ],
    )
    _sheet(
        wb,
        "退回版本",
        [
            Column("数据", 16),
            Column("文件名", 36),
            Column("收到时间", 17, DATETIME),
            Column("错误数", 8, THOUSANDS),
            Column("主要问题（规则：处数）", 40),
            Column("首条错误", 60),
        ],
        [
            [
                q.title,
                v.file_name,
                _naive(v.received_at),
                v.error_count,
                "；".join(f"{rule_label(rule)}：{n}" for rule, n in v.rules[:5]),
                v.messages[0] if v.messages else "",
            ]
            for q in c.quality
            for v in q.rejected
        ],
    )
    _sheet(
        wb,
        "指标体系",
        [
            Column("编码", 12),
            Column("指标", 28),
            Column("层级", 6, INTEGER),
            Column("权重（占同级）", 12, PERCENT),
            Column("计量单位", 10),
            Column("方向", 10),
            Column("计分方法", 28),
            Column("最优值/最差值", 30),
            Column("牵头单位", 22),
        ],
        [
            [
                m.code,
                m.name,
                m.level,
                m.weight_share,
                m.unit,
                m.direction,
                m.method,
                m.bounds,
                m.lead,
            ]
            for m in c.method
        ],
    )
    if c.robustness is not None:
        rob = c.robustness
        place = {"red": "红榜", "black": "黑榜", "": ""}
        _sheet(
            wb,
            "名次稳健性",
            [
                Column("排名", 6, INTEGER),
                Column("单位编码", 10),
                Column("单位", 24),
                Column("名次中位数", 10, INTEGER),
                Column("5%分位名次", 10, INTEGER),
                Column("95%分位名次", 10, INTEGER),
                Column("保持本名次的模拟占比", 14, PERCENT),
                Column("榜单", 8),
                Column("保持榜单位置的模拟占比", 14, PERCENT),
            ],
            [
                [
                    i.unit.rank,
                    i.unit.unit_code,
                    i.unit.unit_name,
                    i.median,
                    i.low,
                    i.high,
                    i.share_rank,
                    place.get(i.place, ""),
                    i.share_place,
                ]
                for i in rob.intervals
            ],
        )
        if rob.drivers:
            _sheet(
                wb,
                "名次敏感性",
                [
                    Column("评价设定", 16),
                    Column("一阶指数", 10, SCORE),
                    Column("总效应指数", 10, SCORE),
                ],
                [[d.label, d.s1, d.st] for d in rob.drivers],
            )
    if c.firms is not None:  # 九至十一 and 亮灯清单 (pipelines.reports.workbook_firms)
        from pipelines.reports.workbook_firms import add_firm_sheets

        add_firm_sheets(wb, c.firms)
    # --- 整改台账 (issue 10): every task with its history up to the quarter ---
    if c.rectification is not None:
        ledger_sheet(wb, c.rectification.history)
    wb.properties.creator = "bizenv"
    wb.properties.title = title
    wb.properties.created = _naive(generated_at)
    wb.properties.modified = _naive(generated_at)
    return wb


def write_workbook(content: BulletinContent, target: Path, generated_at: datetime) -> Path:
    buffer = io.BytesIO()
    build_workbook(content, generated_at).save(buffer)
    write_atomic(target, buffer.getvalue())
    return target


def ledger_sheet(wb: Workbook, history: pd.DataFrame, title: str = "整改台账") -> None:
    """Sheet 整改台账: one row per task and quarter measured (``select_task_history``), for the
    bulletin's workbook and the annual workbook."""
    _sheet(
        wb,
        title,
        [
            Column("任务编号", 26),
            Column("单位", 20),
            Column("二级指标", 28),
            Column("牵头单位", 20),
            Column("立项季度", 9),
            Column("整改期限", 9),
            Column("整改目标", 36),
            Column("季度", 9),
            Column("上报状态", 9),
            Column("得分", 9, SCORE),
            Column("名次", 6, INTEGER),
            Column("结果", 9),
            Column("说明", 60),
        ],
        [
            [
                r.task_id,
                r.unit_name,
                r.indicator_name,
                r.lead_department,
                r.opened_quarter,
                r.deadline_quarter,
                r.target_text,
                r.quarter,
                r.reported_status if isinstance(r.reported_status, str) else "",
                None if pd.isna(r.measured_score) else float(r.measured_score),
                None if pd.isna(r.measured_rank) else int(r.measured_rank),
                r.outcome,
                r.reason,
            ]
            for r in history.itertuples(index=False)
        ],
    )
