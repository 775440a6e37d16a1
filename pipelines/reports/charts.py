"""Plotly figures of the bulletin, serialised as JSON for one inlined copy of plotly.js.

Every figure has a fixed size (it prints as it shows) and an explicit ``div_id`` (the page is
byte-for-byte deterministic). Text that may come from departments (unit, department and
indicator names) is HTML-escaped before it reaches Plotly, whose labels understand a subset of
HTML; the JSON is then made safe to embed in ``<script>`` (``<``, ``>``, ``&`` as ``\\u`` escapes).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go
from plotly.utils import PlotlyJSONEncoder

from pipelines.reports.model.formatting import fmt_number, fmt_share, round2
from pipelines.reports.model.lists import RedBlackLists
from pipelines.reports.model.rankings import RankRow
from pipelines.reports.model.robustness import Robustness
from pipelines.reports.model.satisfaction import SatisfactionRow
from pipelines.reports.model.summaries import IndicatorSummary
from pipelines.reports.model.trends import TrendSeries
from pipelines.reports.model.weak_points import UnitProfile

FONT_FAMILY = (
    '"Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "Source Han Sans SC", sans-serif'
)
FULL_WIDTH = 640  # px: A4 minus 2 × 20 mm margins at 96 dpi is ~642 px
HALF_WIDTH = 312
RED = "#c00000"
BLUE = "#1f4e79"
BLACK = "#3a3a3a"
GREY = "#8c8c8c"
PALETTE = (
    "#1f4e79",
    "#c00000",
    "#2e7d32",
    "#ef6c00",
    "#6a1b9a",
    "#00838f",
    "#8d6e63",
    "#ad1457",
    "#558b2f",
    "#455a64",
    "#f9a825",
    "#283593",
)


@dataclass(frozen=True)
class Chart:
    div_id: str
    label: str  # 图N
    title: str
    width: int
    height: int
    spec: str  # JSON: {"data": [...], "layout": {...}}, safe inside <script>


def esc(text: object) -> str:
    """Department-supplied text as Plotly label text (its pseudo-HTML neutralised).

    Plotly decodes ``&lt; &gt; &amp;`` (not ``&quot;``) when it draws a label, so the text
    shows exactly as written; quotes are harmless outside a tag and stay as they are."""
    return html.escape(str(text), quote=False)


def safe_json(value: object) -> str:
    text = json.dumps(
        value, cls=PlotlyJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _figure(data: object, width: int, height: int, **extra: object) -> go.Figure:
    """The figure of ``data`` (a trace or a list of traces) with the bulletin's layout and
    ``extra`` (e.g. ``xaxis``, ``yaxis``, ``margin``) given whole to the constructor: Plotly
    validates the layout once, and never builds its default template only to replace it."""
    layout: dict[str, object] = {
        "template": "none",
        "width": width,
        "height": height,
        "autosize": False,
        "font": {"family": FONT_FAMILY, "size": 12, "color": "#222"},
        "margin": {"l": 10, "r": 20, "t": 16, "b": 30},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "showlegend": False,
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
    }
    layout.update(extra)
    return go.Figure(data=data, layout=layout)


def _chart(fig: go.Figure, div_id: str, label: str, title: str) -> Chart:
    spec = fig.to_plotly_json()
    layout = spec["layout"]
    return Chart(
        div_id=div_id,
        label=label,
        title=title,
        width=int(layout["width"]),
        height=int(layout["height"]),
        spec=safe_json({"data": spec["data"], "layout": layout}),
    )


def ranking_bars(
    rows: Sequence[RankRow], lists: RedBlackLists, div_id: str, label: str, title: str
) -> Chart:
    red = {e.unit.unit_code for e in lists.red}
    black = {e.unit.unit_code for e in lists.black}
    colors = [RED if r.unit_code in red else BLACK if r.unit_code in black else BLUE for r in rows]
    lo = min((r.score for r in rows), default=0.0)
    fig = _figure(
        go.Bar(
            x=[round2(r.score) for r in rows],
            y=[esc(r.short_name) for r in rows],
            orientation="h",
            marker={"color": colors},
            text=[fmt_number(round2(r.score)) for r in rows],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}<br>综合得分 %{x:.2f}<extra></extra>",
        ),
        FULL_WIDTH,
        60 + 30 * len(rows),
        margin={"l": 90, "r": 50, "t": 10, "b": 40},
        yaxis={"autorange": "reversed", "automargin": True, "ticks": ""},
        xaxis={
            "range": [max(0.0, (lo // 10) * 10 - 10), 100],
            "title": {"text": "综合得分（分）"},
            "gridcolor": "#e5e5e5",
            "zeroline": False,
        },
    )
    return _chart(fig, div_id, label, title)


def first_level_heatmap(
    profiles: Sequence[UnitProfile], div_id: str, label: str, title: str
) -> Chart:
    names = [name for name, _ in profiles[0].first_level] if profiles else []
    z = [[s for _, s in p.first_level] for p in profiles]
    text = [[fmt_number(round2(s)) if s is not None else "—" for s in row] for row in z]
    fig = _figure(
        go.Heatmap(
            z=z,
            x=[esc(n) for n in names],
            y=[esc(p.unit.short_name) for p in profiles],
            text=text,
            texttemplate="%{text}",
            textfont={"size": 10},
            colorscale=[[0.0, "#fbe9e7"], [0.5, "#f4b183"], [1.0, "#c00000"]],
            zmin=min((s for row in z for s in row if s is not None), default=0.0),
            zmax=100,
            colorbar={"thickness": 10, "len": 0.8, "title": {"text": "得分"}},
            xgap=1,
            ygap=1,
            hovertemplate="%{y} · %{x}<br>得分 %{z:.2f}<extra></extra>",
        ),
        FULL_WIDTH,
        90 + 28 * len(profiles),
        margin={"l": 90, "r": 10, "t": 10, "b": 80},
        yaxis={"autorange": "reversed", "automargin": True, "showgrid": False},
        xaxis={"tickangle": -35, "automargin": True, "showgrid": False, "side": "bottom"},
    )
    return _chart(fig, div_id, label, title)


def indicator_bars(summary: IndicatorSummary, div_id: str, label: str, title: str) -> Chart:
    units = [u for u in summary.units if u.score is not None]
    fig = _figure(
        go.Bar(
            x=[esc(u.short_name) for u in units],
            y=[round2(u.score) for u in units],
            marker={"color": BLUE},
            text=[fmt_number(round2(u.score)) for u in units],
            textposition="outside",
            cliponaxis=False,
            textfont={"size": 10},
            hovertemplate="%{x}<br>得分 %{y:.2f}<extra></extra>",
        ),
        FULL_WIDTH,
        250,
        margin={"l": 40, "r": 10, "t": 20, "b": 50},
        yaxis={"range": [0, 110], "gridcolor": "#e5e5e5", "title": {"text": "得分"}, "dtick": 20},
        xaxis={"tickangle": 0, "automargin": True},
    )
    if summary.mean is not None:
        fig.add_hline(y=round2(summary.mean), line_dash="dash", line_color=RED, line_width=1)
        fig.add_annotation(
            x=1,
            xref="paper",
            xanchor="right",
            y=round2(summary.mean),
            yanchor="bottom",
            text=f"全市平均 {fmt_number(round2(summary.mean))}",
            showarrow=False,
            font={"color": RED, "size": 11},
        )
    return _chart(fig, div_id, label, title)


def unit_radar(
    profile: UnitProfile, city_mean: Sequence[float | None], div_id: str, label: str, title: str
) -> Chart:
    names = [esc(n) for n, _ in profile.first_level]
    mine = [round2(s) if s is not None else 0.0 for _, s in profile.first_level]
    mean = [round2(s) if s is not None else 0.0 for s in city_mean]
    fig = _figure(
        [
            go.Scatterpolar(
                r=[*mean, mean[0]] if mean else [],
                theta=[*names, names[0]] if names else [],
                name="全市平均",
                mode="lines",
                line={"color": GREY, "dash": "dash", "width": 1},
                hovertemplate="全市平均 · %{theta}<br>%{r:.2f}<extra></extra>",
            ),
            go.Scatterpolar(
                r=[*mine, mine[0]] if mine else [],
                theta=[*names, names[0]] if names else [],
                name=esc(profile.unit.short_name),
                fill="toself",
                fillcolor="rgba(192,0,0,0.15)",
                line={"color": RED, "width": 1.5},
                hovertemplate="%{theta}<br>%{r:.2f}<extra></extra>",
            ),
        ],
        HALF_WIDTH,
        270,
        showlegend=True,
        legend={
            "orientation": "h",
            "x": 0.5,
            "xanchor": "center",
            "y": -0.08,
            "font": {"size": 10},
        },
        margin={"l": 50, "r": 50, "t": 24, "b": 30},
        polar={
            "radialaxis": {
                "range": [0, 100],
                "tickfont": {"size": 8},
                "dtick": 25,
                "gridcolor": "#ddd",
            },
            "angularaxis": {"tickfont": {"size": 9}, "gridcolor": "#ddd"},
        },
    )
    return _chart(fig, div_id, label, title)


def trend_lines(
    series: Sequence[TrendSeries], field: str, div_id: str, label: str, title: str
) -> Chart:
    traces: list[go.Scatter] = []
    for i, s in enumerate(series):
        ys = [round2(v) for v in s.scores] if field == "score" else list(s.ranks)
        traces.append(
            go.Scatter(
                x=list(s.quarters),
                y=ys,
                mode="lines+markers",
                name=esc(s.short_name),
                line={"color": PALETTE[i % len(PALETTE)], "width": 1.5},
                marker={"size": 5},
                hovertemplate=(
                    "%{fullData.name} · %{x}<br>"
                    + ("综合得分 %{y:.2f}" if field == "score" else "第%{y}名")
                    + "<extra></extra>"
                ),
            )
        )
    yaxis: dict[str, object] = (
        {"title": {"text": "综合得分（分）"}, "gridcolor": "#e5e5e5"}
        if field == "score"
        else {
            "title": {"text": "名次"},
            "autorange": "reversed",
            "dtick": 1,
            "gridcolor": "#e5e5e5",
        }
    )
    fig = _figure(
        traces,
        FULL_WIDTH,
        300,
        showlegend=True,
        legend={"orientation": "v", "x": 1.02, "y": 1, "font": {"size": 10}},
        margin={"l": 50, "r": 110, "t": 10, "b": 40},
        xaxis={"type": "category", "gridcolor": "#eee"},
        yaxis=yaxis,
    )
    return _chart(fig, div_id, label, title)


def satisfaction_bars(
    rows: Sequence[SatisfactionRow], div_id: str, label: str, title: str
) -> Chart:
    lo = min((r.score for r in rows), default=0.0)
    fig = _figure(
        go.Bar(
            x=[r.score for r in rows],
            y=[esc(r.department) for r in rows],
            orientation="h",
            marker={"color": [RED if r.dissatisfied_share >= 0.2 else BLUE for r in rows]},
            text=[fmt_number(r.score) for r in rows],
            textposition="outside",
            cliponaxis=False,
            textfont={"size": 10},
            customdata=[[r.responses, round(r.dissatisfied_share * 100, 1)] for r in rows],
            hovertemplate=(
                "%{y}<br>满意度 %{x:.2f} 分<br>评价 %{customdata[0]} 份"
                "<br>不满意占比 %{customdata[1]}%<extra></extra>"
            ),
        ),
        FULL_WIDTH,
        50 + 20 * len(rows),
        margin={"l": 150, "r": 50, "t": 10, "b": 40},
        yaxis={"autorange": "reversed", "automargin": True, "tickfont": {"size": 10}},
        xaxis={
            "range": [max(0.0, (lo // 10) * 10 - 10), 100],
            "title": {"text": "满意度（分）"},
            "gridcolor": "#e5e5e5",
        },
    )
    return _chart(fig, div_id, label, title)


def rank_intervals(robustness: Robustness, div_id: str, label: str, title: str) -> Chart:
    """Each unit's rank over the simulations: 5–95 % interval as a bar, median as a dot,
    the published (nominal) rank as a red diamond; units in the ranking's order."""
    items = robustness.intervals
    names = [esc(i.unit.short_name) for i in items]
    n = max((i.high for i in items), default=1)
    custom = [[i.unit.rank, i.median, i.low, i.high, fmt_share(i.share_rank)] for i in items]
    fig = _figure(
        [
            go.Scatter(
                x=[i.median for i in items],
                y=names,
                mode="markers",
                name="名次中位数（5%–95%区间）",
                marker={"color": BLUE, "size": 9},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [i.high - i.median for i in items],
                    "arrayminus": [i.median - i.low for i in items],
                    "color": BLUE,
                    "thickness": 6,
                    "width": 0,
                },
                customdata=custom,
                hovertemplate=(
                    "%{y}<br>通报名次 第%{customdata[0]}名<br>名次中位数 第%{customdata[1]}名"
                    "<br>5%–95%区间 第%{customdata[2]}–%{customdata[3]}名"
                    "<br>保持通报名次 %{customdata[4]}<extra></extra>"
                ),
            ),
            go.Scatter(
                x=[i.unit.rank for i in items],
                y=names,
                mode="markers",
                name="通报名次",
                marker={"color": RED, "size": 11, "symbol": "diamond-open", "line": {"width": 2}},
                hovertemplate="%{y}<br>通报名次 第%{x}名<extra></extra>",
            ),
        ],
        FULL_WIDTH,
        90 + 30 * len(items),
        showlegend=True,
        legend={"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": {"size": 11}},
        margin={"l": 90, "r": 20, "t": 30, "b": 40},
        yaxis={"autorange": "reversed", "automargin": True, "ticks": ""},
        xaxis={
            "range": [0.5, n + 0.5],
            "dtick": 1,
            "title": {"text": "名次（模拟结果）"},
            "gridcolor": "#e5e5e5",
            "zeroline": False,
        },
    )
    return _chart(fig, div_id, label, title)
