"""Hand-written submissions for the validation tests (quarter 2025Q2), and file writers.

Rows are lists of cell strings in contract header order; the first data row is Excel row 2.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pipelines.contracts import contract
from pipelines.quarters import Quarter
from pipelines.validation.checks import CREDIT_CHARSET, CREDIT_WEIGHTS

QUARTER = Quarter(2025, 2)


def credit_code(first17: str) -> str:
    """A valid GB 32100-2015 code from its first 17 characters (test helper)."""
    total = sum(
        CREDIT_CHARSET.index(ch) * int(w) for ch, w in zip(first17, CREDIT_WEIGHTS, strict=True)
    )
    return first17 + CREDIT_CHARSET[(31 - total % 31) % 31]


GOOD_ROWS: dict[str, list[list[str]]] = {
    "approval_cases": [
        [
            "2025Q2-0001",
            "990102",
            "企业开办",
            "企业设立登记",
            "市行政审批服务局",
            "2025-04-01 09:00:00",
            "2025-04-01 15:30:00",
            "3",
            "1",
            "0",
            "4",
            "0",
            "2",
            "是",
        ],
        [
            "2025Q2-0002",
            "990121",
            "不动产登记",
            "不动产转移登记",
            "市不动产登记中心",
            "2025-05-06 10:00:00",
            "2025-05-08 11:00:00",
            "5",
            "3",
            "",
            "6",
            "1",
            "3",
            "否",
        ],
        [
            "2025Q2-0003",
            "990171",
            "工程建设项目审批",
            "建筑工程施工许可",
            "市住房城乡建设局",
            "2025-03-20 09:00:00",
            "2025-06-30 17:00:00",
            "20",
            "15",
            "5",
            "12",
            "1",
            "4",
            "是",
        ],
    ],
    "utility_connections": [
        [
            "E-0001",
            "990102",
            "电力",
            "高压",
            "2025-04-01 09:00:00",
            "2025-05-06 16:00:00",
            "3",
            "2",
            "0",
            "630",
        ],
        [
            "W-0001",
            "990103",
            "用水",
            "非居民",
            "2025-04-10 09:00:00",
            "2025-04-14 10:00:00",
            "2",
            "1",
            "1200.50",
            "",
        ],
        [
            "G-0001",
            "990181",
            "用气",
            "非居民",
            "2025-06-25 09:00:00",
            "2025-06-27 09:00:00",
            "3",
            "1",
            "0",
            "",
        ],
    ],
    "loan_balances": [
        ["990102", "2025-04", "1200.5", "300.2", "150.1", "5200", "3.85", "12.5", "120"],
        ["990102", "2025-05", "1210.3", "301.0", "152.4", "5230", "3.80", "15.0", "98"],
        ["990102", "2025-06", "1225.0", "305.7", "155.0", "5301", "3.78", "20.5", "110"],
        ["990103", "2025-04", "800", "150", "90", "3100", "4.10", "8", "60"],
        ["990103", "2025-05", "805", "151", "91.5", "3120", "4.05", "9.5", "55"],
        ["990103", "2025-06", "812.25", "152", "93", "3150", "4.00", "", "70"],
    ],
    "satisfaction_responses": [
        [
            "Q-0001",
            "91350100M000100Y43",
            "990102",
            "市市场监管局",
            "2025-04-15 10:20:00",
            "5",
            "4",
            "5",
            "5",
            "5",
            "办事很快",
        ],
        [
            "Q-0002",
            credit_code("9199010277889900A"),
            "990104",
            "市税务局",
            "2025-05-20 14:00:00",
            "4",
            "4",
            "3",
            "5",
            "4",
            "",
        ],
        [
            "Q-0003",
            credit_code("9299012100000012X"),
            "990121",
            "市发改委",
            "2025-06-30 23:59:59",
            "3",
            "2",
            "3",
            "4",
            "3",
            "希望简化材料",
        ],
    ],
    "enterprise_requests": [
        [
            "GD-0001",
            "12345热线",
            "990102",
            "91350100M000100Y43",
            "示例江海科技有限公司",
            "政策咨询",
            "否",
            "2025-04-01 09:00:00",
            "2025-04-01 15:00:00",
            "2025-04-02 10:00:00",
            "市工业和信息化局",
            "2025-04-03 16:00:00",
            "2025-04-08 17:00:00",
            "否",
            "满意",
        ],
        [
            "GD-0002",
            "政企服务平台",
            "990121",
            credit_code("9199010277889900A"),
            "青石县示例机械有限公司",
            "要素保障",
            "是",
            "2025-05-06 10:00:00",
            "2025-05-07 09:00:00",
            "2025-05-08 09:00:00",
            "市自然资源和规划局",
            "2025-05-09 11:00:00",
            "2025-06-03 17:00:00",
            "是",
            "未回访",
        ],
        [
            "GD-0003",
            "营商环境观察员",
            "990171",
            credit_code("9299012100000012X"),
            "高新区示例软件有限公司",
            "审批服务",
            "否",
            "2025-06-27 09:00:00",
            "2025-06-27 09:30:00",
            "2025-06-27 10:00:00",
            "市行政审批服务局",
            "2025-06-30 09:00:00",
            "2025-06-30 17:00:00",
            "否",
            "基本满意",
        ],
    ],
    "inspections": [
        [
            "JC-0001",
            "990102",
            "市市场监管局",
            "91350100M000100Y43",
            "示例江海科技有限公司",
            "2025-04-10",
            "双随机一公开",
            "是",
            "未发现问题",
            "",
        ],
        [
            "JC-0002",
            "990121",
            "市生态环境局",
            credit_code("9199010277889900A"),
            "青石县示例机械有限公司",
            "2025-05-20",
            "专项检查",
            "否",
            "行政处罚",
            "20000",
        ],
        [
            "JC-0003",
            "990171",
            "市应急管理局",
            credit_code("9299012100000012X"),
            "高新区示例软件有限公司",
            "2025-06-30 15:00:00",
            "非现场检查",
            "否",
            "责令整改",
            "0",
        ],
    ],
    "policy_payouts": [
        [
            "DX-0001",
            "高新技术企业认定奖励",
            "认定类",
            "免申即享",
            "市科学技术局",
            "990171",
            credit_code("9299012100000012X"),
            "高新区示例软件有限公司",
            "",
            "2025-04-01 10:00:00",
            "2025-04-08 15:00:00",
            "20",
        ],
        [
            "DX-0002",
            "技术改造项目补助",
            "审核类",
            "简申快享",
            "市工业和信息化局",
            "990121",
            credit_code("9199010277889900A"),
            "青石县示例机械有限公司",
            "2025-04-20 09:00:00",
            "2025-05-06 10:00:00",
            "2025-05-20 10:00:00",
            "85.5",
        ],
        [
            "DX-0003",
            "稳岗返还",
            "审核类",
            "依申请",
            "市人力资源社会保障局",
            "990102",
            "91350100M000100Y43",
            "示例江海科技有限公司",
            "2025-05-06 09:00:00",
            "2025-06-03 09:00:00",
            "2025-06-30 16:00:00",
            "3.2",
        ],
    ],
}


def headers(source: str) -> list[str]:
    return contract(source).headers


def good_table(source: str) -> tuple[list[str], list[list[str]]]:
    return list(headers(source)), [list(r) for r in GOOD_ROWS[source]]


def set_cell(
    table: tuple[list[str], list[list[str]]], excel_row: int, header: str, value: str
) -> tuple[list[str], list[list[str]]]:
    head, rows = table
    rows[excel_row - 2][head.index(header)] = value
    return head, rows


def csv_text(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(head)
    writer.writerows(rows)
    return buf.getvalue()


def write_csv(
    path: Path, head: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str = "utf-8"
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_text(head, rows).encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[Any]]]) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def triples(result: Any) -> set[tuple[int | None, str | None, str]]:
    """(row, column, rule) of every error of a ValidationResult."""
    return {(e.row, e.column, e.rule) for e in result.errors}
