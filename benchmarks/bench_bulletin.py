"""Benchmark: the quarter's HTML bulletin built from a finished warehouse, in CPU and wall seconds.

    .venv/bin/python benchmarks/bench_bulletin.py --warehouse W.duckdb [--tree DIR]
        [--quarter 2025Q2] [--out FILE.html]

``--warehouse`` is the ``bizenv.duckdb`` of a finished run (e.g. at scale 100); ``--tree`` the
checkout whose ``pipelines`` is measured (default: this one; ``git archive <commit> | tar -x -C
DIR`` to compare commits with the same interpreter). Prints:

- ``build_content``: the bulletin's data (queries, firm sections), first call of the process
  (a cold DuckDB connection, as ``bizenv report`` has), then the best of three further calls;
- ``render_bulletin``, first call of the process (Jinja compiles its templates), then the best
  of three further calls (charts and page only, with a cached environment).

``--out`` writes the rendered page, stamped with a fixed ``generated_at`` (2025-07-15 09:00
Asia/Shanghai), so that the pages of two trees can be compared byte for byte.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent


def timed(work: Callable[[], object]) -> tuple[float, float, object]:
    started, clock = time.process_time(), time.perf_counter()
    result = work()
    return time.process_time() - started, time.perf_counter() - clock, result


def best_of(runs: int, work: Callable[[], object]) -> tuple[str, object]:
    """``cpu s (wall s)``, the best of ``runs``, and the last result."""
    cpu, wall, result = [], [], None
    for _ in range(runs):
        c, w, result = timed(work)
        cpu.append(c)
        wall.append(w)
    return f"{min(cpu):6.3f} s CPU ({min(wall):6.3f} s wall)", result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", default=str(ROOT))
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--quarter", default="2025Q2")
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    sys.path.insert(0, args.tree)
    import duckdb

    from pipelines.quarters import Quarter
    from pipelines.reports.content import build_content
    from pipelines.reports.render import render_bulletin

    print(f"tree {args.tree}")
    quarter = Quarter.parse(args.quarter)
    stamp = datetime(2025, 7, 15, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    with duckdb.connect(args.warehouse, read_only=True) as con:
        cpu, wall, content = timed(lambda: build_content(con, quarter))
        print(f"build_content, first call:     {cpu:6.3f} s CPU ({wall:6.3f} s wall)")
        built, _ = best_of(3, lambda: build_content(con, quarter))
    print(f"build_content, later calls:    {built}")
    cpu, wall, page = timed(lambda: render_bulletin(content, stamp))  # type: ignore[arg-type]
    print(f"render_bulletin, first call:   {cpu:6.3f} s CPU ({wall:6.3f} s wall)")
    again, _ = best_of(3, lambda: render_bulletin(content, stamp))  # type: ignore[arg-type]
    print(f"render_bulletin, later calls:  {again}")
    if args.out:
        Path(args.out).write_text(str(page), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
