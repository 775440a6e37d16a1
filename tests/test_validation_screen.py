"""The SQL screen (pipelines/validation/screen.py) may only ever call a row clean when the exact
path (pandas typing + Great Expectations) finds nothing in it and types it the same way.

Generated submissions of every built-in source are screened clean and typed exactly as
``coerce_frame`` types them. Then each column of a batch gets, row by row, tricky values
(other spellings of dates and numbers, surrounding whitespace of every kind, out-of-range and
unknown values): every row the screen passes must have no type error, no failing row-level
expectation and the same typed values in the exact path.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.contracts import contract
from pipelines.demo import DEMO_SOURCES
from pipelines.demo.generator import generate_source_frame
from pipelines.demo.writer import write_submission
from pipelines.quarters import Quarter
from pipelines.registry import default_registry
from pipelines.validation.coerce import coerce_frame
from pipelines.validation.gx_suites import split_suite, suite_parameters, validate_expectations
from pipelines.validation.reader import ReadFailure, iter_grids, join_grids
from pipelines.validation.screen import (
    _WHITESPACE,
    Unscreenable,
    compile_screen,
    try_compile_screen,
    typed_frame,
)
from pipelines.validation.structure import TableShaper

QUARTER = Quarter(2025, 2)

SPACES = (" ", "\t", "\u3000", "\u00a0", "\x1c", "\x85", "\u2003", "\n")

TRICKY: dict[str, tuple[str, ...]] = {
    "datetime": (
        "2025-04-01 09:30:00",
        "2025-06-30 23:59:59",
        "2025-03-31 23:59:59",
        "2025-07-01 00:00:00",
        "2025-02-30 10:00:00",
        "2025-4-1 10:00:00",
        "2025/04/01 10:00:00",
        "2025-04-01T10:00:00",
        "2025-04-01 24:00:00",
        "2025-04-01 10:00",
        "2025-04-01",
        "2025-04-01 10:00:00.5",
        "1899-12-31 00:00:00",
        "２０２５-04-01 10:00:00",
    ),
    "integer": (
        "0",
        "5",
        "-1",
        "05",
        "5.0",
        "1e3",
        "+5",
        "５",
        "1,000",
        "NaN",
        "inf",
        "31",
        "101",
        "366",
        "999999999999999",
        "9999999999999999",
    ),
    "decimal": (
        "0",
        "1.5",
        "-0.0",
        "1e5",
        ".5",
        "5.",
        "100000",
        "100000.0001",
        "0.0000001",
        "NaN",
        "24",
    ),
    "region_code": ("990102", "880602.0", "99010", "9901020", "99O102", "123456"),
    "month": ("2025-04", "2025-06", "2025-4", "2025年4月", "2025-13", "2025-00", "2025-07"),
    "yes_no": ("是", "否", "Y", "TRUE", "1"),
    "department": ("市行政审批服务局", "市市场监管局", "某某局"),
    "string": ("其他", "企业开办", "电力", "用水", "未知类别"),
    "text": ("其他", "备注"),
}


def _clean_table(source: str, tmp_path: Path, scale: float = 0.05):
    frame = generate_source_frame(source, QUARTER, seed=20240101, scale=scale)
    path = write_submission(frame, source, tmp_path / f"{source}.csv", fmt="csv-utf8")
    grid = join_grids(list(iter_grids(path, None, batch_rows=100_000)))  # type: ignore[arg-type]
    return TableShaper(contract(source)).feed(grid)


def _screen(source: str):
    registry = default_registry()
    params = suite_parameters(QUARTER, registry)
    _, row_level = split_suite(source, params)
    return compile_screen(contract(source), row_level, params, registry), row_level, params


@pytest.mark.parametrize("source", DEMO_SOURCES)
def test_generated_submissions_are_screened_clean_and_typed_as_the_exact_path(
    source: str, tmp_path: Path
) -> None:
    c = contract(source)
    table = _clean_table(source, tmp_path)
    screen, row_level, params = _screen(source)
    exact, type_errors, _ = coerce_frame(
        table.raw, table.row_numbers, c, default_registry(), table.headers
    )
    assert type_errors == []
    frame = exact.set_axis(exact["source_row"].to_numpy())
    assert validate_expectations(source, frame, row_level, params) == []
    fast = screen.run(duckdb.connect(), table.raw, table.row_numbers)
    assert fast is not None, "a clean generated batch must pass the screen"
    pd.testing.assert_frame_equal(fast, exact)


@pytest.mark.parametrize("source", DEMO_SOURCES)
def test_a_row_the_screen_passes_has_nothing_the_exact_path_would_report(
    source: str, tmp_path: Path
) -> None:
    c = contract(source)
    registry = default_registry()
    table = _clean_table(source, tmp_path)
    base = table.raw.reset_index(drop=True)
    # One mutated cell per row: every column gets every tricky value of its type, and
    # whitespace around its own value, and an empty cell.
    mutations: list[tuple[str, str]] = []
    for col in c.columns:
        own = str(base[col.column].iloc[0])
        values = [*TRICKY[col.type], "", *(s + own for s in SPACES), *(own + s for s in SPACES)]
        mutations += [(col.column, v) for v in values]
    raw = base.iloc[[i % len(base) for i in range(len(mutations))]].reset_index(drop=True)
    for i, (column, value) in enumerate(mutations):
        raw.loc[i, column] = value
    rows = pd.Series(range(2, len(raw) + 2)).to_numpy()

    screen, row_level, params = _screen(source)
    typed, ok = screen.verdicts(duckdb.connect(), raw, rows)
    passed = ok.to_numpy(zero_copy_only=False)
    fast = typed_frame(typed, screen.columns)

    exact, type_errors, _ = coerce_frame(
        raw, rows, c, registry, {k.column: k.header for k in c.columns}
    )
    frame = exact.set_axis(exact["source_row"].to_numpy())
    failures = validate_expectations(source, frame, row_level, params)
    reported = {e.row for e in type_errors} | {r for f in failures for r in f.rows}

    passed_rows = {int(r) for r in rows[passed]}
    assert passed_rows.isdisjoint(reported), sorted(passed_rows & reported)[:10]
    pd.testing.assert_frame_equal(
        fast[passed].reset_index(drop=True), exact[passed].reset_index(drop=True)
    )
    # Not vacuous: some mutations pass (other valid spellings), many do not.
    assert 0 < len(passed_rows) < len(rows)
    assert reported, "the tricky values must include real errors"


def test_whitespace_of_every_kind_sends_the_row_to_the_exact_path(tmp_path: Path) -> None:
    table = _clean_table("approval_cases", tmp_path, scale=0.01)
    raw = table.raw.head(len(SPACES) * 2).reset_index(drop=True)
    for i, space in enumerate(SPACES):
        raw.loc[2 * i, "case_id"] = space + raw.loc[2 * i, "case_id"]
        raw.loc[2 * i + 1, "item_name"] = raw.loc[2 * i + 1, "item_name"] + space
    screen, _, _ = _screen("approval_cases")
    _, ok = screen.verdicts(duckdb.connect(), raw, table.row_numbers[: len(raw)])
    assert not any(ok.to_pylist())


@pytest.mark.parametrize(
    ("expectation", "reason"),
    [
        ({"type": "expect_column_values_to_match_regex", "kwargs": {"column": "case_id"}}, "type"),
        (
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "case_id", "mostly": 0.9},
            },
            "mostly",
        ),
        (
            {
                "type": "expect_column_values_to_be_in_set",
                "kwargs": {
                    "column": "category",
                    "value_set": ["企业开办"],
                    "row_condition": "dept.str.startswith('市')",
                    "condition_parser": "pandas",
                },
            },
            "condition",
        ),
    ],
)
def test_an_expectation_the_screen_cannot_express_leaves_the_source_unscreened(
    expectation: dict, reason: str
) -> None:
    registry = default_registry()
    params = suite_parameters(QUARTER, registry)
    with pytest.raises(Unscreenable):
        compile_screen(contract("approval_cases"), [expectation], params, registry)
    assert try_compile_screen(contract("approval_cases"), [expectation], params, registry) is None


def test_a_file_with_scattered_errors_gives_the_exact_paths_errors_and_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.validation import stream

    c = contract("approval_cases")
    frame = generate_source_frame("approval_cases", QUARTER, seed=20240101, scale=0.1)
    frame = frame.head(2_000).astype("object")
    bad = {
        17: ("completed_at", "2025-02-30 10:00:00"),
        250: ("material_count", "五"),
        251: ("region_code", "123456"),
        900: ("dept", "某某局"),
        1500: ("completed_at", "2025-07-02 09:00:00"),
        1999: ("statutory_limit_days", "400"),
    }
    for i, (column, value) in bad.items():
        frame.loc[i, column] = value
    frame.loc[1200, "case_id"] = frame.loc[3, "case_id"]  # a duplicate across batches
    # Not an error (the exact path strips it), but not canonical either: the exact path types it.
    frame.loc[901, "item_name"] = str(frame.loc[901, "item_name"]) + "\u3000"
    path = write_submission(frame, "approval_cases", tmp_path / "a.csv", fmt="csv-utf8")

    def triples(result: stream.StreamResult) -> list[tuple[int | None, str | None, str, str]]:
        return [
            (e.row, e.column, e.rule, e.message)
            for e in result.parse_errors + result.contract_errors
        ]

    typed_exactly: list[int] = []
    coerce = stream.coerce_frame

    def spy(raw: pd.DataFrame, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        typed_exactly.append(len(raw))
        return coerce(raw, *args, **kwargs)

    monkeypatch.setattr(stream, "coerce_frame", spy)
    screened = stream.validate_stream(
        "approval_cases", path, quarter=QUARTER, batch_rows=500, keep_frame=True
    )
    # Only the rows the screen does not pass were typed by the exact path.
    assert sum(typed_exactly) == len(bad) + 1
    monkeypatch.setattr(stream, "try_compile_screen", lambda *a, **k: None)
    exact = stream.validate_stream(
        "approval_cases", path, quarter=QUARTER, batch_rows=500, keep_frame=True
    )
    assert triples(screened) == triples(exact)
    reported_rows = {row for row, *_ in triples(exact)}
    # Excel row = frame position + 2; the duplicate is reported on both of its rows.
    assert {i + 2 for i in bad} | {5, 1202} <= reported_rows
    assert screened.frame is not None and exact.frame is not None
    pd.testing.assert_frame_equal(screened.frame, exact.frame)
    assert 903 not in reported_rows
    assert exact.screened_batches == 0
    assert len(c.columns) + 1 == screened.frame.shape[1]


@pytest.mark.parametrize(
    "neighbours",
    [("0", "12"), ("0.5", "12"), ("", "12")],
    ids=["integer-looking", "with-a-fraction", "with-an-empty-cell"],
)
def test_a_negative_zero_decimal_is_typed_as_zero_whatever_its_neighbours(
    neighbours: tuple[str, str], tmp_path: Path
) -> None:
    # pandas' to_numeric gives "-0" the sign of zero only when another cell of the column
    # is not integer-looking; DuckDB always does. The typed value must not depend on the
    # other rows (the exact path now types only the rows the screen does not pass).
    c = contract("utility_connections")
    table = _clean_table("utility_connections", tmp_path, scale=0.01)
    raw = table.raw.head(3).reset_index(drop=True)
    raw["connection_fee_yuan"] = ["-0", *neighbours]
    rows = table.row_numbers[:3]
    screen, _, _ = _screen("utility_connections")
    typed, ok = screen.verdicts(duckdb.connect(), raw, rows)
    exact, type_errors, _ = coerce_frame(raw, rows, c, default_registry(), table.headers)
    alone, _, _ = coerce_frame(raw.head(1), rows[:1], c, default_registry(), table.headers)
    assert type_errors == []
    assert ok.to_pylist()[0] is True
    fast = typed_frame(typed, screen.columns)["connection_fee_yuan"].to_numpy(dtype=float)
    for values in (fast, exact["connection_fee_yuan"].to_numpy(dtype=float, na_value=np.nan)):
        assert values[0] == 0.0 and not np.signbit(values[0])
    assert not np.signbit(alone["connection_fee_yuan"].to_numpy(dtype=float)[0])


def test_xlsx_zero_cells_after_a_negative_zero_read_as_zero(tmp_path: Path) -> None:
    # Number cells are turned into text once per distinct value; -0.0 == 0.0 as a dict key.
    import openpyxl

    from pipelines.validation.reader import read_grid

    path = tmp_path / "zeros.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    for value in ("v", -0.0, 0.0, 0, 1.5):
        ws.append([value])
    wb.save(path)
    grid = read_grid(path)
    assert not isinstance(grid, ReadFailure)
    assert grid.cells[0].tolist() == ["v", "-0", "0", "0", "1.5"]


@pytest.mark.parametrize("value", ["0202-05-01 10:00:00", "3025-05-01 10:00:00"])
def test_a_year_outside_the_nanosecond_range_is_rejected_not_raised(
    value: str, tmp_path: Path
) -> None:
    # The screen sends such a row to the exact path; GE's frame used to be cast to
    # datetime64[ns], which raised OutOfBoundsDatetime (a traceback for a typo in a year).
    from pipelines.validation.stream import validate_stream

    frame = generate_source_frame("approval_cases", QUARTER, seed=20240101, scale=0.01)
    frame = frame.astype("object")
    frame.loc[3, "completed_at"] = value
    path = write_submission(frame, "approval_cases", tmp_path / "a.csv", fmt="csv-utf8")
    result = validate_stream("approval_cases", path, quarter=QUARTER)
    errors = result.parse_errors + result.contract_errors
    assert {e.rule for e in errors if e.row == 5 and e.column == "办结时间"} >= {"in_quarter"}


def test_a_large_batch_comes_back_in_row_order(tmp_path: Path) -> None:
    # DuckDB's parallel projection returns a batch of this size out of order on two threads;
    # the typed frame must still be in the batch's row order, as coerce_frame's is.
    import numpy as np

    from pipelines.validation.keys import duckdb_scratch

    c = contract("approval_cases")
    table = _clean_table("approval_cases", tmp_path)
    repeat = -(-150_000 // len(table.raw))
    raw = pd.concat([table.raw] * repeat, ignore_index=True)
    rows = np.arange(2, len(raw) + 2, dtype=np.int64)
    screen, _, _ = _screen("approval_cases")
    with duckdb_scratch() as con:
        fast = screen.run(con, raw, rows)
    exact, errors, _ = coerce_frame(raw, rows, c, default_registry(), table.headers)
    assert errors == [] and fast is not None
    pd.testing.assert_frame_equal(fast, exact)


@pytest.mark.parametrize("source", DEMO_SOURCES)
def test_surrounding_whitespace_fails_the_screen_in_every_column_without_expectations(
    source: str, tmp_path: Path
) -> None:
    # Without expectations (a run without checks) no value set catches an unstripped
    # department name: only the canonical-form checks keep such a row off the screen.
    c = contract(source)
    registry = default_registry()
    screen = compile_screen(c, [], suite_parameters(QUARTER, registry), registry)
    base = _clean_table(source, tmp_path, scale=0.01).raw.reset_index(drop=True)
    mutations = [
        (
            col.column,
            s + str(base[col.column].iloc[0]) if before else str(base[col.column].iloc[0]) + s,
        )
        for col in c.columns
        for s in _WHITESPACE
        for before in (True, False)
    ]
    raw = base.iloc[[i % len(base) for i in range(len(mutations))]].reset_index(drop=True)
    for i, (column, value) in enumerate(mutations):
        raw.loc[i, column] = value
    _, ok = screen.verdicts(duckdb.connect(), raw, np.arange(2, len(raw) + 2))
    passed = [mutations[i] for i, v in enumerate(ok.to_pylist()) if v]
    assert passed == []
    assert len(_WHITESPACE) == 29
