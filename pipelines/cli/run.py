"""``bizenv run`` and ``bizenv backfill``: run the pipeline for one quarter or for a range of
quarters, in order, on the work directory's DuckDB file and Dagster storage."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from pipelines.cli import UsageError
from pipelines.contracts import UnknownSourceError, contract, enabled_sources
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
    keys = quarterly_partitions().get_partition_keys()
    if quarter.partition_key not in keys:
        first, last = Quarter.parse(keys[0]), Quarter.parse(keys[-1])
        raise UsageError(
            f"季度 {quarter} 不在可运行范围内（{first} 至 {last}；"
            "起始季度见项目的 bizenv.yaml first_quarter）"
        )
    return quarter


def received_at_tags(text: str | None) -> dict[str, str]:
    """``--received-at``: the received time of files the archive has not seen before."""
    from pipelines.intake.archive import RECEIVED_AT_TAG, ReceivedAtError, parse_received_at

    if not text:
        return {}
    try:
        return {RECEIVED_AT_TAG: parse_received_at(text).isoformat()}
    except ReceivedAtError as exc:
        raise UsageError(str(exc)) from None


def begin(workdir: Workdir) -> None:
    """Refuse an unusable work directory and sweep what a crashed run left behind."""
    from pipelines.instance import start_session

    for line in start_session(workdir):
        print(line)


def run_and_report(
    workdir: Workdir,
    quarter: Quarter,
    executor: str,
    source: str | None,
    tags: dict[str, str] | None = None,
) -> bool:
    from pipelines.defs.keys import refresh_job
    from pipelines.orchestration import outcome_lines, run_quarter, status_lines

    started = time.monotonic()
    if source is None:
        outcome = run_quarter(quarter, executor, tags=tags)
    else:
        outcome = run_quarter(quarter, executor, job_name=refresh_job(source), tags=tags)
    print(f"  {quarter} {'完成' if outcome else '失败'}（{time.monotonic() - started:.1f} 秒）")
    for line in outcome_lines(outcome):
        print(line)
    sources = enabled_sources() if source is None else (source,)
    print("\n".join(status_lines(workdir, quarter, sources)))
    return outcome.success


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quarter", required=True, metavar="季度", help="季度，如 2025Q2")
    parser.add_argument(
        "--source",
        default=None,
        metavar="数据源",
        help="只运行一个数据源及其下游（项目 sources.yaml 中的数据源编码）；默认全部",
    )
    parser.add_argument(
        "--received-at",
        default=None,
        metavar="时间",
        help="历史文件的真实接收时间（如 2025-07-03 18:00，上海时间），用于本次新登记的文件",
    )
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    from pipelines.cli import check_project_first

    check_project_first()
    quarter = parse_quarter(args.quarter)
    tags = received_at_tags(args.received_at)
    if args.source is not None:
        try:
            contract(args.source)
        except UnknownSourceError as exc:
            raise UsageError(str(exc)) from exc
    workdir = configure_environment(args.workdir)
    print(f"运行 {quarter}（{quarter.label_zh}）· 工作目录 {workdir.root}")
    begin(workdir)
    return 0 if run_and_report(workdir, quarter, args.executor, args.source, tags) else 1
