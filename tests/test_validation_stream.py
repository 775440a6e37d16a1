"""Batch-by-batch validation and the readers' limits: the same errors whatever the batch size
and whichever CSV parser, whole xlsx sheets whatever their <dimension> tag, zip-bomb, row and
field-size limits with Chinese messages."""

from __future__ import annotations

import re
import time
import zipfile
from pathlib import Path

import pytest
from fixtures_validation import QUARTER, good_table, set_cell, write_csv, write_xlsx

from pipelines.demo import DEMO_SOURCES as SOURCES
from pipelines.validation import check_submission, parse_submission
from pipelines.validation.limits import FileLimits
from pipelines.validation.model import sort_errors
from pipelines.validation.reader import ReadFailure, iter_grids, join_grids, read_grid
from pipelines.validation.stream import BatchSink, validate_stream


def _bad_table(source: str) -> tuple[list[str], list[list[str]]]:
    """The good rows repeated (duplicate ids far apart) with a few broken cells."""
    head, rows = good_table(source)
    rows = [list(r) for r in rows] * 4
    table = (head, rows)
    first = head[0]
    set_cell(table, 3, first, "")  # required
    set_cell(table, 4, head[1], "12345")  # region code type
    set_cell(table, len(rows) + 1, head[-2], "abc")
    return table


def _errors(result: object) -> list[tuple[object, ...]]:
    return [(e.row, e.column, e.rule, e.message, e.value) for e in result]  # type: ignore[attr-defined]


@pytest.mark.slow  # every source through GE twice, batch by batch and whole
@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_batches_give_the_errors_of_the_whole_file(source: str, fmt: str, tmp_path: Path) -> None:
    head, rows = _bad_table(source)
    if fmt == "csv":
        path = write_csv(tmp_path / "f.csv", head, rows)
    else:
        path = write_xlsx(tmp_path / "f.xlsx", {"数据": [head, *rows]})
    parsed = parse_submission(source, path)
    whole = sort_errors(parsed.errors + check_submission(parsed, quarter=QUARTER))
    assert whole, "the fixture must fail"
    for batch_rows in (5, 100_000):
        streamed = validate_stream(source, path, quarter=QUARTER, batch_rows=batch_rows)
        assert streamed.rows == parsed.rows
        got = sort_errors(streamed.parse_errors + streamed.contract_errors)
        assert _errors(got) == _errors(whole), batch_rows
    # duplicates across batches are found
    assert any(e.rule == "unique" for e in whole) or source == "loan_balances"


class _Sink(BatchSink):
    def __init__(self) -> None:
        self.rows: list[int] = []
        self.resets = 0

    def write(self, frame: object) -> None:
        self.rows.extend(int(r) for r in frame["source_row"])  # type: ignore[index]

    def reset(self) -> None:
        self.rows.clear()
        self.resets += 1


def test_sink_receives_every_typed_row_once_in_batches(tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    rows = [list(rows[0]) for _ in range(50)]
    for i, row in enumerate(rows):
        row[0] = f"CASE{i:04d}"
    path = write_csv(tmp_path / "a.csv", head, rows)
    sink = _Sink()
    result = validate_stream("approval_cases", path, quarter=QUARTER, sink=sink, batch_rows=7)
    assert sink.rows == list(range(2, 52))
    assert result.rows == 50


CSV_CASES = {
    "plain": "a,b,c\n1,2,3\n4,5,6\n",
    "crlf": "a,b,c\r\n1,2,3\r\n4,5,6\r\n",
    "quoted comma": 'a,b,c\n1,"x,y",3\n4,"say ""hi""",6\n',
    "quoted line break": 'a,b,c\n1,"x\ny",3\n4,5,6\n',
    "blank line": "a,b,c\n1,2,3\n\n4,5,6\n",
    "short row": "a,b,c\n1,2\n4,5,6\n",
    "long row": "a,b,c\n1,2,3,4\n4,5,6\n",
    "lone cr": "a,b,c\r1,2,3\r4,5,6\r",
    "no final newline": "a,b,c\n1,2,3\n4,5,6",
    "broken quote": 'a,b,c\n1,2,3\n4,"5,6\n7,8,9\n',
}


@pytest.mark.parametrize("name", list(CSV_CASES))
def test_fast_and_exact_csv_parses_agree(name: str, tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(CSV_CASES[name], encoding="utf-8")
    fast = read_grid(path)  # pyarrow streaming where it is exact, else restarts exact
    exact = join_grids(list(iter_grids(path, batch_rows=1, exact=True)))  # type: ignore[arg-type]
    assert not isinstance(fast, ReadFailure)
    assert fast.cells.values.tolist() == exact.cells.values.tolist()
    assert fast.row_numbers.tolist() == exact.row_numbers.tolist()
    assert [e.to_json_dict() for e in fast.errors] == [e.to_json_dict() for e in exact.errors]


@pytest.mark.parametrize(
    ("text", "regular"),
    [
        ("a,b,c\n1,2,3\n4,5,6\n\n", True),  # an export's trailing line breaks
        ("a,b,c\r\n1,2,3\r\n4,5,6\r\n\r\n\r\n", True),
        ("a,b,c\n1,2,3\n4,5,6\n\n\n\n", True),
        ("a,b,c\n1,2,3\n\n4,5,6\n", False),  # a blank line between rows shifts row numbers
        ("a,b,c\r\n1,2,3\r\n\r\n4,5,6\r\n\r\n", False),
        ("\na,b,c\n1,2,3\n", False),
    ],
)
def test_only_trailing_blank_lines_keep_the_fast_parse(
    text: str, regular: bool, tmp_path: Path
) -> None:
    """Trailing blank lines leave a CSV on pyarrow's streaming parse (a resubmission with one
    more line break must not fall back to the slow exact parser), with the rows, row numbers
    and errors of the exact parse."""
    from pipelines.validation.limits import FileLimits
    from pipelines.validation.reader import scan_csv

    path = tmp_path / "f.csv"
    path.write_bytes(text.encode("utf-8"))
    scan = scan_csv(path, path.stat().st_size, FileLimits())
    assert scan.regular is regular  # type: ignore[union-attr]
    fast = read_grid(path)
    exact = join_grids(list(iter_grids(path, batch_rows=1, exact=True)))  # type: ignore[arg-type]
    assert not isinstance(fast, ReadFailure)

    def rows(grid: object) -> list[tuple[int, list[str]]]:
        cells = grid.cells.values.tolist()  # type: ignore[attr-defined]
        numbers = grid.row_numbers.tolist()  # type: ignore[attr-defined]
        return [(n, c) for n, c in zip(numbers, cells, strict=True) if any(c)]

    assert rows(fast) == rows(exact)
    assert [e.to_json_dict() for e in fast.errors] == [e.to_json_dict() for e in exact.errors]


def test_gbk_csv_streams(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_bytes("办件编号,区划代码\nA1,990102\n".encode("gb18030"))
    grid = read_grid(path)
    assert grid.encoding == "gbk"  # type: ignore[union-attr]
    assert grid.cells.values.tolist() == [["办件编号", "区划代码"], ["A1", "990102"]]  # type: ignore[union-attr]


@pytest.mark.slow  # a 140,000-character cell through the exact parser
@pytest.mark.parametrize("trailing_newline", [False, True])
def test_large_csv_field_is_read_correctly(trailing_newline: bool, tmp_path: Path) -> None:
    """issue 16 point 7: a 140,000-character cell without quotes is data, not a quote error."""
    head, rows = good_table("approval_cases")
    rows[0][head.index("事项名称")] = "长" * 140_000
    path = write_csv(tmp_path / "a.csv", head, rows)
    if trailing_newline:
        path.write_bytes(path.read_bytes() + b"\n")
    streamed = validate_stream("approval_cases", path, quarter=QUARTER)
    rules = {e.rule for e in streamed.parse_errors + streamed.contract_errors}
    assert "csv_quote" not in rules and "field_size" not in rules
    assert streamed.rows == len(rows)


@pytest.mark.parametrize("exact", [False, True])
def test_oversized_csv_field_is_named_by_row_and_column(exact: bool, tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    rows[1][head.index("事项名称")] = "x" * 5_000
    path = write_csv(tmp_path / "a.csv", head, rows)
    grid = join_grids(
        list(iter_grids(path, FileLimits(max_field_chars=1_000), exact=exact))  # type: ignore[arg-type]
    )
    [error] = [e for e in grid.errors if e.rule == "field_size"]
    assert error.row == 3 and error.column == "第D列"
    assert "5,000 个字符" in error.message and "上限 1,000" in error.message


def _with_dimension(path: Path, ref: str) -> Path:
    with zipfile.ZipFile(path) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    sheet = next(n for n in parts if n.startswith("xl/worksheets/"))
    xml = parts[sheet]
    if b"<dimension" in xml:
        xml = re.sub(rb"<dimension [^>]*/>", f'<dimension ref="{ref}"/>'.encode(), xml)
    else:
        xml = xml.replace(b"<sheetViews", f'<dimension ref="{ref}"/><sheetViews'.encode(), 1)
    assert f'ref="{ref}"'.encode() in xml
    parts[sheet] = xml
    out = path.with_name("dim_" + path.name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out


def test_xlsx_dimension_tag_never_decides_the_rows(tmp_path: Path) -> None:
    """issue 16 point 6: an understated <dimension> loses no rows."""
    head, rows = good_table("utility_connections")
    many = []
    for i in range(300):
        row = list(rows[i % len(rows)])
        row[0] = f"APP{i:05d}"
        many.append(row)
    path = _with_dimension(write_xlsx(tmp_path / "u.xlsx", {"数据": [head, *many]}), "A1:K10")
    parsed = parse_submission("utility_connections", path)
    assert parsed.rows == 300
    assert parsed.frame is not None and parsed.frame["source_row"].iloc[-1] == 301


def _bomb(path: Path, rows: int) -> Path:
    """A small xlsx whose worksheet inflates to many one-cell rows."""
    body = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' * rows
    sheet = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        b'.org/spreadsheetml/2006/main"><dimension ref="A1"/><sheetData>'
        + body
        + b"</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", b"<Types/>")
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


def test_zip_bomb_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    """issue 16 point 5: limits on the unzipped size and the compression ratio."""
    path = _bomb(tmp_path / "bomb.xlsx", 1_000_000)
    started = time.monotonic()
    ratio = read_grid(path, FileLimits(max_xlsx_ratio=20))
    assert [e.rule for e in ratio.errors] == ["file_limit"]  # type: ignore[union-attr]
    assert "压缩比异常" in ratio.errors[0].message  # type: ignore[union-attr]
    size = read_grid(path, FileLimits(max_xlsx_uncompressed_bytes=1 << 20, max_xlsx_ratio=1e9))
    assert "解压后过大" in size.errors[0].message  # type: ignore[union-attr]
    rows = read_grid(path, FileLimits(max_rows=1_000, max_xlsx_ratio=1e9))
    assert "行数超过上限" in rows.errors[0].message  # type: ignore[union-attr]
    assert time.monotonic() - started < 30


def test_file_size_and_csv_row_limits(tmp_path: Path) -> None:
    head, rows = good_table("approval_cases")
    path = write_csv(tmp_path / "a.csv", head, rows)
    big = read_grid(path, FileLimits(max_file_bytes=10))
    assert [e.rule for e in big.errors] == ["file_limit"]  # type: ignore[union-attr]
    assert "文件过大" in big.errors[0].message  # type: ignore[union-attr]
    many = read_grid(path, FileLimits(max_rows=1))
    assert "行数超过上限" in many.errors[0].message  # type: ignore[union-attr]
    assert not isinstance(read_grid(path, FileLimits(max_rows=len(rows))), type(big))


def test_rejection_report_is_bounded_but_counts_everything(tmp_path: Path) -> None:
    from pipelines.validation.model import ValidationError, ValidationResult
    from pipelines.validation.report import write_rejection_report

    errors = [
        ValidationError(row=i + 2, column="区划代码", value="x", rule="type", message=f"m{i}")
        for i in range(3000)
    ] + [ValidationError(row=2, column="办件编号", value="", rule="required", message="空")]
    result = ValidationResult(
        source="approval_cases", path=Path("a.csv"), quarter=QUARTER, rows=3000, errors=errors
    )
    html, csv_path = write_rejection_report(result, tmp_path, max_listed=25)
    page = html.read_text(encoding="utf-8")
    assert page.count('<td class="value">') == 25
    assert "本页列出前 25 处" in page
    assert '<td>区划代码</td><td class="num">3000</td>' in page
    assert '<td>办件编号</td><td class="num">1</td>' in page
    lines = csv_path.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 3001


@pytest.mark.parametrize(("chars", "flagged"), [(400, False), (1_000, False), (1_001, True)])
def test_field_size_counts_characters_not_bytes(chars: int, flagged: bool, tmp_path: Path) -> None:
    # 400 Chinese characters are 1,200 bytes: over the limit in bytes, not in characters.
    head, rows = good_table("approval_cases")
    rows[0][head.index("事项名称")] = "办" * chars
    path = write_csv(tmp_path / "a.csv", head, rows)
    grid = join_grids(list(iter_grids(path, FileLimits(max_field_chars=1_000))))  # type: ignore[arg-type]
    errors = [e for e in grid.errors if e.rule == "field_size"]
    assert bool(errors) == flagged
    if flagged:
        assert errors[0].row == 2 and f"{chars:,} 个字符" in errors[0].message
