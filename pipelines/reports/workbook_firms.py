"""Workbook sheets of the firm-level chapters (九至十一) and 亮灯清单: the same records as the
bulletin (:mod:`pipelines.reports.firm_sections`), masked the same way."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pipelines.reports.firm_sections import FirmSections, Section

if TYPE_CHECKING:
    from pipelines.reports.workbook import Book, Column


def _unit_sheet(book: Book, title: str, section: Section) -> None:
    from pipelines.reports.workbook import INTEGER, SCORE, Column, _sheet

    columns: list[Column] = [
        Column("排名", 6, INTEGER),
        Column("单位", 16),
        Column(f"{section.name}得分", 12, SCORE),
    ]
    for leaf in section.leaves:
        unit = f"（{leaf.unit}）" if leaf.unit else ""
        columns.append(Column(f"{leaf.name}{unit}", 14, SCORE))
        columns.append(Column(f"{leaf.name}·样本数", 10, INTEGER))
    rows = [
        [
            r.rank,
            r.short_name,
            r.score,
            *[x for pair in zip(r.values, r.n_cases, strict=True) for x in pair],
        ]
        for r in section.rows
    ]
    _sheet(book, title, columns, rows)


def add_firm_sheets(book: Book, firms: FirmSections) -> None:
    from pipelines.reports.workbook import INTEGER, SCORE, Column, _sheet

    if firms.requests is not None:
        _unit_sheet(book, "涉企诉求办理", firms.requests)
        _sheet(
            book,
            "承办单位排名",
            [
                Column("排名", 6, INTEGER),
                Column("承办单位", 22),
                Column("工单（件）", 10, INTEGER),
                Column("1个工作日内联系企业率（%）", 14, SCORE),
                Column("2个工作日内交办率（%）", 14, SCORE),
                Column("3个工作日内反馈率（%）", 14, SCORE),
                Column("复杂诉求一个月内办结率（%）", 14, SCORE),
                Column("诉求满意率（%）", 12, SCORE),
                Column("重复诉求率（%）", 12, SCORE),
            ],
            [[d.rank, d.department, d.requests, *d.rates] for d in firms.departments],
        )
    if firms.inspections is not None:
        _unit_sheet(book, "执法检查", firms.inspections)
        _sheet(
            book,
            "亮灯清单",
            [
                Column("企业名称", 28),
                Column("统一社会信用代码", 22),
                Column("单位", 12),
                Column("年内检查次数", 10, INTEGER),
                Column("亮灯", 8),
                Column("检查部门", 36),
                Column("检查日期", 40),
            ],
            [
                [
                    x.firm_name,
                    x.credit_code,
                    x.unit_name,
                    x.inspections,
                    x.light,
                    x.departments,
                    x.dates,
                ]
                for x in firms.lit
            ],
        )
    if firms.payouts is not None:
        _unit_sheet(book, "惠企政策兑现", firms.payouts)
