"""Indicator SQL files on a tiny hand-built warehouse with hand-computed expected values.

Working days follow pipelines/workdays.py: workdays strictly after the start's day up to and
including the end's day (same day = 0). 2024 calendar facts used below: 10-01..10-07 National
Day holiday, 09-29 (Sun) and 10-12 (Sat) make-up workdays, 2025-01-01 holiday.
"""

from __future__ import annotations

import dataclasses
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
from pipelines.indicators.compute import (
    bind,
    ensure_shared_views,
    leaf_parameters,
    shared_view_names,
    source_tables,
    used_parameters,
)
from pipelines.indicators.store import read_partition
from pipelines.quarters import Quarter
from pipelines.scoring import Node
from pipelines.sqlfiles import sql
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
    ("a6", U1, "其他政务服务", "2024-11-12 09:00", "2024-11-12 11:00", 1, 5, 0, 2, True),  # 0
    ("a7", U1, "其他政务服务", "2024-10-15 09:00", "2024-10-15 17:00", 1, 4, 1, 2, True),  # 0
    ("a8", U1, "其他政务服务", "2024-11-18 09:00", "2024-11-29 10:00", 5, 2, 0, 3, True),  # 9
    ("b1", U2, "企业开办", "2024-10-12 09:00", "2024-10-14 10:00", 1, 3, 0, 2, True),  # 1 (调休)
    ("b2", U2, "不动产登记", "2024-11-04 09:00", "2024-11-04 16:00", 1, 4, 0, 3, True),  # 0
]
# id, unit, type, class, applied, connected, steps, fee, capacity
UTILITY = [
    ("c1", U1, "电力", "高压", "2024-09-27 10:00", "2024-10-18 10:00", 3, 50000.0, 500.0),  # 12
    ("c2", U1, "电力", "高压", "2024-11-01 10:00", "2024-11-15 10:00", 4, 30000.0, 1000.0),  # 10
    ("c3", U1, "电力", "低压", "2024-11-05 10:00", "2024-11-06 10:00", 2, 0.0, 50.0),  # 1
    ("c6", U1, "电力", "低压", "2024-11-20 10:00", "2024-11-21 10:00", 3, 1200.0, 100.0),  # 1
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
# response id, unit, overall satisfaction (None = not answered), firm, rated department.
# U1: firm A files three questionnaires on 市数据局 (5, 5, 5) and one on 市市场监管局 (3), firm
# B one on 市数据局 (1): per (firm, department) 5, 3, 1 → one voice each, mean 3 (an unweighted
# mean would give 3.8). U2: firm C twice on 市数据局 (5, 4) → 4.5; firm D did not answer.
SATISFACTION = [
    ("s1", U1, 5, "A", "市数据局"),
    ("s2", U1, 5, "A", "市数据局"),
    ("s3", U1, 5, "A", "市数据局"),
    ("s4", U1, 3, "A", "市市场监管局"),
    ("s8", U1, 1, "B", "市数据局"),
    ("s5", U2, 5, "C", "市数据局"),
    ("s6", U2, 4, "C", "市数据局"),
    ("s7", U2, None, "D", "市数据局"),
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
    "E04_02": {U1: (1.0, 2), U2: (2.0, 1)},  # c3 1, c6 1; d1 2
    "E04_03": {U1: (3.5, 2)},  # 高压 only: c1 3, c2 4
    "E04_04": {U1: (80000 / 1500, 2)},
    "E04_05": {U1: (2.5, 2), U2: (2.0, 1)},  # 低压: c3 2, c6 3; d1 2
    "E04_06": {U1: (50.0, 2), U2: (100.0, 1)},  # ≤ 100 kW: c3 free, c6 1,200 元; d1 free
    "E05_01": {U1: (3.0, 1), U2: (0.0, 1)},
    "E05_02": {U1: (4.0, 1)},
    "E05_03": {U1: (2000.0, 1), U2: (1000.0, 1)},  # water only: c4; d2
    "E05_04": {U1: (0.0, 1)},  # gas only: c5
    "E06_01": {U1: (10.0, 2)},
    "E06_02": {U1: (20.0, 1), U2: (15.0, 1)},
    "E06_03": {U1: (10.0, 2), U2: (-20.0, 2)},
    "E06_04": {U1: (4.2, 3), U2: (5.1, 3)},
    # E07: 其他政务服务 only (a5–a8 of U1; U2 has none): online F T T T, visits 3 0 1 0,
    # workdays 1 0 0 9 against promised 5 1 1 5, materials 3 5 4 2.
    "E07_01": {U1: (75.0, 4)},
    "E07_02": {U1: (75.0, 4)},
    "E07_03": {U1: (75.0, 4)},
    "E07_04": {U1: (3.5, 4)},
    "E07_05": {U1: (50.0, 4)},  # 即办: a6, a7
    "E07_06": {U1: (50.0, 4)},  # 一次不用跑: a6, a8
    "E08_01": {U1: (60.0, 5), U2: (90.0, 2)},  # 20 × mean(5, 3, 1); 20 × 4.5
    "E08_02": {U1: (100.0 / 3, 5), U2: (100.0, 2)},  # ≥ 4: (A, 数据局) only of three pairs
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
                "credit_code": f"91990102MA000000{r[3]}X",
                "region_code": r[1],
                "rated_dept": r[4],
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
        ("E01_01", "approval_cases", "2024Q4", U1, "h-approval", 8),
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


def test_shared_layer_has_one_view_per_source(con) -> None:
    """Each source the leaves read has a view (the inspections also one of firms, year to
    date); a view exists only when the sources it reads are enabled."""
    expected = [
        "approval_cases",
        "enterprise_requests",
        "inspected_firms",
        "inspections",
        "loan_balances",
        "policy_payouts",
        "satisfaction_responses",
        "utility_connections",
    ]
    assert shared_view_names() == expected
    assert shared_view_names(["approval_cases", "inspections"]) == [
        "approval_cases",
        "inspected_firms",
        "inspections",
    ]
    assert shared_view_names(["enterprise_requests", "policy_payouts"]) == [
        "enterprise_requests",
        "policy_payouts",
    ]
    views = con.execute(
        "select view_name from duckdb_views() where schema_name = 'shared' order by view_name"
    ).fetchall()
    assert [v for (v,) in views] == expected


@pytest.mark.parametrize(
    ("text", "tables"),
    [
        ("select * from shared.loan_balances", ["loan_balances"]),
        ("select * from shared.inspected_firms", ["inspections"]),  # a view at another grain
        ("-- shared.approval_cases\nselect * from warehouse.loan_balances", ["loan_balances"]),
        (
            "select * from shared.utility_connections, warehouse.approval_cases, "
            "shared.approval_cases",
            ["utility_connections", "approval_cases"],
        ),
    ],
)
def test_lineage_follows_shared_views(text: str, tables: list[str]) -> None:
    assert source_tables(text) == tables


def _approval_only(rows: list[dict[str, object]]) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    ensure_scores_schema(connection)
    base = {"quarter": str(Q), "submission_hash": "h", "region_code": U1}
    frame = pd.DataFrame([{**base, "source_row": i + 2, **r} for i, r in enumerate(rows)])
    _insert(connection, "approval_cases", frame.astype({"suspended_days": "Int64"}))
    prepare_calendar(connection, Q)
    return connection


def test_suspended_time_is_subtracted(framework) -> None:
    # 2024-11-01 (Fri) → 2024-11-29 (Fri): 20 working days elapsed. Case x1: 6 of them were
    # 公示/专家评审 → 14 net, within a promised 15 (late if gross); x2: no 特殊环节 (empty = 0)
    # → 20, late; x3: 特殊环节 longer than the case (a data slip) → 0, on time.
    construction = {"category": "工程建设项目审批", "promised_limit_days": 15}
    nov = {"accepted_at": ts("2024-11-01 09:00"), "completed_at": ts("2024-11-29 10:00")}
    con = _approval_only(
        [
            {"case_id": "x1", **construction, **nov, "suspended_days": 6},
            {"case_id": "x2", **construction, **nov, "suspended_days": None},
            {"case_id": "x3", **construction, **nov, "suspended_days": 25},
        ]
    )
    days = run_indicator(con, framework.node("E02_01"), Q).iloc[0]
    assert days["value"] == pytest.approx((14 + 20 + 0) / 3) and days["n_cases"] == 3
    on_time = run_indicator(con, framework.node("E02_02"), Q).iloc[0]
    assert on_time["value"] == pytest.approx(200 / 3) and on_time["n_cases"] == 3
    view = con.execute(
        "select case_id, elapsed_workdays, suspended_days, workdays, on_time "
        "from shared.approval_cases order by case_id"
    ).fetchall()
    assert view == [("x1", 20, 6, 14, True), ("x2", 20, 0, 20, False), ("x3", 20, 25, 0, True)]


@pytest.mark.parametrize(
    ("amounts", "expected"),
    [
        ((1.0, 1.0, 2.0), (4.0 * 1 + 4.2 * 1 + 4.4 * 2) / 4),  # weighted: 4.25
        ((1.0, None, 2.0), (4.0 + 4.2 + 4.4) / 3),  # an amount missing: plain mean 4.2
        ((None, None, None), (4.0 + 4.2 + 4.4) / 3),  # column not filled: plain mean
        ((0.0, 0.0, 0.0), (4.0 + 4.2 + 4.4) / 3),  # no new lending to weight by
    ],
)
def test_sme_rate_weighted_by_new_lending(framework, amounts, expected: float) -> None:
    connection = duckdb.connect()
    ensure_scores_schema(connection)
    rows = [
        {
            "quarter": str(Q),
            "submission_hash": "h",
            "source_row": i + 2,
            "region_code": U1,
            "stat_month": month,
            "inclusive_sme_rate_pct": rate,
            "new_sme_loans_100m": amount,
        }
        for i, (month, rate, amount) in enumerate(
            zip(("2024-10", "2024-11", "2024-12"), (4.0, 4.2, 4.4), amounts, strict=True)
        )
    ]
    _insert(connection, "loan_balances", pd.DataFrame(rows).astype({"new_sme_loans_100m": float}))
    prepare_calendar(connection, Q)
    (row,) = run_indicator(connection, framework.node("E06_04"), Q).itertuples()
    assert row.value == pytest.approx(expected) and row.n_cases == 3


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ((), {U1: 0.5, U2: 1.0}),  # default 0: a1 1 wd, a2 same day 0 → 0.5; b1 1 wd
        ((("same_day_workdays", 0.5),), {U1: 0.75, U2: 1.0}),  # a2 counts 0.5 → (1 + 0.5) / 2
        ((("same_day_workdays", 1.0),), {U1: 1.0, U2: 1.0}),
    ],
)
def test_same_day_convention_is_a_leaf_setting(con, framework, setting, expected) -> None:
    node = dataclasses.replace(framework.node("E01_01"), sql_parameters=setting)
    frame = run_indicator(con, node, Q)
    assert dict(zip(frame["unit_code"], frame["value"], strict=True)) == pytest.approx(expected)
    assert frame["n_cases"].tolist() == [2, 1]


def test_unknown_leaf_setting_is_a_clear_error(con, framework) -> None:
    node = dataclasses.replace(framework.node("E01_01"), sql_parameters=(("same_day", 0.5),))
    with pytest.raises(IndicatorSqlError, match="未知设置 same_day"):
        run_indicator(con, node, Q)


def test_sql_parameters_are_read_from_the_framework() -> None:
    from pipelines.scoring.framework import framework_from_dict

    leaf = {
        "code": "A01_01",
        "name": "用时",
        "sql": "indicators/e01_01_startup_days.sql",
        "direction": "lower_is_better",
        "normalize": {"method": "frontier", "best": 0, "worst": 1},
        "sql_parameters": {"same_day_workdays": 0.5},
    }
    first = {"code": "A01", "name": "甲", "children": [leaf]}
    doc = {"name": "测试", "code": "T", "indicators": [first]}
    node = framework_from_dict(doc).node("A01_01")
    assert node.sql_parameters == (("same_day_workdays", 0.5),)
    assert leaf_parameters(node) == {"same_day_workdays": 0.5}


# --- shared.inspected_firms: firms year to date ---------------------------------------------

_INSPECTIONS = [
    # quarter, region_code, credit_code, inspected_on
    ("2024Q4", "990101", "F1", "2024-11-02"),  # last year: not counted in 2025
    ("2025Q1", "990101", "F1", "2025-01-10"),
    ("2025Q1", "990101", "F1", "2025-02-10"),
    ("2025Q2", "990102", "F1", "2025-05-10"),  # latest inspection: F1 belongs to 990102
    ("2025Q1", "990101", "F2", "2025-03-01"),
    ("2025Q2", "990101", "F2", "2025-04-01"),
    ("2025Q1", "990101", None, "2025-03-02"),  # no credit code: no firm
]


@pytest.fixture
def inspections_con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("create schema warehouse")
    con.execute(
        "create table warehouse.inspections (quarter varchar, region_code varchar, "
        "credit_code varchar, inspected_on date, method varchar, is_joint boolean)"
    )
    con.executemany(
        "insert into warehouse.inspections values (?, ?, ?, ?, '双随机一公开', false)",
        _INSPECTIONS,
    )
    ensure_shared_views(con, ["inspections"])
    return con


@pytest.mark.parametrize(
    ("quarter", "red", "yellow"),
    [
        # (unit, value, n_cases) per leaf; red at 3 inspections, yellow at 2
        (Quarter(2025, 1), [("990101", 0.0, 2)], [("990101", 50.0, 2)]),
        (
            Quarter(2025, 2),
            [("990101", 0.0, 1), ("990102", 100.0, 1)],
            [("990101", 100.0, 1), ("990102", 0.0, 1)],
        ),
        # no inspection in Q3: the year to date still counts Q1 and Q2
        (
            Quarter(2025, 3),
            [("990101", 0.0, 1), ("990102", 100.0, 1)],
            [("990101", 100.0, 1), ("990102", 0.0, 1)],
        ),
        (Quarter(2026, 1), [], []),
    ],
)
def test_inspection_lights_count_the_year_to_date(
    inspections_con: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    red: list[tuple[str, float, int]],
    yellow: list[tuple[str, float, int]],
) -> None:
    parameters = {"inspection_yellow_at": 2, "inspection_red_at": 3}
    for file, expected in (
        ("indicators/e10_02_inspection_red_share.sql", red),
        ("indicators/e10_01_inspection_yellow_share.sql", yellow),
    ):
        text = sql(file.removesuffix(".sql"))
        rows = inspections_con.execute(text, bind(text, quarter, parameters)).fetchall()
        assert rows == expected, file
