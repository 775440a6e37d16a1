"""The quarter's Excel workbook read back with openpyxl: sheets, frozen headers, number
formats, values equal to the warehouse, formula injection neutralised."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from test_bulletin_data import (
    FIXTURE_FRAMEWORK,
    FORMULA_COMMENT,
    LATEST,
    PWNED_DEPARTMENT,
    fixture_config,
    make_bulletin_db,
)

from pipelines.env import SHANGHAI
from pipelines.reports.content import build_content
from pipelines.reports.workbook import neutralise, write_workbook

# Tier slow: builds a fixture warehouse for the module and reads or renders it.
pytestmark = pytest.mark.slow

SHEETS = [
    "说明",
    "综合排名",
    "一级指标得分",
    "二级指标得分",
    "指标值",
    "红黑榜",
    "各地短板",
    "部门满意度",
    "意见建议",
    "数据质量",
    "退回版本",
    "指标体系",
    "名次稳健性",
    "名次敏感性",
]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bulletin_db(tmp_path_factory.mktemp("workbook") / "bizenv.duckdb")


@pytest.fixture(scope="module")
def workbook(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    from datetime import datetime

    root = tmp_path_factory.mktemp("out")
    with duckdb.connect(str(db), read_only=True) as con:
        content = build_content(
            con, LATEST, config=fixture_config(root), framework=FIXTURE_FRAMEWORK
        )
    path = write_workbook(content, root / "数据表.xlsx", datetime(2025, 10, 15, tzinfo=SHANGHAI))
    assert not list(root.glob("*.tmp"))
    return load_workbook(path)


def _rows(wb: Workbook, sheet: str) -> list[dict[str, object]]:
    ws = wb[sheet]
    header = [c.value for c in ws[1]]
    return [
        dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2, values_only=True)
    ]


def test_sheet_names_and_frozen_headers(workbook: Workbook) -> None:
    assert workbook.sheetnames == SHEETS
    for name in SHEETS:
        assert workbook[name].freeze_panes == "A2", name
    assert workbook["说明"]["A2"].value == "示例数据"


def test_rankings_equal_the_warehouse(workbook: Workbook, db: Path) -> None:
    rows = _rows(workbook, "综合排名")
    with duckdb.connect(str(db), read_only=True) as con:
        expected = con.execute(
            "select unit_code, rank, total_score, rank_change from scores.rankings "
            "where quarter = ? order by rank, unit_code",
            [str(LATEST)],
        ).fetchall()
    got = [(r["单位编码"], r["排名"], r["综合得分"], r["排名变化"]) for r in rows]
    assert [g[:2] for g in got] == [e[:2] for e in expected]
    assert [g[2] for g in got] == pytest.approx([e[2] for e in expected])  # unrounded
    assert [g[3] for g in got] == [e[3] for e in expected]


@pytest.mark.parametrize(
    ("sheet", "column", "number_format"),
    [
        ("综合排名", "D", "0.00"),
        ("综合排名", "A", "0"),
        ("一级指标得分", "E", "0.00"),
        ("二级指标得分", "F", "0.00"),
        ("部门满意度", "E", "0.0%"),
        ("数据质量", "D", "yyyy-mm-dd hh:mm"),
        ("指标体系", "D", "0.0%"),
    ],
)
def test_number_formats(workbook: Workbook, sheet: str, column: str, number_format: str) -> None:
    ws = workbook[sheet]
    cells = [c for c in ws[column][1:] if c.value is not None]
    assert cells, (sheet, column)
    assert {c.number_format for c in cells} == {number_format}
    # Every body cell, numeric or not, is framed by a thin border.
    body = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert {(c.border.left.style, c.border.bottom.style) for c in body} == {("thin", "thin")}


def test_formula_text_is_neutralised(workbook: Workbook) -> None:
    comments = [r["意见建议（原文）"] for r in _rows(workbook, "意见建议")]
    assert "'" + FORMULA_COMMENT in comments
    assert FORMULA_COMMENT not in comments
    ws = workbook["意见建议"]
    assert all(c.data_type == "s" for c in ws["D"][1:])
    assert PWNED_DEPARTMENT in [r["部门"] for r in _rows(workbook, "部门满意度")]


def test_rejected_versions_show_chinese_rule_names(workbook: Workbook) -> None:
    (row,) = _rows(workbook, "退回版本")
    assert row["主要问题（规则：处数）"] == "超出合理范围：2；区划代码不在名录中：1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+86 10", "'+86 10"),
        ("-2", "-2"),  # a plain number is not a formula
        ("-0.5", "-0.5"),
        ("+3", "+3"),
        ("-2+3", "'-2+3"),
        ("-A1", "'-A1"),
        ("\r1", "'\r1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=x", "'\t=x"),
        ("办事效率高", "办事效率高"),
        ("a=b", "a=b"),
        (-2, -2),
        (None, None),
    ],
)
def test_neutralise(value: object, expected: object) -> None:
    assert neutralise(value) == expected


def test_rank_robustness_equals_the_warehouse(workbook: Workbook, db: Path) -> None:
    rows = _rows(workbook, "名次稳健性")
    with duckdb.connect(str(db), read_only=True) as con:
        expected = con.execute(
            "select unit_code, nominal_rank, median_rank, rank_p05, rank_p95, share_nominal_rank "
            "from scores.rank_uncertainty where quarter = ? order by nominal_rank, unit_code",
            [str(LATEST)],
        ).fetchall()
    got = [
        (
            r["单位编码"],
            r["排名"],
            r["名次中位数"],
            r["5%分位名次"],
            r["95%分位名次"],
            r["保持本名次的模拟占比"],
        )
        for r in rows
    ]
    assert got == [tuple(e) for e in expected]
    drivers = _rows(workbook, "名次敏感性")
    totals = [d["总效应指数"] for d in drivers]
    assert drivers and totals == sorted(totals, reverse=True)
