"""Every contract rule violated once: the reported (row, column, rule) set is asserted exactly."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from fixtures_validation import (
    QUARTER,
    csv_text,
    good_table,
    set_cell,
    triples,
    write_csv,
    write_xlsx,
)

from pipelines.contracts import UnknownSourceError
from pipelines.demo import DEMO_SOURCES as SOURCES
from pipelines.validation import check_submission, parse_submission, validate_file

# Tier slow: validates whole files (Great Expectations suites, contract checks).
pytestmark = pytest.mark.slow

Table = tuple[list[str], list[list[str]]]
Mutation = Callable[[Table], Table]


def cell(row: int, header: str, value: str) -> Mutation:
    return lambda t: set_cell(t, row, header, value)


def cells(*changes: tuple[int, str, str]) -> Mutation:
    def apply(t: Table) -> Table:
        for row, header, value in changes:
            t = set_cell(t, row, header, value)
        return t

    return apply


def drop_row(excel_row: int) -> Mutation:
    def apply(t: Table) -> Table:
        head, rows = t
        del rows[excel_row - 2]
        return head, rows

    return apply


def rename(old: str, new: str) -> Mutation:
    def apply(t: Table) -> Table:
        head, rows = t
        head[head.index(old)] = new
        return head, rows

    return apply


def drop_column(header: str) -> Mutation:
    def apply(t: Table) -> Table:
        head, rows = t
        i = head.index(header)
        return [h for j, h in enumerate(head) if j != i], [
            [v for j, v in enumerate(r) if j != i] for r in rows
        ]

    return apply


def add_column(header: str, value: str) -> Mutation:
    return lambda t: (t[0] + [header], [[*r, value] for r in t[1]])


LIMIT_S, LIMIT_P = "法定时限(工作日)", "承诺时限(工作日)"
RATE = "新发放普惠小微贷款加权平均利率(%)"
MANUF = "制造业贷款余额(亿元)"

# (id, source, mutation, expected {(row, column, rule)})
CASES: list[tuple[str, str, Mutation, set[tuple[int | None, str | None, str]]]] = [
    # --- approval_cases ---
    ("integer_type", "approval_cases", cell(3, "申请材料数", "三"), {(3, "申请材料数", "type")}),
    ("integer_not_whole", "approval_cases", cell(4, "跑动次数", "1.5"), {(4, "跑动次数", "type")}),
    (
        "datetime_type",
        "approval_cases",
        cell(2, "受理时间", "2025-13-01 09:00:00"),
        {(2, "受理时间", "type")},
    ),
    (
        "datetime_date_only",
        "approval_cases",
        cell(3, "办结时间", "2025年5月8日"),
        {(3, "办结时间", "type")},
    ),
    ("yes_no_type", "approval_cases", cell(2, "是否网办", "Y"), {(2, "是否网办", "type")}),
    ("region_code_type", "approval_cases", cell(2, "区划代码", "99010"), {(2, "区划代码", "type")}),
    ("required_empty", "approval_cases", cell(3, "事项名称", ""), {(3, "事项名称", "required")}),
    (
        "duplicate_id",
        "approval_cases",
        cell(4, "办件编号", "2025Q2-0001"),
        {(2, "办件编号", "unique"), (4, "办件编号", "unique")},
    ),
    (
        "unknown_region",
        "approval_cases",
        cell(3, "区划代码", "990199"),
        {(3, "区划代码", "region")},
    ),
    (
        "unknown_department",
        "approval_cases",
        cell(2, "受理部门", "市不存在局"),
        {(2, "受理部门", "department")},
    ),
    ("bad_category", "approval_cases", cell(3, "事项类别", "其他"), {(3, "事项类别", "enum")}),
    (
        "completed_after_quarter",
        "approval_cases",
        cell(4, "办结时间", "2025-07-01 00:00:00"),
        {(4, "办结时间", "in_quarter")},
    ),
    (
        "completed_before_quarter",
        "approval_cases",
        cells((2, "受理时间", "2025-03-01 09:00:00"), (2, "办结时间", "2025-03-31 23:59:59")),
        {(2, "办结时间", "in_quarter")},
    ),
    (
        "end_before_start",
        "approval_cases",
        cell(3, "办结时间", "2025-05-06 09:59:59"),
        {(3, "办结时间", "end_before_start")},
    ),
    (
        "absurd_duration",
        "approval_cases",
        cell(2, "受理时间", "2025-01-02 09:00:00"),
        {(2, "办结时间", "duration_absurd")},
    ),
    (
        "promised_gt_statutory",
        "approval_cases",
        cell(3, LIMIT_P, "10"),
        {(3, LIMIT_P, "promised_gt_statutory")},
    ),
    ("negative_count", "approval_cases", cell(2, "跑动次数", "-1"), {(2, "跑动次数", "range")}),
    (
        "negative_limit",
        "approval_cases",
        cells((4, LIMIT_S, "-5"), (4, LIMIT_P, "-6")),
        {(4, LIMIT_S, "range"), (4, LIMIT_P, "range")},
    ),
    (
        "implausible_steps",
        "approval_cases",
        cell(2, "办理环节数", "31"),
        {(2, "办理环节数", "range")},
    ),
    # --- utility_connections ---
    (
        "power_class_residential",
        "utility_connections",
        cell(2, "用户类别", "非居民"),
        {(2, "用户类别", "customer_class")},
    ),
    (
        "water_class_high_voltage",
        "utility_connections",
        cell(3, "用户类别", "高压"),
        {(3, "用户类别", "customer_class")},
    ),
    (
        "capacity_for_water",
        "utility_connections",
        cell(3, "报装容量(千瓦)", "50"),
        {(3, "报装容量(千瓦)", "capacity_only_power")},
    ),
    (
        "capacity_missing_for_power",
        "utility_connections",
        cell(2, "报装容量(千瓦)", ""),
        {(2, "报装容量(千瓦)", "required")},
    ),
    (
        "bad_utility_type",
        "utility_connections",
        cell(3, "报装类型", "供热"),
        {(3, "报装类型", "enum")},
    ),
    (
        "negative_duration",
        "utility_connections",
        cell(4, "接通时间", "2025-06-24 09:00:00"),
        {(4, "接通时间", "end_before_start")},
    ),
    (
        "absurd_duration_water",
        "utility_connections",
        cell(3, "申请时间", "2024-10-01 09:00:00"),
        {(3, "接通时间", "duration_absurd")},
    ),
    (
        "negative_fee",
        "utility_connections",
        cell(2, "接入费用(元)", "-1"),
        {(2, "接入费用(元)", "range")},
    ),
    (
        "fee_type",
        "utility_connections",
        cell(3, "接入费用(元)", "1,200元"),
        {(3, "接入费用(元)", "type")},
    ),
    (
        "connected_out_of_quarter",
        "utility_connections",
        cell(2, "接通时间", "2025-07-02 10:00:00"),
        {(2, "接通时间", "in_quarter")},
    ),
    # --- loan_balances ---
    ("loan_missing_month", "loan_balances", drop_row(3), {(None, "统计月份", "months_incomplete")}),
    (
        "loan_duplicate_month",
        "loan_balances",
        cell(3, "统计月份", "2025-04"),
        {
            (2, "统计月份", "duplicate_unit_month"),
            (3, "统计月份", "duplicate_unit_month"),
            (None, "统计月份", "months_incomplete"),
        },
    ),
    (
        "loan_month_out_of_quarter",
        "loan_balances",
        cell(7, "统计月份", "2025-07"),
        {(7, "统计月份", "in_quarter"), (None, "统计月份", "months_incomplete")},
    ),
    (
        "loan_month_type",
        "loan_balances",
        cell(4, "统计月份", "六月"),
        {(4, "统计月份", "type"), (None, "统计月份", "months_incomplete")},
    ),
    ("rate_24", "loan_balances", cell(4, RATE, "24"), {(4, RATE, "rate_range")}),
    ("rate_0", "loan_balances", cell(5, RATE, "0"), {(5, RATE, "rate_range")}),
    (
        "component_gt_total",
        "loan_balances",
        cell(5, MANUF, "800.01"),
        {(5, MANUF, "loan_component")},
    ),
    (
        "component_negative",
        "loan_balances",
        cell(6, "普惠小微贷款余额(亿元)", "-0.5"),
        {(6, "普惠小微贷款余额(亿元)", "loan_component")},
    ),
    (
        "total_zero",
        "loan_balances",
        cells((2, "各项贷款余额(亿元)", "0"), (2, MANUF, "0"), (2, "普惠小微贷款余额(亿元)", "0")),
        {(2, "各项贷款余额(亿元)", "range")},
    ),
    (
        "loan_unknown_region",
        "loan_balances",
        cells((5, "区划代码", "990100"), (6, "区划代码", "990100"), (7, "区划代码", "990100")),
        {(5, "区划代码", "region"), (6, "区划代码", "region"), (7, "区划代码", "region")},
    ),
    # --- satisfaction_responses ---
    (
        "bad_credit_code",
        "satisfaction_responses",
        cell(3, "统一社会信用代码", "91350100M000100Y44"),
        {(3, "统一社会信用代码", "credit_code")},
    ),
    (
        "short_credit_code",
        "satisfaction_responses",
        cell(2, "统一社会信用代码", "91350100M000100Y4"),
        {(2, "统一社会信用代码", "credit_code")},
    ),
    (
        "score_6",
        "satisfaction_responses",
        cell(2, "总体满意度", "6"),
        {(2, "总体满意度", "score_range")},
    ),
    (
        "score_0",
        "satisfaction_responses",
        cell(4, "服务态度", "0"),
        {(4, "服务态度", "score_range")},
    ),
    ("score_half", "satisfaction_responses", cell(3, "办事效率", "4.5"), {(3, "办事效率", "type")}),
    (
        "submitted_out_of_quarter",
        "satisfaction_responses",
        cell(4, "填报时间", "2025-07-01 00:00:00"),
        {(4, "填报时间", "in_quarter")},
    ),
    (
        "rated_unknown_department",
        "satisfaction_responses",
        cell(3, "评价部门", "某某局"),
        {(3, "评价部门", "department")},
    ),
    (
        "suspended_negative",
        "approval_cases",
        cell(3, "特殊环节用时(工作日)", "-1"),
        {(3, "特殊环节用时(工作日)", "range")},
    ),
    # --- enterprise_requests ---
    ("req_required", "enterprise_requests", cell(2, "企业名称", ""), {(2, "企业名称", "required")}),
    (
        "req_unique",
        "enterprise_requests",
        cell(4, "工单编号", "GD-0001"),
        {(2, "工单编号", "unique"), (4, "工单编号", "unique")},
    ),
    ("req_channel", "enterprise_requests", cell(3, "诉求渠道", "微信"), {(3, "诉求渠道", "enum")}),
    ("req_category", "enterprise_requests", cell(2, "诉求类别", "投诉"), {(2, "诉求类别", "enum")}),
    (
        "req_follow_up",
        "enterprise_requests",
        cell(4, "回访结果", "一般"),
        {(4, "回访结果", "enum")},
    ),
    (
        "req_complex",
        "enterprise_requests",
        cell(3, "是否复杂诉求", "复杂"),
        {(3, "是否复杂诉求", "type")},
    ),
    (
        "req_region",
        "enterprise_requests",
        cell(2, "区划代码", "990199"),
        {(2, "区划代码", "region")},
    ),
    (
        "req_department",
        "enterprise_requests",
        cell(3, "承办单位", "某某局"),
        {(3, "承办单位", "department")},
    ),
    (
        "req_credit_code",
        "enterprise_requests",
        cell(4, "统一社会信用代码", "91350100M000100Y44"),
        {(4, "统一社会信用代码", "credit_code")},
    ),
    (
        "req_closed_out_of_quarter",
        "enterprise_requests",
        cell(4, "办结时间", "2025-07-01 09:00:00"),
        {(4, "办结时间", "in_quarter")},
    ),
    (
        "req_contact_before_accept",
        "enterprise_requests",
        cell(2, "首次联系企业时间", "2025-04-01 08:00:00"),
        {(2, "首次联系企业时间", "time_order")},
    ),
    (
        "req_assigned_before_contact",
        "enterprise_requests",
        cell(3, "交办时间", "2025-05-06 12:00:00"),
        {(3, "交办时间", "time_order")},
    ),
    (
        "req_feedback_before_assigned",
        "enterprise_requests",
        cell(4, "反馈时间", "2025-06-27 09:45:00"),
        {(4, "反馈时间", "time_order")},
    ),
    (
        "req_closed_before_feedback",
        "enterprise_requests",
        cell(2, "办结时间", "2025-04-03 12:00:00"),
        {(2, "办结时间", "time_order")},
    ),
    # --- inspections ---
    ("insp_required", "inspections", cell(3, "检查结果", ""), {(3, "检查结果", "required")}),
    (
        "insp_unique",
        "inspections",
        cell(3, "检查编号", "JC-0001"),
        {(2, "检查编号", "unique"), (3, "检查编号", "unique")},
    ),
    ("insp_method", "inspections", cell(2, "检查方式", "暗访"), {(2, "检查方式", "enum")}),
    ("insp_outcome", "inspections", cell(4, "检查结果", "警告"), {(4, "检查结果", "enum")}),
    ("insp_joint", "inspections", cell(2, "是否联合检查", "联合"), {(2, "是否联合检查", "type")}),
    ("insp_region", "inspections", cell(4, "区划代码", "990199"), {(4, "区划代码", "region")}),
    (
        "insp_department",
        "inspections",
        cell(2, "执法部门", "某某局"),
        {(2, "执法部门", "department")},
    ),
    (
        "insp_credit_code",
        "inspections",
        cell(3, "统一社会信用代码", "9199010277889900"),
        {(3, "统一社会信用代码", "credit_code")},
    ),
    (
        "insp_out_of_quarter",
        "inspections",
        cell(2, "检查日期", "2025-03-31"),
        {(2, "检查日期", "in_quarter")},
    ),
    ("insp_date_type", "inspections", cell(3, "检查日期", "5月20日"), {(3, "检查日期", "type")}),
    (
        "insp_penalty",
        "inspections",
        cell(3, "处罚金额(元)", "-100"),
        {(3, "处罚金额(元)", "range")},
    ),
    # --- policy_payouts ---
    ("pay_required", "policy_payouts", cell(3, "政策名称", ""), {(3, "政策名称", "required")}),
    (
        "pay_unique",
        "policy_payouts",
        cell(4, "兑现编号", "DX-0002"),
        {(3, "兑现编号", "unique"), (4, "兑现编号", "unique")},
    ),
    ("pay_type", "policy_payouts", cell(2, "政策类别", "奖励类"), {(2, "政策类别", "enum")}),
    (
        "pay_mode",
        "policy_payouts",
        cell(3, "兑现方式", "即申即享"),
        {(3, "兑现方式", "enum")},
    ),
    (
        "pay_department",
        "policy_payouts",
        cell(4, "主管部门", "某某局"),
        {(4, "主管部门", "department")},
    ),
    ("pay_region", "policy_payouts", cell(3, "区划代码", "990199"), {(3, "区划代码", "region")}),
    (
        "pay_credit_code",
        "policy_payouts",
        cell(2, "统一社会信用代码", "9299012100000012Y"),
        {(2, "统一社会信用代码", "credit_code")},
    ),
    (
        "pay_amount_zero",
        "policy_payouts",
        cell(3, "兑现金额(万元)", "0"),
        {(3, "兑现金额(万元)", "range")},
    ),
    (
        "pay_out_of_quarter",
        "policy_payouts",
        cell(4, "拨付时间", "2025-07-01 10:00:00"),
        {(4, "拨付时间", "in_quarter")},
    ),
    (
        "pay_no_application_but_applied",
        "policy_payouts",
        cell(2, "申报时间", "2025-03-25 09:00:00"),
        {(2, "申报时间", "application_time")},
    ),
    (
        "pay_application_missing",
        "policy_payouts",
        cell(4, "申报时间", ""),
        {(4, "申报时间", "application_time")},
    ),
    (
        "pay_mode_changed_to_no_application",
        "policy_payouts",
        cell(3, "兑现方式", "免申即享"),
        {(3, "申报时间", "application_time")},
    ),
    (
        "pay_approved_before_applied",
        "policy_payouts",
        cell(3, "审核通过时间", "2025-04-19 09:00:00"),
        {(3, "审核通过时间", "time_order")},
    ),
    (
        "pay_paid_before_approved",
        "policy_payouts",
        cell(2, "拨付时间", "2025-04-01 09:00:00"),
        {(2, "拨付时间", "time_order")},
    ),
    # --- headers (any source) ---
    (
        "missing_column",
        "approval_cases",
        drop_column("事项名称"),
        {(None, "事项名称", "missing_column")},
    ),
    ("extra_column", "approval_cases", add_column("备注", "无"), {(1, "备注", "unknown_column")}),
    (
        "renamed_column",
        "approval_cases",
        rename("受理部门", "受理单位"),
        {(1, "受理单位", "unknown_column"), (None, "受理部门", "missing_column")},
    ),
    (
        "duplicate_column",
        "loan_balances",
        add_column("首贷户数", "1"),
        {(1, "首贷户数", "duplicate_column")},
    ),
]


@pytest.mark.parametrize(
    ("source", "mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rule_matrix(
    tmp_path: Path, source: str, mutate: Mutation, expected: set[tuple[int | None, str | None, str]]
) -> None:
    head, rows = mutate(good_table(source))
    path = write_csv(tmp_path / f"{source}.csv", head, rows)
    result = validate_file(source, path, quarter=QUARTER)
    assert triples(result) == expected
    assert not result.valid
    for e in result.errors:
        assert e.message  # a Chinese message for every error


@pytest.mark.parametrize("source", SOURCES)
def test_good_files_pass_csv_and_xlsx(tmp_path: Path, source: str) -> None:
    head, rows = good_table(source)
    for path in (
        write_csv(tmp_path / f"{source}.csv", head, rows),
        write_xlsx(tmp_path / f"{source}.xlsx", {"Sheet1": [head, *rows]}),
    ):
        result = validate_file(source, path, quarter=QUARTER)
        assert result.errors == []
        assert result.valid and result.rows == len(rows)
        assert result.frame is not None
        assert list(result.frame["source_row"]) == list(range(2, len(rows) + 2))


def test_optional_column_may_be_left_out(tmp_path: Path) -> None:
    # 特殊环节用时 (required: false) is new: a file in the earlier layout, without it, passes
    # and reads it as empty (= 0); a required column left out is still an error.
    head, rows = drop_column("特殊环节用时(工作日)")(good_table("approval_cases"))
    result = validate_file(
        "approval_cases", write_csv(tmp_path / "a.csv", head, rows), quarter=QUARTER
    )
    assert result.errors == [] and result.valid
    assert result.frame is not None and result.frame["suspended_days"].isna().all()
    head, rows = drop_column("办理环节数")(good_table("approval_cases"))
    result = validate_file(
        "approval_cases", write_csv(tmp_path / "b.csv", head, rows), quarter=QUARTER
    )
    assert triples(result) == {(None, "办理环节数", "missing_column")}


def test_error_value_is_raw_and_message_names_it(tmp_path: Path) -> None:
    head, rows = cell(3, "申请材料数", " 三份 ")(good_table("approval_cases"))
    result = validate_file(
        "approval_cases", write_csv(tmp_path / "a.csv", head, rows), quarter=QUARTER
    )
    (error,) = result.errors
    assert error.value == " 三份 "
    assert "三份" in error.message and "整数" in error.message


def test_typed_frame(tmp_path: Path) -> None:
    head, rows = cells(
        (2, "受理部门", "市行政审批局"),
        (3, "受理时间", "2025/5/6 10:00"),
        (4, "区划代码", "990171.0"),
    )(good_table("approval_cases"))
    result = validate_file(
        "approval_cases", write_csv(tmp_path / "a.csv", head, rows), quarter=QUARTER
    )
    assert result.valid, result.errors
    frame = result.frame
    assert frame is not None
    assert next(iter(frame["dept"])) == "市行政审批服务局"  # alias -> canonical name
    assert frame["accepted_at"].iloc[1] == pd.Timestamp("2025-05-06 10:00:00")
    assert list(frame["region_code"]) == ["990102", "990121", "990171"]
    assert str(frame["material_count"].dtype) == "Int64"
    assert list(frame["is_online"]) == [True, False, True]
    assert frame["suspended_days"].tolist()[0::2] == [0, 5] and pd.isna(frame["suspended_days"][1])
    assert list(frame.columns) == [
        "source_row",
        *[
            c
            for c in (
                "case_id",
                "region_code",
                "category",
                "item_name",
                "dept",
                "accepted_at",
                "completed_at",
                "statutory_limit_days",
                "promised_limit_days",
                "suspended_days",
                "material_count",
                "visit_count",
                "step_count",
                "is_online",
            )
        ],
    ]


def test_loan_month_forms_and_text_frame(tmp_path: Path) -> None:
    head, rows = cells((2, "统计月份", "2025年4月"), (3, "统计月份", "2025/5"))(
        good_table("loan_balances")
    )
    result = validate_file(
        "loan_balances", write_csv(tmp_path / "l.csv", head, rows), quarter=QUARTER
    )
    assert result.valid, result.errors
    assert result.frame is not None
    assert list(result.frame["stat_month"])[:3] == ["2025-04", "2025-05", "2025-06"]


def test_header_full_width_and_spaces_accepted(tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    written = {
        LIMIT_S: " 法定时限（工作日） ",
        "办件编号": "办件编号\u3000",
        "区划代码": "  区划代码",
    }
    head = [written.get(h, h) for h in head]
    rows[1][head.index(" 法定时限（工作日） ")] = "五"
    result = validate_file(
        "approval_cases", write_csv(tmp_path / "a.csv", head, rows), quarter=QUARTER
    )
    # The only error is the planted one, reported under the header as the department wrote it.
    assert triples(result) == {(3, "法定时限（工作日）", "type")}


# --- file-level problems ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "rule"),
    [
        (b"", "empty_file"),
        (b"  \r\n\n", "empty_file"),
        (csv_text(good_table("approval_cases")[0], []).encode("utf-8"), "header_only"),
        (
            csv_text(good_table("approval_cases")[0], [[""] * 13, [""] * 13]).encode("utf-8"),
            "header_only",
        ),
        ("办件编号,区划代码\n1,990102\n".encode("utf-16"), "encoding"),
        ("办件编号,区划代码\n1,990102\n".encode("utf-16-le"), "encoding"),
        (random.Random(7).randbytes(400), "encoding"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "file_format"),
    ],
    ids=[
        "zero_bytes",
        "blank_lines",
        "header_only",
        "header_and_blank_rows",
        "utf16_bom",
        "utf16_no_bom",
        "random_bytes",
        "xls",
    ],
)
def test_file_level_errors(tmp_path: Path, content: bytes, rule: str) -> None:
    path = tmp_path / "approval_cases.csv"
    path.write_bytes(content)
    result = validate_file("approval_cases", path, quarter=QUARTER)
    assert [(e.row, e.column, e.rule) for e in result.errors] == [(None, None, rule)]
    assert result.rows == 0
    if rule != "header_only":
        assert result.frame is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_encodings_accepted(tmp_path: Path, encoding: str) -> None:
    head, rows = good_table("satisfaction_responses")
    path = write_csv(tmp_path / "s.csv", head, rows, encoding=encoding)
    result = validate_file("satisfaction_responses", path, quarter=QUARTER)
    assert result.valid, result.errors
    assert result.frame is not None and result.frame["comment"].iloc[2] == "希望简化材料"


def test_crlf_blank_lines_and_quoted_newlines_keep_excel_rows(tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    rows[0][head.index("事项名称")] = "企业设立\n登记"
    text = csv_text(head, rows[:1]) + "\n" + csv_text(head, rows[1:]).split("\n", 1)[1]
    text = text.replace(rows[2][0], rows[0][0])  # duplicate id on the last record
    (tmp_path / "a.csv").write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    result = validate_file("approval_cases", tmp_path / "a.csv", quarter=QUARTER)
    # Record 1 is row 2 (with a line break inside a cell), row 3 is blank, last record row 5.
    assert triples(result) == {(2, "办件编号", "unique"), (5, "办件编号", "unique")}


def test_truncated_csv_last_line(tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    text = csv_text(head, rows)
    cut = text[: text.rindex("2025-06-30")]  # cut mid-row in the last record
    (tmp_path / "a.csv").write_text(cut, encoding="utf-8")
    result = validate_file("approval_cases", tmp_path / "a.csv", quarter=QUARTER)
    assert triples(result) == {(4, None, "truncated_row")}
    assert result.rows == 2  # the intact rows are still typed and checked


@pytest.mark.parametrize("cut", [1, 2])
def test_utf8_cut_inside_last_character(tmp_path: Path, cut: int) -> None:
    """The last character (是, 3 bytes in UTF-8) loses 1 or 2 bytes: a truncated row, not an
    encoding problem; the intact rows are still read."""
    head, rows = good_table("approval_cases")
    data = csv_text(head, rows).encode("utf-8").rstrip(b"\r\n")
    assert data.endswith("是".encode())
    (tmp_path / "a.csv").write_bytes(data[:-cut])
    result = validate_file("approval_cases", tmp_path / "a.csv", quarter=QUARTER)
    assert triples(result) == {(4, None, "truncated_row")}
    assert "截断" in result.errors[0].message
    assert result.rows == 2


def test_utf8_cut_inside_character_starting_a_row(tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    data = csv_text(head, rows).encode("utf-8") + "中".encode()[:2]
    (tmp_path / "a.csv").write_bytes(data)
    result = validate_file("approval_cases", tmp_path / "a.csv", quarter=QUARTER)
    assert triples(result) == {(5, None, "truncated_row")}
    assert result.rows == 3


def test_invalid_utf8_before_the_end_is_still_an_encoding_error(tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    data = csv_text(head, rows).encode("utf-8")
    (tmp_path / "a.csv").write_bytes(data[:10] + b"\xff\xfe\x00" + data[10:] + b"\xe6\x98")
    result = validate_file("approval_cases", tmp_path / "a.csv", quarter=QUARTER)
    assert triples(result) == {(None, None, "encoding")}


@pytest.mark.parametrize("name", ["a.txt", "a.xls", "a.XLSM", "a.json", "a.tsv", "a"])
def test_other_suffixes_are_one_file_format_error(tmp_path: Path, name: str) -> None:
    head, rows = good_table("approval_cases")
    path = write_csv(tmp_path / name, head, rows)
    result = validate_file("approval_cases", path, quarter=QUARTER)
    assert [(e.row, e.column, e.rule) for e in result.errors] == [(None, None, "file_format")]
    assert result.frame is None and result.rows == 0
    parsed = parse_submission("approval_cases", path)
    assert [e.rule for e in parsed.errors] == ["file_format"]


def test_xls_suffix_message(tmp_path: Path) -> None:
    path = tmp_path / "a.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    (error,) = validate_file("approval_cases", path, quarter=QUARTER).errors
    assert error.rule == "file_format" and "请在 Excel 中另存为 .xlsx 或 CSV" in error.message


def test_unsupported_suffix_still_raises_for_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        validate_file("approval_cases", tmp_path / "nope.txt", quarter=QUARTER)


def test_unbalanced_quote(tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    text = csv_text(head, rows[:2]) + '2025Q2-0003,990171,"工程建设项目审批,建筑工程施工许可\n'
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    result = validate_file("approval_cases", tmp_path / "a.csv", quarter=QUARTER)
    assert triples(result) == {(4, None, "csv_quote")}
    assert result.rows == 2


def test_csv_title_row(tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    text = "2025年第二季度政务服务办件" + "," * 12 + "\n" + csv_text(head, rows)
    (tmp_path / "a.csv").write_text(text, encoding="utf-8")
    result = validate_file("approval_cases", tmp_path / "a.csv", quarter=QUARTER)
    assert triples(result) == {(1, None, "title_row")}
    assert "标题行" in result.errors[0].message
    assert result.frame is not None and list(result.frame["source_row"]) == [3, 4, 5]


# --- xlsx ------------------------------------------------------------------------------


def test_xlsx_title_row(tmp_path: Path) -> None:
    head, rows = cell(4, "跑动次数", "x")(good_table("approval_cases"))
    title = ["2025年第二季度政务服务办件"]
    path = write_xlsx(tmp_path / "a.xlsx", {"Sheet1": [title, head, *rows]})
    result = validate_file("approval_cases", path, quarter=QUARTER)
    # Rows keep the numbers the department sees: the planted error is on Excel row 5.
    assert triples(result) == {(1, None, "title_row"), (5, "跑动次数", "type")}
    assert result.errors[0].value == "2025年第二季度政务服务办件"


def test_xlsx_two_data_sheets(tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    path = write_xlsx(tmp_path / "a.xlsx", {"Sheet1": [head, *rows], "Sheet2": [head, rows[0]]})
    result = validate_file("approval_cases", path, quarter=QUARTER)
    assert triples(result) == {(None, None, "multiple_sheets")}
    assert result.frame is None


def test_xlsx_data_sheet_chosen_and_instructions_ignored(tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    path = write_xlsx(
        tmp_path / "a.xlsx", {"填报说明": [["说明"], ["表头", "类型"]], "数据": [head, *rows]}
    )
    assert validate_file("approval_cases", path, quarter=QUARTER).valid


def test_xlsx_native_cells(tmp_path: Path) -> None:
    """Excel numbers and datetimes (region code as 990102 / 990102.0) are accepted."""
    head, rows = good_table("approval_cases")
    native: list[list[object]] = []
    for r in rows:
        out: list[object] = list(r)
        out[1] = int(r[1]) if r is rows[0] else float(r[1])
        out[5] = datetime.fromisoformat(r[5])
        out[6] = datetime.fromisoformat(r[6])
        out[7:13] = [int(v) if v else None for v in r[7:13]]
        native.append(out)
    path = write_xlsx(tmp_path / "a.xlsx", {"数据": [head, *native, [None] * len(head)]})
    result = validate_file("approval_cases", path, quarter=QUARTER)
    assert result.valid, result.errors
    assert result.frame is not None and list(result.frame["region_code"])[:2] == [
        "990102",
        "990121",
    ]


def test_xlsx_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    result = validate_file("approval_cases", path, quarter=QUARTER)
    assert triples(result) == {(None, None, "file_format")}


# --- volume, quarter, API ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "factor", "rule"),
    [
        (100, None, "volume"),  # 3 rows < 100/3 (factor 3 from config/intake.yaml)
        (9, None, None),  # 3 == 9/3: at the bound
        (1, 2.0, "volume"),  # 3 rows > 1*2
        (None, None, None),  # no previous quarter: skipped
    ],
)
def test_volume_check(
    tmp_path: Path, previous: int | None, factor: float | None, rule: str | None
) -> None:
    head, rows = good_table("approval_cases")
    path = write_csv(tmp_path / "a.csv", head, rows)
    result = validate_file(
        "approval_cases", path, quarter=QUARTER, previous_rows=previous, volume_factor=factor
    )
    assert triples(result) == ({(None, None, rule)} if rule else set())


def test_quarter_inferred_from_data(tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    result = validate_file("approval_cases", write_csv(tmp_path / "a.csv", head, rows))
    assert (result.quarter, result.quarter_origin) == (QUARTER, "data")
    assert result.valid
    folder = write_csv(tmp_path / "2025Q3" / "a.csv", head, rows)
    result = validate_file("approval_cases", folder)
    assert (str(result.quarter), result.quarter_origin) == ("2025Q3", "path")
    assert {e.rule for e in result.errors} == {"in_quarter"}


def test_errors_sorted_by_row_then_column(tmp_path: Path) -> None:
    head, rows = cells((4, "跑动次数", "x"), (2, "是否网办", "Y"), (2, "办理环节数", "0"))(
        good_table("approval_cases")
    )
    head = [*head, "备注"]
    rows = [[*r, ""] for r in rows]
    result = validate_file(
        "approval_cases", write_csv(tmp_path / "a.csv", head, rows), quarter=QUARTER
    )
    keys = [(e.row, e.column) for e in result.errors]
    assert keys == [(1, "备注"), (2, "办理环节数"), (2, "是否网办"), (4, "跑动次数")]


def test_two_stages(tmp_path: Path) -> None:
    head, rows = cells((2, "跑动次数", "x"), (3, "区划代码", "990199"))(
        good_table("approval_cases")
    )
    parsed = parse_submission("approval_cases", write_csv(tmp_path / "a.csv", head, rows))
    assert [(e.row, e.rule) for e in parsed.errors] == [(2, "type")]
    assert parsed.frame is not None and parsed.rows == 3
    stage2 = check_submission(parsed, quarter=QUARTER)
    assert [(e.row, e.column, e.rule) for e in stage2] == [(3, "区划代码", "region")]


def test_unknown_source_and_bad_paths(tmp_path: Path) -> None:
    with pytest.raises(UnknownSourceError):
        validate_file("nope", tmp_path / "a.csv")
    with pytest.raises(FileNotFoundError):
        validate_file("approval_cases", tmp_path / "missing.csv")
    with pytest.raises(IsADirectoryError):
        validate_file("approval_cases", tmp_path)


def test_json_dict_shape(tmp_path: Path) -> None:
    head, rows = drop_column("事项名称")(good_table("approval_cases"))
    result = validate_file(
        "approval_cases", write_csv(tmp_path / "a.csv", head, rows), quarter=QUARTER
    )
    assert result.to_json_dict() == {
        "valid": False,
        "source": "approval_cases",
        "rows": 3,
        "errors": [
            {
                "row": None,
                "column": "事项名称",
                "value": None,
                "rule": "missing_column",
                "message": result.errors[0].message,
            }
        ],
    }


def test_time_order_and_application_messages_name_both_cells(tmp_path: Path) -> None:
    head, rows = cell(3, "交办时间", "2025-05-06 12:00:00")(good_table("enterprise_requests"))
    result = validate_file(
        "enterprise_requests", write_csv(tmp_path / "r.csv", head, rows), quarter=QUARTER
    )
    (error,) = result.errors
    assert error.value == "2025-05-06 12:00:00"
    assert "首次联系企业时间" in error.message and "2025-05-07 09:00:00" in error.message
    # A contact time left empty is skipped: 交办 is compared with 受理 instead.
    head, rows = cells((3, "首次联系企业时间", ""), (3, "交办时间", "2025-05-06 09:00:00"))(
        good_table("enterprise_requests")
    )
    result = validate_file(
        "enterprise_requests", write_csv(tmp_path / "r2.csv", head, rows), quarter=QUARTER
    )
    assert triples(result) == {
        (3, "首次联系企业时间", "required"),
        (3, "交办时间", "time_order"),
    }
    assert "受理时间" in next(e for e in result.errors if e.rule == "time_order").message
    head, rows = cell(4, "申报时间", "")(good_table("policy_payouts"))
    result = validate_file(
        "policy_payouts", write_csv(tmp_path / "p.csv", head, rows), quarter=QUARTER
    )
    (error,) = result.errors
    assert "依申请" in error.message and "不能为空" in error.message
