"""The catalogue of plantable faults (light: no numpy/pandas, so ``--help`` stays fast)."""

from __future__ import annotations

from pipelines.demo import DEMO_SOURCES as SOURCES

FAULTS: dict[str, str] = {
    "duplicate_id": "编号重复（两行使用同一编号；贷款数据为同一区划同一月份出现两行）",
    "unknown_region": "区划代码不在区划名录中（如 990199）",
    "unknown_department": "部门名称不在部门名录中（如“市招商服务中心”）",
    "end_before_start": (
        "结束时间早于开始时间（办结早于受理、接通早于申请、交办早于联系企业、拨付早于审核通过）"
    ),
    "out_of_quarter": "归属时间不在本季度内（办结、接通、填报时间或统计月份落在下一季度）",
    "absurd_duration": "办理时长明显不合理（如工程建设项目审批历时3年）",
    "empty_required": "必填项为空",
    "bad_enum": "取值不在允许范围内（如是否网办填“Y”、报装类型填“热力”、评分填6）",
    "bad_type": "数值列中出现文字（如跑动次数填“一次”、接入费用填“免费”）",
    "bad_credit_code": "统一社会信用代码校验位错误",
    "promised_over_statutory": "承诺时限超过法定时限",
    "rate_out_of_range": "新发放普惠小微贷款利率超出合理范围（如 35.6%）",
    "missing_month": "缺少某区划某月份的数据行",
    "negative_value": "数量或金额为负数",
    "part_over_total": "制造业贷款余额大于各项贷款余额",
    "application_time_mismatch": "申报时间与兑现方式不符（免申即享的兑现填了申报时间）",
}

# approval_cases, utility_connections, loan_balances, satisfaction_responses,
# enterprise_requests, inspections, policy_payouts
A, U, L, S, R, I, P = SOURCES  # noqa: E741
FAULT_SOURCES: dict[str, tuple[str, ...]] = {
    "duplicate_id": (A, U, L, S, R, I, P),
    "unknown_region": (A, U, L, S, R, I, P),
    "unknown_department": (A, S, R, I, P),
    "end_before_start": (A, U, R, P),
    "out_of_quarter": (A, U, L, S, R, I, P),
    "absurd_duration": (A, U),
    "empty_required": (A, U, L, S, R, I, P),
    "bad_enum": (A, U, S, R, I, P),
    "bad_type": (A, U, L, S, R, I, P),
    "bad_credit_code": (S, R, I, P),
    "promised_over_statutory": (A,),
    "rate_out_of_range": (L,),
    "missing_month": (L,),
    "negative_value": (A, U, L, P),
    "part_over_total": (L,),
    "application_time_mismatch": (P,),
}
