"""Benchmark: one quarter from landing files to bulletin, against a bare DuckDB pass and pandas.

    .venv/bin/python benchmarks/bench_pipeline.py --scale 100 [--quarter 2025Q2] [--dir DIR]
        [--skip-generate] [--only ours,duckdb,pandas,incremental] [--fixed-scale 1]

1. Generates the demo landing files (示例数据) for the quarter with ``bizenv generate`` into
   ``<dir>/work/landing`` (skipped with ``--skip-generate`` when they are there), in its own
   process, and reports its wall time and peak RSS.
2. Runs each variant in its own process and reports wall time and peak resident memory
   (the child's ``VmHWM`` read from /proc at exit, and the ``ru_maxrss`` of the waited-for
   process tree, whichever is larger, so DuckDB's native memory counts). Every variant reads
   the same files: the newest file of each source the landing folder has for the quarter.

   a. ``ours``    — ``bizenv run --quarter Q`` on a fresh work directory: intake, archive,
      validation (GE suites + contract checks), staging, promotion, indicators, scores,
      rankings, bulletin and workbook;
   b. ``duckdb``  — one bare DuckDB pass over the same files: ``read_csv`` as text (xlsx read
      as text with calamine), every cell typed with ``try_cast``/``try_strptime`` by its
      contract type in the same scan that counts each row's typing and required failures, the
      typed table stored in a DuckDB file, the range rules of the suite (``..._to_be_between``)
      counted on it, and rows and the sum of one column aggregated per unit;
   c. ``pandas``  — a straightforward pandas script: ``read_csv(dtype=str)``, ``to_datetime``/
      ``to_numeric``, the same failure counts and the same per-unit aggregates;
   d. ``incremental`` — after ``ours``: the approval file is resubmitted (same rows, one more
      byte so it is a new version) and ``bizenv run --quarter Q --source approval_cases``
      measured on the same work directory.

   e. with ``--fixed-scale S`` (e.g. 1): ``ours`` and ``duckdb`` again on the files of scale
      S (generated into ``<dir>_fixed<S>`` unless they are there), whose times stand for
      each one's fixed cost (start-up, one step per asset, imports). The per-row ratio
      ``(ours − ours at S) / (duckdb − duckdb at S)`` compares what the rows cost, apart
      from that fixed cost.

   The variants agree when they report the same row count per source and the same per-unit
   aggregates (rows, and the sum of one column, per region code: see ``SUM_COLUMN`` and
   ``sum_column``); ``ours`` is read back from ``warehouse.<source>``. The bare DuckDB and
   pandas passes must also agree on the typing, required and range failure counts.
"""

from __future__ import annotations

import argparse
import codecs
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Per source: the column summed per unit (the agreement check). These four are fixed; any
# other source sums the first integer column of its contract, else the first decimal one,
# else the first 是/否 column (the number of 是), see ``sum_column``.
SUM_COLUMN = {
    "approval_cases": "material_count",
    "utility_connections": "step_count",
    "satisfaction_responses": "score_overall",
    "loan_balances": "first_time_borrowers",
}
VARIANTS = ("ours", "duckdb", "pandas", "incremental")


def datetime_formats() -> tuple[str, ...]:
    """The formats the pipeline's datetime typing accepts, the first that parses wins."""
    sys.path.insert(0, str(ROOT))
    from pipelines.validation.coerce import DATETIME_FORMATS

    return DATETIME_FORMATS


MAX_EXACT_INTEGER = 2**53


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _enabled_sources() -> tuple[str, ...]:
    sys.path.insert(0, str(ROOT))
    from pipelines.contracts import enabled_sources

    return tuple(enabled_sources())


def landing_files(landing: Path, quarter: str) -> dict[str, Path]:
    """The newest file of every source the landing folder has for the quarter (sources in the
    project's order; folders of sources the project does not enable are ignored)."""
    out: dict[str, Path] = {}
    for source in _enabled_sources():
        files = sorted(p for p in (landing / quarter / source).glob("*") if p.is_file())
        if files:
            out[source] = files[-1]
    return out


@dataclass(frozen=True)
class Column:
    header: str
    column: str
    kind: str
    required: bool


@dataclass(frozen=True)
class Range:
    """One ``expect_column_values_to_be_between`` of the suite (bounds inclusive unless
    strict; a missing bound is open). Empty cells are not checked, as in GE."""

    column: str
    low: float | datetime | None
    high: float | datetime | None
    strict_low: bool = False
    strict_high: bool = False


@dataclass(frozen=True)
class SourceSpec:
    source: str
    columns: tuple[Column, ...]
    sum_column: str
    ranges: tuple[Range, ...]


def sum_column(source: str, columns: tuple[Column, ...]) -> str:
    """The column summed per unit: the fixed choice, else the first integer column, else the
    first decimal one, else the first 是/否 one."""
    if source in SUM_COLUMN:
        return SUM_COLUMN[source]
    for kind in ("integer", "decimal", "yes_no"):
        for c in columns:
            if c.kind == kind:
                return c.column
    raise SystemExit(f"{source}: no integer, decimal or 是/否 column to sum per unit")


def quarter_bounds(quarter: str) -> dict[str, datetime]:
    """The suites' ``quarter_start``/``quarter_end`` parameters (as gx_suites sets them)."""
    year, q = int(quarter[:4]), int(quarter[-1])
    start = datetime(year, 3 * q - 2, 1)
    nxt = datetime(year + 1, 1, 1) if q == 4 else datetime(year, 3 * q + 1, 1)
    return {"quarter_start": start, "quarter_end": nxt - timedelta(microseconds=1)}


def _bound(value: object, params: dict[str, datetime]) -> float | datetime | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return params[value["$PARAMETER"]]
    return float(value)  # type: ignore[arg-type]


def suite_ranges(suite: dict[str, object], quarter: str) -> tuple[Range, ...]:
    """The range rules of a suite: numeric bounds, and the quarter bounds of the quarter
    column (other parameters are not range rules)."""
    params = quarter_bounds(quarter)
    out = []
    for e in suite.get("expectations", ()):  # type: ignore[union-attr]
        if e.get("type") != "expect_column_values_to_be_between":
            continue
        kw = e["kwargs"]
        out.append(
            Range(
                kw["column"],
                _bound(kw.get("min_value"), params),
                _bound(kw.get("max_value"), params),
                bool(kw.get("strict_min", False)),
                bool(kw.get("strict_max", False)),
            )
        )
    return tuple(out)


def source_spec(source: str, quarter: str) -> SourceSpec:
    """Columns and types from the source's contract, range rules from its suite.json."""
    sys.path.insert(0, str(ROOT))
    from pipelines.contracts import contract

    spec = contract(source)
    columns = tuple(Column(c.header, c.column, c.type, c.required) for c in spec.columns)
    suite = json.loads(spec.suite_path.read_text(encoding="utf-8"))
    return SourceSpec(source, columns, sum_column(source, columns), suite_ranges(suite, quarter))


def csv_encoding(path: Path) -> str:
    """``utf-8`` when the file's first MB decodes as UTF-8 (with or without BOM), else
    ``gb18030`` (a superset of the GBK that older systems export)."""
    with path.open("rb") as fh:
        head = fh.read(1 << 20)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _transcode(path: Path, target: Path, encoding: str) -> Path:
    """Copy a CSV to UTF-8 in 16 MB chunks (DuckDB's reader takes UTF-8 only)."""
    with (
        path.open("r", encoding=encoding, newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        while chunk := src.read(1 << 24):
            dst.write(chunk)
    return target


def _read_xlsx_as_text(path: Path) -> tuple[list[str], list[list[str]]]:
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    header = [str(h) for h in rows[0]]
    return header, [["" if v is None else str(v) for v in r] for r in rows[1:]]


def _summary(
    spec: SourceSpec,
    rows: int,
    typing: int,
    required: int,
    ranges: int,
    units: list[tuple[object, int, object]],
) -> dict[str, object]:
    return {
        "rows": int(rows),
        "sum_column": spec.sum_column,
        "typing_failures": int(typing),
        "required_failures": int(required),
        "range_failures": int(ranges),
        "failing_cells": int(typing + required + ranges),
        "units": [[str(r), int(n), float(s or 0)] for r, n, s in units],
    }


# --- b. bare DuckDB --------------------------------------------------------------------------


def _duck_expr(col: str, kind: str) -> tuple[str, str]:
    """(typed expression, 'unparsable' predicate) for one text column ``t."col"``."""
    raw = f"nullif(trim(t.\"{col}\"), '')"
    number = f"try_cast({raw} as double)"
    if kind == "datetime":
        formats = ", ".join(f"'{f}'" for f in datetime_formats())
        typed = f"try_strptime({raw}, [{formats}])"
    elif kind == "integer":
        typed = (
            f"case when isfinite({number}) and {number} = round({number}) "
            f"and abs({number}) < {MAX_EXACT_INTEGER} then {number}::bigint end"
        )
    elif kind == "decimal":
        typed = f"case when isfinite({number}) then {number} end"
    elif kind == "yes_no":
        typed = f"case {raw} when '是' then true when '否' then false end"
    elif kind == "region_code":
        typed = f"case when regexp_full_match({raw}, '\\d{{6}}(\\.0*)?') then left({raw}, 6) end"
    elif kind == "month":
        typed = f"strftime(try_strptime({raw}, '%Y-%m'), '%Y-%m')"
    else:
        typed = raw
    return typed, f"({raw} is not null and {typed} is null)"


def _duck_range(rule: Range) -> tuple[str, list[object]]:
    """(predicate 'outside the range', its parameters) on the typed column."""
    parts, params = [], []
    if rule.low is not None:
        parts.append(f'"{rule.column}" {"<=" if rule.strict_low else "<"} ?')
        params.append(rule.low)
    if rule.high is not None:
        parts.append(f'"{rule.column}" {">=" if rule.strict_high else ">"} ?')
        params.append(rule.high)
    return "(" + " or ".join(parts or ["false"]) + ")", params


def duckdb_source(
    con: object, spec: SourceSpec, relation: str, params: list[object] | None = None
) -> dict[str, object]:
    """Type one text relation (``params`` bound to its ``?``) into ``typed_<source>`` in one
    scan, with each row's typing and required failures, then count the range failures and
    aggregate per unit on the typed table."""
    selects, typing, required = [], [], []
    for c in spec.columns:
        typed, unparsable = _duck_expr(c.header, c.kind)
        selects.append(f'{typed} as "{c.column}"')
        typing.append(f"({unparsable})::int")
        if c.required:
            required.append(f"({typed} is null)::int")
    table = f"typed_{spec.source}"
    con.execute(  # type: ignore[attr-defined]
        f"create or replace table {table} as select {', '.join(selects)}, "
        f"{' + '.join(typing) or '0'} as _typing_failures, "
        f"{' + '.join(required) or '0'} as _required_failures from {relation} t",
        params or [],
    )
    ranges, params = [], []
    for rule in spec.ranges:
        predicate, values = _duck_range(rule)
        ranges.append(f"count(*) filter (where {predicate})")
        params.extend(values)
    rows, typing_n, required_n, *range_n = con.execute(  # type: ignore[attr-defined]
        f"select count(*), coalesce(sum(_typing_failures), 0), "
        f"coalesce(sum(_required_failures), 0){''.join(', ' + r for r in ranges)} from {table}",
        params,
    ).fetchone()
    units = con.execute(  # type: ignore[attr-defined]
        "select coalesce(region_code, ''), count(*), "
        f'sum(cast("{spec.sum_column}" as double)) from {table} group by 1 order by 1'
    ).fetchall()
    return _summary(spec, rows, typing_n, required_n, sum(range_n), units)


def run_duckdb(files: dict[str, Path], db: Path, quarter: str) -> dict[str, object]:
    import duckdb

    out: dict[str, object] = {}
    with duckdb.connect(str(db)) as con:
        for source, path in files.items():
            spec = source_spec(source, quarter)
            utf8: Path | None = None
            if path.suffix.lower() == ".xlsx":
                import pyarrow as pa

                header, rows = _read_xlsx_as_text(path)
                table = pa.table({h: [r[i] for r in rows] for i, h in enumerate(header)})
                con.register("landing_xlsx", table)
                relation, params = "landing_xlsx", []
            else:
                encoding = csv_encoding(path)
                if encoding != "utf-8":
                    utf8 = _transcode(path, db.with_name(f"{source}.utf8.csv"), encoding)
                relation = (
                    "read_csv(?, all_varchar = true, header = true, "
                    "encoding = 'utf-8', strict_mode = false)"
                )
                params = [str(utf8 or path)]
            try:
                out[source] = duckdb_source(con, spec, relation, params)
            finally:
                if utf8 is not None:
                    utf8.unlink()
                if relation == "landing_xlsx":
                    con.unregister("landing_xlsx")
    return out


# --- c. pandas -------------------------------------------------------------------------------


def pandas_typed(raw: pd.Series, kind: str) -> pd.Series:
    """Typed values of one stripped text column (empty = missing; unparsable = missing)."""
    import numpy as np
    import pandas as pd

    present = raw != ""
    if kind == "datetime":
        values = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
        for fmt in datetime_formats():
            todo = present & values.isna()
            if not todo.any():
                break
            parsed = pd.to_datetime(raw[todo], format=fmt, errors="coerce")
            values[todo] = parsed.astype("datetime64[us]")
        return values
    if kind in ("integer", "decimal"):
        number = pd.to_numeric(raw.where(present), errors="coerce").astype("float64")
        ok = np.isfinite(number)
        if kind == "integer":
            ok &= (number == number.round()) & (number.abs() < MAX_EXACT_INTEGER)
            return number.where(ok).astype("Int64")
        return number.where(ok)
    if kind == "yes_no":
        return raw.map({"是": True, "否": False}).astype("boolean")
    if kind == "region_code":
        return raw.where(raw.str.fullmatch(r"\d{6}(?:\.0*)?").fillna(False)).str.slice(0, 6)
    if kind == "month":
        return pd.to_datetime(raw.where(present), format="%Y-%m", errors="coerce").dt.strftime(
            "%Y-%m"
        )
    return raw.where(present)


def pandas_source(spec: SourceSpec, frame: pd.DataFrame) -> dict[str, object]:
    import pandas as pd

    typed = pd.DataFrame(index=frame.index)
    typing = required = 0
    for c in spec.columns:
        raw = frame[c.header].fillna("").astype("str").str.strip()
        values = pandas_typed(raw, c.kind)
        typing += int(((raw != "") & values.isna()).sum())
        if c.required:
            required += int(values.isna().sum())
        typed[c.column] = values
    ranges = 0
    for rule in spec.ranges:
        values = typed[rule.column]
        outside = pd.Series(False, index=typed.index)
        if rule.low is not None:
            outside |= (values <= rule.low) if rule.strict_low else (values < rule.low)
        if rule.high is not None:
            outside |= (values >= rule.high) if rule.strict_high else (values > rule.high)
        ranges += int(outside.fillna(False).sum())
    summed = typed[spec.sum_column].astype("Float64")
    grouped = summed.groupby(typed["region_code"].fillna(""))
    units = list(zip(grouped.size().index, grouped.size(), grouped.sum(), strict=True))
    return _summary(spec, len(typed), typing, required, ranges, units)


def run_pandas(files: dict[str, Path], quarter: str) -> dict[str, object]:
    import pandas as pd

    out: dict[str, object] = {}
    for source, path in files.items():
        spec = source_spec(source, quarter)
        if path.suffix.lower() == ".xlsx":
            frame = pd.read_excel(path, dtype=str, engine="calamine").fillna("")
        else:
            encoding = csv_encoding(path)
            frame = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig" if encoding == "utf-8" else encoding,
            )
        out[source] = pandas_source(spec, frame)
        del frame
    return out


# --- a. ours ---------------------------------------------------------------------------------


def warehouse_aggregates(db: Path, quarter: str, sources: list[str]) -> dict[str, object]:
    """Rows and (rows, sum) per unit of each source's quarter, read back from ``warehouse.*``."""
    import duckdb

    out: dict[str, object] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for source in sources:
            column = source_spec(source, quarter).sum_column
            agg = con.execute(
                f'select region_code, count(*), sum(cast("{column}" as double)) '
                f"from warehouse.{source} where quarter = ? group by 1 order by 1",
                [quarter],
            ).fetchall()
            out[source] = {
                "rows": int(sum(n for _, n, _ in agg)),
                "sum_column": column,
                "units": [[str(r), int(n), float(s or 0)] for r, n, s in agg],
            }
    return out


# --- driver ----------------------------------------------------------------------------------


def _measure(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall s, peak RSS MB, stdout) of one child process tree."""
    hwm_file = Path(tempfile.mkstemp(prefix="bench-hwm-")[1])
    child_env = dict(os.environ, **(env or {}), BENCH_HWM_FILE=str(hwm_file), PYTHONPATH=str(ROOT))
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=child_env, stdout=subprocess.PIPE, text=True)
    stdout = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        print(stdout)
        raise SystemExit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(cmd)}")
    text = hwm_file.read_text().strip()
    hwm_file.unlink()
    peak = max(float(text) if text else 0.0, usage.ru_maxrss / 1024)
    return wall, peak, stdout


def _write_hwm() -> None:
    target = os.environ.get("BENCH_HWM_FILE")
    if target:
        Path(target).write_text(f"{_hwm_mb():.1f}")


def child(variant: str, args: argparse.Namespace) -> int:
    import atexit

    atexit.register(_write_hwm)
    work = Path(args.dir) / "work"
    files = landing_files(work / "landing", args.quarter)
    if variant == "duckdb":
        db = Path(args.dir) / "bare.duckdb"
        db.unlink(missing_ok=True)
        result = run_duckdb(files, db, args.quarter)
        db.unlink(missing_ok=True)
    elif variant == "pandas":
        result = run_pandas(files, args.quarter)
    elif variant == "ours":
        sys.path.insert(0, str(ROOT))
        from pipelines.cli import main

        code = main(["run", "--quarter", args.quarter, "--workdir", str(work)])
        if code != 0:
            return code
        return 0
    elif variant == "incremental":
        sys.path.insert(0, str(ROOT))
        from pipelines.cli import main

        return main(
            ["run", "--quarter", args.quarter, "--workdir", str(work), "--source", "approval_cases"]
        )
    else:
        raise SystemExit(f"unknown variant {variant}")
    print("RESULT " + json.dumps(result, ensure_ascii=False))
    return 0


def _result(stdout: str) -> dict[str, object]:
    for line in stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT ") :])
    raise SystemExit("no RESULT line in:\n" + stdout)


def _units_agree(have: list[list[object]], want: list[list[object]]) -> bool:
    """Same units with the same row counts and sums (sums of doubles: relative 1e-9, since
    the order of summation differs between engines)."""
    a = {u[0]: (u[1], u[2]) for u in have}
    b = {u[0]: (u[1], u[2]) for u in want}
    if a.keys() != b.keys():
        return False
    return all(
        a[k][0] == b[k][0]
        and math.isclose(float(a[k][1]), float(b[k][1]), rel_tol=1e-9, abs_tol=1e-6)
        for k in a
    )


def agree(name: str, got: dict[str, object], ref: dict[str, object]) -> bool:
    """Whether ``got`` has every source of ``ref`` with the same rows and per-unit (rows, sum),
    and, where both report them, the same failure counts; prints each difference."""
    ok = True
    for source, want in ref.items():
        have = got.get(source)
        if have is None:
            print(f"  ✗ {name}: {source} missing")
            ok = False
            continue
        if have["rows"] != want["rows"]:
            print(f"  ✗ {name}: {source} rows {have['rows']} != {want['rows']}")
            ok = False
        if not _units_agree(have["units"], want["units"]):
            print(f"  ✗ {name}: {source} per-unit aggregates differ")
            ok = False
        for key in ("typing_failures", "required_failures", "range_failures"):
            if key in have and key in want and have[key] != want[key]:
                print(f"  ✗ {name}: {source} {key} {have[key]} != {want[key]}")
                ok = False
    return ok


def per_row_ratio(
    ours: float, duckdb: float, ours_fixed: float, duckdb_fixed: float
) -> float | None:
    """(ours − its fixed cost) / (the bare pass − its fixed cost); None when either is not
    slower on the larger files (noise: the difference would say nothing)."""
    rows_ours, rows_bare = ours - ours_fixed, duckdb - duckdb_fixed
    return rows_ours / rows_bare if rows_ours > 0 and rows_bare > 0 else None


def _generate(landing: Path, scale: float, quarter: str) -> tuple[float, float]:
    wall, peak, _ = _measure(
        [
            PYTHON,
            "-c",
            "from pipelines.cli import main; raise SystemExit(main())",
            "generate",
            "--out",
            str(landing),
            "--scale",
            f"{scale:g}",
            "--quarters",
            quarter,
        ]
    )
    print(f"generated scale {scale:g} in {wall:.1f} s, peak RSS {peak:.0f} MB")
    return wall, peak


def _child_command(base: Path, scale: float, quarter: str) -> list[str]:
    return [
        PYTHON,
        str(Path(__file__).resolve()),
        "--scale",
        f"{scale:g}",
        "--quarter",
        quarter,
        "--dir",
        str(base),
        "--child",
    ]


def _fresh_work(work: Path) -> None:
    for sub in ("archive", "warehouse", "dagster_home", "rejections", "reports"):
        shutil.rmtree(work / sub, ignore_errors=True)


def fixed_costs(base: Path, scale: float, quarter: str) -> dict[str, tuple[float, float]]:
    """``ours`` and ``duckdb`` on the files of ``scale`` in ``base`` (generated if absent)."""
    work = base / "work"
    if not landing_files(work / "landing", quarter):
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        _generate(work / "landing", scale, quarter)
    me = _child_command(base, scale, quarter)
    _fresh_work(work)
    ours = _measure([*me, "ours"])
    duckdb = _measure([*me, "duckdb"])
    return {"ours": ours[:2], "duckdb": duckdb[:2]}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--quarter", default="2025Q2")
    parser.add_argument(
        "--dir", default=None, help="benchmark folder (default /tmp/bench_pipeline_<scale>)"
    )
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument("--only", default=",".join(VARIANTS))
    parser.add_argument(
        "--fixed-scale",
        type=float,
        default=None,
        help="also run ours and duckdb at this scale (e.g. 1) and print the per-row ratio",
    )
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.dir = args.dir or f"/tmp/bench_pipeline_{args.scale:g}"
    if args.child:
        return child(args.child, args)

    base = Path(args.dir)
    work = base / "work"
    landing = work / "landing"
    figures: dict[str, tuple[float, float]] = {}
    if not args.skip_generate:
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        figures["generate"] = _generate(landing, args.scale, args.quarter)
    files = landing_files(landing, args.quarter)
    for source, path in files.items():
        print(f"  {source}: {path.name} {path.stat().st_size / 1e6:.1f} MB")

    me = _child_command(base, args.scale, args.quarter)
    wanted = args.only.split(",")
    results: dict[str, dict[str, object]] = {}
    if "ours" in wanted:
        _fresh_work(work)
        wall, peak, out = _measure([*me, "ours"])
        figures["ours"] = (wall, peak)
        results["ours"] = warehouse_aggregates(
            work / "warehouse" / "bizenv.duckdb", args.quarter, list(files)
        )
        print(out.strip())
    for variant in ("duckdb", "pandas"):
        if variant in wanted:
            wall, peak, out = _measure([*me, variant])
            figures[variant] = (wall, peak)
            results[variant] = _result(out)
    if "incremental" in wanted and "ours" in figures:
        approval = files["approval_cases"]
        resent = approval.with_name(approval.stem + "_重报" + approval.suffix)
        shutil.copyfile(approval, resent)
        with resent.open("ab") as fh:
            fh.write(b"\n")  # a new version with the same rows
        try:
            wall, peak, out = _measure([*me, "incremental"])
        finally:
            resent.unlink()
        figures["incremental"] = (wall, peak)
        print(out.strip())
    if args.fixed_scale is not None:
        fixed = fixed_costs(
            Path(f"{base}_fixed{args.fixed_scale:g}"), args.fixed_scale, args.quarter
        )
        for name, figure in fixed.items():
            figures[f"{name} @{args.fixed_scale:g}"] = figure

    print(f"\nscale {args.scale:g}, quarter {args.quarter} (2 shared cores: times are noisy)")
    print(f"{'variant':<12} {'wall s':>8} {'peak RSS MB':>12}")
    for name, (wall, peak) in figures.items():
        print(f"{name:<12} {wall:>8.1f} {peak:>12.0f}")
    if "ours" in figures and "duckdb" in figures:
        print(f"ours / duckdb wall: {figures['ours'][0] / figures['duckdb'][0]:.2f}x")
    if "ours" in figures and "pandas" in figures:
        print(f"pandas / ours wall: {figures['pandas'][0] / figures['ours'][0]:.2f}x")
    if "incremental" in figures and "ours" in figures:
        print(
            "incremental / full quarter wall: "
            f"{figures['incremental'][0] / figures['ours'][0]:.2f}x"
        )
    fixed_ours = fixed_bare = None
    if args.fixed_scale is not None:
        fixed_ours, fixed_bare = f"ours @{args.fixed_scale:g}", f"duckdb @{args.fixed_scale:g}"
    if fixed_ours and {"ours", "duckdb", fixed_ours, fixed_bare} <= figures.keys():
        ratio = per_row_ratio(
            figures["ours"][0], figures["duckdb"][0], figures[fixed_ours][0], figures[fixed_bare][0]
        )
        print(
            f"per-row (ours − ours at scale {args.fixed_scale:g}) / "
            f"(duckdb − duckdb at scale {args.fixed_scale:g}): "
            + (
                f"{ratio:.2f}x"
                if ratio is not None
                else "n/a (not slower on the larger files: noise)"
            )
        )
    ok = True
    if "duckdb" in results:
        for name in ("ours", "pandas"):
            if name in results:
                ok &= agree(name, results[name], results["duckdb"])
        for source, r in results["duckdb"].items():
            print(
                f"  {source}: {r['rows']} rows, {len(r['units'])} units, sum of "
                f"{r['sum_column']}; failing cells (bare pass): {r['typing_failures']} typing, "
                f"{r['required_failures']} required, {r['range_failures']} range"
            )
    print("all variants agree on row counts and per-unit aggregates" if ok else "DISAGREEMENT")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
