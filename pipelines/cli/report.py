"""``bizenv report``: rebuild one quarter's 季通报 (HTML), 数据表 (Excel) and the index, or
one year's 年度报告 and 年度数据表.

    bizenv report --quarter 2025Q2 [--workdir DIR]
    bizenv report --year 2024 [--workdir DIR]

Reads the warehouse of the work directory (read-only); writes ``<workdir>/reports/<quarter>/``
and ``<workdir>/reports/index.html``. Exit 2: a badly formatted quarter, no warehouse, or a
quarter without scores; exit 1: an invalid bulletin or framework configuration.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.cli import UsageError

if TYPE_CHECKING:
    from pipelines.scoring import Framework

EPILOG = """\
输出：<工作目录>/reports/<季度>/<城市>营商环境评价_<季度>_季通报.html（单个文件，离线可打开、可打印）、
…_数据表.xlsx，以及 <工作目录>/reports/index.html（各季度通报目录）。
季度须已完成评分（scoring/rankings），否则退出码为 2。
--year 年份：<工作目录>/reports/<年>年度/<城市>营商环境评价_<年>年度报告.html 与 …年度数据表.xlsx；
该年四个季度都须已评分，否则年度评价不完整，不生成报告，退出码为 2。
退出码：0 成功；1 通报配置或指标体系有误；2 用法错误（季度格式不对、仓库不存在或该季度尚无评分）。
"""


def register(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--quarter", metavar="季度", help="要生成通报的季度，如 2025Q2")
    which.add_argument("--year", metavar="年份", help="要生成年度报告的年份，如 2024")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        metavar="目录",
        help="工作目录（默认 $BIZENV_HOME，未设置时为 <项目>/.bizenv）",
    )
    parser.add_argument(
        "--no-workbook", action="store_true", help="只生成通报 HTML，不生成 Excel 数据表"
    )


def run(args: argparse.Namespace) -> int:
    import duckdb

    from pipelines.env import Workdir, default_workdir
    from pipelines.quarters import Quarter, QuarterError
    from pipelines.reports import BulletinConfigError, NoScoresError, build_bulletin
    from pipelines.reports.data import scored_quarters

    if args.year is not None:
        return _run_year(args)
    try:
        quarter = Quarter.parse(args.quarter)
    except QuarterError as exc:
        raise UsageError(str(exc)) from exc
    workdir = Workdir((args.workdir or default_workdir()).resolve())
    if not workdir.warehouse.is_file():
        raise UsageError(
            f"工作目录 {workdir.root} 中没有数据仓库（{workdir.warehouse}），"
            "请先运行 bizenv demo 或该季度的管道"
        )
    framework = _project_framework()
    if framework is None:
        return 1
    started = time.perf_counter()
    try:
        with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
            try:
                paths = build_bulletin(
                    con,
                    quarter,
                    workdir.reports,
                    framework=framework,
                    workbook=not args.no_workbook,
                )
            except NoScoresError as exc:
                available = "、".join(str(q) for q in scored_quarters(con)) or "无"
                raise UsageError(f"{exc}（已有评分的季度：{available}）") from exc
    except duckdb.IOException as exc:
        raise UsageError(f"无法打开数据仓库 {workdir.warehouse}：{exc}") from exc
    except BulletinConfigError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    print(f"{quarter.label_zh}季通报已生成（{elapsed:.1f} 秒）：")
    print(f"  通报：{paths.html}（{paths.html.stat().st_size / 1e6:.1f} MB）")
    if paths.workbook is not None:
        print(f"  数据表：{paths.workbook}")
    print(f"  目录：{paths.index}")
    return 0


def _project_framework() -> Framework | None:
    """The project's framework.yaml, the one the pipeline scored by (None after printing the
    Chinese error)."""
    from pipelines.indicators import framework_path
    from pipelines.scoring import FrameworkError, load_framework

    try:
        return load_framework(framework_path())
    except FrameworkError as exc:
        print(f"错误：无法读取指标体系：{exc}", file=sys.stderr)
        return None


def _run_year(args: argparse.Namespace) -> int:
    import duckdb

    from pipelines.env import Workdir, default_workdir
    from pipelines.reports import BulletinConfigError
    from pipelines.reports.annual import IncompleteYearError, build_annual_content
    from pipelines.reports.annual_render import write_annual
    from pipelines.reports.build import now_shanghai

    text = str(args.year).strip()
    if not (text.isdigit() and len(text) == 4):
        raise UsageError(f"无法识别的年份“{args.year}”，应为如 2024 的四位数字")
    year = int(text)
    workdir = Workdir((args.workdir or default_workdir()).resolve())
    if not workdir.warehouse.is_file():
        raise UsageError(
            f"工作目录 {workdir.root} 中没有数据仓库（{workdir.warehouse}），"
            "请先运行 bizenv demo 或各季度的管道"
        )
    framework = _project_framework()
    if framework is None:
        return 1
    started = time.perf_counter()
    try:
        with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
            content = build_annual_content(con, year, framework=framework)
        paths = write_annual(
            content, workdir.reports, now_shanghai(), workbook=not args.no_workbook
        )
    except IncompleteYearError as exc:
        raise UsageError(str(exc)) from exc
    except duckdb.IOException as exc:
        raise UsageError(f"无法打开数据仓库 {workdir.warehouse}：{exc}") from exc
    except BulletinConfigError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    print(f"{content.title}已生成（{elapsed:.1f} 秒）：")
    print(f"  报告：{paths.html}（{paths.html.stat().st_size / 1e6:.1f} MB）")
    if paths.workbook is not None:
        print(f"  数据表：{paths.workbook}")
    return 0
