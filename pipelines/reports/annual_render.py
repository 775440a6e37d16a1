"""HTML and Excel of the annual report (年度报告), in the bulletin's register: one
self-contained file (CSS and plotly.js inlined, charts as JSON specs), A4 print, Jinja2
autoescape; the workbook through the bulletin workbook's sheet writer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

from pipelines.reports import charts
from pipelines.reports.annual import (
    AnnualContent,
    annual_dir_name,
    annual_report_name,
    annual_workbook_name,
)
from pipelines.reports.rectification import LEDGER_COUNT_HEADINGS, LedgerCount, on_time_chart
from pipelines.reports.render import TEMPLATES_DIR, Numbering, _environment, plotly_js
from pipelines.reports.workbook import (
    INTEGER,
    PERCENT,
    SCORE,
    Book,
    Column,
    _naive,
    _sheet,
    about_sheet,
    ledger_sheet,
)
from pipelines.tempfiles import write_atomic

PLACE_ZH = {"red": "红榜", "black": "黑榜", "": ""}
# 生成时间 on 说明: the date-time format openpyxl gave it when it wrote this workbook.
AUTO_DATETIME = "yyyy-mm-dd h:mm:ss"


@dataclass
class AnnualPage:
    tables: dict[str, str] = field(default_factory=dict)
    charts: dict[str, charts.Chart] = field(default_factory=dict)


def _page(c: AnnualContent) -> AnnualPage:
    n = Numbering()
    page = AnnualPage()
    page.tables["ranking"] = n.table()
    page.charts["ranking"] = charts.ranking_bars(
        c.rows, c.result.lists, "chart-annual-ranking", n.figure(), f"{c.year}年度综合得分排名"
    )
    page.tables["red"] = n.table()
    page.tables["black"] = n.table()
    page.tables["grades"] = n.table()
    page.charts["trend_score"] = charts.trend_lines(
        c.trend, "score", "chart-annual-trend-score", n.figure(), f"{c.year}年各季度综合得分"
    )
    page.charts["trend_rank"] = charts.trend_lines(
        c.trend, "rank", "chart-annual-trend-rank", n.figure(), f"{c.year}年各季度综合排名"
    )
    page.tables["indicators"] = n.table()
    page.charts["heatmap"] = charts.first_level_heatmap(
        c.profiles, "chart-annual-heatmap", n.figure(), f"{c.year}年各地一级指标年度平均得分"
    )
    page.tables["departments"] = n.table()
    if c.satisfaction:
        page.charts["satisfaction"] = charts.satisfaction_bars(
            c.satisfaction, "chart-annual-satisfaction", n.figure(), f"{c.year}年部门企业满意度"
        )
    if c.ledger is not None:
        page.tables["ledger_quarters"] = n.table()
        page.tables["ledger_departments"] = n.table()
        chart = on_time_chart(
            c.ledger.rates,
            "chart-annual-ledger-on-time",
            n.figure,
            f"截至{c.year}年末各牵头单位整改按期完成率",
        )
        if chart is not None:
            page.charts["ledger_on_time"] = chart
        page.tables["ledger_units"] = n.table()
    page.tables["method"] = n.table()
    return page


def render_annual(c: AnnualContent, generated_at: datetime) -> str:
    page = _page(c)
    chart_data = Markup(
        "["
        + ",".join(
            f'{{"id":{json.dumps(ch.div_id)},"spec":{ch.spec}}}' for ch in page.charts.values()
        )
        + "]"
    )
    template = _environment().get_template("annual.html.j2")
    return template.render(
        c=c,
        page=page,
        place_zh=PLACE_ZH,
        ledger_headings=LEDGER_COUNT_HEADINGS,
        generated_at=generated_at,
        css=Markup((TEMPLATES_DIR / "bulletin.css").read_text(encoding="utf-8")),
        plotly_js=Markup(plotly_js()),
        chart_data=chart_data,
        zip=zip,
    )


def build_annual_workbook(c: AnnualContent, generated_at: datetime) -> bytes:
    """The annual workbook's xlsx bytes."""
    book = Book()
    title = f"{c.title} · 数据表"
    lines: list[tuple[str, object]] = [
        (title, ""),
        ("印发单位", c.config.issuer),
        ("年度", f"{c.year}年"),
        ("年度得分", f"{c.score_method}（annual.score: {c.config.annual.score}）"),
        (
            "整改台账",
            c.ledger_overview or f"{c.year}年尚无整改台账数据（本年度评价未形成整改任务）",
        ),
        ("生成时间", _naive(generated_at)),
    ]
    if c.synthetic:
        lines.insert(1, ("示例数据", f"本表由虚构的“{c.city}”示例数据生成，仅供演示"))
    about_sheet(book, lines, datetime_format=AUTO_DATETIME, freeze=False)
    quarters = [f"{q.q}季度" for q in c.quarters]
    _sheet(
        book,
        "年度排名",
        [
            Column("年度排名", 8, INTEGER),
            Column("单位编码", 10),
            Column("单位", 24),
            Column("年度得分", 10, SCORE),
            *[Column(f"{q}得分", 10, SCORE) for q in quarters],
            Column("上年度排名", 10, INTEGER),
            Column("排名变化", 10, INTEGER),
            Column("三挂钩等次", 10),
            Column("榜单", 8),
            Column("季度齐全", 8),
        ],
        [
            [
                r.rank,
                r.unit_code,
                r.unit_name,
                r.score,
                *r.quarter_scores,
                r.previous_rank,
                r.rank_change,
                r.grade or "",
                PLACE_ZH[r.list_place],
                "是" if r.complete else "否",
            ]
            for r in c.result.rows
        ],
    )
    _sheet(
        book,
        "一级指标",
        [
            Column("一级指标", 18),
            Column("牵头单位", 20),
            *[Column(f"{q}全市平均", 12, SCORE) for q in quarters],
            Column("年度全市平均", 12, SCORE),
        ],
        [[i.name, i.lead, *i.quarter_means, i.year_mean] for i in c.indicators],
    )
    _sheet(
        book,
        "部门满意度",
        [
            Column("排名", 6, INTEGER),
            Column("部门", 24),
            Column("评价份数", 10, INTEGER),
            *[Column(f"{q}满意度", 10, SCORE) for q in quarters],
            Column("年度满意度", 10, SCORE),
            Column("不满意占比", 10, PERCENT),
        ],
        [
            [s.rank, d.department, d.responses, *d.quarter_scores, d.score, d.dissatisfied_share]
            for s, d in zip(c.satisfaction, c.departments, strict=True)
        ],
    )
    if c.ledger is not None:
        _ledger_summary_sheet(book, c)
        ledger_sheet(book, c.ledger.history, "整改台账")
    return book.close(title, _naive(generated_at))


def _ledger_summary_sheet(book: Book, c: AnnualContent) -> None:
    """整改年度汇总: the tasks opened in the year by quarter, lead department and unit."""
    assert c.ledger is not None
    ledger = c.ledger

    def row(kind: str, x: LedgerCount) -> list[object]:
        rate = ledger.rate_of(x.label) if kind == "牵头单位" else None
        return [kind, x.label, *ledger.counts(x), rate]

    _sheet(
        book,
        "整改年度汇总",
        [
            Column("分组", 10),
            Column("季度/牵头单位/单位", 24),
            *[Column(h, max(8, 2 * len(h) + 2), INTEGER) for h in LEDGER_COUNT_HEADINGS],
            Column("按期完成率", 10, PERCENT),
        ],
        [
            *[row("立项季度", x) for x in ledger.by_quarter],
            row("合计", ledger.total),
            *[row("牵头单位", x) for x in ledger.by_department],
            *[row("单位", x) for x in ledger.by_unit],
        ],
    )


@dataclass(frozen=True)
class AnnualPaths:
    html: Path
    workbook: Path | None


def write_annual(
    c: AnnualContent, reports_dir: Path, generated_at: datetime, *, workbook: bool = True
) -> AnnualPaths:
    directory = reports_dir / annual_dir_name(c.year)
    html = directory / annual_report_name(c.city, c.year)
    write_atomic(html, render_annual(c, generated_at).encode("utf-8"))
    xlsx = None
    if workbook:
        xlsx = directory / annual_workbook_name(c.city, c.year)
        write_atomic(xlsx, build_annual_workbook(c, generated_at))
    return AnnualPaths(html=html, workbook=xlsx)
