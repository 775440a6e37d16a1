"""Benchmark: computing one quarter's indicators (and scores) three ways.

    uv run python benchmarks/bench_indicators.py --scale 100 [--quarter 2025Q2] [--db PATH]

1. Generates the demo data (示例数据) for the quarter (plus the previous and year-ago quarters
   of the loan table, which the growth indicators read) and writes it straight into a DuckDB
   warehouse (generator frames → DuckDB via Arrow, no files).
2. Runs each variant in its own subprocess and reports wall time and peak resident memory
   (VmHWM of that subprocess from /proc, so DuckDB's native memory is included; "baseline"
   is the peak RSS after imports, before the work):

   a. ``ours``   — our code: work calendar, the 25 SQL files of config/framework.yaml run one
      by one, values stored (delete + insert in a transaction), the scoring engine, node
      scores and rankings stored;
   b. ``duckdb`` — one bare DuckDB query computing the same 25 leaf values (one scan per
      table with conditional aggregates; work_calendar prepared beforehand);
   c. ``pandas`` — the same leaves in pandas (tables read into frames, working days by a
      calendar lookup, groupby aggregates).

   Variants b and c are checked against the values a stored.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from pipelines.quarters import Quarter  # noqa: E402
from pipelines.sqlfiles import sql  # noqa: E402

VARIANTS = ("ours", "duckdb", "pandas")


def _rss_mb() -> float:
    """Peak resident memory of this process (MB). VmHWM is reset by exec, unlike ru_maxrss,
    which a child started with fork + exec inherits from the parent's high-water mark."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


# --- preparation ---------------------------------------------------------------------------


def prepare(db: Path, quarter: Quarter, scale: float) -> dict[str, object]:
    from pipelines.demo.generator import generate_source_frame
    from pipelines.indicators import ensure_scores_schema, prepare_calendar
    from pipelines.indicators.demo import DEMO_SEED, demo_hash, load_frame

    plan = [
        (s, quarter)
        for s in (
            "approval_cases",
            "utility_connections",
            "satisfaction_responses",
            "loan_balances",
        )
    ]
    plan += [
        ("loan_balances", quarter.previous()),
        ("loan_balances", quarter.same_quarter_last_year()),
    ]
    rows: dict[str, int] = {}
    started = time.perf_counter()
    gen_seconds = load_seconds = 0.0
    with duckdb.connect(str(db)) as con:
        ensure_scores_schema(con)
        for source, q in plan:
            t0 = time.perf_counter()
            frame = generate_source_frame(source, q, seed=DEMO_SEED, scale=scale)
            t1 = time.perf_counter()
            rows[f"{source} {q}"] = load_frame(
                con, source, q, frame, demo_hash(source, q, DEMO_SEED, scale)
            )
            load_seconds += time.perf_counter() - t1
            gen_seconds += t1 - t0
            del frame
        prepare_calendar(con, quarter)
        con.execute("checkpoint")
    return {
        "rows": rows,
        "generate_seconds": round(gen_seconds, 1),
        "load_seconds": round(load_seconds, 1),
        "total_seconds": round(time.perf_counter() - started, 1),
        "db_mb": round(db.stat().st_size / 2**20, 1),
    }


# --- variants (each runs in its own process) -----------------------------------------------


def run_ours(db: Path, quarter: Quarter) -> pd.DataFrame:
    from pipelines.indicators import (
        ensure_scores_schema,
        load_default_framework,
        prepare_calendar,
        refresh_indicator_values,
        replace_indicator_scores,
        replace_rankings,
    )
    from pipelines.indicators.scoring import score_quarter, unit_names
    from pipelines.scoring import units_from_registry

    framework = load_default_framework()
    units = units_from_registry()
    with duckdb.connect(str(db)) as con:
        ensure_scores_schema(con)
        prepare_calendar(con, quarter)
        values = refresh_indicator_values(con, framework, quarter)
        result = score_quarter(con, framework, quarter, units)
        replace_indicator_scores(con, quarter, result.node_scores)
        replace_rankings(con, quarter, framework.root, unit_names(units))
    return values


def run_duckdb(db: Path, quarter: Quarter) -> pd.DataFrame:
    from pipelines.indicators import quarter_parameters

    with duckdb.connect(str(db)) as con:
        return con.execute(sql("bench/bare_indicators"), quarter_parameters(quarter)).df()


def _mean_by_unit(frame: pd.DataFrame, column: str, code: str) -> pd.DataFrame:
    g = frame.groupby("region_code")[column].agg(["mean", "count"])
    g = g[g["count"] > 0]
    return pd.DataFrame(
        {
            "unit_code": g.index,
            "indicator": code,
            "value": g["mean"].values,
            "n_cases": g["count"].values,
        }
    )


def run_pandas(db: Path, quarter: Quarter) -> pd.DataFrame:
    from pipelines.workdays import work_calendar

    q, prev, year_ago = str(quarter), str(quarter.previous()), str(quarter.same_quarter_last_year())
    with duckdb.connect(str(db), read_only=True) as con:
        approval = con.execute(sql("bench/pandas_approval"), {"quarter": q}).df()
        utility = con.execute(sql("bench/pandas_utility"), {"quarter": q}).df()
        loans = con.execute(
            sql("bench/pandas_loans"),
            {"quarter": q, "previous_quarter": prev, "year_ago_quarter": year_ago},
        ).df()
        survey = con.execute(sql("bench/pandas_survey"), {"quarter": q}).df()

    first = min(approval["accepted_at"].min(), utility["applied_at"].min()).date()
    last = max(approval["completed_at"].max(), utility["connected_at"].max()).date()
    cal = work_calendar(first, last)
    seq = pd.Series(cal["workday_seq"].to_numpy(), index=pd.DatetimeIndex(cal["day"]))

    def workdays(start: pd.Series, end: pd.Series) -> pd.Series:
        s = seq.reindex(start.dt.normalize()).to_numpy()
        e = seq.reindex(end.dt.normalize()).to_numpy()
        return pd.Series(e - s, index=start.index, dtype="float64")

    approval["wd"] = workdays(approval["accepted_at"], approval["completed_at"])
    approval["online"] = 100.0 * approval["is_online"].astype("float64")
    approval["once"] = np.where(
        approval["visit_count"].notna(), 100.0 * (approval["visit_count"] <= 1), np.nan
    )
    approval["on_time"] = np.where(
        approval["wd"].notna() & approval["promised_limit_days"].notna(),
        100.0 * (approval["wd"] <= approval["promised_limit_days"]),
        np.nan,
    )
    utility["wd"] = workdays(utility["applied_at"], utility["connected_at"])

    parts = []
    cat = approval["category"]
    startup, build, prop = (
        approval[cat == c] for c in ("企业开办", "工程建设项目审批", "不动产登记")
    )
    parts += [
        _mean_by_unit(startup, "wd", "E01_01"),
        _mean_by_unit(startup, "material_count", "E01_02"),
        _mean_by_unit(startup, "online", "E01_03"),
        _mean_by_unit(build, "wd", "E02_01"),
        _mean_by_unit(build, "on_time", "E02_02"),
        _mean_by_unit(build, "step_count", "E02_03"),
        _mean_by_unit(prop, "wd", "E03_01"),
        _mean_by_unit(prop, "material_count", "E03_02"),
        _mean_by_unit(approval, "online", "E07_01"),
        _mean_by_unit(approval, "once", "E07_02"),
        _mean_by_unit(approval, "on_time", "E07_03"),
        _mean_by_unit(approval, "material_count", "E07_04"),
    ]
    power = utility[utility["utility_type"] == "电力"]
    hv = power[power["customer_class"] == "高压"]
    parts += [
        _mean_by_unit(hv, "wd", "E04_01"),
        _mean_by_unit(power[power["customer_class"] == "低压"], "wd", "E04_02"),
        _mean_by_unit(power, "step_count", "E04_03"),
    ]
    hv_ok = hv.dropna(subset=["connection_fee_yuan", "capacity_kw"])
    cost = hv_ok.groupby("region_code")[["connection_fee_yuan", "capacity_kw"]].sum()
    parts.append(
        pd.DataFrame(
            {
                "unit_code": cost.index,
                "indicator": "E04_04",
                "value": (cost["connection_fee_yuan"] / cost["capacity_kw"]).values,
                "n_cases": hv_ok.groupby("region_code").size().reindex(cost.index).values,
            }
        )
    )
    parts += [
        _mean_by_unit(utility[utility["utility_type"] == "用水"], "wd", "E05_01"),
        _mean_by_unit(utility[utility["utility_type"] == "用气"], "wd", "E05_02"),
        _mean_by_unit(
            utility[utility["utility_type"].isin(["用水", "用气"])], "connection_fee_yuan", "E05_03"
        ),
    ]

    month_end = loans[loans["stat_month"].str[-2:].astype(int) % 3 == 0].set_index(
        ["quarter", "region_code"]
    )
    cur = month_end.loc[q]
    for code, column, base in (
        ("E06_01", "total_loans_100m", year_ago),
        ("E06_03", "inclusive_sme_loans_100m", prev),
    ):
        if base in month_end.index.get_level_values(0):
            growth = (100.0 * (cur[column] / month_end.loc[base][column] - 1)).dropna()
            parts.append(
                pd.DataFrame(
                    {
                        "unit_code": growth.index,
                        "indicator": code,
                        "value": growth.values,
                        "n_cases": 2,
                    }
                )
            )
    share = 100.0 * cur["manufacturing_loans_100m"] / cur["total_loans_100m"]
    parts.append(
        pd.DataFrame(
            {"unit_code": share.index, "indicator": "E06_02", "value": share.values, "n_cases": 1}
        )
    )
    parts.append(_mean_by_unit(loans[loans["quarter"] == q], "inclusive_sme_rate_pct", "E06_04"))

    survey["score"] = 20.0 * survey["score_overall"]
    survey["unhappy"] = np.where(
        survey["score_overall"].notna(), 100.0 * (survey["score_overall"] <= 2), np.nan
    )
    parts += [_mean_by_unit(survey, "score", "E08_01"), _mean_by_unit(survey, "unhappy", "E08_02")]
    return pd.concat(parts, ignore_index=True)


def run_variant(name: str, db: Path, quarter: Quarter, out: Path) -> None:
    # Import everything the variants use first: import time and memory are not measured.
    import pipelines.indicators
    import pipelines.indicators.scoring
    import pipelines.scoring
    import pipelines.workdays  # noqa: F401

    baseline = _rss_mb()
    runner = {"ours": run_ours, "duckdb": run_duckdb, "pandas": run_pandas}[name]
    started = time.perf_counter()
    values = runner(db, quarter)
    seconds = time.perf_counter() - started
    values.to_parquet(out)
    print(
        json.dumps(
            {
                "variant": name,
                "seconds": round(seconds, 2),
                "peak_rss_mb": round(_rss_mb(), 1),
                "baseline_rss_mb": round(baseline, 1),
                "values": len(values),
            }
        )
    )


# --- driver --------------------------------------------------------------------------------


def compare(reference: pd.DataFrame, other: pd.DataFrame, name: str) -> str:
    key = ["unit_code", "indicator"]
    merged = reference.merge(other, on=key, how="outer", suffixes=("", "_o"), indicator=True)
    if (merged["_merge"] != "both").any():
        return f"{name}: {int((merged['_merge'] != 'both').sum())} rows differ in presence"
    close = np.isclose(merged["value"], merged["value_o"], rtol=1e-9, atol=1e-9)
    same_n = merged["n_cases"].astype("int64") == merged["n_cases_o"].astype("int64")
    if not (close.all() and same_n.all()):
        return f"{name}: {int((~close | ~same_n).sum())} values differ"
    return f"{name}: all {len(merged)} values equal ours"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=100.0)
    parser.add_argument("--quarter", default="2025Q2")
    parser.add_argument("--db", type=Path, help="DuckDB file (default: a temporary one)")
    parser.add_argument(
        "--skip-prepare", action="store_true", help="reuse the data already in --db"
    )
    parser.add_argument("--variant", choices=VARIANTS, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    quarter = Quarter.parse(args.quarter)

    if args.variant:
        run_variant(args.variant, args.db, quarter, args.out)
        return 0

    with tempfile.TemporaryDirectory(prefix="bench_indicators_") as tmp:
        db = args.db or Path(tmp) / "bench.duckdb"
        if not args.skip_prepare:
            db.unlink(missing_ok=True)
            info = prepare(db, quarter, args.scale)
            print(
                f"data: scale {args.scale:g}, quarter {quarter}: "
                f"generate {info['generate_seconds']} s, load {info['load_seconds']} s, "
                f"DuckDB file {info['db_mb']} MB"
            )
            for name, n in info["rows"].items():
                print(f"  {name}: {n:,} rows")
        results = []
        frames = {}
        for name in VARIANTS:
            out = Path(tmp) / f"{name}.parquet"
            proc = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--variant",
                    name,
                    "--db",
                    str(db),
                    "--quarter",
                    str(quarter),
                    "--out",
                    str(out),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            frames[name] = pd.read_parquet(out)
        print()
        print("| variant | seconds | peak RSS (MB) | baseline RSS after imports (MB) | values |")
        print("|---|---:|---:|---:|---:|")
        labels = {
            "ours": "a. ours (calendar + 25 SQL files + store + score + rank)",
            "duckdb": "b. one bare DuckDB query (25 leaves)",
            "pandas": "c. pandas (read tables + 25 leaves)",
        }
        for r in results:
            print(
                f"| {labels[r['variant']]} | {r['seconds']:.2f} | {r['peak_rss_mb']:.0f} | "
                f"{r['baseline_rss_mb']:.0f} | {r['values']} |"
            )
        print()
        print(compare(frames["ours"], frames["duckdb"], "duckdb"))
        print(compare(frames["ours"], frames["pandas"], "pandas"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
