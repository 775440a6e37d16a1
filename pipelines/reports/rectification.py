"""Bulletin chapter 八、整改落实情况 and the workbook's 整改台账 sheet, from the rectification
tables (docs/rectification.md). Empty when the warehouse has no rectification tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, field

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
    departments = department_rates(con, quarter)
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


def department_rates(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> list[DepartmentRate]:
    """Each lead department's 整改按期完成率 as of ``quarter``."""
    rates = con.execute(
        sql("rectification/select_department_on_time"),
        {"quarter": str(quarter), "closed": CLOSED},
    ).df()
    return [
        DepartmentRate(
            department=r.lead_department,
            due=int(r.due),
            on_time=int(r.on_time),
            open_tasks=int(r.open_tasks),
            rate=_opt(r.rate),  # type: ignore[arg-type]
        )
        for r in rates.itertuples(index=False)
    ]


def _submitters() -> dict[str, tuple[str, ...]]:
    from pipelines.contracts import contract, enabled_sources

    return {s: contract(s).submitters for s in enabled_sources()}


def on_time_bars(
    rates: Sequence[DepartmentRate], div_id: str, label: str, title: str
) -> charts.Chart:
    """Horizontal bars: each lead department's 整改按期完成率 (departments with tasks due)."""
    shown = [r for r in rates if r.rate is not None]
    fig = charts._figure(
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
        ),
        charts.FULL_WIDTH,
        60 + 24 * max(len(shown), 1),
        margin={"l": 150, "r": 80, "t": 10, "b": 40},
        yaxis={"autorange": "reversed", "automargin": True, "tickfont": {"size": 10}},
        xaxis={"range": [0, 100], "title": {"text": "整改按期完成率（%）"}, "gridcolor": "#e5e5e5"},
    )
    return charts._chart(fig, div_id, label, title)


def on_time_chart(
    rates: Sequence[DepartmentRate], div_id: str, figure: Callable[[], str], title: str
) -> charts.Chart | None:
    """:func:`on_time_bars` numbered by ``figure()``, or None when no department has a task
    due (nothing to draw, no figure number taken)."""
    if not any(r.rate is not None for r in rates):
        return None
    return on_time_bars(rates, div_id, figure(), title)


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


# --- the year's ledger (annual report 八、整改台账年度情况, annual workbook) -----------------

DONE = "已销号"
IN_PROGRESS = "整改中"
YEAR_STATES = (DONE, OVERDUE, IN_PROGRESS)  # a task's state at the year's end
IMPROVED = "得分提高"
NOT_IMPROVED = "未提高"
NOT_MEASURED = "未复测"
REMEASURED = (IMPROVED, NOT_IMPROVED, NOT_MEASURED)  # the next quarter's measurement


@dataclass(frozen=True)
class YearTask:
    """A task opened in the year: its state at the year's end and its re-measurement (the
    score of the quarter after the opening one against the baseline)."""

    task_id: str
    unit_name: str
    lead_department: str
    opened_quarter: str
    state: str  # one of YEAR_STATES
    closed_quarter: str | None
    baseline_score: float | None
    next_score: float | None
    remeasured: str  # one of REMEASURED


# The counts' headings (report tables, workbook sheet), in LedgerCount's order after label.
LEDGER_COUNT_HEADINGS = (
    "立项任务",
    DONE,
    OVERDUE,
    IN_PROGRESS,
    "复测得分提高",
    "复测未提高",
    NOT_MEASURED,
)


@dataclass(frozen=True)
class LedgerCount:
    """Tasks opened in the year, for one quarter, lead department or unit."""

    label: str
    raised: int
    done: int
    overdue: int
    in_progress: int
    improved: int
    not_improved: int
    not_measured: int


@dataclass(frozen=True)
class LedgerYear:
    year: int
    tasks: list[YearTask]
    by_quarter: list[LedgerCount]
    by_department: list[LedgerCount]
    by_unit: list[LedgerCount]
    rates: list[DepartmentRate]  # 整改按期完成率 at the year's end (select_department_on_time)
    history: pd.DataFrame = field(default_factory=pd.DataFrame, compare=False)

    @property
    def total(self) -> LedgerCount:
        return _count("合计", self.tasks)

    def counts(self, x: LedgerCount) -> tuple[int, ...]:
        """``x``'s numbers in the order of LEDGER_COUNT_HEADINGS."""
        return astuple(x)[1:]

    def rate_of(self, department: str) -> float | None:
        """The department's 整改按期完成率 at the year's end (None: no task due)."""
        return next((r.rate for r in self.rates if r.department == department), None)


def _count(label: str, tasks: Sequence[YearTask]) -> LedgerCount:
    states = [t.state for t in tasks]
    measured = [t.remeasured for t in tasks]
    return LedgerCount(
        label,
        len(tasks),
        states.count(DONE),
        states.count(OVERDUE),
        states.count(IN_PROGRESS),
        measured.count(IMPROVED),
        measured.count(NOT_IMPROVED),
        measured.count(NOT_MEASURED),
    )


def year_tasks(history: pd.DataFrame, year: int) -> list[YearTask]:
    """The tasks opened in ``year`` from their current history (``select_task_history``; may
    run past the year: the next quarter re-measures a fourth-quarter task). State at the
    year's end: 已销号 if closed (销号) by Q4, else 逾期 if its last outcome by Q4 is 逾期, else
    整改中. Re-measurement: the opening quarter's score (the baseline, outcome 新立) against
    the next quarter's; 未复测 when either is missing."""
    year_end = str(Quarter(year, 4))
    opened = history[history["opened_quarter"].str.startswith(f"{year}Q")]
    out = []
    for task_id, rows in opened.groupby("task_id", sort=False):
        rows = rows.sort_values("quarter")
        first = rows.iloc[0]
        by_quarter = rows.set_index("quarter")
        in_year = rows[rows["quarter"] <= year_end]
        closed = in_year[in_year["outcome"] == CLOSED]["quarter"]
        last = in_year.iloc[-1]["outcome"] if len(in_year) else None
        state = DONE if len(closed) else OVERDUE if last == OVERDUE else IN_PROGRESS
        baseline = _score_at(by_quarter, first["opened_quarter"])
        following = str(Quarter.parse(first["opened_quarter"]).next())
        after = _score_at(by_quarter, following)
        if baseline is None or after is None:
            measured = NOT_MEASURED
        else:
            measured = IMPROVED if after > baseline else NOT_IMPROVED
        out.append(
            YearTask(
                task_id=str(task_id),
                unit_name=str(first["unit_name"]),
                lead_department=str(first["lead_department"]),
                opened_quarter=str(first["opened_quarter"]),
                state=state,
                closed_quarter=str(closed.iloc[0]) if len(closed) else None,
                baseline_score=baseline,
                next_score=after,
                remeasured=measured,
            )
        )
    out.sort(key=lambda t: (t.opened_quarter, t.lead_department, t.task_id))
    return out


def _score_at(by_quarter: pd.DataFrame, quarter: str) -> float | None:
    if quarter not in by_quarter.index:
        return None
    return _opt(by_quarter.at[quarter, "measured_score"])  # type: ignore[return-value]


def _grouped(tasks: Sequence[YearTask], key: str, order: Sequence[str]) -> list[LedgerCount]:
    groups: dict[str, list[YearTask]] = {label: [] for label in order}
    for t in tasks:
        groups.setdefault(getattr(t, key), []).append(t)
    return [_count(label, members) for label, members in groups.items()]


def summarise_year(
    history: pd.DataFrame, year: int, rates: Sequence[DepartmentRate] = ()
) -> LedgerYear | None:
    """The year's ledger from the tasks' history; None when no task was opened in the year."""
    tasks = year_tasks(history, year)
    if not tasks:
        return None
    quarters = [str(Quarter(year, q)) for q in range(1, 5)]
    departments = sorted({t.lead_department for t in tasks})
    units = sorted({t.unit_name for t in tasks})
    by_department = _grouped(tasks, "lead_department", departments)
    by_department.sort(key=lambda c: (-c.raised, -c.done, c.label))
    by_unit = _grouped(tasks, "unit_name", units)
    by_unit.sort(key=lambda c: (-c.raised, -c.done, c.label))
    year_end = str(Quarter(year, 4))
    ids = {t.task_id for t in tasks}
    shown = history[history["task_id"].isin(ids) & (history["quarter"] <= year_end)]
    return LedgerYear(
        year=year,
        tasks=tasks,
        by_quarter=_grouped(tasks, "opened_quarter", quarters),
        by_department=by_department,
        by_unit=by_unit,
        rates=[r for r in rates if r.department in set(departments)],
        history=shown.reset_index(drop=True),
    )


def load_ledger_year(con: duckdb.DuckDBPyConnection, year: int) -> LedgerYear | None:
    """The year's ledger from the rectification tables (None: no tables or no task opened in
    the year). The same queries as chapter 八: the tasks' history (up to the next year's
    first quarter, which re-measures the fourth quarter's tasks) and the departments'
    按期完成率 at the year's end."""
    if not table_exists(con, "scores", "rectification_events"):
        return None
    history = task_history(con, Quarter(year + 1, 1))
    return summarise_year(history, year, department_rates(con, Quarter(year, 4)))


def ledger_year_overview(ledger: LedgerYear) -> str:
    """The section's computed sentence."""
    total = ledger.total
    per_quarter = "，".join(
        f"第{'一二三四'[i]}季度{c.raised}项" for i, c in enumerate(ledger.by_quarter)
    )
    return (
        f"{ledger.year}年各季度评价共形成整改任务{total.raised}项（{per_quarter}）；"
        f"截至年末，已销号{total.done}项，逾期{total.overdue}项，整改中{total.in_progress}项。"
        f"立项后下一季度复测，{total.improved}项得分提高，{total.not_improved}项未提高，"
        f"{total.not_measured}项尚未复测。"
    )
