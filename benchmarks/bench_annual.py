"""Benchmark: the annual score recomputed from the year's cases (``annual.score:
recomputed_from_cases``) against the four quarterly indicator runs it replaces.

    .venv/bin/python benchmarks/bench_annual.py [--scale 1.0] [--year 2024] [--db PATH]

Generates the demo data (示例数据) of the year's four quarters at ``--scale`` of the demo's
volumes into a DuckDB warehouse (skipped when ``--db`` already holds them), then times in this
process: (a) the leaves' SQL of each quarter (calendar + ``compute_indicator_values``, four
runs), (b) ``recompute_year`` (the calendar of the year's case dates, every leaf once over the
four quarters' rows, the scoring engine). Prints rows per source, wall times and the peak
resident memory (VmHWM).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402

from pipelines.indicators import (  # noqa: E402
    compute_indicator_values,
    ensure_scores_schema,
    load_default_framework,
    prepare_calendar,
)
from pipelines.indicators.annual import recompute_year  # noqa: E402
from pipelines.indicators.demo import DEMO_SEED, load_demo_quarters  # noqa: E402
from pipelines.quarters import Quarter  # noqa: E402
from pipelines.scoring import units_from_registry  # noqa: E402


def _peak_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    quarters = [Quarter(args.year, q) for q in range(1, 5)]
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench_annual.duckdb"
        with duckdb.connect(str(db)) as con:
            ensure_scores_schema(con)
            ((loaded,),) = con.execute(
                "select count(*) from warehouse.approval_cases where quarter like ?",
                [f"{args.year}Q%"],
            ).fetchall()
            if not loaded:
                started = time.perf_counter()
                rows = load_demo_quarters(con, quarters, seed=DEMO_SEED, scale=args.scale)
                by_source: dict[str, int] = {}
                for (source, _), n in rows.items():
                    by_source[source] = by_source.get(source, 0) + n
                print(f"generated in {time.perf_counter() - started:.1f} s: {by_source}")
            framework = load_default_framework()
            units = units_from_registry()
            started = time.perf_counter()
            for quarter in quarters:
                prepare_calendar(con, quarter)
                compute_indicator_values(con, framework, quarter)
            quarterly = time.perf_counter() - started
            started = time.perf_counter()
            year = recompute_year(con, framework, args.year, units)
            annual = time.perf_counter() - started
    print(
        f"scale {args.scale:g}, {len(framework.leaves())} leaves, {len(units.units)} units: "
        f"four quarterly runs {quarterly:.2f} s; recompute_year {annual:.2f} s "
        f"({len(year.values)} values, {len(year.totals)} totals); peak RSS {_peak_mb():.0f} MB"
    )


if __name__ == "__main__":
    main()
