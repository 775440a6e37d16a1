"""``bizenv run`` and ``bizenv backfill``: run the pipeline for one quarter or for a range of
quarters, in order, on the work directory's DuckDB file and Dagster storage."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pipelines.cli import UsageError
from pipelines.contracts import SOURCES, UnknownSourceError, contract
from pipelines.env import Workdir, configure_environment
from pipelines.quarters import Quarter, QuarterError


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workdir", type=Path, default=None, metavar="目录", help="工作目录（默认与 demo 相同）"
    )
    parser.add_argument(
        "--executor",
        choices=["in_process", "multiprocess"],
        default="in_process",
        help="Dagster 执行器（默认 in_process）",
    )


def parse_quarter(text: str) -> Quarter:
    """A quarter that has a partition: from the first partition to the last complete quarter."""
    from pipelines.partitions import quarterly_partitions

    try:
        quarter = Quarter.parse(text)
    except QuarterError as exc:
        raise UsageError(str(exc)) from exc
    keys = quarterly_partitions.get_partition_keys()
    if quarter.partition_key not in keys:
        first, last = Quarter.parse(keys[0]), Quarter.parse(keys[-1])
        raise UsageError(f"季度 {quarter} 不在可运行范围内（{first} 至 {last}）")
    return quarter


def begin(workdir: Workdir) -> None:
    """Refuse an unusable work directory and sweep what a crashed run left behind."""
    from pipelines.instance import start_session

    for line in start_session(workdir):
        print(line)


def run_and_report(workdir: Workdir, quarter: Quarter, executor: str, source: str | None) -> bool:
    from pipelines.orchestration import outcome_lines, refresh_job, run_quarter, status_lines

    started = time.monotonic()
    if source is None:
        outcome = run_quarter(quarter, executor)
    else:
        outcome = run_quarter(quarter, executor, job_name=refresh_job(source))
    print(f"  {quarter} {'完成' if outcome else '失败'}（{time.monotonic() - started:.1f} 秒）")
    for line in outcome_lines(outcome):
        print(line)
    print("\n".join(status_lines(workdir, quarter, SOURCES if source is None else (source,))))
    return outcome.success


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quarter", required=True, metavar="季度", help="季度，如 2025Q2")
    parser.add_argument(
        "--source",
        default=None,
        metavar="数据源",
        help=f"只运行一个数据源及其下游（{'、'.join(SOURCES)}）；默认全部",
    )
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    quarter = parse_quarter(args.quarter)
    if args.source is not None:
        try:
            contract(args.source)
        except UnknownSourceError as exc:
            raise UsageError(str(exc)) from exc
    workdir = configure_environment(args.workdir)
    print(f"运行 {quarter}（{quarter.label_zh}）· 工作目录 {workdir.root}")
    begin(workdir)
    return 0 if run_and_report(workdir, quarter, args.executor, args.source) else 1
