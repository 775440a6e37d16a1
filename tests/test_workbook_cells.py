"""One sheet of the bulletin's workbook writer read back with openpyxl and python-calamine:
cell values and types, number formats, borders, the header's style, column widths, frozen
header and filter; text stays text whatever it begins with."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from python_calamine import CalamineWorkbook

from pipelines.reports.workbook import (
    DATETIME,
    INTEGER,
    SCORE,
    Book,
    Column,
    _sheet,
    about_sheet,
)

COLUMNS = [
    Column("单位", 10),
    Column("件数", 8, INTEGER),
    Column("得分", 9, SCORE),
    Column("收到时间", 17, DATETIME),
    Column("说明", 30),
]
ROWS: list[list[object]] = [
    ["甲", 3, 87.125, datetime(2025, 4, 1, 9, 30), "=1+1"],
    ["", None, math.nan, None, "-2"],
    ["乙", "—", 2 / 3, datetime(2025, 4, 2), "@SUM(A1)"],
]
STAMP = datetime(2025, 7, 15, 9, 5, 30)


@pytest.fixture(scope="module")
def xlsx(tmp_path_factory: pytest.TempPathFactory) -> Path:
    book = Book()
    about_sheet(book, [("数据表", ""), ("生成时间", STAMP), ("说明", "=不是公式")])
    _sheet(book, "数据", COLUMNS, ROWS)
    _sheet(book, "空表", COLUMNS, [])
    path = tmp_path_factory.mktemp("cells") / "book.xlsx"
    path.write_bytes(book.close())
    return path


@pytest.fixture(scope="module")
def wb(xlsx: Path) -> Workbook:
    return load_workbook(xlsx)


def test_values_and_types(wb: Workbook) -> None:
    ws = wb["数据"]
    assert [c.value for c in ws[1]] == [c.header for c in COLUMNS]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert rows[0] == ("甲", 3, 87.125, datetime(2025, 4, 1, 9, 30), "'=1+1")
    # An empty string and a missing or NaN number are blank cells; "-2" is a plain number
    # in text and stays text.
    assert rows[1] == (None, None, None, None, "-2")
    assert rows[2][:2] == ("乙", "—") and rows[2][3:] == (datetime(2025, 4, 2), "'@SUM(A1)")
    assert rows[2][2] == pytest.approx(2 / 3, rel=1e-15)  # 16 significant digits
    assert {c.data_type for c in ws["E"][1:]} == {"s"}  # never a formula
    assert ws["B4"].data_type == "s" and ws["B2"].data_type == "n"


def test_number_formats_follow_the_column_for_numbers_only(wb: Workbook) -> None:
    ws = wb["数据"]
    assert [ws.cell(2, i).number_format for i in range(1, 6)] == [
        "General",
        INTEGER,
        SCORE,
        DATETIME,
        "General",
    ]
    assert ws["B4"].number_format == "General"  # text in a number column


def test_every_body_cell_is_framed_and_the_header_styled(wb: Workbook) -> None:
    ws = wb["数据"]
    body = [c for row in ws.iter_rows(min_row=2, max_col=len(COLUMNS)) for c in row]
    assert len(body) == len(ROWS) * len(COLUMNS)  # blanks too
    sides = {
        (s.style, s.color.rgb[-6:])
        for c in body
        for s in (c.border.left, c.border.right, c.border.top, c.border.bottom)
    }
    assert sides == {("thin", "999999")}
    assert not any(c.font.b for c in body)
    for c in ws[1]:
        assert c.font.b and c.fill.patternType == "solid" and c.fill.fgColor.rgb[-6:] == "F1F1F1"
        assert (c.alignment.horizontal, c.alignment.vertical) == ("center", "center")
        assert c.alignment.wrap_text and c.border.bottom.style == "thin"


@pytest.mark.parametrize("sheet", ["数据", "空表"])
def test_widths_frozen_header_and_filter(wb: Workbook, sheet: str) -> None:
    ws = wb[sheet]
    widths = {i: d.width for d in ws.column_dimensions.values() for i in range(d.min, d.max + 1)}
    assert widths == {i: c.width for i, c in enumerate(COLUMNS, start=1)}  # as declared
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == ("A1:E4" if sheet == "数据" else None)


def test_about_sheet(wb: Workbook) -> None:
    ws = wb["说明"]
    assert wb.sheetnames == ["说明", "数据", "空表"]
    assert ws["A1"].value == "数据表" and ws["B1"].value is None
    assert (ws["A1"].font.b, ws["A1"].font.sz, ws["A1"].font.color.rgb[-6:]) == (
        True,
        14,
        "C00000",
    )
    assert ws["B2"].value == STAMP and ws["B2"].number_format == DATETIME
    assert ws["B3"].value == "'=不是公式" and ws["B3"].data_type == "s"
    assert (ws.column_dimensions["A"].width, ws.column_dimensions["B"].width) == (14, 70)
    assert ws.freeze_panes == "A2"


def test_calamine_reads_the_same_cells(xlsx: Path) -> None:
    rows = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name("数据").to_python()
    assert rows[0] == [c.header for c in COLUMNS]
    assert [r[0] for r in rows[1:]] == ["甲", "", "乙"]
    assert [r[4] for r in rows[1:]] == ["'=1+1", "-2", "'@SUM(A1)"]
    assert rows[1][1] == 3 and rows[1][2] == 87.125 and rows[1][3] == datetime(2025, 4, 1, 9, 30)
