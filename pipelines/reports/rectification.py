"""Bulletin chapter 八、整改落实情况 and the workbook's 整改台账 sheet, from the rectification
tables (docs/rectification.md). Empty when the warehouse has no rectification tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import duckdb
import pandas as pd
import plotly.graph_objects as go

from pipelines.quarters import Quarter
from pipelines.rectification.config import (
    CLOSED,
    CONTINUING,
    OPENED,
    OUTCOMES,
    OVERDUE,
    REWORK,
)
from pipelines.rectification.store import table_exists
from pipelines.reports import charts
from pipelines.sqlfiles import sql


@dataclass(frozen=True)
class TaskRow:
    task_id: str
    unit_name: str
    indicator_name: str
    lead_department: str
    opened_quarter: str
    deadline_quarter: str
    reported_status: str | None
    measured_score: float | None
    outcome: str
    reason: str


@dataclass(frozen=True)
class DepartmentRate:
    department: str
    due: int
    on_time: int
    open_tasks: int
    rate: float | None


@dataclass(frozen=True)
class RectificationChapter:
    quarter: Quarter
    counts: dict[str, int]
    by_outcome: dict[str, list[TaskRow]]
    departments: list[DepartmentRate]
    # (unit code, indicator code) -> the open task covering it after this quarter's scoring
    task_of: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def rows(self, outcome: str) -> list[TaskRow]:
        return self.by_outcome.get(outcome, [])

    def task_for(self, unit_code: str, indicator: str) -> str | None:
        return self.task_of.get((unit_code, indicator))


def _opt(value: object) -> object:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def load_chapter(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> RectificationChapter | None:
    if not table_exists(con, "scores", "rectification_events"):
        return None
    events = con.execute(sql("rectification/select_quarter_events"), {"quarter": str(quarter)}).df()
    rates = con.execute(
        sql("rectification/select_department_on_time"),
        {"quarter": str(quarter), "closed": CLOSED},
    ).df()
    rows = [
        TaskRow(
            task_id=r.task_id,
            unit_name=r.unit_name,
            indicator_name=r.indicator_name,
            lead_department=r.lead_department,
            opened_quarter=r.opened_quarter,
            deadline_quarter=r.deadline_quarter,
            reported_status=_opt(r.reported_status),  # type: ignore[arg-type]
            measured_score=_opt(r.measured_score),  # type: ignore[arg-type]
            outcome=r.outcome,
            reason=r.reason,
        )
        for r in events.itertuples(index=False)
    ]
    by_outcome: dict[str, list[TaskRow]] = {o: [] for o in OUTCOMES}
    for row in rows:
        by_outcome[row.outcome].append(row)
    still_open = events[events["outcome"] != CLOSED]
    return RectificationChapter(
        quarter=quarter,
        counts={o: len(by_outcome[o]) for o in OUTCOMES},
        by_outcome=by_outcome,
        departments=[
            DepartmentRate(
                department=r.lead_department,
                due=int(r.due),
                on_time=int(r.on_time),
                open_tasks=int(r.open_tasks),
                rate=_opt(r.rate),  # type: ignore[arg-type]
            )
            for r in rates.itertuples(index=False)
        ],
        task_of={
            (u, i): t
            for u, i, t in zip(
                still_open["unit_code"],
                still_open["indicator_code"],
                still_open["task_id"],
                strict=True,
            )
        },
    )


def on_time_bars(
    rates: Sequence[DepartmentRate], div_id: str, label: str, title: str
) -> charts.Chart:
    """Horizontal bars: each lead department's 整改按期完成率 (departments with tasks due)."""
    shown = [r for r in rates if r.rate is not None]
    fig = go.Figure(
        go.Bar(
            x=[round(r.rate * 100, 1) for r in shown],  # type: ignore[operator]
            y=[charts.esc(r.department) for r in shown],
            orientation="h",
            marker={"color": [charts.RED if (r.rate or 0) < 0.5 else charts.BLUE for r in shown]},
            text=[f"{r.rate * 100:.0f}%（{r.on_time}/{r.due}）" for r in shown],  # type: ignore[operator]
            textposition="outside",
            cliponaxis=False,
            textfont={"size": 10},
            hovertemplate="%{y}<br>按期完成率 %{x:.1f}%<extra></extra>",
        )
    )
    charts._layout(
        fig,
        charts.FULL_WIDTH,
        60 + 24 * max(len(shown), 1),
        margin={"l": 150, "r": 80, "t": 10, "b": 40},
    )
    fig.update_yaxes(autorange="reversed", automargin=True, tickfont={"size": 10})
    fig.update_xaxes(range=[0, 100], title_text="整改按期完成率（%）", gridcolor="#e5e5e5")
    return charts._chart(fig, div_id, label, title)


CHAPTER_OUTCOMES = (CLOSED, CONTINUING, REWORK, OVERDUE, OPENED)
