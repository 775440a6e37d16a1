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
from pipelines.rectification.store import table_exists, task_history
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
    # Every task's current history up to the quarter (sql/rectification/select_task_history)
    history: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False)
    duties: list[DepartmentDuty] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def rows(self, outcome: str) -> list[TaskRow]:
        return self.by_outcome.get(outcome, [])

    def task_for(self, unit_code: str, indicator: str) -> str | None:
        return self.task_of.get((unit_code, indicator))


def _opt(value: object) -> object:
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else value


def load_chapter(
    con: duckdb.DuckDBPyConnection, quarter: Quarter, *, deadline_days: int = 7
) -> RectificationChapter | None:
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
    history = task_history(con, quarter)
    departments = [
        DepartmentRate(
            department=r.lead_department,
            due=int(r.due),
            on_time=int(r.on_time),
            open_tasks=int(r.open_tasks),
            rate=_opt(r.rate),  # type: ignore[arg-type]
        )
        for r in rates.itertuples(index=False)
    ]
    return RectificationChapter(
        quarter=quarter,
        counts={o: len(by_outcome[o]) for o in OUTCOMES},
        by_outcome=by_outcome,
        departments=departments,
        task_of={
            (u, i): t
            for u, i, t in zip(
                still_open["unit_code"],
                still_open["indicator_code"],
                still_open["task_id"],
                strict=True,
            )
        },
        history=history,
        duties=department_duties(
            con, quarter, departments, submitters=_submitters(), deadline_days=deadline_days
        ),
    )


def _submitters() -> dict[str, tuple[str, ...]]:
    from pipelines.contracts import contract, enabled_sources

    return {s: contract(s).submitters for s in enabled_sources()}


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


# --- 部门履职: the departments' side of 三挂钩 ----------------------------------------------


@dataclass(frozen=True)
class DepartmentDuty:
    """One lead department: 整改按期完成率, 报送及时率 (its sources' quarters up to now whose
    first version arrived by the deadline) and firms' satisfaction with it (0–100)."""

    rank: int
    department: str
    on_time_rectification: float | None
    timely_submission: float | None
    submissions: int
    satisfaction: float | None
    attitude: float | None
    efficiency: float | None
    policy: float | None
    integrity: float | None
    composite: float | None


def department_duties(
    con: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    rates: Sequence[DepartmentRate],
    *,
    submitters: dict[str, tuple[str, ...]],
    deadline_days: int,
) -> list[DepartmentDuty]:
    """The lead departments ranked by the mean of their available rates (按期完成率 and
    报送及时率 as percentages, satisfaction as its 0–100 score)."""
    from pipelines.reports.model.data_quality import submission_deadline

    satisfaction = (
        con.execute(
            sql("rectification/select_department_satisfaction"), {"quarter": str(quarter)}
        ).df()
        if table_exists(con, "warehouse", "satisfaction_responses")
        else pd.DataFrame(columns=["department"])
    ).set_index("department")
    received = (
        con.execute(sql("rectification/select_first_received"), {"quarter": str(quarter)}).df()
        if table_exists(con, "intake", "submissions")
        else pd.DataFrame(columns=["source", "quarter", "first_received"])
    )
    timely: dict[str, list[bool]] = {}
    for r in received.itertuples(index=False):
        deadline = submission_deadline(Quarter.parse(r.quarter), deadline_days)
        for dept in submitters.get(r.source, ()):
            timely.setdefault(dept, []).append(pd.Timestamp(r.first_received) <= deadline)

    def sat(dept: str, column: str) -> float | None:
        if dept not in satisfaction.index:
            return None
        return _opt(float(satisfaction.at[dept, column]))  # type: ignore[return-value]

    rows = []
    for d in rates:
        flags = timely.get(d.department, [])
        timely_rate = sum(flags) / len(flags) if flags else None
        parts = [
            v
            for v in (
                None if d.rate is None else d.rate * 100,
                None if timely_rate is None else timely_rate * 100,
                sat(d.department, "overall"),
            )
            if v is not None
        ]
        rows.append(
            (
                d.department,
                d.rate,
                timely_rate,
                len(flags),
                *(
                    sat(d.department, c)
                    for c in ("overall", "attitude", "efficiency", "policy", "integrity")
                ),
                sum(parts) / len(parts) if parts else None,
            )
        )
    rows.sort(key=lambda r: (r[-1] is None, -(r[-1] or 0), r[0]))
    out: list[DepartmentDuty] = []
    for i, r in enumerate(rows):
        rank = i + 1
        if i and out[-1].composite == r[-1]:
            rank = out[-1].rank
        out.append(DepartmentDuty(rank, *r))  # type: ignore[arg-type]
    return out
