"""The pure parts of benchmarks/bench_pipeline.py: its bare DuckDB and pandas passes must count
the same failures and aggregates (the benchmark's agreement check relies on them), on a
hand-made file with known bad cells and on generated landing files with planted faults."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from types import ModuleType

import duckdb
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def bench(benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark("bench_pipeline")


# 单位, 时间, 数量, 金额, 是否; with known failures:
#   row 2: 数量 "x" (typing), 金额 "-1" (range, strict_min 0)
#   row 3: 单位 "12345" (typing; required), 时间 "2025-07-01 00:00:00" (range: after Q2)
#   row 4: 数量 "2.5" (typing: not an integer), 是否 empty (required)
#   row 5: 时间 "2025/04/02" (a format the pipeline accepts), 数量 "30" (range: max 20)
#   row 6: 金额 empty (not required: no failure), 是否 "Y" (typing)
CSV = (
    "单位,时间,数量,金额,是否\n"
    "990102,2025-04-01 09:00:00,3,1.5,是\n"
    "990102,2025-05-01 10:00:00,x,-1,否\n"
    "12345,2025-07-01 00:00:00,4,2,是\n"
    "990103,2025-06-30 23:59:59,2.5,3.25,\n"
    "990103,2025/04/02,30,0.5,否\n"
    "990103,2025-04-03,1,,Y\n"
)


def _spec(bench: ModuleType) -> object:
    columns = (
        bench.Column("单位", "region_code", "region_code", True),
        bench.Column("时间", "at", "datetime", True),
        bench.Column("数量", "n", "integer", True),
        bench.Column("金额", "amount", "decimal", False),
        bench.Column("是否", "flag", "yes_no", True),
    )
    suite = {
        "expectations": [
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "n"}},
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "n", "min_value": 0, "max_value": 20},
            },
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "amount", "min_value": 0, "strict_min": True},
            },
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {
                    "column": "at",
                    "min_value": {"$PARAMETER": "quarter_start"},
                    "max_value": {"$PARAMETER": "quarter_end"},
                },
            },
        ]
    }
    ranges = bench.suite_ranges(suite, "2025Q2")
    return bench.SourceSpec("demo", columns, bench.sum_column("demo", columns), ranges)


def _run(bench: ModuleType, engine: str, path: Path) -> dict[str, object]:
    spec = _spec(bench)
    if engine == "duckdb":
        with duckdb.connect() as con:
            relation = "read_csv(?, all_varchar = true, header = true)"
            return bench.duckdb_source(con, spec, relation, [str(path)])
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return bench.pandas_source(spec, frame)


@pytest.mark.parametrize("engine", ["duckdb", "pandas"])
def test_a_pass_counts_every_failure_and_aggregates_per_unit(
    bench: ModuleType, engine: str, tmp_path: Path
) -> None:
    path = tmp_path / "demo.csv"
    path.write_text(CSV, encoding="utf-8")
    got = _run(bench, engine, path)
    assert got["rows"] == 6
    assert got["sum_column"] == "n"  # the first integer column
    assert got["typing_failures"] == 4  # x, 12345, 2.5, Y
    # region of row 3, 数量 of rows 2 and 4, 是否 of rows 4 and 6
    assert got["required_failures"] == 5
    assert got["range_failures"] == 3  # -1, 2025-07-01, 30
    assert got["failing_cells"] == 12
    # the unparsable region is its own (empty) unit; sums skip the untyped cells
    assert got["units"] == [["", 1, 4.0], ["990102", 2, 3.0], ["990103", 3, 31.0]]


def test_the_two_passes_agree_on_the_hand_made_file(bench: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "demo.csv"
    path.write_text(CSV, encoding="utf-8")
    plain, bare = _run(bench, "pandas", path), _run(bench, "duckdb", path)
    assert bench.agree("pandas", {"demo": plain}, {"demo": bare})
    assert plain == bare


def test_suite_ranges_and_quarter_bounds(bench: ModuleType) -> None:
    ranges = _spec(bench).ranges
    assert [(r.column, r.low, r.high, r.strict_low, r.strict_high) for r in ranges] == [
        ("n", 0.0, 20.0, False, False),
        ("amount", 0.0, None, True, False),
        ("at", datetime(2025, 4, 1), datetime(2025, 6, 30, 23, 59, 59, 999999), False, False),
    ]
    q4 = bench.quarter_bounds("2024Q4")
    assert q4 == {
        "quarter_start": datetime(2024, 10, 1),
        "quarter_end": datetime(2024, 12, 31, 23, 59, 59, 999999),
    }


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("approval_cases", "material_count"),  # the fixed choices
        ("satisfaction_responses", "score_overall"),
        ("inspections", "penalty_yuan"),  # no integer column: the first decimal one
        ("policy_payouts", "amount_10k"),
        ("enterprise_requests", "is_complex"),  # neither: the first 是/否 column
    ],
)
def test_sum_column_from_the_contract(bench: ModuleType, source: str, expected: str) -> None:
    assert bench.source_spec(source, "2025Q2").sum_column == expected


def test_csv_encoding(bench: ModuleType, tmp_path: Path) -> None:
    gbk, utf8 = tmp_path / "gbk.csv", tmp_path / "utf8.csv"
    gbk.write_bytes("区划代码,企业名称\n990102,示例企业\n".encode("gbk"))
    utf8.write_bytes("\ufeff区划代码,企业名称\n990102,示例企业\n".encode())
    assert bench.csv_encoding(gbk) == "gb18030"
    assert bench.csv_encoding(utf8) == "utf-8"


def test_agree_reports_differences(bench: ModuleType) -> None:
    ref = {"s": {"rows": 3, "units": [["a", 3, 1e9]], "range_failures": 1}}
    close = {"s": {"rows": 3, "units": [["a", 3, 1e9 * (1 + 1e-12)]], "range_failures": 1}}
    assert bench.agree("x", close, ref)
    assert not bench.agree("x", {"s": {**close["s"], "rows": 4}}, ref)
    assert not bench.agree("x", {"s": {**close["s"], "units": [["a", 3, 1.001e9]]}}, ref)
    assert not bench.agree("x", {"s": {**close["s"], "units": [["b", 3, 1e9]]}}, ref)
    assert not bench.agree("x", {"s": {**close["s"], "range_failures": 0}}, ref)
    assert not bench.agree("x", {}, ref)


def test_both_passes_read_every_generated_source_and_agree(
    bench: ModuleType, tmp_path: Path
) -> None:
    """2024Q3: GBK CSV (水电气报装), UTF-8 CSV and xlsx; planted bad types, empty required
    cells and values outside the quarter are counted alike by both passes."""
    from pipelines.demo.faults import FaultSpec
    from pipelines.demo.generator import generate_landing
    from pipelines.quarters import Quarter

    faults = [FaultSpec("bad_type"), FaultSpec("empty_required"), FaultSpec("out_of_quarter")]
    written = generate_landing(
        tmp_path / "landing", scale=0.05, quarters=[Quarter(2024, 3)], faults=faults
    )
    assert "csv-gbk" in {f.fmt for f in written}
    files = bench.landing_files(tmp_path / "landing", "2024Q3")
    assert set(files) == {f.source for f in written}
    bare = bench.run_duckdb(files, tmp_path / "bare.duckdb", "2024Q3")
    plain = bench.run_pandas(files, "2024Q3")
    assert bench.agree("pandas", plain, bare)
    for f in written:
        got = bare[f.source]
        assert got["rows"] == f.rows
        assert sum(u[1] for u in got["units"]) == f.rows
        assert got["typing_failures"] > 0, f.source
        assert got["required_failures"] > 0, f.source
    assert bare["approval_cases"]["range_failures"] > 0  # 办结时间 in the next quarter


@pytest.mark.parametrize(
    ("ours", "duckdb", "ours_fixed", "duckdb_fixed", "expected"),
    [
        (53.0, 11.8, 19.6, 1.9, (53.0 - 19.6) / (11.8 - 1.9)),  # stop 20's figures: 3.37
        (30.0, 12.0, 10.0, 2.0, 2.0),
        (5.0, 2.0, 4.0, 2.0, None),  # the bare pass no slower on the larger files
        (5.0, 1.5, 4.0, 2.0, None),
        (50.0, 8.0, 54.6, 4.3, None),  # ours no slower on the larger files (a loaded machine)
    ],
)
def test_the_per_row_ratio_takes_each_ones_fixed_cost_away(
    bench: ModuleType,
    ours: float,
    duckdb: float,
    ours_fixed: float,
    duckdb_fixed: float,
    expected: float | None,
) -> None:
    got = bench.per_row_ratio(ours, duckdb, ours_fixed, duckdb_fixed)
    assert got == (None if expected is None else pytest.approx(expected))


@pytest.mark.slow
def test_main_prints_its_table_without_a_fixed_scale(
    bench: ModuleType,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Without --fixed-scale there is no per-row line, and the table still prints (stop 22's
    main formatted ``None`` with ``:g`` after the variants had run, losing their figures)."""
    from pipelines.demo.generator import generate_landing
    from pipelines.quarters import Quarter

    generate_landing(tmp_path / "work" / "landing", scale=0.02, quarters=[Quarter(2025, 2)])
    argv = ["bench_pipeline.py", "--scale", "0.02", "--dir", str(tmp_path), "--skip-generate"]
    monkeypatch.setattr("sys.argv", [*argv, "--only", "duckdb"])
    assert bench.main() == 0
    out = capsys.readouterr().out
    assert "per-row" not in out
    table = [line.split() for line in out.splitlines() if line.startswith("duckdb ")]
    assert len(table) == 1 and float(table[0][1]) > 0
    assert "all variants agree" in out
