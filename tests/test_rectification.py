"""整改台账: tasks from weak points, outcomes of open tasks, the append-only events."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest

from pipelines.quarters import Quarter
from pipelines.rectification.config import RectificationRules, load_rules
from pipelines.rectification.engine import derive_quarter, task_id, weak_points
from pipelines.rectification.store import (
    ensure_rectification_schema,
    events_as_of,
    open_tasks,
    write_quarter,
)

Q0, Q1, Q2 = Quarter(2024, 1), Quarter(2024, 2), Quarter(2024, 3)
UNITS = ["110101", "110102", "110103", "110104", "110105"]
RULES = RectificationRules(bottom_n=1, below_score=None)
NAMES = {"N1": "指标一", "N2": "指标二"}
LEADS = {"N1": "市数据局", "N2": "市税务局"}
UNIT_NAMES = {u: f"单位{u[-1]}" for u in UNITS}


def scores(values: dict[str, float | None], node: str = "N1") -> pd.DataFrame:
    frame = pd.DataFrame({"unit_code": list(values), "node": node, "score": list(values.values())})
    frame["score"] = frame["score"].astype("float64")
    frame["rank"] = frame["score"].rank(method="min", ascending=False)
    frame["value"] = frame["score"] / 10
    return frame


BASE = scores(dict(zip(UNITS, [90.0, 80.0, 70.0, 60.0, 30.0], strict=True)))
NO_PROGRESS = pd.DataFrame(columns=["task_id", "status", "progress", "completed_at"])


def derive(quarter: Quarter, frame: pd.DataFrame, tasks: pd.DataFrame, progress=NO_PROGRESS):
    return derive_quarter(
        quarter,
        frame,
        tasks,
        progress,
        RULES,
        indicator_names=NAMES,
        leads=LEADS,
        unit_names=UNIT_NAMES,
    )


def opened(last_score: float | None = None) -> pd.DataFrame:
    tasks = derive(Q0, BASE, pd.DataFrame()).tasks
    tasks["last_score"] = tasks["baseline_score"] if last_score is None else last_score
    return tasks


def progress(status: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "task_id": [task_id(Q0, "110105", "N1")],
            "status": [status],
            "progress": ["已制定方案"],
            "completed_at": [pd.Timestamp("2024-06-20") if status == "已完成" else pd.NaT],
        }
    )


def test_task_ids_are_readable_and_stable() -> None:
    assert task_id(Quarter(2025, 2), "880602", "E04_04") == "ZG-2025Q2-880602-E04_04"
    first = derive(Q0, BASE, pd.DataFrame())
    again = derive(Q0, BASE.sample(frac=1, random_state=3), pd.DataFrame())
    assert list(first.tasks["task_id"]) == ["ZG-2024Q1-110105-N1"]
    pd.testing.assert_frame_equal(first.tasks, again.tasks)
    task = first.tasks.iloc[0]
    assert task["lead_department"] == "市数据局"
    assert task["target_rank"] == 4
    assert task["target_score"] == pytest.approx(66.0)
    assert task["deadline_quarter"] == "2024Q2"
    assert list(first.events["outcome"]) == ["新立"]


@pytest.mark.parametrize(
    ("bottom_n", "below", "expected"),
    [
        (3, 60.0, ["110103", "110104", "110105"]),  # bottom 3 (rank 3..5)
        (1, 65.0, ["110104", "110105"]),  # 60 < 65, rank 5
        (5, None, []),  # not more units than N: no rank trigger
    ],
)
def test_weak_points(bottom_n: int, below: float | None, expected: list[str]) -> None:
    rules = RectificationRules(bottom_n=bottom_n, below_score=below)
    assert list(weak_points(BASE, rules)["unit_code"]) == expected


@pytest.mark.parametrize(
    ("new_score", "status", "quarter", "expected"),
    [
        (75.0, None, Q1, "销号"),  # rank 2 of 5: out of the bottom 1
        (67.0, "推进中", Q1, "销号"),  # ≥ city average at opening (66)
        (40.0, "推进中", Q1, "持续整改"),  # improved, not met, at the deadline quarter
        (30.0, None, Q1, "持续整改"),  # not improved, not reported done, before deadline
        (30.0, "已完成", Q1, "回炉"),  # reported done, did not move
        (25.0, "已完成", Q2, "回炉"),  # reported done, got worse (回炉 before 逾期)
        (45.0, "已完成", Q1, "持续整改"),  # reported done, improved, not yet met
        (45.0, "推进中", Q2, "逾期"),  # past the deadline quarter, not met
        (None, None, Q2, "逾期"),  # no measurement past the deadline
    ],
)
def test_outcome_of_open_task(
    new_score: float | None, status: str | None, quarter: Quarter, expected: str
) -> None:
    frame = scores(dict(zip(UNITS, [90.0, 80.0, 70.0, 50.0, new_score], strict=True)))
    ledger = progress(status) if status else NO_PROGRESS
    result = derive(quarter, frame, opened(), ledger)
    event = result.events[result.events["task_id"] == "ZG-2024Q1-110105-N1"].iloc[0]
    assert event["outcome"] == expected
    assert event["reported_status"] == status
    if new_score is not None:
        assert event["measured_score"] == pytest.approx(new_score)


def test_rework_compares_with_the_previous_measurement() -> None:
    frame = scores(dict(zip(UNITS, [90.0, 80.0, 70.0, 60.0, 40.0], strict=True)))
    # Baseline 30, last measured 45: 40 is worse than last time although above the baseline.
    result = derive(Q1, frame, opened(last_score=45.0), progress("已完成"))
    assert result.events.iloc[0]["outcome"] == "回炉"


def test_open_problem_is_carried_forward_not_duplicated() -> None:
    still_bad = scores(dict(zip(UNITS, [90.0, 80.0, 70.0, 60.0, 35.0], strict=True)))
    result = derive(Q1, still_bad, opened())
    assert result.tasks.empty  # the 2024Q1 task covers it
    assert list(result.events["outcome"]) == ["持续整改"]


def test_closed_problem_that_is_weak_again_opens_a_new_task() -> None:
    rules = RectificationRules(bottom_n=1, below_score=60.0)
    frame = scores(dict(zip(UNITS, [90.0, 20.0, 70.0, 59.0, 50.0], strict=True)))
    tasks = derive(Q0, BASE, pd.DataFrame()).tasks.assign(last_score=30.0)
    result = derive_quarter(
        Q1, frame, tasks, NO_PROGRESS, rules, indicator_names=NAMES, leads=LEADS, unit_names={}
    )
    outcome = result.events.set_index("task_id")["outcome"]
    # 50 ≥ the opening average 66? no; rank 3 of 5 leaves the bottom 1: 销号, but < 60 again.
    assert outcome["ZG-2024Q1-110105-N1"] == "销号"
    assert "ZG-2024Q2-110105-N1" in set(result.tasks["task_id"])
    assert outcome["ZG-2024Q2-110105-N1"] == "新立"


def test_rules_file(tmp_path) -> None:
    path = tmp_path / "rectification.yaml"
    path.write_text(
        "trigger: {bottom_n: 2, below_score: null}\ndeadline: {quarters_after: 2}\n",
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert (rules.bottom_n, rules.below_score, rules.deadline_quarters) == (2, None, 2)
    assert load_rules(tmp_path / "missing.yaml") == RectificationRules()
    path.write_text("target: {leave_bottom: false, city_average: false}\n", encoding="utf-8")
    from pipelines.rectification.config import RectificationConfigError

    with pytest.raises(RectificationConfigError, match="至少要启用"):
        load_rules(path)


# --- the store: append-only events, idempotent re-runs ------------------------------------


@pytest.fixture
def con():
    connection = duckdb.connect(":memory:")
    ensure_rectification_schema(connection)
    yield connection
    connection.close()


T0 = datetime(2024, 4, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def run_quarter(con, quarter: Quarter, frame: pd.DataFrame, when: datetime, ledger=NO_PROGRESS):
    result = derive(quarter, frame, open_tasks(con, quarter), ledger)
    return write_quarter(
        con, quarter, result.tasks, result.events, run_id=f"run-{when:%H%M%S}", computed_at=when
    )


def events(con) -> pd.DataFrame:
    return con.execute(
        "select task_id, quarter, version, withdrawn, outcome from scores.rectification_events "
        "order by quarter, task_id, version"
    ).df()


def test_rerun_appends_nothing_and_reproduces_tasks(con) -> None:
    assert run_quarter(con, Q0, BASE, T0) == 1
    tasks = con.execute("select * exclude (computed_at) from scores.rectification_tasks").df()
    assert run_quarter(con, Q0, BASE, T0 + timedelta(hours=1)) == 0
    again = con.execute("select * exclude (computed_at) from scores.rectification_tasks").df()
    pd.testing.assert_frame_equal(tasks, again)
    assert list(events(con)["version"]) == [1]


def test_correction_of_earlier_quarter_rederives_later_outcomes(con) -> None:
    later = scores(dict(zip(UNITS, [90.0, 80.0, 70.0, 60.0, 40.0], strict=True)))
    run_quarter(con, Q0, BASE, T0)
    run_quarter(con, Q1, later, T0 + timedelta(days=90))
    assert events(con)["outcome"].tolist() == ["新立", "持续整改"]
    known_then = T0 + timedelta(days=91)

    # A correction of 2024Q1: unit 110104 is now the weakest, 110105 is fine.
    corrected = scores(dict(zip(UNITS, [90.0, 80.0, 70.0, 20.0, 65.0], strict=True)))
    t1 = T0 + timedelta(days=120)
    run_quarter(con, Q0, corrected, t1)
    run_quarter(con, Q1, later, t1 + timedelta(minutes=1))  # what the backfill runs next
    current = con.execute(
        "select task_id, quarter, outcome from scores.rectification_events_current "
        "order by quarter, task_id"
    ).df()
    assert current.values.tolist() == [
        ["ZG-2024Q1-110104-N1", "2024Q1", "新立"],
        ["ZG-2024Q1-110104-N1", "2024Q2", "销号"],  # 60: rank 4 of 5, out of the bottom 1
        ["ZG-2024Q2-110105-N1", "2024Q2", "新立"],  # 40 is last: a task of 2024Q2 now
    ]
    # Nothing was lost: the withdrawn task's rows are still there, with withdrawal versions.
    history = events(con)
    old = history[history["task_id"] == "ZG-2024Q1-110105-N1"]
    assert old[["quarter", "version", "withdrawn"]].values.tolist() == [
        ["2024Q1", 1, False],
        ["2024Q1", 2, True],
        ["2024Q2", 1, False],
        ["2024Q2", 2, True],
    ]
    # What did we know about 2024Q2 before the correction?
    then = events_as_of(con, Q1, known_then)
    assert then[["task_id", "outcome"]].values.tolist() == [["ZG-2024Q1-110105-N1", "持续整改"]]
    now = events_as_of(con, Q1, t1 + timedelta(hours=1))
    assert now["task_id"].tolist() == ["ZG-2024Q1-110104-N1", "ZG-2024Q2-110105-N1"]


def test_closed_task_is_not_open_later(con) -> None:
    run_quarter(con, Q0, BASE, T0)
    good = scores(dict(zip(UNITS, [90.0, 80.0, 70.0, 60.0, 85.0], strict=True)))
    run_quarter(con, Q1, good, T0 + timedelta(days=90))
    # The closed task is gone; 110104 (now last) has its own task of 2024Q2.
    assert open_tasks(con, Q2)["task_id"].tolist() == ["ZG-2024Q2-110104-N1"]
    status = con.execute(
        "select task_id, is_open, closed_quarter from scores.rectification_task_status"
    ).fetchall()
    assert ("ZG-2024Q1-110105-N1", False, "2024Q2") in status


# --- the asset in the project's definitions -------------------------------------------------


@pytest.mark.slow
def test_asset_reads_previous_quarter_and_is_rederived_by_a_correction() -> None:
    from pipelines.definitions import defs
    from pipelines.defs.automation.backfill import requested_partitions
    from pipelines.defs.automation.definitions import correction_backfill
    from pipelines.defs.keys import RECTIFICATION_TASKS

    graph = defs().resolve_asset_graph()
    node = graph.get(RECTIFICATION_TASKS)
    assert node.group_name == "rectification"
    parents = {k.to_user_string() for k in node.parent_keys}
    assert {
        "rectification/rectification_tasks",
        "scoring/indicator_scores",
        "warehouse/rectification_progress",
    } <= parents
    # The previous quarter only.
    mapping = graph.get_partition_mapping(RECTIFICATION_TASKS, RECTIFICATION_TASKS)
    assert (mapping.start_offset, mapping.end_offset) == (-1, -1)
    request = correction_backfill(
        defs().get_repository_def(), "approval_cases", Quarter(2024, 3), Quarter(2025, 2)
    )
    keys = [p for key, p in requested_partitions(request) if key == RECTIFICATION_TASKS]
    assert sorted(keys) == [
        "2024-07-01",
        "2024-10-01",
        "2025-01-01",
        "2025-04-01",
    ]
