"""``bizenv backfill``: run every quarter of a range, oldest first (rankings compare each
quarter with the one before). Re-running a quarter replaces its partitions: idempotent."""

from __future__ import annotations

import argparse

from pipelines.automation import landed_quarters
from pipelines.cli import UsageError
from pipelines.cli.run import add_common, begin, parse_quarter, run_and_report
from pipelines.env import configure_environment
from pipelines.quarters import quarter_range


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="first",
        default=None,
        metavar="季度",
        help="起始季度（默认落地目录中最早的季度）",
    )
    parser.add_argument(
        "--to",
        dest="last",
        default=None,
        metavar="季度",
        help="结束季度（默认落地目录中最晚的季度）",
    )
    add_common(parser)


def run(args: argparse.Namespace) -> int:
    from pipelines.cli import check_project_first

    check_project_first()
    workdir = configure_environment(args.workdir)
    landed = landed_quarters(workdir.landing)
    if (args.first is None or args.last is None) and not landed:
        raise UsageError(f"落地目录 {workdir.landing} 中没有季度文件夹，请用 --from/--to 指定季度")
    first = parse_quarter(args.first) if args.first else landed[0]
    last = parse_quarter(args.last) if args.last else landed[-1]
    if last < first:
        raise UsageError(f"结束季度 {last} 早于起始季度 {first}")
    quarters = quarter_range(first, last)
    print(f"回填 {first} 至 {last}，共 {len(quarters)} 个季度 · 工作目录 {workdir.root}")
    begin(workdir)
    failed = [q for q in quarters if not run_and_report(workdir, q, args.executor, None)]
    if failed:
        print(f"有 {len(failed)} 个季度运行失败：{'、'.join(map(str, failed))}")
        return 1
    print("全部完成")
    return 0
