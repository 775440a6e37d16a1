"""Pure rectification logic on small frames (a few hundred unit × indicator rows a quarter).

One quarter ``Q`` is derived from:

- ``scores``: the quarter's scored nodes of the task level (``unit_code, node, score, rank,
  value``);
- ``open_tasks``: tasks opened before ``Q`` and not closed (销号) before ``Q``, each with
  ``last_score`` (its latest measured score, else the baseline);
- ``progress``: the quarter's progress ledger rows (``task_id, status, progress,
  completed_at``), possibly empty.

It yields the outcome event of every open task and the tasks (with their opening events) of
the weak points that no open task covers. Outcomes, in this order:

1. 销号 — the target is met (rank out of the bottom N of this quarter, or score at least the
   target score = the opening quarter's city average);
2. 回炉 — the department reported 已完成 but the score did not rise above the previous
   measurement (or is missing);
3. 逾期 — the quarter measured lies after the deadline quarter and the target is not met;
4. 持续整改 — otherwise (before or at the deadline, not met).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines.quarters import Quarter
from pipelines.rectification.config import (
    CLOSED,
    CONTINUING,
    DONE,
    OPENED,
    OVERDUE,
    REWORK,
    RectificationRules,
)

TASK_COLUMNS: tuple[str, ...] = (
    "task_id",
    "opened_quarter",
    "unit_code",
    "unit_name",
    "indicator_code",
    "indicator_name",
    "lead_department",
    "trigger",
    "baseline_value",
    "baseline_score",
    "baseline_rank",
    "units_ranked",
    "target_rank",
    "target_score",
    "target_text",
    "deadline_quarter",
    "deadline_date",
)
EVENT_COLUMNS: tuple[str, ...] = (
    "task_id",
    "quarter",
    "reported_status",
    "reported_progress",
    "reported_completed_at",
    "measured_value",
    "measured_score",
    "measured_rank",
    "units_ranked",
    "outcome",
    "reason",
)


def task_id(quarter: Quarter | str, unit_code: str, indicator: str) -> str:
    """``ZG-2025Q2-880602-E04_04``: opening quarter, unit, indicator (stable and readable)."""
    return f"ZG-{quarter}-{unit_code}-{indicator}"


def deadline_of(quarter: Quarter, rules: RectificationRules) -> Quarter:
    due = quarter
    for _ in range(rules.deadline_quarters):
        due = due.next()
    return due


@dataclass(frozen=True)
class QuarterResult:
    tasks: pd.DataFrame  # TASK_COLUMNS: the tasks opened this quarter
    events: pd.DataFrame  # EVENT_COLUMNS: outcomes of open tasks + opening events


def with_field_stats(scores: pd.DataFrame) -> pd.DataFrame:
    """``scores`` plus ``units_ranked`` and ``city_average`` per node (scored units only)."""
    scored = scores[scores["score"].notna()]
    stats = scored.groupby("node")["score"].agg(units_ranked="count", city_average="mean")
    return scores.merge(stats, left_on="node", right_index=True, how="left")


def weak_points(scores: pd.DataFrame, rules: RectificationRules) -> pd.DataFrame:
    """Rows of ``scores`` (with field stats) that trigger a task, with a ``trigger`` text."""
    s = with_field_stats(scores)
    s = s[s["score"].notna()].copy()
    bottom = (s["units_ranked"] > rules.bottom_n) & (s["rank"] > s["units_ranked"] - rules.bottom_n)
    low = (
        s["score"] < rules.below_score
        if rules.below_score is not None
        else pd.Series(False, index=s.index)
    )
    s["trigger"] = np.select(
        [bottom & low, bottom, low],
        [
            f"排名后{rules.bottom_n}位且得分低于{rules.below_score:g}分"
            if rules.below_score is not None
            else "",
            f"排名后{rules.bottom_n}位",
            f"得分低于{rules.below_score:g}分" if rules.below_score is not None else "",
        ],
        default="",
    )
    return s[bottom | low].sort_values(["unit_code", "node"]).reset_index(drop=True)


def target_text(rules: RectificationRules, city_average: float) -> str:
    parts = []
    if rules.target_leave_bottom:
        parts.append(f"退出后{rules.bottom_n}位")
    if rules.target_city_average:
        parts.append(f"得分达到全市平均（{city_average:.2f}分）")
    return "或".join(parts)


def is_met(
    score: pd.Series,
    rank: pd.Series,
    units_ranked: pd.Series,
    target_score: pd.Series,
    rules: RectificationRules,
) -> pd.Series:
    met = pd.Series(False, index=score.index)
    if rules.target_leave_bottom:
        met |= (rank <= units_ranked - rules.bottom_n).fillna(False).astype(bool)
    if rules.target_city_average:
        met |= (score >= target_score - 1e-9).fillna(False).astype(bool)
    return met & score.notna()


def derive_quarter(
    quarter: Quarter,
    scores: pd.DataFrame,
    open_tasks: pd.DataFrame,
    progress: pd.DataFrame,
    rules: RectificationRules,
    *,
    indicator_names: dict[str, str],
    leads: dict[str, str],
    unit_names: dict[str, str],
) -> QuarterResult:
    """Outcomes of ``open_tasks`` in ``quarter`` and the tasks it opens (see module doc)."""
    field = with_field_stats(scores)
    events = _outcomes(quarter, field, open_tasks, progress, rules)
    still_open = set(events.loc[events["outcome"] != CLOSED, "task_id"])
    covered = (
        {
            (u, i)
            for t, u, i in open_tasks[["task_id", "unit_code", "indicator_code"]].itertuples(
                index=False
            )
            if t in still_open
        }
        if len(open_tasks)
        else set()
    )
    weak = weak_points(scores, rules)
    weak = weak[
        [(u, n) not in covered for u, n in zip(weak["unit_code"], weak["node"], strict=True)]
    ]
    due = deadline_of(quarter, rules)
    tasks = pd.DataFrame(
        {
            "task_id": [
                task_id(quarter, u, n) for u, n in zip(weak["unit_code"], weak["node"], strict=True)
            ],
            "opened_quarter": str(quarter),
            "unit_code": weak["unit_code"].astype(str),
            "unit_name": weak["unit_code"].map(unit_names).fillna(weak["unit_code"]),
            "indicator_code": weak["node"].astype(str),
            "indicator_name": weak["node"].map(indicator_names).fillna(weak["node"]),
            "lead_department": weak["node"].map(leads).fillna(""),
            "trigger": weak["trigger"],
            "baseline_value": weak["value"].astype("float64"),
            "baseline_score": weak["score"].astype("float64"),
            "baseline_rank": weak["rank"].astype("int64"),
            "units_ranked": weak["units_ranked"].astype("int64"),
            "target_rank": (weak["units_ranked"] - rules.bottom_n).astype("int64"),
            "target_score": weak["city_average"].astype("float64"),
            "target_text": [target_text(rules, a) for a in weak["city_average"]],
            "deadline_quarter": str(due),
            "deadline_date": due.end,
        },
        columns=list(TASK_COLUMNS),
    ).reset_index(drop=True)
    opening = pd.DataFrame(
        {
            "task_id": tasks["task_id"],
            "quarter": str(quarter),
            "reported_status": None,
            "reported_progress": None,
            "reported_completed_at": pd.NaT,
            "measured_value": tasks["baseline_value"],
            "measured_score": tasks["baseline_score"],
            "measured_rank": tasks["baseline_rank"].astype("Int64"),
            "units_ranked": tasks["units_ranked"].astype("Int64"),
            "outcome": OPENED,
            "reason": [
                f"{t}（得分{s:.2f}，第{r}名/{n}）"
                for t, s, r, n in zip(
                    tasks["trigger"],
                    tasks["baseline_score"],
                    tasks["baseline_rank"],
                    tasks["units_ranked"],
                    strict=True,
                )
            ],
        },
        columns=list(EVENT_COLUMNS),
    )
    all_events = pd.concat([events, opening], ignore_index=True) if len(events) else opening
    return QuarterResult(tasks=tasks, events=all_events[list(EVENT_COLUMNS)])


def _outcomes(
    quarter: Quarter,
    field: pd.DataFrame,
    open_tasks: pd.DataFrame,
    progress: pd.DataFrame,
    rules: RectificationRules,
) -> pd.DataFrame:
    if open_tasks.empty:
        return pd.DataFrame(columns=list(EVENT_COLUMNS))
    measured = open_tasks.merge(
        field[["unit_code", "node", "value", "score", "rank", "units_ranked"]].rename(
            columns={"node": "indicator_code", "units_ranked": "units_now"}
        ),
        on=["unit_code", "indicator_code"],
        how="left",
    )
    reports = progress[["task_id", "status", "progress", "completed_at"]].drop_duplicates(
        "task_id", keep="last"
    )
    measured = measured.merge(reports, on="task_id", how="left")
    score = measured["score"].astype("float64")
    met = is_met(
        score,
        measured["rank"].astype("float64"),
        measured["units_now"].astype("float64"),
        measured["target_score"].astype("float64"),
        rules,
    )
    last = measured["last_score"].astype("float64")
    improved = (score > last + 1e-9).fillna(False).astype(bool)
    done = measured["status"].eq(DONE).fillna(False).astype(bool)
    late = measured["deadline_quarter"].astype(str) < str(quarter)
    outcome = np.select(
        [met, done & ~improved, late], [CLOSED, REWORK, OVERDUE], default=CONTINUING
    )
    change = score - last
    reasons = []
    for i in range(len(measured)):
        s, d, o = score.iloc[i], change.iloc[i], outcome[i]
        if np.isnan(s):
            measured_text = "本季度无测量值"
        else:
            measured_text = f"得分{s:.2f}（较上次{'+' if d >= 0 else ''}{d:.2f}）"
            if not np.isnan(measured["rank"].iloc[i]):
                measured_text += (
                    f"，第{int(measured['rank'].iloc[i])}名/{int(measured['units_now'].iloc[i])}"
                )
        tail = {
            CLOSED: "已达到整改目标",
            REWORK: "报告已完成，但指标未改善",
            OVERDUE: f"已过整改期限（{measured['deadline_quarter'].iloc[i]}末），仍未达标",
            CONTINUING: "有改善，尚未达标" if improved.iloc[i] else "尚未达标",
        }[o]
        reasons.append(f"{measured_text}；{tail}")
    return pd.DataFrame(
        {
            "task_id": measured["task_id"],
            "quarter": str(quarter),
            "reported_status": measured["status"]
            .astype(object)
            .where(measured["status"].notna(), None),
            "reported_progress": measured["progress"]
            .astype(object)
            .where(measured["progress"].notna(), None),
            "reported_completed_at": pd.to_datetime(measured["completed_at"]),
            "measured_value": measured["value"].astype("float64"),
            "measured_score": score,
            "measured_rank": measured["rank"].astype("Int64"),
            "units_ranked": measured["units_now"].astype("Int64"),
            "outcome": outcome,
            "reason": reasons,
        },
        columns=list(EVENT_COLUMNS),
    )
