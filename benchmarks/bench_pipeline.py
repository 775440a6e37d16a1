"""Benchmark: one quarter from landing files to bulletin, against a bare DuckDB pass and pandas.

    .venv/bin/python benchmarks/bench_pipeline.py --scale 100 [--quarter 2025Q2] [--dir DIR]
        [--skip-generate] [--only ours,duckdb,pandas,incremental]

1. Generates the demo landing files (示例数据) for the quarter with ``bizenv generate`` into
   ``<dir>/work/landing`` (skipped with ``--skip-generate`` when they are there).
2. Runs each variant in its own process and reports wall time and peak resident memory
   (the child's ``VmHWM`` read from /proc at exit, and the ``ru_maxrss`` of the waited-for
   process tree, whichever is larger, so DuckDB's native memory counts):

   a. ``ours``    — ``bizenv run --quarter Q`` on a fresh work directory: intake, archive,
      validation (GE suites + contract checks), staging, promotion, indicators, scores,
      rankings, bulletin and workbook;
   b. ``duckdb``  — one bare DuckDB pass over the same files: ``read_csv`` as text, type every
      cell with ``try_cast``/``try_strptime``, count the rows failing the typing and the
      required/range rules, store the typed table and aggregate per unit;
   c. ``pandas``  — a straightforward pandas script: ``read_csv(dtype=str)``, ``to_datetime``/
      ``to_numeric``, the same failure counts and the same per-unit aggregates;
   d. ``incremental`` — after ``ours``: the approval file is resubmitted (same rows, one more
      byte so it is a new version) and ``bizenv run --quarter Q --source approval_cases``
      measured on the same work directory.

   The three agree when they report the same row count per source and the same per-unit
   aggregates (rows, and the sum of one integer column, per region code); ``ours`` is read
   back from the warehouse.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Per source: the integer column summed per unit (the agreement check).
SUM_COLUMN = {
    "approval_cases": "material_count",
    "utility_connections": "step_count",
    "satisfaction_responses": "score_overall",
    "loan_balances": "first_time_borrowers",
}
VARIANTS = ("ours", "duckdb", "pandas", "incremental")


def _hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def landing_files(landing: Path, quarter: str) -> dict[str, Path]:
    out: dict[str, Path] = {}
    for source in SUM_COLUMN:
        files = sorted(p for p in (landing / quarter / source).glob("*") if p.is_file())
        if files:
            out[source] = files[-1]
    return out


def _contract_columns(source: str) -> list[tuple[str, str, str, bool]]:
    """(header, column, type, required) of the source's contract."""
    sys.path.insert(0, str(ROOT))
    from pipelines.contracts import contract

    return [(c.header, c.column, c.type, c.required) for c in contract(source).columns]


# --- b. bare DuckDB --------------------------------------------------------------------------

_DUCK_TYPE = {"integer": "bigint", "decimal": "double", "yes_no": "boolean"}


def _duck_expr(col: str, kind: str) -> tuple[str, str]:
    """(typed expression, 'unparsable' predicate) for one text column ``t."col"``."""
    raw = f"nullif(trim(t.\"{col}\"), '')"
    if kind == "datetime":
        typed = f"try_strptime({raw}, ['%Y-%m-%d %H:%M:%S', '%Y/%m/%d %H:%M:%S', '%Y-%m-%d %H:%M'])"
    elif kind == "integer":
        typed = f"try_cast(try_cast({raw} as double) as bigint)"
    elif kind == "decimal":
        typed = f"try_cast({raw} as double)"
    elif kind == "yes_no":
        typed = f"case {raw} when '是' then true when '否' then false end"
    elif kind == "region_code":
        typed = f"case when regexp_full_match({raw}, '\\d{{6}}(\\.0*)?') then left({raw}, 6) end"
    elif kind == "month":
        typed = f"strftime(try_strptime({raw}, '%Y-%m'), '%Y-%m')"
    else:
        typed = raw
    return typed, f"({raw} is not null and {typed} is null)"


def run_duckdb(files: dict[str, Path], db: Path) -> dict[str, object]:
    import duckdb

    out: dict[str, object] = {}
    with duckdb.connect(str(db)) as con:
        for source, path in files.items():
            cols = _contract_columns(source)
            if path.suffix.lower() == ".xlsx":
                from python_calamine import CalamineWorkbook

                rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
                import pyarrow as pa

                header = [str(h) for h in rows[0]]
                table = pa.table(
                    {
                        h: [("" if r[i] is None else str(r[i])) for r in rows[1:]]
                        for i, h in enumerate(header)
                    }
                )
                con.register("landing_xlsx", table)
                relation = "landing_xlsx"
            else:
                relation = (
                    f"read_csv('{path}', all_varchar = true, header = true, "
                    "encoding = 'utf-8', strict_mode = false)"
                )
            selects, bad = [], []
            for header, col, kind, required in cols:
                typed, unparsable = _duck_expr(header, kind)
                selects.append(f'{typed} as "{col}"')
                bad.append(f"count(*) filter (where {unparsable})")
                if required:
                    bad.append(f"count(*) filter (where {typed} is null)")
            con.execute(
                f"create or replace table typed_{source} as "
                f"select {', '.join(selects)} from {relation} t"
            )
            (count,) = con.execute(f"select count(*) from typed_{source}").fetchone()
            # rule counts on the text columns (typing and required), one scan
            checks = con.execute(f"select {', '.join(bad)} from {relation} t").fetchone()
            agg = con.execute(
                f"select region_code, count(*), sum({SUM_COLUMN[source]}) from typed_{source} "
                "group by region_code order by region_code"
            ).fetchall()
            out[source] = {
                "rows": int(count),
                "failing_cells": int(sum(checks)),
                "units": [[str(r), int(n), float(s or 0)] for r, n, s in agg],
            }
    return out


# --- c. pandas -------------------------------------------------------------------------------


def run_pandas(files: dict[str, Path]) -> dict[str, object]:
    import pandas as pd

    out: dict[str, object] = {}
    for source, path in files.items():
        cols = _contract_columns(source)
        if path.suffix.lower() == ".xlsx":
            frame = pd.read_excel(path, dtype=str, engine="calamine").fillna("")
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        typed = pd.DataFrame(index=frame.index)
        failing = 0
        for header, col, kind, required in cols:
            raw = frame[header].str.strip()
            present = raw != ""
            if kind == "datetime":
                values = pd.to_datetime(
                    raw.where(present), format="%Y-%m-%d %H:%M:%S", errors="coerce"
                )
            elif kind in ("integer", "decimal"):
                values = pd.to_numeric(raw.where(present), errors="coerce")
            elif kind == "yes_no":
                values = raw.map({"是": True, "否": False})
            elif kind == "region_code":
                values = raw.where(raw.str.fullmatch(r"\d{6}(?:\.0*)?")).str.slice(0, 6)
            else:
                values = raw.where(present)
            failing += int((present & values.isna()).sum())
            if required:
                failing += int(values.isna().sum())
            typed[col] = values
        agg = typed.groupby("region_code")[SUM_COLUMN[source]].agg(["count", "sum"]).sort_index()
        counts = typed.groupby("region_code").size()
        out[source] = {
            "rows": len(typed),
            "failing_cells": failing,
            "units": [[str(r), int(counts[r]), float(agg.loc[r, "sum"])] for r in agg.index],
        }
    return out


# --- a. ours ---------------------------------------------------------------------------------


def warehouse_aggregates(db: Path, quarter: str) -> dict[str, object]:
    import duckdb

    out: dict[str, object] = {}
    with duckdb.connect(str(db), read_only=True) as con:
        for source, column in SUM_COLUMN.items():
            agg = con.execute(
                f"select region_code, count(*), sum({column}) from warehouse.{source} "
                "where quarter = ? group by region_code order by region_code",
                [quarter],
            ).fetchall()
            out[source] = {
                "rows": int(sum(n for _, n, _ in agg)),
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
        result = run_duckdb(files, db)
        db.unlink(missing_ok=True)
    elif variant == "pandas":
        result = run_pandas(files)
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


def _agree(name: str, got: dict[str, object], ref: dict[str, object]) -> bool:
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
        a = {u[0]: (u[1], round(u[2], 6)) for u in have["units"]}
        b = {u[0]: (u[1], round(u[2], 6)) for u in want["units"]}
        if a != b:
            print(f"  ✗ {name}: {source} per-unit aggregates differ")
            ok = False
    return ok


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
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.dir = args.dir or f"/tmp/bench_pipeline_{args.scale:g}"
    if args.child:
        return child(args.child, args)

    base = Path(args.dir)
    work = base / "work"
    landing = work / "landing"
    if not args.skip_generate:
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        started = time.perf_counter()
        subprocess.run(
            [
                PYTHON,
                "-c",
                "from pipelines.cli import main; raise SystemExit(main())",
                "generate",
                "--out",
                str(landing),
                "--scale",
                f"{args.scale:g}",
                "--quarters",
                args.quarter,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        print(f"generated in {time.perf_counter() - started:.1f} s")
    files = landing_files(landing, args.quarter)
    for source, path in files.items():
        print(f"  {source}: {path.name} {path.stat().st_size / 1e6:.1f} MB")

    me = [
        PYTHON,
        str(Path(__file__).resolve()),
        "--scale",
        f"{args.scale:g}",
        "--quarter",
        args.quarter,
        "--dir",
        str(base),
        "--child",
    ]
    wanted = args.only.split(",")
    figures: dict[str, tuple[float, float]] = {}
    results: dict[str, dict[str, object]] = {}
    if "ours" in wanted:
        for sub in ("archive", "warehouse", "dagster_home", "rejections", "reports"):
            shutil.rmtree(work / sub, ignore_errors=True)
        wall, peak, out = _measure([*me, "ours"])
        figures["ours"] = (wall, peak)
        results["ours"] = warehouse_aggregates(work / "warehouse" / "bizenv.duckdb", args.quarter)
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
    ok = True
    if "duckdb" in results:
        for name in ("ours", "pandas"):
            if name in results:
                ok &= _agree(name, results[name], results["duckdb"])
        for source, r in results["duckdb"].items():
            print(
                f"  {source}: {r['rows']} rows, {len(r['units'])} units, "
                f"{r['failing_cells']} failing cells (bare pass)"
            )
    print("all variants agree on row counts and per-unit aggregates" if ok else "DISAGREEMENT")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
