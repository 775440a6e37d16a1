"""Indicators of 涉企诉求, 执法检查 and 惠企政策兑现 on a hand-built warehouse (2025, three
quarters), every value computed by hand in the comments: working days with China's calendar
(2025-09-28 is a make-up workday), 亮灯 year to date across quarters (firm F1 turns yellow
in its third quarter), repeat requests across quarters, configurable thresholds."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import duckdb
import pandas as pd
import pytest

from pipelines.indicators import (
    ensure_scores_schema,
    load_default_framework,
    prepare_calendar,
    run_indicator,
)
from pipelines.quarters import Quarter

# Tier slow: builds a fixture warehouse for the module and reads or renders it.
pytestmark = pytest.mark.slow

Q1, Q2, Q3 = Quarter(2025, 1), Quarter(2025, 2), Quarter(2025, 3)
U1, U2 = "990102", "990103"
F1, F2, F3, F4, F5, F6 = (f"9199010{k}MA000000{k}X" for k in range(1, 7))


def ts(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


# quarter, id, unit, firm, category, complex, accepted, contacted, assigned, feedback, closed,
# follow-up
REQUESTS = [
    # F5's request of Q1 is 193 days before r6: not a repeat.
    ("2025Q1", "r00", U2, F5, "权益保护", False, "2025-03-01 09:00", None, None, None,
     "2025-03-03 09:00", "满意"),
    # F5, another category within 90 days of r6: not a repeat.
    ("2025Q2", "r000", U2, F5, "政策咨询", False, "2025-06-01 09:00", None, None, None,
     "2025-06-03 09:00", "满意"),
    # F4's request of Q2, 77 days before r5 (same category): r5 repeats it across quarters.
    ("2025Q2", "r0", U2, F4, "其他", False, "2025-06-20 09:00", None, None, None,
     "2025-06-25 09:00", "满意"),
    # U1 — contact 1 wd (Fri → Mon), assign 1, feedback 2 (Fri → Tue).
    ("2025Q3", "r1", U1, F1, "政策咨询", False, "2025-07-04 16:00", "2025-07-07 09:00",
     "2025-07-07 10:00", "2025-07-08 09:00", "2025-07-10 09:00", "满意"),
    # Fri → Sun 09-28 (make-up workday) = 1, Mon = 2, Tue = 3; repeats r1 (84 days).
    ("2025Q3", "r2", U1, F1, "政策咨询", False, "2025-09-26 10:00", "2025-09-28 09:00",
     "2025-09-29 09:00", "2025-09-30 09:00", "2025-09-30 17:00", "不满意"),
    # Tue 07-01: contact 07-03 = 2 wd (late), assign 2 (in time), feedback Mon 07-07 = 4
    # (late); complex, closed 08-05 > 08-01 09:00 (late).
    ("2025Q3", "r3", U1, F2, "要素保障", True, "2025-07-01 09:00", "2025-07-03 09:00",
     "2025-07-03 10:00", "2025-07-07 09:00", "2025-08-05 09:00", "基本满意"),
    # Fri 08-01: assign Mon = 1, feedback Wed 08-06 = 3; complex, closed exactly a month on.
    ("2025Q3", "r4", U1, F3, "审批服务", True, "2025-08-01 09:00", "2025-08-01 10:00",
     "2025-08-04 09:00", "2025-08-06 09:00", "2025-09-01 09:00", "未回访"),
    # U2 — everything the same day.
    ("2025Q3", "r5", U2, F4, "其他", False, "2025-09-05 09:00", "2025-09-05 10:00",
     "2025-09-05 11:00", "2025-09-05 12:00", "2025-09-05 15:00", "满意"),
    ("2025Q3", "r6", U2, F5, "权益保护", False, "2025-09-10 09:00", "2025-09-10 10:00",
     "2025-09-10 11:00", "2025-09-10 12:00", "2025-09-10 15:00", "满意"),
]  # fmt: skip

# quarter, id, unit, department, firm, date, method, joint
INSPECTIONS = [
    ("2024Q4", "i0", U2, "市市场监管局", F4, "2024-11-01", "双随机一公开", False),  # last year
    ("2025Q1", "i1", U1, "市市场监管局", F1, "2025-02-10", "双随机一公开", False),
    ("2025Q1", "i2", U1, "市生态环境局", F2, "2025-01-15", "专项检查", False),
    ("2025Q2", "i3", U1, "市应急管理局", F2, "2025-04-20", "双随机一公开", False),
    ("2025Q2", "i4", U2, "市市场监管局", F6, "2025-05-06", "双随机一公开", False),
    ("2025Q3", "i5", U1, "市应急管理局", F1, "2025-08-05", "双随机一公开", True),  # F1: 2nd
    ("2025Q3", "i6", U1, "市市场监管局", F2, "2025-07-10", "非现场检查", False),  # F2: 3rd
    ("2025Q3", "i7", U1, "市生态环境局", F3, "2025-09-01", "专项检查", False),
    ("2025Q3", "i8", U2, "市市场监管局", F4, "2025-07-15", "双随机一公开", True),
    ("2025Q3", "i9", U2, "市市场监管局", F5, "2025-07-20", "双随机一公开", False),
    ("2025Q3", "i10", U2, "市消防救援支队", F5, "2025-08-20", "投诉举报核查", True),
]

# id, unit, firm, type, mode, applied, approved, paid (all 2025Q3)
PAYOUTS = [
    ("p1", U1, F1, "认定类", "免申即享", None, "2025-07-01 10:00", "2025-07-08 10:00"),  # 5 wd
    # Fri → Tue across the make-up Sunday: 3 wd.
    ("p2", U1, F1, "认定类", "简申快享", "2025-06-20 09:00", "2025-09-26 10:00",
     "2025-09-30 10:00"),
    ("p3", U1, F2, "审核类", "依申请", "2025-06-01 09:00", "2025-07-01 10:00",
     "2025-08-12 10:00"),  # 30 wd
    ("p4", U2, F4, "认定类", "免申即享", None, "2025-08-01 10:00", "2025-08-04 10:00"),  # 1
    ("p5", U2, F5, "审核类", "简申快享", "2025-09-20 09:00", "2025-09-30 10:00",
     "2025-09-30 16:00"),  # 0 wd
]  # fmt: skip


# 承办单位 of the quarter's requests (the departments view).
DEPARTMENT_OF = {
    "r1": "市工业和信息化局",
    "r2": "市工业和信息化局",
    "r3": "市自然资源和规划局",
    "r4": "市自然资源和规划局",
    "r5": "市司法局",
    "r6": "市司法局",
}


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, object]]) -> None:
    con.register("rows_in", pd.DataFrame(rows))
    try:
        con.execute(f"insert into warehouse.{table} by name select * from rows_in")
    finally:
        con.unregister("rows_in")


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    ensure_scores_schema(connection)
    _insert(
        connection,
        "enterprise_requests",
        [
            {
                "quarter": r[0],
                "submission_hash": f"h-r-{r[0]}",
                "source_row": i + 2,
                "ticket_id": r[1],
                "region_code": r[2],
                "credit_code": r[3],
                "category": r[4],
                "is_complex": r[5],
                "accepted_at": ts(r[6]),
                "contacted_at": ts(r[7] or r[6]),
                "assigned_at": ts(r[8] or r[6]),
                "feedback_at": ts(r[9] or r[6]),
                "closed_at": ts(r[10]),
                "follow_up": r[11],
                "handling_dept": DEPARTMENT_OF.get(r[1], "市数据局"),
            }
            for i, r in enumerate(REQUESTS)
        ],
    )
    _insert(
        connection,
        "inspections",
        [
            {
                "quarter": r[0],
                "submission_hash": f"h-i-{r[0]}",
                "source_row": i + 2,
                "inspection_id": r[1],
                "region_code": r[2],
                "inspecting_dept": r[3],
                "credit_code": r[4],
                "inspected_on": ts(r[5]),
                "method": r[6],
                "is_joint": r[7],
                "outcome": "未发现问题",
            }
            for i, r in enumerate(INSPECTIONS)
        ],
    )
    _insert(
        connection,
        "policy_payouts",
        [
            {
                "quarter": "2025Q3",
                "submission_hash": "h-p",
                "source_row": i + 2,
                "payout_id": r[0],
                "region_code": r[1],
                "credit_code": r[2],
                "policy_type": r[3],
                "payout_mode": r[4],
                "applied_at": ts(r[5]),
                "approved_at": ts(r[6]),
                "paid_at": ts(r[7]),
                "amount_10k": 10.0,
            }
            for i, r in enumerate(PAYOUTS)
        ],
    )
    prepare_calendar(connection, Q3)
    yield connection
    connection.close()


THIRD = 100 / 3
# (leaf, quarter) → {unit: (value, n_cases)}; an absent unit must have no row.
EXPECTED: dict[tuple[str, Quarter], dict[str, tuple[float, int]]] = {
    ("E09_01", Q3): {U1: (75.0, 4), U2: (100.0, 2)},  # r3 late
    ("E09_02", Q3): {U1: (100.0, 4), U2: (100.0, 2)},
    ("E09_03", Q3): {U1: (75.0, 4), U2: (100.0, 2)},  # r3: 4 wd
    ("E09_04", Q3): {U1: (50.0, 2)},  # r3 late, r4 exactly a month; U2 has no complex case
    ("E09_05", Q3): {U1: (2 * THIRD, 3), U2: (100.0, 2)},  # r4 未回访 left out
    ("E09_06", Q3): {U1: (25.0, 4), U2: (50.0, 2)},  # r2 repeats r1, r5 repeats r0 (Q2)
    # 亮灯 year to date. Q3: U1 F1 2 (yellow), F2 3 (red), F3 1; U2 F4 1 (2024 not counted),
    # F5 2 (yellow, two departments), F6 1.
    ("E10_01", Q3): {U1: (THIRD, 3), U2: (THIRD, 3)},
    ("E10_02", Q3): {U1: (THIRD, 3), U2: (0.0, 3)},
    # Q2: U1 F1 1, F2 2 (yellow); U2 F6 1.
    ("E10_01", Q2): {U1: (50.0, 2), U2: (0.0, 1)},
    ("E10_02", Q2): {U1: (0.0, 2), U2: (0.0, 1)},
    # Q1: one inspection each.
    ("E10_01", Q1): {U1: (0.0, 2)},
    ("E10_03", Q3): {U1: (THIRD, 3), U2: (2 * THIRD, 3)},
    ("E10_04", Q3): {U1: (THIRD, 3), U2: (2 * THIRD, 3)},
    ("E10_05", Q3): {U1: (THIRD, 3), U2: (0.0, 3)},
    ("E11_01", Q3): {U1: (50.0, 2), U2: (100.0, 1)},
    ("E11_02", Q3): {U1: (38 / 3, 3), U2: (0.5, 2)},  # (5 + 3 + 30) / 3, (1 + 0) / 2
    ("E11_03", Q3): {U1: (2 * THIRD, 3), U2: (100.0, 2)},  # p3: 30 > 20
    ("E11_04", Q3): {U1: (2.0, 3), U2: (2.0, 2)},
}


@pytest.fixture(scope="module")
def framework():
    return load_default_framework()


def _values(con, framework, code: str, quarter: Quarter, parameters=None) -> dict:
    params = framework.parameters if parameters is None else parameters
    frame = run_indicator(con, framework.node(code), quarter, params)
    assert list(frame.columns) == ["unit_code", "value", "n_cases"]
    return {row.unit_code: (row.value, row.n_cases) for row in frame.itertuples()}


@pytest.mark.parametrize(("code", "quarter"), list(EXPECTED), ids=lambda x: str(x))
def test_values_computed_by_hand(con, framework, code: str, quarter: Quarter) -> None:
    got = _values(con, framework, code, quarter)
    expected = EXPECTED[(code, quarter)]
    assert set(got) == set(expected)
    for unit, (value, n_cases) in expected.items():
        assert got[unit][0] == pytest.approx(value, abs=1e-9), (code, unit)
        assert got[unit][1] == n_cases, (code, unit)


def test_firm_turns_yellow_in_its_third_quarter(con, framework) -> None:
    # F1 (U1): inspected in Q1 and Q3 — not lit in Q1 or Q2, yellow in Q3.
    assert _values(con, framework, "E10_01", Q1)[U1] == (0.0, 2)
    assert _values(con, framework, "E10_01", Q2)[U1] == (50.0, 2)  # F2, not F1
    q3 = _values(con, framework, "E10_01", Q3)[U1]
    assert q3[0] == pytest.approx(THIRD) and q3[1] == 3  # F1 now


def test_thresholds_and_limit_come_from_the_framework(con, framework) -> None:
    assert framework.parameters == {
        "inspection_yellow_at": 2,
        "inspection_red_at": 3,
        "payout_limit_workdays": 20,
    }
    stricter = {**framework.parameters, "inspection_yellow_at": 3, "inspection_red_at": 4}
    # Yellow at 3: only F2 (3 inspections) in U1; none red.
    yellow = _values(con, framework, "E10_01", Q3, stricter)
    assert yellow[U1][0] == pytest.approx(THIRD) and yellow[U2] == (0.0, 3)
    assert _values(con, framework, "E10_02", Q3, stricter) == {U1: (0.0, 3), U2: (0.0, 3)}
    tight = {**framework.parameters, "payout_limit_workdays": 3}
    on_time = _values(con, framework, "E11_03", Q3, tight)  # p1 5 > 3, p2 3, p3 30
    assert on_time[U1][0] == pytest.approx(THIRD) and on_time[U2] == (100.0, 2)


def test_framework_parameter_must_not_shadow_a_quarter_parameter() -> None:
    from pipelines.scoring.framework import FrameworkError, framework_from_dict

    doc = {
        "name": "x",
        "parameters": {"quarter": 1},
        "indicators": [{"code": "A", "name": "a", "sql": "x.sql", "normalize": {"method": "none"}}],
    }
    with pytest.raises(FrameworkError):
        framework_from_dict(doc)
    doc["parameters"] = {"limit_days": 5}
    assert framework_from_dict(doc).parameters == {"limit_days": 5}
    assert replace(framework_from_dict(doc), parameters={}).parameters == {}


def test_departments_view_ranks_handling_departments(con) -> None:
    from pipelines.sqlfiles import sql

    frame = con.execute(
        sql("reports/request_departments"), {"quarter": "2025Q3", "year_ago_quarter": "2024Q3"}
    ).df()
    got = {r.department: r for r in frame.itertuples()}
    industry, land, justice = got["市工业和信息化局"], got["市自然资源和规划局"], got["市司法局"]
    # 工信局 r1, r2: all in time, satisfaction 1 of 2, r2 repeats r1, no complex case.
    assert (industry.requests, industry.contact_rate, industry.feedback_rate) == (2, 100.0, 100.0)
    assert (industry.satisfaction, industry.repeat_rate) == (50.0, 50.0)
    assert pd.isna(industry.complex_rate)
    # 自然资源和规划局 r3 (late contact and feedback, complex late), r4 (complex in a month).
    assert (land.contact_rate, land.assign_rate, land.feedback_rate) == (50.0, 100.0, 50.0)
    assert (land.complex_rate, land.satisfaction, land.repeat_rate) == (50.0, 100.0, 0.0)
    # Ranks — contact: 工信 1, 司法 1, 自然 3; assign: all 1; feedback as contact;
    # complex: 自然 1; satisfaction: 自然 1, 司法 1, 工信 3; repeat: 自然 1, 工信 2, 司法 2.
    assert industry.mean_rank == pytest.approx(8 / 5)
    assert land.mean_rank == pytest.approx(10 / 6)
    assert justice.mean_rank == pytest.approx(6 / 5)
    assert frame["department"].tolist() == ["市司法局", "市工业和信息化局", "市自然资源和规划局"]
    assert frame["overall_rank"].tolist() == [1, 2, 3]


def test_year_to_date_lineage_names_every_quarter_of_the_year(framework) -> None:
    from pipelines.indicators import indicator_sources

    sources = indicator_sources(framework, Q3)
    yellow = sources[sources["indicator"] == "E10_01"]
    assert set(yellow["input_quarter"]) == {"2025Q1", "2025Q2", "2025Q3"}
    assert set(yellow["source_table"]) == {"inspections"}
