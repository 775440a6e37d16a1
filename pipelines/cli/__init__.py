"""``bizenv`` command line. Each subcommand lives in its own module with
``register(subparsers)`` and ``run(args) -> int``; modules are imported only when used so that
``bizenv check`` does not pay for importing Dagster.

Exit codes: 0 success, 1 the input is invalid (or the run failed), 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from pipelines.cli import zh

# name -> (module, one-line Chinese help)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("pipelines.cli.init", "为一个城市新建项目目录（区划、部门、设置、指标体系、数据源）"),
    "config": ("pipelines.cli.config", "检查项目配置（config check）"),
    "demo": ("pipelines.cli.demo", "生成示例数据并在内置示例项目上运行全部资产（示例数据）"),
    "generate": ("pipelines.cli.generate", "为项目的单位和部门生成模拟报送文件（示例数据）"),
    "import": ("pipelines.cli.import_file", "登记一个历史报送文件（可指定真实接收时间）"),
    "check": ("pipelines.cli.check", "报送前自查：按数据规范校验一个文件"),
    "template": ("pipelines.cli.template", "生成某数据源的 Excel 报送模板"),
    "score": ("pipelines.cli.score", "按指标体系对任意指标值表评分排名"),
    "robustness": ("pipelines.cli.robustness", "某季度各单位名次的稳健性（不确定性与敏感性分析）"),
    "report": ("pipelines.cli.report", "生成某季度的季通报（HTML）与数据表（Excel）"),
    "run": ("pipelines.cli.run", "运行一个季度的流水线（可只运行一个数据源及其下游）"),
    "ledger": (
        "pipelines.cli.ledger",
        "整改台账：导出各牵头单位的进展台账（export）或查看进展（status）",
    ),
    "backfill": ("pipelines.cli.backfill", "按季度顺序回填一段时间的全部资产"),
    "dev": ("pipelines.cli.dev", "打开 Dagster 界面（dagster dev）"),
    "portal": ("pipelines.cli.portal", "启动报送门户（部门在线报送与自查）；portal user 管理账号"),
}


class UsageError(Exception):
    """A user error in how a command was called (exit code 2)."""


# Commands that do not read a project (``init`` makes one).
NO_PROJECT = frozenset({"init"})


def add_project_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--project",
        type=Path,
        default=None,
        metavar="项目目录",
        help="城市项目目录（默认 $BIZENV_PROJECT，未设置时为内置示例项目）",
    )


def check_project_first() -> None:
    """``bizenv config check`` of the project in force, before anything runs (run, backfill,
    demo, dev): its Chinese report and exit 1 instead of a failure mid-run."""
    from pipelines.config_check import ensure_valid_project
    from pipelines.project import project_dir_from_env

    ensure_valid_project(project_dir_from_env())


def use_project(path: Path | None) -> None:
    """Make ``path`` the project in force for this process and the Dagster runs it starts."""
    from pipelines.project import PROJECT_ENV, PROJECT_FILES

    if path is None:
        return
    root = path.expanduser().resolve()
    if not root.is_dir():
        raise UsageError(f"项目目录不存在：{root}")
    missing = [name for name in PROJECT_FILES if not (root / name).is_file()]
    if missing:
        raise UsageError(
            f"{root} 不是 bizenv 项目目录（缺少 {'、'.join(missing)}）；可用 bizenv init 新建项目"
        )
    os.environ[PROJECT_ENV] = str(root)


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
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.register(command)
        if name not in NO_PROJECT:
            add_project_option(command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from pipelines.env import stay_offline

    stay_offline()
    args_list = list(sys.argv[1:] if argv is None else argv)
    # Import only the chosen subcommand's module (cheap --help, fast `check`).
    chosen = next((a for a in args_list if a in COMMANDS), None)
    parser = build_parser(only=chosen)
    args = parser.parse_args(args_list)
    module = importlib.import_module(COMMANDS[args.command][0])
    from pipelines.cli.errors import run_command
    from pipelines.project import ProjectError

    try:
        use_project(getattr(args, "project", None))
        return run_command(module.run, args)
    except UsageError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
    except ProjectError as exc:
        print(f"项目配置错误：{exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
