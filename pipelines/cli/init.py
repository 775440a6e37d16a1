"""``bizenv init DIR --city 江海市 --code 880600``: scaffold a city project folder.

The folder holds the city's registries, settings, framework, bulletin rules and sources, each
file with a comment saying what it is for and which fields are required; the city keeps it in
its own version control. Placeholder units are to be replaced with the city's own.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path
from string import Template

from pipelines.cli import UsageError
from pipelines.env import PACKAGE_ROOT
from pipelines.project import PROJECT_FILES
from pipelines.quarters import Quarter, QuarterError, current_quarter

TEMPLATE_DIR = PACKAGE_ROOT / "pipelines" / "project_template"
PLACEHOLDER_UNITS = 3
_CODE = re.compile(r"^\d{6}$")


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("dir", metavar="目录", type=Path, help="新项目目录（不存在或为空）")
    parser.add_argument("--city", required=True, metavar="城市", help="城市名称，如 江海市")
    parser.add_argument(
        "--code", required=True, metavar="区划代码", help="城市的 6 位行政区划代码，如 880600"
    )
    parser.add_argument(
        "--first-quarter",
        default=None,
        metavar="季度",
        help="可运行的第一个季度（默认今年第一季度）",
    )


def placeholder_units(code: str) -> str:
    """Three units to replace, with codes below the city's (…01 is the city proper)."""
    lines = []
    for i in range(1, PLACEHOLDER_UNITS + 1):
        unit_code = f"{code[:4]}{i + 1:02d}"
        name = f"待填写单位{'一二三'[i - 1]}"
        lines.append(f'  - {{code: "{unit_code}", name: {name}, type: 区}}')
    return "\n".join(lines) + "\n"


def render(city: str, code: str, first: Quarter) -> dict[str, str]:
    """File name → text of the scaffolded project."""
    values = {
        "city": city,
        "code": code,
        "prefix": city[:-1] if city.endswith("市") and len(city) > 1 else city,
        "first_quarter": str(first),
        "units": placeholder_units(code),
    }
    return {
        name: Template((TEMPLATE_DIR / name).read_text(encoding="utf-8")).safe_substitute(values)
        for name in PROJECT_FILES
    }


def run(args: argparse.Namespace) -> int:
    city = str(args.city).strip()
    code = str(args.code).strip()
    if not city:
        raise UsageError("--city 不能为空")
    if not _CODE.match(code):
        raise UsageError(f"--code 应为 6 位数字的行政区划代码，实际为“{code}”")
    try:
        first = Quarter.parse(args.first_quarter) if args.first_quarter else None
    except QuarterError as exc:
        raise UsageError(str(exc)) from exc
    first = first or Quarter(current_quarter().year, 1)
    root: Path = args.dir.expanduser().resolve()
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise UsageError(f"目录 {root} 已存在且不为空；请指定新目录")
    files = render(city, code, first)
    # Written into a temporary sibling and renamed: a failure leaves no half-made project.
    root.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{root.name}.", dir=root.parent))
    try:
        for name, text in files.items():
            (staging / name).write_text(text, encoding="utf-8")
        (staging / "indicators").mkdir()
        (staging / "sources").mkdir()
        (staging / ".gitignore").write_text("# bizenv's work directory\n.bizenv/\n")
        if root.exists():
            root.rmdir()
        os.replace(staging, root)
    except BaseException:
        for path in sorted(staging.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        staging.rmdir()
        raise
    print(f"已新建 {city} 项目：{root}")
    for name in PROJECT_FILES:
        print(f"  {name}")
    print("下一步：替换 regions.yaml 与 departments.yaml 中的单位和部门，然后运行")
    print(f"  bizenv config check --project {root}")
    return 0
