"""Benchmark: an Excel submission of many rows, read and checked.

    .venv/bin/python benchmarks/bench_xlsx.py [--rows 200000] [--dir DIR]

Writes the approval cases of 2025Q2 (示例数据, seed 20240101, generated at the scale that gives
at least ``--rows`` rows, cut to ``--rows``) as one xlsx with the project's writer, then runs,
each in its own process, and prints wall time and peak RSS (``VmHWM``):

- ``read``: our reader alone (``reader.iter_grids``: python-calamine, the sheet read whole);
- ``openpyxl``: openpyxl's read-only mode iterating every row's values (the reader this
  project used before, for comparison);
- ``check``: ``bizenv check approval_cases FILE --quarter 2025Q2``, what a department runs
  before it submits (reading, typing, the suite, the contract checks, the verdict).
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
PYTHON = sys.executable
BIZENV = str(Path(PYTHON).with_name("bizenv"))


def write_file(rows: int, path: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from pipelines.demo.generator import generate_source_frame
    from pipelines.demo.writer import write_submission
    from pipelines.quarters import Quarter

    quarter = Quarter(2025, 2)
    # Scale 1 gives about 28,000 approval cases a quarter.
    frame = generate_source_frame("approval_cases", quarter, scale=rows / 27_000 + 1)
    return write_submission(frame.head(rows), "approval_cases", path, fmt="xlsx")


def child(variant: str, path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    started = time.monotonic()
    if variant == "read":
        from pipelines.validation.reader import iter_grids

        rows = sum(len(g.row_numbers) for g in iter_grids(path))  # type: ignore[union-attr]
    else:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
        rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))
    print(f"{variant}\t{time.monotonic() - started:.2f}\t{peak_rss_mb():.0f}\t{rows}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.file)
        return 0
    folder = args.dir or Path(tempfile.mkdtemp(prefix="bench-xlsx-"))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "政务服务办件_2025Q2.xlsx"
    started = time.monotonic()
    write_file(args.rows, path)
    print(
        f"wrote {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB in "
        f"{time.monotonic() - started:.1f} s: {path}"
    )
    print("variant     wall s  peak RSS MB")
    for variant in ("read", "openpyxl"):
        argv = [PYTHON, __file__, "--child", variant, "--file", str(path)]
        started = time.monotonic()
        out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
        name, seconds, hwm, rows = out.strip().splitlines()[-1].split("\t")
        wall = time.monotonic() - started
        print(f"{name:10s} {wall:7.1f} {float(hwm):12.0f}   (work {seconds} s, {rows} rows)")
    argv = [
        "/usr/bin/time",
        "-f",
        "%e %M",
        BIZENV,
        "check",
        "approval_cases",
        str(path),
        "--quarter",
        "2025Q2",
    ]
    proc = subprocess.run(argv, capture_output=True, text=True)
    wall, kb = proc.stderr.strip().splitlines()[-1].split()
    verdict = [line for line in proc.stdout.splitlines() if line.strip()][-1:]
    print(
        f"{'check':10s} {float(wall):7.1f} {int(kb) / 1024:12.0f}   exit {proc.returncode}: "
        f"{verdict[0] if verdict else ''}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
