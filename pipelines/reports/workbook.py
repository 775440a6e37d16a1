"""The quarter's Excel workbook (数据表): the bulletin's tables, for analysts to sort and filter.

Chinese sheet names, the header row frozen, number formats per column. Text that came from
departments and begins with ``= + - @`` (or a tab / carriage return) is written with a
leading ``'`` so that Excel never evaluates it as a formula (CSV/formula injection); plain
numbers such as ``-1`` are left as they are. Rules of rejected versions are shown by their
Chinese names.

Written with XlsxWriter, which streams each sheet's XML once from light cell records
(openpyxl built a styled ``Cell`` object per value, three times slower for a sheet of
40,000 suggestions); the file is built in memory and written to a temporary file and renamed.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

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
COMMENT_COLUMNS = ("department", "response_id", "score_overall", "comment")

_THIN_GREY = {"border": 1, "border_color": "#999999"}
# Every cell style of the workbooks, by name (XlsxWriter format properties); a body style
# is combined with a column's number format in :meth:`Book.format`.
STYLES: dict[str, dict[str, Any]] = {
    "title": {"bold": True, "font_size": 14, "font_color": "#C00000"},  # 说明!A1
    "plain": {},  # the other cells of 说明
    "header": {
        "bold": True,
        "pattern": 1,
        "bg_color": "#F1F1F1",
        **_THIN_GREY,
        "align": "center",
        "valign": "vcenter",
        "text_wrap": True,
    },
    "body": _THIN_GREY,
}
# Text is text: XlsxWriter's ``write`` would otherwise turn "=…" into formulas and URLs
# into links (cells are written by type below, ``write`` only for the rare other types).
_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
# Excel's width unit is the digit width of the default font (Calibri 11: 7 pixels).
# XlsxWriter's ``set_column`` adds Excel's 5 px cell padding to a width in characters; in
# pixels the file holds exactly ``width`` characters, as the workbook always had.
_PIXELS_PER_CHARACTER = 7


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


def _values(frame: pd.DataFrame, column: str) -> list[object]:
    """A column as Python objects (a list per column: iterating a frame's rows costs more
    than writing them, for a sheet of tens of thousands of rows)."""
    return frame[column].tolist()


def _naive(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=None)


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 12
    number_format: str | None = None


class Book:
    """An xlsx workbook being written, with its cell formats: each (style, number format)
    becomes one XlsxWriter format the first time a cell needs it."""

    def __init__(self) -> None:
        self._buffer = io.BytesIO()
        self.xlsx = xlsxwriter.Workbook(self._buffer, _OPTIONS)
        self._formats: dict[tuple[str, str | None], Format] = {}

    def format(self, style: str, number_format: str | None = None) -> Format:
        key = (style, number_format)
        found = self._formats.get(key)
        if found is None:
            properties = dict(STYLES[style])
            if number_format:
                properties["num_format"] = number_format
            found = self._formats[key] = self.xlsx.add_format(properties)
        return found

    def sheet(self, title: str, widths: Sequence[float]) -> Worksheet:
        ws = self.xlsx.add_worksheet(title)
        for i, width in enumerate(widths):
            ws.set_column_pixels(i, i, round(width * _PIXELS_PER_CHARACTER))
        return ws

    def close(self, title: str | None = None, created: datetime | None = None) -> bytes:
        """The finished file's bytes; ``title`` and ``created`` go into its properties
        (author bizenv)."""
        if title is not None:
            self.xlsx.set_properties({"title": title, "author": "bizenv", "created": created})
        self.xlsx.close()
        return self._buffer.getvalue()


def _write(ws: Worksheet, row: int, col: int, value: object, number: Format, text: Format) -> None:
    """One cell, by type: numbers and date-times with ``number`` (their column's number
    format), anything else with ``text``; an empty string or a missing number is a blank
    cell that keeps its style; text is never a formula."""
    if isinstance(value, str):
        if value:
            ws.write_string(row, col, str(neutralise(value)), text)
        else:
            ws.write_blank(row, col, None, text)
    elif value is None or (isinstance(value, float) and not math.isfinite(value)):
        ws.write_blank(row, col, None, text)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, number)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, number)
    elif isinstance(value, datetime):
        ws.write_datetime(row, col, value, number)
    else:  # numpy numbers, dates, Decimal: XlsxWriter's own conversion, no column format
        ws.write(row, col, value, text)


def about_sheet(
    book: Book,
    lines: Sequence[tuple[str, object]],
    *,
    datetime_format: str = DATETIME,
    freeze: bool = True,
) -> None:
    """Sheet 说明: label and value per line, the first line the title (bold, red)."""
    ws = book.sheet("说明", [14, 70])
    plain, stamp = book.format("plain"), book.format("plain", datetime_format)
    for row, (label, value) in enumerate(lines):
        _write(ws, row, 0, label, plain, book.format("title") if row == 0 else plain)
        _write(ws, row, 1, value, stamp, plain)
    if freeze:
        ws.freeze_panes(1, 0)


def _sheet(
    book: Book, title: str, columns: Sequence[Column], rows: Sequence[Sequence[object]]
) -> Worksheet:
    ws = book.sheet(title, [c.width for c in columns])
    header = book.format("header")
    for i, col in enumerate(columns):
        ws.write_string(0, i, col.header, header)
    text, numbers = book.format("body"), [book.format("body", c.number_format) for c in columns]
    write_string = ws.write_string
    for r, row in enumerate(rows, start=1):
        for i, value in enumerate(row):
            if type(value) is str and value and not value.startswith(FORMULA_PREFIXES):
                write_string(r, i, value, text)  # most cells: text as it is
            else:
                _write(ws, r, i, value, numbers[i], text)
    ws.freeze_panes(1, 0)
    if rows:
        ws.autofilter(0, 0, len(rows), len(columns) - 1)
    return ws


def build_workbook(content: BulletinContent, generated_at: datetime) -> bytes:
    """The workbook's xlsx bytes."""
    c = content
    book = Book()
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
    about_sheet(book, lines)

    red = {e.unit.unit_code for e in c.lists.red}
    black = {e.unit.unit_code for e in c.lists.black}
    _sheet(
        book,
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
        book,
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
        book,
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
        book,
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
        book,
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
        book,
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
        book,
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
        book,
        "意见建议",
        [
            Column("部门", 24),
            Column("问卷编号", 16),
            Column("总体满意度", 10, INTEGER),
            Column("意见建议（原文）", 80),
        ],
        [
            (str(dept), str(response), None if score is None else int(score), str(text))
            for dept, response, score, text in zip(
                *(_values(c.data.comments, k) for k in COMMENT_COLUMNS), strict=True
            )
        ],
    )

    _sheet(
        book,
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
        book,
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
        book,
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
            book,
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
                book,
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

        add_firm_sheets(book, c.firms)
    # --- 整改台账 (issue 10): every task with its history up to the quarter ---
    if c.rectification is not None:
        ledger_sheet(book, c.rectification.history)
    return book.close(title, _naive(generated_at))


def write_workbook(content: BulletinContent, target: Path, generated_at: datetime) -> Path:
    write_atomic(target, build_workbook(content, generated_at))
    return target


def ledger_sheet(book: Book, history: pd.DataFrame, title: str = "整改台账") -> None:
    """Sheet 整改台账: one row per task and quarter measured (``select_task_history``), for the
    bulletin's workbook and the annual workbook."""
    _sheet(
        book,
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
