"""Benchmark: the fixed costs a run pays outside validation, each measured in CPU seconds.

    .venv/bin/python benchmarks/bench_overheads.py [--tree DIR] [--file CSV] [--dir DIR]

``--tree`` is the checkout whose ``pipelines`` is measured (default: this one), so that two
commits can be compared with the same interpreter (``git archive <commit> | tar -x -C DIR``).
Prints, for the demo project:

- ``ensure_schema``: one call on a warehouse that already has every table (the intake steps
  and the indicator and rectification stores call it about 19 times a run);
- ``load_framework``: nine loads of ``framework.yaml`` (as many as one run makes);
- workbook sheet: ``_sheet`` with 40,000 rows of 5 columns (text, integer, score, date-time,
  a formula-like text), then ``Book.close`` (the xlsx written);
- ``write_workbook`` of ``--quarter`` (default 2025Q2) from ``--warehouse`` (the
  ``bizenv.duckdb`` of a finished run, e.g. at scale 100), when given: the whole quarter
  workbook, content built once beforehand; with ``--tree`` it compares commits;
- archive copy: ``_copy_and_hash`` of ``--file`` (e.g. the scale-100 approval file), when
  given; then ``archive_file`` of it into a fresh archive (the whole of what intake does to a
  file before registering it: the copy and hash, the metadata record, and in trees before
  the intake2 branch the second parse that counted rows).

CPU time (``time.process_time``) is reported because the machine is shared; each figure is
the best of three.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def best_of(runs: int, work: Callable[[], object]) -> str:
    """``cpu s (wall s)``, the best of ``runs``."""
    cpu, wall = [], []
    for _ in range(runs):
        started, clock = time.process_time(), time.perf_counter()
        work()
        cpu.append(time.process_time() - started)
        wall.append(time.perf_counter() - clock)
    return f"{min(cpu):6.3f} s CPU ({min(wall):6.3f} s wall)"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", default=str(ROOT))
    parser.add_argument("--file", default=None)
    parser.add_argument("--dir", default=None)
    parser.add_argument("--warehouse", default=None)
    parser.add_argument("--quarter", default="2025Q2")
    args = parser.parse_args()
    sys.path.insert(0, args.tree)
    import duckdb

    from pipelines.intake import archive
    from pipelines.project import current_project
    from pipelines.quarters import Quarter
    from pipelines.reports import workbook
    from pipelines.scoring import load_framework
    from pipelines.warehouse import store

    project = current_project()
    print(f"tree {args.tree}")
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        con = duckdb.connect(str(Path(folder) / "w.duckdb"))
        store.ensure_schema(con)
        again = best_of(3, lambda: store.ensure_schema(con))
        print(f"ensure_schema, existing warehouse: {again}")
        con.close()

        def frameworks() -> None:
            for _ in range(9):
                load_framework(project.framework_path)

        # Once: a second round would find the first one's cached framework.
        print(f"load_framework x 9:                {best_of(1, frameworks)}")

        rows = [
            [f"单位{i}", i, i * 0.5, datetime(2025, 4, 1, 9, 30), f"=x{i}"] for i in range(40_000)
        ]
        columns = [
            workbook.Column("单位"),
            workbook.Column("件数", 8, workbook.INTEGER),
            workbook.Column("得分", 8, workbook.SCORE),
            workbook.Column("时间", 12, workbook.DATETIME),
            workbook.Column("说明"),
        ]

        # Each round writes a new workbook: the sheet's cells, then the file (``close``).
        rounds = []
        for _ in range(3 if hasattr(workbook, "Book") else 0):  # a --tree before XlsxWriter
            book = workbook.Book()
            started = time.process_time()
            workbook._sheet(book, "数据", columns, rows)
            written = time.process_time()
            book.close()
            rounds.append((written - started, time.process_time() - written))
        if rounds:
            cells, close = min(rounds, key=sum)
            print(f"workbook sheet 40,000 x 5:         {cells:6.3f} s CPU")
            print(f"  its close (the xlsx written):    {close:6.3f} s CPU")
            print(f"  both (the best round):           {cells + close:6.3f} s CPU")

        if args.warehouse:
            from pipelines.quarters import Quarter
            from pipelines.reports.content import build_content

            with duckdb.connect(args.warehouse, read_only=True) as con:
                content = build_content(con, Quarter.parse(args.quarter))
            target = Path(folder) / "数据表.xlsx"
            stamp = datetime(2025, 7, 15, 9, 0)
            written = best_of(3, lambda: workbook.write_workbook(content, target, stamp))
            print(f"write_workbook {args.quarter}:            {written}")

        if args.file:
            source = Path(args.file)

            def copy() -> None:
                with tempfile.TemporaryDirectory(dir=folder) as objects:
                    archive._copy_and_hash(source, Path(objects))

            size = source.stat().st_size / 1e6
            print(f"archive copy+hash {size:,.0f} MB:       {best_of(3, copy)}")

            def archived() -> None:
                with tempfile.TemporaryDirectory(dir=folder) as root:
                    archive.archive_file(source, Path(root), source.parent.name, Quarter(2025, 2))

            print(f"archive_file {size:,.0f} MB:            {best_of(3, archived)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
