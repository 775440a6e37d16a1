"""``bizenv config check [--project DIR]``: validate every file of a city project.

Prints each issue as ``文件 第 N 行 节点：说明`` and a summary. Exit 0: the project is valid
(配置检查通过); 1: issues found; 2: usage error (the folder is not a bizenv project).
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from pipelines.cli import UsageError

EPILOG = """\
检查内容：YAML 语法与未知字段；区划代码（6 位数字、不重复）与部门名录（编码、名称、别名不重复）；
指标体系的牵头单位、配合单位和 sources.yaml 的报送部门均须在部门名录中；启用的数据源声明
（contract.yaml、checks.yaml、suite.json）；每个指标的 SQL 文件存在、只读取已启用的数据源，
并能在由数据源声明生成的仓库表结构上执行。
退出码：0 检查通过；1 发现问题；2 用法错误（如目录不是 bizenv 项目）。
"""


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="操作", required=True)
    check = sub.add_parser(
        "check",
        help="按 bizenv 自带的 JSON Schema 和交叉规则检查项目的全部配置文件",
        description="检查项目的全部配置文件（区划、部门、设置、指标体系、通报、数据源）",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Also accepted after `check` (the generic option sits on `config`); SUPPRESS keeps a
    # value given before `check`.
    check.add_argument(
        "--project",
        type=Path,
        default=argparse.SUPPRESS,
        metavar="项目目录",
        help="城市项目目录（默认 $BIZENV_PROJECT，未设置时为内置示例项目）",
    )


def run(args: argparse.Namespace) -> int:
    from pipelines.config_check import check_project
    from pipelines.project import PROJECT_FILES, project_dir_from_env

    root = project_dir_from_env()
    if not root.is_dir():
        raise UsageError(f"项目目录不存在：{root}")
    missing = [name for name in PROJECT_FILES if not (root / name).is_file()]
    if missing:
        raise UsageError(
            f"{root} 不是 bizenv 项目目录（缺少 {'、'.join(missing)}）；可用 bizenv init 新建项目"
        )
    print(f"检查项目：{root}")
    issues = check_project(root)
    if not issues:
        print("配置检查通过")
        return 0
    for issue in issues:
        print(issue)
    by_file = Counter(issue.file for issue in issues)
    files = "、".join(f"{name} {n} 处" for name, n in by_file.items())
    print(f"共 {len(issues)} 处错误（{files}），请修改后重新运行 bizenv config check")
    return 1
