"""``bizenv`` command line. Each subcommand lives in its own module with
``register(subparsers)`` and ``run(args) -> int``; modules are imported only when used so that
``bizenv check`` does not pay for importing Dagster.

Exit codes: 0 success, 1 the input is invalid (or the run failed), 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pipelines.cli import zh

# name -> (module, one-line Chinese help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("pipelines.cli.demo", "生成示例市数据并运行全部资产（示例数据）"),
    "generate": ("pipelines.cli.generate", "生成示例市各部门报送文件（落地目录结构）"),
    "check": ("pipelines.cli.check", "报送前自查：按数据规范校验一个文件"),
    "template": ("pipelines.cli.template", "生成某数据源的 Excel 报送模板"),
    "score": ("pipelines.cli.score", "按指标体系对任意指标值表评分排名"),
    "report": ("pipelines.cli.report", "生成某季度的季通报（HTML）与数据表（Excel）"),
    "run": ("pipelines.cli.run", "运行一个季度的流水线（可只运行一个数据源及其下游）"),
    "backfill": ("pipelines.cli.backfill", "按季度顺序回填一段时间的全部资产"),
    "dev": ("pipelines.cli.dev", "打开 Dagster 界面（dagster dev）"),
}


class UsageError(Exception):
    """A user error in how a command was called (exit code 2)."""


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    zh.install()
    parser = argparse.ArgumentParser(
        prog="bizenv",
        description="bizenv：营商环境评价数据管道（报送校验 → 入库 → 指标 → 评分排名 → 季通报）",
    )
    sub = parser.add_subparsers(dest="command", metavar="命令", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        if only is not None and name != only:
            sub.add_parser(name, help=help_text)
            continue
        module = importlib.import_module(module_name)
        module.register(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Import only the chosen subcommand's module (cheap --help, fast `check`).
    chosen = next((a for a in args_list if a in COMMANDS), None)
    parser = build_parser(only=chosen)
    args = parser.parse_args(args_list)
    module = importlib.import_module(COMMANDS[args.command][0])
    from pipelines.cli.errors import run_command

    try:
        return run_command(module.run, args)
    except UsageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
