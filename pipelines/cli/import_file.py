"""``bizenv import SOURCE FILE --quarter Q [--received-at T]``: register a historical file.

The file is copied into ``landing/<quarter>/<source>/`` and archived at once with the time it
was really received (``--received-at``; default now), so a city importing its past quarters
is not marked 逾期 for every file. The next ``bizenv run --quarter Q`` validates and loads it.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from pipelines.cli import UsageError
from pipelines.contracts import UnknownSourceError, contract
from pipelines.tempfiles import atomic_target


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", metavar="数据源", help="数据源编码（项目 sources.yaml 中启用的）")
    parser.add_argument("file", metavar="文件", type=Path, help="报送文件（.xlsx 或 .csv）")
    parser.add_argument("--quarter", required=True, metavar="季度", help="报送季度，如 2025Q2")
    parser.add_argument(
        "--received-at",
        default=None,
        metavar="时间",
        help="真实接收时间，如 2025-07-03 或 “2025-07-03 18:00”（上海时间；默认现在）",
    )
    parser.add_argument("--workdir", type=Path, default=None, metavar="目录", help="工作目录")


def run(args: argparse.Namespace) -> int:
    from pipelines.cli.run import parse_quarter
    from pipelines.env import configure_environment
    from pipelines.intake.archive import (
        ReceivedAtError,
        archive_file,
        is_submission_file,
        parse_received_at,
    )

    try:
        spec = contract(args.source)
    except UnknownSourceError as exc:
        raise UsageError(str(exc)) from None
    quarter = parse_quarter(args.quarter)
    try:
        received_at = parse_received_at(args.received_at) if args.received_at else None
    except ReceivedAtError as exc:
        raise UsageError(str(exc)) from None
    source_file: Path = args.file
    if not source_file.is_file() or not is_submission_file(source_file):
        raise UsageError(f"不是可登记的报送文件：{source_file}")
    workdir = configure_environment(args.workdir)
    folder = workdir.landing / str(quarter) / args.source
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / source_file.name
    if dest.resolve() != source_file.resolve():
        with atomic_target(dest) as tmp:
            shutil.copyfile(source_file, tmp)
    archived = archive_file(dest, workdir.archive, args.source, quarter, received_at=received_at)
    when = archived.received_at.strftime("%Y-%m-%d %H:%M")
    note = "" if received_at is None or archived.received_at == received_at else "（此前已登记）"
    print(f"已登记 {quarter} {spec.title}：{dest.name}，接收时间 {when}{note}")
    print(f"  版本 {archived.submission_hash[:12]} · 运行 bizenv run --quarter {quarter} 校验入库")
    return 0
