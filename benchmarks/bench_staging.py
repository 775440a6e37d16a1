"""Benchmark: peak memory of the staging write against the number of rows staged.

    .venv/bin/python benchmarks/bench_staging.py [--rows 1000000,3000000]
        [--commit-rows N] [--batch-rows 100000] [--write-threads N]
        [--setting NAME=VALUE ...] [--promote] [--background] [--dir DIR]
        [--file LANDING_FILE [--source approval_cases] [--quarter 2025Q2]]

Each row count runs in its own process: synthetic typed batches of ``approval_cases`` (the
columns and dtypes validation hands to the writer, a distinct ``case_id`` per row) go
through ``store.staging_writer`` into a file warehouse (``memory_limit`` 1GB, as the
pipeline's resource sets it). It prints the time spent writing and the process's peak
resident memory (``VmHWM``); the CPU time of the writes (all of the process's threads,
``time.process_time``) is steadier than the wall time on a shared machine. Bounded memory
means the peak does not grow with the rows. ``--write-threads N`` overrides the writer's
DuckDB threads (``store.WRITE_THREADS``; 2, the machine's cores, was the writer before);
``--setting`` adds a DuckDB setting to the connection (e.g. ``checkpoint_threshold=10GB``);
``--promote`` then promotes the staged version (``store.promote``: the warehouse partition
replaced from staging in one transaction) and prints its time. ``--file`` stages a real
landing file instead of synthetic batches: ``validate_stream`` reads, types and checks it
and hands its batches to the writer (only the writes are timed).
``--commit-rows`` larger than the rows staged reproduces one transaction per file (the
writer before the bounded commits). ``--background`` runs the inserts on the writer's worker
thread, as the pipeline's staging step does (the warehouse checks read through a cursor):
the time "writing" is then only the time the caller waited to hand a batch over, and
"total" (validation and staging together, wall and CPU) is the figure to compare.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak_memory import peak_rss_mb  # benchmarks/ is the script's own folder

ROOT = Path(__file__).resolve().parent.parent


def _batch(index: int, rows: int) -> object:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(index)
    accepted = pd.Timestamp("2025-04-01") + pd.to_timedelta(
        rng.integers(0, 80 * 86400, rows), unit="s"
    )

    def ints(low: int, high: int) -> object:
        return pd.array(rng.integers(low, high, rows), dtype="Int64")

    def texts(values: list[str]) -> object:
        return pd.array(rng.choice(values, rows), dtype="str")

    first = index * rows + 2
    return pd.DataFrame(
        {
            "source_row": np.arange(first, first + rows, dtype="int64"),
            "case_id": pd.array([f"AC{index:06d}{k:08d}" for k in range(rows)], dtype="str"),
            "region_code": texts(["880101", "880102", "880103", "880201"]),
            "category": texts(["企业开办", "工程建设项目审批", "不动产登记", "其他政务服务"]),
            "item_name": texts([f"事项{k}" for k in range(200)]),
            "dept": texts([f"示例市某局{k}" for k in range(30)]),
            "accepted_at": accepted,
            "completed_at": accepted + pd.to_timedelta(rng.integers(0, 20 * 86400, rows), unit="s"),
            "statutory_limit_days": ints(1, 30),
            "promised_limit_days": ints(1, 20),
            "suspended_days": ints(0, 5),
            "material_count": ints(1, 10),
            "visit_count": ints(0, 3),
            "step_count": ints(1, 6),
            "is_online": pd.array(rng.integers(0, 2, rows).astype(bool), dtype="boolean"),
        }
    )


def child(rows: int, args: argparse.Namespace, folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from datetime import datetime

    import duckdb

    from pipelines.intake.archive import ArchivedFile
    from pipelines.project import current_project
    from pipelines.warehouse import store

    current_project()
    if args.write_threads:
        store.WRITE_THREADS = args.write_threads
    settings = dict(item.split("=", 1) for item in args.setting)
    con = duckdb.connect(
        str(folder / f"staging_{rows}.duckdb"), config={"memory_limit": "1GB", **settings}
    )
    store.ensure_schema(con, [args.source])
    hash_ = "a" * 64
    timing = [0.0, 0.0]  # wall, CPU of the writes

    class Timed:
        def __init__(self, writer: store.StagingWriter) -> None:
            self.writer = writer

        def write(self, frame: object) -> None:
            started, started_cpu = time.perf_counter(), time.process_time()
            self.writer.write(frame)  # type: ignore[arg-type]
            timing[0] += time.perf_counter() - started
            timing[1] += time.process_time() - started_cpu

        def reset(self) -> None:
            self.writer.reset()

    total, total_cpu = time.perf_counter(), time.process_time()
    with (
        con.cursor() as reader,
        store.staging_writer(
            con, args.source, args.quarter, hash_, background=args.background
        ) as writer,
    ):
        writer.commit_rows = args.commit_rows
        sink = Timed(writer)
        if args.file:
            from pipelines.quarters import Quarter
            from pipelines.validation.stream import validate_stream

            validate_stream(
                args.source,
                Path(args.file),
                quarter=Quarter.parse(args.quarter),
                sink=sink,
                warehouse=reader,
            )
        else:
            for index in range(rows // args.batch_rows):
                sink.write(_batch(index, args.batch_rows))
    total, total_cpu = time.perf_counter() - total, time.process_time() - total_cpu
    writing, cpu = timing
    (staged,) = con.execute(f"select count(*) from staging.{args.source}").fetchone()
    promotion = ""
    if args.promote:
        store.register_submission(
            con,
            ArchivedFile(
                submission_hash=hash_,
                source=args.source,
                quarter=args.quarter,
                file_name="bench.csv",
                landing_path="/bench/landing.csv",
                archive_path="/bench/archive.csv",
                received_at=datetime(2025, 7, 1),
                size_bytes=0,
            ),
        )
        store.update_status(
            con,
            args.source,
            args.quarter,
            hash_,
            status="validated",
            error_count=0,
            failing_rows=0,
        )
        started, started_cpu = time.perf_counter(), time.process_time()
        loaded = store.promote(con, args.source, args.quarter, hash_)
        promotion = (
            f"  promoted {loaded:,} in {time.perf_counter() - started:5.1f} s "
            f"(CPU {time.process_time() - started_cpu:5.1f} s)"
        )
    con.close()
    peak = peak_rss_mb()
    label = Path(args.file).name if args.file else f"{rows:>10,} rows"
    print(
        f"{label}  staged {staged:,}  writing {writing:6.1f} s "
        f"(CPU {cpu:5.1f} s)  total {total:6.1f} s (CPU {total_cpu:5.1f} s){promotion}  "
        f"peak {peak:7.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", default="1000000,3000000")
    parser.add_argument("--batch-rows", type=int, default=100_000)
    parser.add_argument("--commit-rows", type=int, default=None)
    parser.add_argument("--write-threads", type=int, default=None)
    parser.add_argument("--setting", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--promote", action="store_true")
    parser.add_argument("--background", action="store_true")
    parser.add_argument("--file", default=None, help="a landing file to stage instead")
    parser.add_argument("--source", default="approval_cases")
    parser.add_argument("--quarter", default="2025Q2")
    parser.add_argument("--dir", default=None)
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from pipelines.warehouse.store import COMMIT_ROWS, WRITE_THREADS

    args.commit_rows = args.commit_rows or COMMIT_ROWS
    if args.child is not None:
        child(args.child, args, Path(args.dir))
        return 0
    threads = args.write_threads or WRITE_THREADS
    print(
        f"batches of {args.batch_rows:,} rows, committed every {args.commit_rows:,} rows, "
        f"{threads} DuckDB thread(s) while writing"
        + (" on the writer's worker thread" if args.background else "")
        + "".join(f", {item}" for item in args.setting)
    )
    if args.dir:
        Path(args.dir).mkdir(parents=True, exist_ok=True)
    passed = [
        "--batch-rows",
        str(args.batch_rows),
        "--commit-rows",
        str(args.commit_rows),
        *(["--write-threads", str(args.write_threads)] if args.write_threads else []),
        *(option for item in args.setting for option in ("--setting", item)),
        *(["--promote"] if args.promote else []),
        *(["--background"] if args.background else []),
        *(["--file", args.file] if args.file else []),
        "--source",
        args.source,
        "--quarter",
        args.quarter,
    ]
    with tempfile.TemporaryDirectory(dir=args.dir) as folder:
        for rows in [0] if args.file else (int(r) for r in args.rows.split(",")):
            subprocess.run(
                [sys.executable, __file__, "--child", str(rows), *passed, "--dir", folder],
                check=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
