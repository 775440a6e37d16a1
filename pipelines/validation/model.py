"""Result types of validating one departmental submission."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.quarters import Quarter


@dataclass(frozen=True)
class ValidationError:
    """One failing cell (or a file-level problem when ``row`` is None).

    ``row`` is the row number as the department sees it in Excel (header = 1); ``column`` is
    the header as written in the department's file; ``value`` the raw cell text.
    """

    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "rule": self.rule,
            "message": self.message,
        }


def sort_errors(errors: list[ValidationError]) -> list[ValidationError]:
    """File-level errors (row None) first, then by row and column."""
    return sorted(
        errors,
        key=lambda e: (
            e.row is not None,
            e.row if e.row is not None else -1,
            e.column or "",
            e.rule,
        ),
    )


@dataclass
class ValidationResult:
    source: str
    path: Path
    quarter: Quarter | None
    rows: int
    errors: list[ValidationError]
    # Typed canonical columns + ``source_row`` (Excel row number); None if unreadable.
    frame: pd.DataFrame | None = field(default=None, repr=False)
    # How the quarter was determined: "given", "path" or "data" (None when unknown).
    quarter_origin: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def failing_rows(self) -> int:
        return len({e.row for e in self.errors if e.row is not None})

    def errors_by_rule(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.errors:
            counts[e.rule] = counts.get(e.rule, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "source": self.source,
            "rows": self.rows,
            "errors": [e.to_json_dict() for e in self.errors],
        }


# Every rule id a ValidationError can carry, with its Chinese name (reports, CLI summary).
RULE_LABELS: dict[str, str] = {
    # reading and structure (stage "parse")
    "encoding": "文件编码无法识别",
    "file_format": "文件格式不支持",
    "empty_file": "空文件",
    "header_only": "只有表头没有数据",
    "multiple_sheets": "多个含数据的工作表",
    "title_row": "表头上方有标题行",
    "csv_quote": "CSV 引号不配对",
    "file_limit": "文件超出安全上限",
    "field_size": "单元格过长",
    "truncated_row": "行字段不全（文件被截断）",
    "missing_column": "缺少列",
    "unknown_column": "多余或改名的列",
    "duplicate_column": "重复的列",
    "type": "格式或类型错误",
    # Great Expectations suites (stage "contract")
    "required": "必填项为空",
    "unique": "编号重复",
    "enum": "不在可选值中",
    "customer_class": "用户类别与报装类型不符",
    "region": "区划代码不在名录中",
    "department": "部门不在名录中",
    "in_quarter": "不在本季度内",
    "end_before_start": "结束早于开始",
    "promised_gt_statutory": "承诺时限超过法定时限",
    "range": "超出合理范围",
    "loan_component": "分项贷款余额超出总额",
    "rate_range": "利率超出范围",
    "score_range": "评分不在1–5分",
    "capacity_only_power": "非电力报装填了报装容量",
    "duplicate_unit_month": "同一区划同一月份重复",
    # contract checks (checks.yaml of each source declaration)
    "credit_code": "统一社会信用代码无效",
    "duration_absurd": "办理时长不合理",
    "months_incomplete": "缺少本季度月份",
    "volume": "数据行数与上季度相差过大",
    # 整改进展台账 (expectations/rectification_progress/checks.yaml)
    "ledger_unverifiable": "无法核对整改任务",
    "task_unknown": "任务编号不存在",
    "task_not_open": "任务不是在办任务",
    "task_other_department": "任务不属于本单位",
    "locked_edited": "锁定列被修改",
    "completion_date": "完成日期与状态不符",
}


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule)
