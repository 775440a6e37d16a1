"""``bizenv robustness``: how sure is each unit's rank in a quarter?

    bizenv robustness --quarter 2025Q2 [--n 1000] [--seed S] [--workdir DIR] [--out FILE.csv]

Re-scores the quarter's stored indicator values (read-only; the indicator SQL is not re-run)
under the uncertain inputs of ``robustness.yaml`` beside the framework (defaults: weights
±25 %, normalisation, aggregation, missing values), prints each unit's rank interval and the
inputs that move the ranks most, and writes the table as CSV. Exit 2: usage (quarter format,
no warehouse, quarter not scored, bad --n/--seed, output folder missing); exit 1: an invalid
robustness.yaml, bulletin.yaml or framework.
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from pathlib import Path

from pipelines.cli import UsageError

EPILOG = """\
不确定因素（默认，可在指标体系旁的 robustness.yaml 中修改）：各项权重在 ±25% 内均匀浮动后重新归一；
标准化方法（按指标体系配置的前沿距离法、极差标准化、标准分）；汇总方法（算术平均、几何平均）；
缺失值处理（不计入、取全市最低得分）。每次模拟都用已入库的指标值重新计分排名。
输出（CSV，UTF-8）列：quarter, unit_code, unit_name, nominal_score, nominal_rank（原名次）,
median_rank（名次中位数）, rank_p05, rank_p95（5%、95% 分位名次）,
share_nominal_rank（保持原名次的比例）, list_place（红黑榜位置 red/black/空）,
share_list_place（保持榜单位置的比例）；
另写 <输出>_sensitivity.csv：各因素的 Sobol 一阶指数 s1 与总效应指数 st。
默认输出：<工作目录>/reports/<季度>/<城市>营商环境评价_<季度>_名次稳健性.csv。
退出码：0 成功；1 稳健性设置、通报配置或指标体系有误；2 用法错误（季度格式不对、仓库不存在、
该季度尚无评分、--n 或 --seed 无效、输出目录不存在）。
"""


def register(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--quarter", required=True, metavar="季度", help="要分析的季度，如 2025Q2")
    parser.add_argument(
        "--n",
        type=int,
        default=None,
        metavar="次数",
        help="模拟次数（默认按 robustness.yaml，即 1000）",
    )
    parser.add_argument(
        "--seed", type=int, default=None, metavar="种子", help="随机种子（同一种子结果相同）"
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        metavar="目录",
        help="工作目录（默认 $BIZENV_HOME，未设置时为 <项目>/.bizenv）",
    )
    parser.add_argument("--out", type=Path, default=None, metavar="文件.csv", help="输出 CSV 文件")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * max(0, width - _width(text))
    return fill + text if right else text + fill


def format_table(header: list[str], rows: list[list[str]], right: set[int]) -> str:
    widths = [max(_width(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(h, widths[i], i in right) for i, h in enumerate(header))]
    lines.append("  ".join("─" * w for w in widths))
    for r in rows:
        lines.append("  ".join(_pad(v, widths[i], i in right) for i, v in enumerate(r)))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    import duckdb

    from pipelines.cli.score import write_csv
    from pipelines.env import Workdir, default_workdir
    from pipelines.indicators import framework_path
    from pipelines.indicators.robustness import analyse_quarter
    from pipelines.quarters import Quarter, QuarterError
    from pipelines.registry import default_registry
    from pipelines.reports.config import BulletinConfigError, load_bulletin_config
    from pipelines.reports.data import scored_quarters
    from pipelines.scoring import (
        FrameworkError,
        ScoringInputError,
        load_framework,
        units_from_registry,
    )
    from pipelines.scoring.robustness import (
        MEAN_SHIFT,
        PLACE_ZH,
        RobustnessConfigError,
        load_robustness_settings,
        settings_path,
    )

    try:
        quarter = Quarter.parse(args.quarter)
    except QuarterError as exc:
        raise UsageError(str(exc)) from exc
    if args.n is not None and args.n < 2:
        raise UsageError(f"--n（模拟次数）应为不小于 2 的整数（现为 {args.n}）")
    if args.seed is not None and args.seed < 0:
        raise UsageError(f"--seed（随机种子）应为不小于 0 的整数（现为 {args.seed}）")
    workdir = Workdir((args.workdir or default_workdir()).resolve())
    if not workdir.warehouse.is_file():
        raise UsageError(
            f"工作目录 {workdir.root} 中没有数据仓库（{workdir.warehouse}），"
            "请先运行 bizenv demo 或该季度的管道"
        )
    registry = default_registry()
    out = args.out or (
        workdir.reports
        / str(quarter)
        / f"{registry.city_name}营商环境评价_{quarter}_名次稳健性.csv"
    )
    if args.out is not None and not out.parent.is_dir():
        raise UsageError(f"输出目录不存在：{out.parent}")
    try:
        framework = load_framework(framework_path())
        settings = load_robustness_settings(settings_path(framework_path())).with_run(
            args.n, args.seed
        )
        rules = load_bulletin_config().rules
    except (FrameworkError, RobustnessConfigError, BulletinConfigError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1
    try:
        with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
            if quarter not in scored_quarters(con):
                available = "、".join(str(q) for q in scored_quarters(con)) or "无"
                raise UsageError(
                    f"仓库中没有 {quarter}（{quarter.label_zh}）的评分排名结果"
                    f"（已有评分的季度：{available}）"
                )
            try:
                result = analyse_quarter(
                    con, framework, quarter, units_from_registry(registry), settings, rules
                )
            except ScoringInputError as exc:
                raise UsageError(str(exc)) from exc
    except duckdb.IOException as exc:
        raise UsageError(f"无法打开数据仓库 {workdir.warehouse}：{exc}") from exc

    table = result.units
    rows = [
        [
            str(r.nominal_rank),
            str(r.unit_name),
            f"{r.nominal_score:.2f}",
            str(r.median_rank),
            f"{r.rank_p05}–{r.rank_p95}",
            f"{r.share_nominal_rank * 100:.0f}%",
            PLACE_ZH[r.list_place] if r.list_place else "—",
            f"{r.share_list_place * 100:.0f}%",
        ]
        for r in table.itertuples(index=False)
    ]
    header = [
        "原名次",
        "单位",
        "综合得分",
        "名次中位数",
        "5%–95%名次区间",
        "保持原名次",
        "榜单",
        "保持榜单位置",
    ]
    synthetic = "（示例数据）" if registry.synthetic else ""
    print(
        f"{registry.city_name}{quarter.label_zh}名次稳健性{synthetic}："
        f"{settings.replications} 次模拟，随机种子 {settings.seed}"
    )
    print(format_table(header, rows, right={0, 2, 3, 4, 5, 7}))
    shift = result.sensitivity[result.sensitivity["output"] == MEAN_SHIFT]
    if len(shift):
        print()
        print(
            f"各因素对名次的影响（平均名次变动的 Sobol 指数，Saltelli 设计 {result.sobol_base} × "
            f"{len(result.factors) + 2} 次计分）："
        )
        ordered = shift.sort_values(["st", "factor"], ascending=[False, True])
        print(
            format_table(
                ["因素", "一阶指数", "总效应指数"],
                [[str(r.factor_label), f"{r.s1:.2f}", f"{r.st:.2f}"] for r in ordered.itertuples()],
                right={1, 2},
            )
        )
    else:
        print("没有设置任何不确定因素：每次模拟的名次都与原名次相同。")

    out.parent.mkdir(parents=True, exist_ok=True)
    csv = table.copy()
    csv.insert(0, "quarter", str(quarter))
    write_csv(csv, out)
    sens_out = out.with_name(f"{out.stem}_sensitivity.csv")
    sens = result.sensitivity.copy()
    sens.insert(0, "quarter", str(quarter))
    write_csv(sens, sens_out)
    print()
    print(f"结果已写入 {out}（各因素敏感性指数：{sens_out.name}）")
    return 0
