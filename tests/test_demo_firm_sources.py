"""Demo data of 涉企诉求, 执法检查 and 惠企政策兑现: valid, realistic against DOMAIN.md's
figures, and every planted fault caught by the rule it claims at the rows it reports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipelines.demo.faults import inject_fault
from pipelines.demo.generator import generate_source_frame, write_submission
from pipelines.quarters import Quarter
from pipelines.validation import validate_file

# Tier slow: validates whole files (Great Expectations suites, contract checks).
pytestmark = pytest.mark.slow

Q = Quarter(2025, 2)
NEW = ("enterprise_requests", "inspections", "policy_payouts")
_frames: dict[tuple[str, Quarter, float], pd.DataFrame] = {}


def frame(source: str, quarter: Quarter = Q, scale: float = 0.1) -> pd.DataFrame:
    key = (source, quarter, scale)
    if key not in _frames:
        _frames[key] = generate_source_frame(source, quarter, seed=20240101, scale=scale)
    return _frames[key]


@pytest.mark.parametrize("source", NEW)
def test_generated_file_is_valid(tmp_path: Path, source: str) -> None:
    path = write_submission(frame(source), source, tmp_path / f"{source}.csv", fmt="csv-utf8")
    result = validate_file(source, path, quarter=Q)
    assert result.errors == []
    assert result.rows == len(frame(source)) > 50


def test_requests_realistic() -> None:
    f = frame("enterprise_requests", scale=1.0)
    stamp = {c: pd.to_datetime(f[c]) for c in ("accepted_at", "feedback_at", "closed_at")}
    visited = f[f["follow_up"] != "未回访"]
    satisfied = visited["follow_up"].isin(["满意", "基本满意"]).mean()
    assert 0.75 <= satisfied <= 0.9  # 12345: 82.2 %
    # Feedback within 3 calendar days bounds the 3-working-day rate from below.
    quick = ((stamp["feedback_at"] - stamp["accepted_at"]).dt.days <= 3).mean()
    assert quick >= 0.9
    assert set(f["channel"]) == {
        "12345热线",
        "政企服务平台",
        "营商环境观察员",
        "人大代表观察点",
        "其他",
    }
    assert (stamp["closed_at"].dt.date >= Q.start).all() and (
        stamp["closed_at"].dt.date <= Q.end
    ).all()
    rates = visited.groupby("region_code")["follow_up"].apply(
        lambda s: s.isin(["满意", "基本满意"]).mean()
    )
    assert rates.max() - rates.min() > 0.03  # units differ


def test_inspections_most_firms_once_a_few_yellow_and_red() -> None:
    year = pd.concat([frame("inspections", Quarter(2025, q), 1.0) for q in (1, 2)])
    per_firm = year.groupby("credit_code").size()
    assert (per_firm == 1).mean() > 0.85
    assert (per_firm == 2).sum() > 10 and (per_firm >= 3).sum() > 0
    # A firm's inspections of one year agree across its quarters (the same yearly draw).
    again = generate_source_frame("inspections", Quarter(2025, 1), seed=20240101, scale=1.0)
    pd.testing.assert_frame_equal(again, frame("inspections", Quarter(2025, 1), 1.0))


def test_payouts_mostly_automatic_for_recognition_policies() -> None:
    f = frame("policy_payouts", scale=1.0)
    recognised = f[f["policy_type"] == "认定类"]
    auto = (recognised["payout_mode"] == "免申即享").mean()
    assert 0.7 <= auto < 1.0
    assert (f.loc[f["payout_mode"] == "免申即享", "applied_at"].isna()).all()
    assert f.loc[f["payout_mode"] != "免申即享", "applied_at"].notna().all()
    assert (f["amount_10k"] > 0).all()
    early = frame("policy_payouts", Quarter(2024, 1), 1.0)
    early_auto = (early.loc[early["policy_type"] == "认定类", "payout_mode"] == "免申即享").mean()
    assert auto > early_auto  # the trend moves


FAULTS = [
    ("duplicate_id", "enterprise_requests", "工单编号", "unique"),
    ("unknown_region", "inspections", "区划代码", "region"),
    ("unknown_department", "policy_payouts", "主管部门", "department"),
    ("unknown_department", "enterprise_requests", "承办单位", "department"),
    ("end_before_start", "enterprise_requests", "交办时间", "time_order"),
    ("end_before_start", "policy_payouts", "拨付时间", "time_order"),
    ("out_of_quarter", "inspections", "检查日期", "in_quarter"),
    ("out_of_quarter", "enterprise_requests", "办结时间", "in_quarter"),
    ("empty_required", "inspections", "检查结果", "required"),
    ("bad_enum", "policy_payouts", "兑现方式", "enum"),
    ("bad_enum", "inspections", "检查方式", "enum"),
    ("bad_type", "inspections", "处罚金额(元)", "type"),
    ("bad_type", "enterprise_requests", "是否复杂诉求", "type"),
    ("bad_credit_code", "inspections", "统一社会信用代码", "credit_code"),
    ("bad_credit_code", "enterprise_requests", "统一社会信用代码", "credit_code"),
    ("negative_value", "policy_payouts", "兑现金额(万元)", "range"),
    ("application_time_mismatch", "policy_payouts", "申报时间", "application_time"),
]


@pytest.mark.parametrize(("fault", "source", "header", "rule"), FAULTS)
def test_fault_caught_at_its_rows(
    tmp_path: Path, fault: str, source: str, header: str, rule: str
) -> None:
    bad, rows = inject_fault(frame(source), source, fault, seed=3)
    path = write_submission(bad, source, tmp_path / f"{source}.csv", fmt="csv-utf8")
    result = validate_file(source, path, quarter=Q)
    hits = {e.row for e in result.errors if e.column == header and e.rule == rule}
    expected = {r + 2 for r in rows}
    if fault == "duplicate_id":
        assert expected <= hits and len(hits) == 2  # both rows of the pair
    else:
        assert hits == expected
