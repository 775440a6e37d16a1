"""``bizenv template SOURCE``: write the Excel submission template of a source."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipelines.cli import UsageError
from pipelines.contracts import UnknownSourceError, contract


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", metavar="数据源", help="数据源编码（项目 sources.yaml 中启用的数据源）"
    )
    parser.add_argument(
        "--out",
        metavar="路径",
        type=Path,
        default=None,
        help="输出文件（.xlsx）或文件夹；默认为当前目录下的“<数据源名称>_模板.xlsx”",
    )


def run(args: argparse.Namespace) -> int:
    from pipelines.validation.template import default_template_name, write_template

    try:
        contract(args.source)
    except UnknownSourceError as exc:
        raise UsageError(str(exc)) from None
    out: Path | None = args.out
    if out is None:
        out = Path.cwd() / default_template_name(args.source)
    elif out.is_dir():
        out = out / default_template_name(args.source)
    elif out.suffix.lower() != ".xlsx":
        raise UsageError(f"输出文件应以 .xlsx 结尾：{out}")
    try:
        path = write_template(args.source, out)
    except OSError as exc:
        raise UsageError(f"无法写入 {out}：{exc.strerror or exc}") from None
    print(path)
    return 0
