"""The annual score recomputed from the year's cases (``annual.score: recomputed_from_cases``):
the leaves' SQL over the year's four quarters, hand-computed on a tiny warehouse; the annual
evaluation with recomputed totals; the setting in the project's configuration check."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_annual import NAMES, YEAR, _totals
from test_indicators import _insert, ts

from pipelines.cli import main
from pipelines.config_check import check_project
from pipelines.indicators import (
    compute_indicator_values,
    ensure_scores_schema,
    load_default_framework,
    period_parameters,
    prepare_calendar,
    run_indicator,
)
from pipelines.indicators.annual import recompute_year, year_end_leaves
from pipelines.project import PROJECT_ENV, demo_project_dir
from pipelines.quarters import Quarter
from pipelines.reports.annual import compute_annual
from pipelines.reports.config import AnnualConfig, ListRules, _annual
from pipelines.scoring import units_from_registry

Q1, Q4 = Quarter(YEAR, 1), Quarter(YEAR, 4)
U1, U2 = "990102", "990103"

# 其他政务服务 cases of U1 per quarter: (online, offline). Quarterly 网办率 100 / 0 / 100 / 50
# (mean of quarters 62.5); the year's cases: 3 online of 7 = 42.857…
ONLINE = {1: (1, 0), 2: (0, 3), 3: (1, 0), 4: (1, 1)}
# 满意度 questionnaires of U1: (quarter, firm, department, 总体满意度). 2024Q1: firms A (5) and
# B (4) → 20 × 4.5 = 90; 2024Q2: firm A twice on one department (1, 3: one voice, 2) → 40.
# Mean of the two quarters 65; the year's rows: the voices (A,Q1) 5, (B,Q1) 4, (A,Q2) 2 →
# 20 × 11/3 = 73.33…
SURVEY = [
    (1, "A", "市数据局", 5),
    (1, "B", "市数据局", 4),
    (2, "A", "市数据局", 1),
    (2, "A", "市数据局", 3),
]
# 制造业贷款占比 (a stock at the period's end): U1's quarter-end months.
LOANS = [("2024Q3", "2024-09", 200.0, 40.0), ("2024Q4", "2024-12", 250.0, 75.0)]


def _approval_rows() -> pd.DataFrame:
    rows = []
    for q, (online, offline) in ONLINE.items():
        month = 3 * q - 1
        for i, is_online in enumerate([True] * online + [False] * offline):
            rows.append(
                {
                    "quarter": f"{YEAR}Q{q}",
                    "submission_hash": f"h-approval-{q}",
                    "source_row": i + 2,
                    "case_id": f"c{q}-{i}",
                    "region_code": U1,
                    "category": "其他政务服务",
                    "item_name": "事项",
                    "dept": "市数据局",
                    "accepted_at": ts(f"{YEAR}-{month:02d}-12 09:00"),
                    "completed_at": ts(f"{YEAR}-{month:02d}-12 15:00"),
                    "statutory_limit_days": 5,
                    "promised_limit_days": 5,
                    "material_count": 3,
                    "visit_count": 0,
                    "step_count": 2,
                    "is_online": is_online,
                }
            )
    # U2: one online case in every quarter (100 % either way).
    for q in range(1, 5):
        rows.append({**rows[0], "quarter": f"{YEAR}Q{q}", "case_id": f"u2-{q}", "region_code": U2})
    return pd.DataFrame(rows)


def _survey_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "quarter": f"{YEAR}Q{q}",
                "submission_hash": f"h-survey-{q}",
                "source_row": i + 2,
                "response_id": f"r{i}",
                "credit_code": f"91990102MA000000{firm}X",
                "region_code": U1,
                "rated_dept": dept,
                "submitted_at": ts(f"{YEAR}-{3 * q - 1:02d}-20 10:00"),
                "score_overall": score,
            }
            for i, (q, firm, dept, score) in enumerate(SURVEY)
        ]
    ).astype({"score_overall": "Int64"})


def _loan_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "quarter": quarter,
                "submission_hash": f"h-loans-{quarter}",
                "source_row": 2,
                "region_code": U1,
                "stat_month": month,
                "total_loans_100m": total,
                "manufacturing_loans_100m": manufacturing,
                "inclusive_sme_loans_100m": 30.0,
                "inclusive_sme_borrowers": 100,
                "inclusive_sme_rate_pct": 4.0,
                "first_time_borrowers": 5,
            }
            for quarter, month, total, manufacturing in LOANS
        ]
    )


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect()
    ensure_scores_schema(connection)
    _insert(connection, "approval_cases", _approval_rows())
    _insert(connection, "satisfaction_responses", _survey_rows())
    _insert(connection, "loan_balances", _loan_rows())
    prepare_calendar(connection, Q4, first=Q1)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def framework():
    return load_default_framework()


def _value(frame: pd.DataFrame, unit: str) -> float:
    return float(frame.loc[frame["unit_code"] == unit, "value"].iloc[0])


def test_period_parameters() -> None:
    assert period_parameters(Q1, Q4) == {
        "first_quarter": "2024Q1",
        "quarter": "2024Q4",
        "previous_quarter": "2023Q4",  # the quarter before the period
        "year_ago_quarter": "2023Q4",
        "year_start_quarter": "2024Q1",
    }
    # A quarter's period: first_quarter = quarter; the rest as the quarter's own.
    assert period_parameters(Q4, Q4) == {
        "first_quarter": "2024Q4",
        "quarter": "2024Q4",
        "previous_quarter": "2024Q3",
        "year_ago_quarter": "2023Q4",
        "year_start_quarter": "2024Q1",
    }


def test_ratio_leaf_over_the_year_is_the_year_s_rows_not_the_mean_of_quarters(
    con, framework
) -> None:
    node = framework.node("E07_01")
    year = run_indicator(con, node, Q4, first=Q1)
    online = sum(o for o, _ in ONLINE.values())
    cases = sum(o + f for o, f in ONLINE.values())
    assert _value(year, U1) == pytest.approx(100.0 * online / cases)  # 42.857…
    assert year.loc[year["unit_code"] == U1, "n_cases"].iloc[0] == cases
    quarterly = [_value(run_indicator(con, node, Quarter(YEAR, q)), U1) for q in range(1, 5)]
    assert quarterly == pytest.approx([100.0, 0.0, 100.0, 50.0])
    assert sum(quarterly) / 4 == pytest.approx(62.5) != pytest.approx(_value(year, U1))
    assert _value(year, U2) == pytest.approx(100.0)


def test_survey_leaf_over_the_year_weighs_the_year_s_questionnaires(con, framework) -> None:
    node = framework.node("E08_01")
    year = run_indicator(con, node, Q4, first=Q1)
    assert _value(year, U1) == pytest.approx(20.0 * (5 + 4 + 2) / 3)
    q1 = _value(run_indicator(con, node, Q1), U1)
    q2 = _value(run_indicator(con, node, Quarter(YEAR, 2)), U1)
    assert (q1, q2) == pytest.approx((90.0, 40.0))
    assert (q1 + q2) / 2 != pytest.approx(_value(year, U1))


def test_stock_leaf_takes_the_year_s_end(con, framework) -> None:
    assert "E06_02" in year_end_leaves(framework) and "E07_01" not in year_end_leaves(framework)
    year = run_indicator(con, framework.node("E06_02"), Q4, first=Q1)
    assert _value(year, U1) == pytest.approx(100.0 * 75.0 / 250.0)


def test_recompute_year_scores_the_year_s_values_with_the_engine(con, framework) -> None:
    recomputed = recompute_year(con, framework, YEAR, units_from_registry())
    values = compute_indicator_values(con, framework, Q4, first=Q1)
    pd.testing.assert_frame_equal(recomputed.values, values)
    leaf = recomputed.result.leaf_scores
    row = leaf[(leaf["unit"] == U1) & (leaf["node"] == "E07_01")].iloc[0]
    assert row["period"] == YEAR and row["value"] == pytest.approx(300.0 / 7)
    # frontier best 100, worst 50: (50 − x) / (50 − 100) × 100, clipped at 0
    assert row["score"] == pytest.approx(0.0)
    sat = leaf[(leaf["unit"] == U1) & (leaf["node"] == "E08_01")].iloc[0]
    node = framework.node("E08_01").normalize.params
    expected = (node["worst"] - 220.0 / 3) / (node["worst"] - node["best"]) * 100.0
    assert sat["score"] == pytest.approx(min(max(expected, 0.0), 100.0))
    first_level = recomputed.result.node_scores
    e06 = first_level[(first_level["unit"] == U1) & (first_level["node"] == "E06")]
    assert e06["period"].tolist() == [YEAR] and e06["score"].notna().all()
    # Three first-level indicators of eleven: below min_coverage, so no unit has a total.
    assert recomputed.totals == {}


def test_annual_evaluation_with_recomputed_totals() -> None:
    totals = _totals({"A": [80] * 4, "B": [70] * 4, "C": [60, 60, None, 60], "D": [50] * 4})
    last = _totals({u: [60] * 4 for u in NAMES}, YEAR - 1)
    recomputed = {
        YEAR: {"A": 55.0, "B": 75.0, "C": 99.0, "D": 65.0},  # C is flagged all the same
        YEAR - 1: {"A": 90.0, "B": 80.0, "C": 70.0, "D": 60.0},
    }
    config = AnnualConfig(score="recomputed_from_cases")
    result = compute_annual(
        pd.concat([last, totals]), YEAR, config, ListRules(1, 0, 1, 0), NAMES, recomputed=recomputed
    )
    by = {r.unit_code: r for r in result.rows}
    assert [r.unit_code for r in result.ranked] == ["B", "D", "A"]  # not the means' A, B, D
    assert by["B"].score == pytest.approx(75.0) and by["B"].rank == 1
    assert by["C"].score is None and by["C"].rank is None and not by["C"].complete
    assert by["B"].previous_rank == 2 and by["B"].rank_change == 1
    assert by["A"].previous_rank == 1 and by["A"].rank_change == -2
    assert by["A"].quarter_scores == (80.0, 80.0, 80.0, 80.0)  # the trend stays quarterly
    # A year with a missing quarter has no annual score, recomputed or not.
    gap = _totals({u: [70, 71, 72, None] for u in NAMES})
    empty = compute_annual(gap, YEAR, config, ListRules(), NAMES, recomputed=recomputed)
    assert empty.ranked == [] and [str(q) for q in empty.missing_quarters] == ["2024Q4"]


def test_score_mode_setting() -> None:
    assert _annual({"score": "recomputed_from_cases"}).recomputed
    assert not _annual({}).recomputed and _annual(None).score == "mean_of_quarters"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(PROJECT_ENV, str(demo_project_dir()))
    root = tmp_path / "示例市"
    shutil.copytree(demo_project_dir(), root, ignore=shutil.ignore_patterns(".bizenv"))
    return root


@pytest.mark.parametrize(
    ("value", "issues"), [("recomputed_from_cases", 0), ("recompute", 1), ("mean", 1)]
)
def test_config_check_knows_the_score_modes(
    project: Path, value: str, issues: int, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project / "bulletin.yaml"
    text = path.read_text(encoding="utf-8")
    assert "  score: mean_of_quarters\n" in text
    path.write_text(text.replace("  score: mean_of_quarters\n", f"  score: {value}\n"), "utf-8")
    found = check_project(project)
    assert len(found) == issues, "\n".join(map(str, found))
    assert main(["config", "--project", str(project), "check"]) == issues
    out = capsys.readouterr().out
    if issues:
        (issue,) = found
        assert issue.file == "bulletin.yaml" and issue.node == "annual.score"
        assert "取值应为以下之一：mean_of_quarters、recomputed_from_cases" in issue.message
        assert f"当前为“{value}”" in issue.message or value in issue.message
        assert "bulletin.yaml" in out and "annual.score" in out
    else:
        assert "配置检查通过" in out
