"""Indicator SQL files on a tiny hand-built warehouse with hand-computed expected values.

Working days follow pipelines/workdays.py: workdays strictly after the start's day up to and
including the end's day (same day = 0). 2024 calendar facts used below: 10-01..10-07 National
Day holiday, 09-29 (Sun) and 10-12 (Sat) make-up workdays, 2025-01-01 holiday.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd
import pytest

from pipelines.indicators import (
    IndicatorSqlError,
    compute_indicator_values,
    ensure_scores_schema,
    indicator_sources,
    load_default_framework,
    prepare_calendar,
    quarter_parameters,
    refresh_indicator_values,
    run_indicator,
)
from pipelines.indicators.compute import used_parameters
from pipelines.indicators.store import read_partition
from pipelines.quarters import Quarter
from pipelines.scoring import Node
from pipelines.workdays import CalendarCoverageError

Q = Quarter(2024, 4)
U1, U2 = "990102", "990103"


def ts(text: str) -> datetime:
    return datetime.fromisoformat(text)


# case_id, unit, category, accepted, completed, promised, materials, visits, steps, online
APPROVAL = [
    ("a1", U1, "企业开办", "2024-09-30 09:00", "2024-10-08 10:00", 1, 4, 0, 2, True),  # 1 wd
    ("a2", U1, "企业开办", "2024-10-09 09:00", "2024-10-09 15:00", 1, 2, 1, 2, False),  # 0
    ("a3", U1, "工程建设项目审批", "2024-11-01 09:00", "2024-11-29 10:00", 30, 8, 2, 5, False),
    ("a4", U1, "不动产登记", "2024-12-30 09:00", "2025-01-02 10:00", 1, 5, 1, 3, True),  # 2
    ("a5", U1, "其他政务服务", "2024-12-06 16:00", "2024-12-09 09:00", 5, 3, 3, 2, False),  # 1
    ("b1", U2, "企业开办", "2024-10-12 09:00", "2024-10-14 10:00", 1, 3, 0, 2, True),  # 1 (调休)
    ("b2", U2, "不动产登记", "2024-11-04 09:00", "2024-11-04 16:00", 1, 4, 0, 3, True),  # 0
]
# id, unit, type, class, applied, connected, steps, fee, capacity
UTILITY = [
    ("c1", U1, "电力", "高压", "2024-09-27 10:00", "2024-10-18 10:00", 3, 50000.0, 500.0),  # 12
    ("c2", U1, "电力", "高压", "2024-11-01 10:00", "2024-11-15 10:00", 4, 30000.0, 1000.0),  # 10
    ("c3", U1, "电力", "低压", "2024-11-05 10:00", "2024-11-06 10:00", 2, 0.0, 50.0),  # 1
    ("c4", U1, "用水", "非居民", "2024-11-11 10:00", "2024-11-14 10:00", 2, 2000.0, None),  # 3
    ("c5", U1, "用气", "非居民", "2024-12-02 10:00", "2024-12-06 10:00", 3, 0.0, None),  # 4
    ("d1", U2, "电力", "低压", "2024-12-30 10:00", "2025-01-02 10:00", 2, 0.0, 80.0),  # 2
    ("d2", U2, "用水", "非居民", "2024-10-08 10:00", "2024-10-08 15:00", 2, 1000.0, None),  # 0
]
# quarter, unit, month, total, manufacturing, inclusive sme, rate
LOANS = [
    ("2023Q4", U1, "2023-12", 100.0, 18.0, 9.0, 4.5),
    ("2024Q3", U1, "2024-09", 98.0, 20.0, 10.0, 4.3),
    ("2024Q3", U2, "2024-09", 190.0, 28.0, 25.0, 5.2),
    ("2024Q4", U1, "2024-10", 100.0, 20.0, 10.2, 4.0),
    ("2024Q4", U1, "2024-11", 105.0, 21.0, 10.6, 4.2),
    ("2024Q4", U1, "2024-12", 110.0, 22.0, 11.0, 4.4),
    ("2024Q4", U2, "2024-10", 200.0, 30.0, 21.0, 5.0),
    ("2024Q4", U2, "2024-11", 200.0, 30.0, 20.5, 5.0),
    ("2024Q4", U2, "2024-12", 200.0, 30.0, 20.0, 5.3),
]
# response id, unit, overall satisfaction (None = not answered)
SATISFACTION = [
    ("s1", U1, 5),
    ("s2", U1, 4),
    ("s3", U1, 2),
    ("s4", U1, 1),
    ("s5", U2, 5),
    ("s6", U2, 5),
    ("s7", U2, None),
]

# leaf → {unit: (value, n_cases)}; a unit absent from the dict must have no row (missing).
EXPECTED: dict[str, dict[str, tuple[float, int]]] = {
    "E01_01": {U1: (0.5, 2), U2: (1.0, 1)},
    "E01_02": {U1: (3.0, 2), U2: (3.0, 1)},
    "E01_03": {U1: (50.0, 2), U2: (100.0, 1)},
    "E02_01": {U1: (20.0, 1)},
    "E02_02": {U1: (100.0, 1)},
    "E02_03": {U1: (5.0, 1)},
    "E03_01": {U1: (2.0, 1), U2: (0.0, 1)},
    "E03_02": {U1: (5.0, 1), U2: (4.0, 1)},
    "E04_01": {U1: (11.0, 2)},
    "E04_02": {U1: (1.0, 1), U2: (2.0, 1)},
    "E04_03": {U1: (3.0, 3), U2: (2.0, 1)},
    "E04_04": {U1: (80000 / 1500, 2)},
    "E05_01": {U1: (3.0, 1), U2: (0.0, 1)},
    "E05_02": {U1: (4.0, 1)},
    "E05_03": {U1: (1000.0, 2), U2: (1000.0, 1)},
    "E06_01": {U1: (10.0, 2)},
    "E06_02": {U1: (20.0, 1), U2: (15.0, 1)},
    "E06_03": {U1: (10.0, 2), U2: (-20.0, 2)},
    "E06_04": {U1: (4.2, 3), U2: (5.1, 3)},
    "E07_01": {U1: (40.0, 5), U2: (100.0, 2)},
    "E07_02": {U1: (60.0, 5), U2: (100.0, 2)},
    "E07_03": {U1: (80.0, 5), U2: (100.0, 2)},
    "E07_04": {U1: (4.4, 5), U2: (3.5, 2)},
    "E08_01": {U1: (60.0, 4), U2: (100.0, 2)},
    "E08_02": {U1: (50.0, 4), U2: (0.0, 2)},
}


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.register("rows_in", frame)
    try:
        con.execute(f"insert into warehouse.{table} by name select * from rows_in")
    finally:
        con.unregister("rows_in")


def build_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    ensure_scores_schema(con)
    approval = pd.DataFrame(
        [
            {
                "quarter": str(Q),
                "submission_hash": "h-approval",
                "source_row": i + 2,
                "case_id": r[0],
                "region_code": r[1],
                "category": r[2],
                "item_name": "事项",
                "dept": "市数据局",
                "accepted_at": ts(r[3]),
                "completed_at": ts(r[4]),
                "statutory_limit_days": r[5],
                "promised_limit_days": r[5],
                "material_count": r[6],
                "visit_count": r[7],
                "step_count": r[8],
                "is_online": r[9],
            }
            for i, r in enumerate(APPROVAL)
        ]
    )
    utility = pd.DataFrame(
        [
            {
                "quarter": str(Q),
                "submission_hash": "h-utility",
                "source_row": i + 2,
                "application_id": r[0],
                "region_code": r[1],
                "utility_type": r[2],
                "customer_class": r[3],
                "applied_at": ts(r[4]),
                "connected_at": ts(r[5]),
                "step_count": r[6],
                "material_count": 1,
                "connection_fee_yuan": r[7],
                "capacity_kw": r[8],
            }
            for i, r in enumerate(UTILITY)
        ]
    )
    loans = pd.DataFrame(
        [
            {
                "quarter": r[0],
                "submission_hash": f"h-loans-{r[0]}",
                "source_row": i + 2,
                "region_code": r[1],
                "stat_month": r[2],
                "total_loans_100m": r[3],
                "manufacturing_loans_100m": r[4],
                "inclusive_sme_loans_100m": r[5],
                "inclusive_sme_borrowers": 100,
                "inclusive_sme_rate_pct": r[6],
                "first_time_borrowers": 5,
            }
            for i, r in enumerate(LOANS)
        ]
    )
    satisfaction = pd.DataFrame(
        [
            {
                "quarter": str(Q),
                "submission_hash": "h-satisfaction",
                "source_row": i + 2,
                "response_id": r[0],
                "credit_code": "91990102MA0000000X",
                "region_code": r[1],
                "rated_dept": "市数据局",
                "submitted_at": ts("2024-11-20 10:00"),
                "score_overall": r[2],
            }
            for i, r in enumerate(SATISFACTION)
        ]
    ).astype({"score_overall": "Int64"})
    _insert(con, "approval_cases", approval)
    _insert(con, "utility_connections", utility)
    _insert(con, "loan_balances", loans)
    _insert(con, "satisfaction_responses", satisfaction)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    build_warehouse(connection)
    prepare_calendar(connection, Q)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def framework():
    return load_default_framework()


def test_every_leaf_has_an_expectation(framework) -> None:
    from test_indicators_firm_sources import EXPECTED as FIRM_SOURCES

    assert sorted(framework.leaf_codes) == sorted(
        set(EXPECTED) | {code for code, _quarter in FIRM_SOURCES}
    )


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_indicator_sql_on_hand_built_warehouse(con, framework, code: str) -> None:
    frame = run_indicator(con, framework.node(code), Q)
    assert list(frame.columns) == ["unit_code", "value", "n_cases"]
    got = {row.unit_code: (row.value, row.n_cases) for row in frame.itertuples()}
    assert set(got) == set(EXPECTED[code])  # a unit without cases has no row, not a zero
    for unit, (value, n_cases) in EXPECTED[code].items():
        assert got[unit][0] == pytest.approx(value, abs=1e-9), (code, unit)
        assert got[unit][1] == n_cases, (code, unit)


@pytest.mark.parametrize(
    ("accepted", "completed", "workdays"),
    [
        ("2024-09-30 09:00", "2024-10-08 10:00", 1),  # across the National Day holiday
        ("2024-09-27 17:00", "2024-09-29 09:00", 1),  # 09-29 is a make-up workday (Sunday)
        ("2024-10-11 09:00", "2024-10-14 09:00", 2),  # 10-12 (Saturday) is a make-up workday
        ("2024-11-04 09:00", "2024-11-04 17:00", 0),  # same day
        ("2024-12-31 09:00", "2025-01-02 09:00", 1),  # New Year's Day holiday
    ],
)
def test_duration_in_working_days(accepted: str, completed: str, workdays: int) -> None:
    connection = duckdb.connect()
    ensure_scores_schema(connection)
    _insert(
        connection,
        "approval_cases",
        pd.DataFrame(
            [
                {
                    "quarter": str(Q),
                    "submission_hash": "h",
                    "source_row": 2,
                    "case_id": "x",
                    "region_code": U1,
                    "category": "企业开办",
                    "accepted_at": ts(accepted),
                    "completed_at": ts(completed),
                    "promised_limit_days": 1,
                }
            ]
        ),
    )
    prepare_calendar(connection, Q)
    frame = run_indicator(connection, load_default_framework().node("E01_01"), Q)
    assert frame.to_dict("records") == [{"unit_code": U1, "value": workdays, "n_cases": 1}]


def test_missing_quarter_of_growth_indicator_gives_no_row(con, framework) -> None:
    # 2024Q3's year-ago quarter 2023Q3 is not in the warehouse: no value (missing), not 0.
    frame = run_indicator(con, framework.node("E06_01"), Quarter(2024, 3))
    assert frame.empty


def test_indicator_values_partition_is_replaced(con, framework) -> None:
    first = refresh_indicator_values(con, framework, Q)
    second = refresh_indicator_values(con, framework, Q)
    stored = read_partition(con, "indicator_values", Q)
    expected_rows = sum(len(units) for units in EXPECTED.values())
    assert len(first) == len(second) == len(stored) == expected_rows
    row = stored[(stored["unit_code"] == U1) & (stored["indicator"] == "E04_04")].iloc[0]
    assert row["value"] == pytest.approx(80000 / 1500)
    assert row["n_cases"] == 2


def test_lineage_names_the_partitions_read(con, framework) -> None:
    refresh_indicator_values(con, framework, Q)
    inputs = con.execute(
        "select indicator, source_table, input_quarter, unit_code, submission_hash, "
        "partition_rows from scores.indicator_inputs where quarter = ? and unit_code = ? "
        "and indicator in ('E06_01', 'E01_01') order by indicator, input_quarter",
        [str(Q), U1],
    ).fetchall()
    assert inputs == [
        ("E01_01", "approval_cases", "2024Q4", U1, "h-approval", 5),
        ("E06_01", "loan_balances", "2023Q4", U1, "h-loans-2023Q4", 1),
        ("E06_01", "loan_balances", "2024Q4", U1, "h-loans-2024Q4", 3),
    ]


def test_indicator_sources_follow_parameters(framework) -> None:
    sources = indicator_sources(framework, Q)
    growth = sources[sources["indicator"] == "E06_03"]
    assert growth[["source_table", "input_quarter"]].values.tolist() == [
        ["loan_balances", "2024Q4"],
        ["loan_balances", "2024Q3"],
    ]
    assert set(sources["indicator"]) == set(framework.leaf_codes)


def test_quarter_parameters() -> None:
    assert quarter_parameters(Quarter(2025, 1)) == {
        "quarter": "2025Q1",
        "previous_quarter": "2024Q4",
        "year_ago_quarter": "2024Q1",
        "year_start_quarter": "2025Q1",
    }


def test_only_parameters_in_code_are_bound() -> None:
    text = "-- uses $year_ago_quarter in a comment only\nselect $quarter as q, $quarter as r"
    assert used_parameters(text) == ["quarter"]


def test_unknown_sql_file_is_a_clear_error(con) -> None:
    node = Node(code="X01_01", name="测试", parent="X01", level=2, sql="indicators/nope.sql")
    with pytest.raises(IndicatorSqlError, match="X01_01 的 SQL 文件不存在"):
        run_indicator(con, node, Q)


def test_calendar_year_not_covered_fails_clearly() -> None:
    connection = duckdb.connect()
    ensure_scores_schema(connection)
    _insert(
        connection,
        "approval_cases",
        pd.DataFrame(
            [
                {
                    "quarter": "2031Q1",
                    "submission_hash": "h",
                    "source_row": 2,
                    "case_id": "x",
                    "region_code": U1,
                    "category": "企业开办",
                    "accepted_at": ts("2031-01-06 09:00"),
                    "completed_at": ts("2031-01-07 09:00"),
                }
            ]
        ),
    )
    with pytest.raises(CalendarCoverageError, match="工作日历不覆盖 2031 年"):
        prepare_calendar(connection, Quarter(2031, 1))


def test_compute_all_leaves_long_format(con, framework) -> None:
    values = compute_indicator_values(con, framework, Q)
    assert list(values.columns) == ["unit_code", "indicator", "value", "n_cases"]
    assert not values.duplicated(["unit_code", "indicator"]).any()
    assert values["value"].notna().all()
