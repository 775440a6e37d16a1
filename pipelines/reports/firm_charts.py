"""Numbered charts and table labels of the firm-level chapters (九至十一) and 附录三 亮灯清单,
in document order; see :mod:`pipelines.reports.firm_sections`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import plotly.graph_objects as go

from pipelines.reports.charts import BLUE, FULL_WIDTH, RED, Chart, _chart, _figure, esc
from pipelines.reports.firm_sections import FirmSections, Section

if TYPE_CHECKING:
    from pipelines.reports.render import Numbering

YELLOW = "#e0a800"


@dataclass
class FirmPage:
    tables: dict[str, str] = field(default_factory=dict)
    charts: dict[str, Chart] = field(default_factory=dict)

    @property
    def all_charts(self) -> list[Chart]:
        return list(self.charts.values())


def funnel_chart(funnel: tuple[tuple[str, int], ...], div_id: str, label: str) -> Chart:
    fig = _figure(
        go.Funnel(
            y=[stage for stage, _n in funnel],
            x=[n for _stage, n in funnel],
            textinfo="value+percent initial",
            marker={"color": [BLUE] * len(funnel)},
        ),
        FULL_WIDTH,
        60 + 55 * len(funnel),
        margin={"l": 150, "r": 30, "t": 10, "b": 20},
    )
    return _chart(fig, div_id, label, "涉企诉求“123”办理漏斗（全市）")


def score_bars(section: Section, div_id: str, label: str, title: str) -> Chart:
    rows = [r for r in section.rows if r.score is not None]
    fig = _figure(
        go.Bar(
            x=[r.score for r in rows],
            y=[esc(r.short_name) for r in rows],
            orientation="h",
            marker={"color": BLUE},
            text=[f"{r.score:.2f}" for r in rows],
            textposition="outside",
            cliponaxis=False,
        ),
        FULL_WIDTH,
        50 + 24 * len(rows),
        margin={"l": 90, "r": 50, "t": 10, "b": 40},
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"range": [0, 105], "title": {"text": "得分"}, "gridcolor": "#e5e5e5"},
    )
    return _chart(fig, div_id, label, title)


def lights_by_unit(rows: tuple[tuple[str, int, int], ...], div_id: str, label: str) -> Chart:
    names = [esc(r[0]) for r in rows]
    fig = _figure(
        [
            go.Bar(name="黄灯", x=names, y=[r[1] for r in rows], marker={"color": YELLOW}),
            go.Bar(name="红灯", x=names, y=[r[2] for r in rows], marker={"color": RED}),
        ],
        FULL_WIDTH,
        300,
        barmode="stack",
        showlegend=True,
        yaxis={"title": {"text": "亮灯企业（家）"}, "gridcolor": "#e5e5e5"},
    )
    return _chart(fig, div_id, label, "各地亮灯企业数（年内累计）")


def lights_by_department(
    rows: tuple[tuple[str, int, int, int], ...], div_id: str, label: str
) -> Chart:
    fig = _figure(
        go.Bar(
            x=[r[3] for r in rows],
            y=[esc(r[0]) for r in rows],
            orientation="h",
            marker={"color": RED},
            text=[str(r[3]) for r in rows],
            textposition="outside",
            cliponaxis=False,
        ),
        FULL_WIDTH,
        50 + 24 * len(rows),
        margin={"l": 130, "r": 40, "t": 10, "b": 40},
        yaxis={"autorange": "reversed", "automargin": True},
        xaxis={"title": {"text": "检查过的亮灯企业（家）"}, "gridcolor": "#e5e5e5"},
    )
    return _chart(fig, div_id, label, "各执法部门检查过的亮灯企业数（年内累计）")


def leaf_bars(section: Section, i: int, div_id: str, label: str, title: str, unit: str) -> Chart:
    rows = [r for r in section.rows if r.values[i] is not None]
    fig = _figure(
        go.Bar(
            x=[esc(r.short_name) for r in rows],
            y=[r.values[i] for r in rows],
            marker={"color": BLUE},
            text=[f"{r.values[i]:.1f}" for r in rows],
            textposition="outside",
            cliponaxis=False,
        ),
        FULL_WIDTH,
        300,
        yaxis={"title": {"text": unit}, "gridcolor": "#e5e5e5"},
    )
    return _chart(fig, div_id, label, title)


def number_chapters(firms: FirmSections, n: Numbering) -> FirmPage:
    """Labels of 九至十一 in document order (called where those chapters are printed)."""
    page = FirmPage()
    if firms.requests is not None:
        page.charts["funnel"] = funnel_chart(firms.funnel, "chart-request-funnel", n.figure())
        page.tables["funnel"] = n.table()
        page.tables["requests"] = n.table()
        page.charts["requests"] = score_bars(
            firms.requests, "chart-requests", n.figure(), f"{firms.requests.name}得分排名"
        )
        page.tables["departments"] = n.table()
    if firms.inspections is not None:
        page.tables["inspections"] = n.table()
        page.tables["lights_unit"] = n.table()
        page.charts["lights_unit"] = lights_by_unit(
            firms.lit_by_unit, "chart-lights-unit", n.figure()
        )
        page.tables["inspection_departments"] = n.table()
        page.charts["lights_department"] = lights_by_department(
            firms.by_department, "chart-lights-department", n.figure()
        )
    if firms.payouts is not None:
        page.tables["payouts"] = n.table()
        auto = firms.payouts.leaf("auto_payout_rate")
        days = firms.payouts.leaf("payout_days")
        if auto is not None:
            page.charts["auto"] = leaf_bars(
                firms.payouts, auto, "chart-payout-auto", n.figure(), "认定类政策免申即享率", "%"
            )
        if days is not None:
            page.charts["days"] = leaf_bars(
                firms.payouts, days, "chart-payout-days", n.figure(), "平均兑现用时", "工作日"
            )
    return page


def number_appendix(firms: FirmSections, n: Numbering, page: FirmPage) -> None:
    if firms.inspections is not None:
        page.tables["lit"] = n.table()
