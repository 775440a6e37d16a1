"""``bizenv generate``: write the demo city's departmental submissions as a landing folder."""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

from pipelines.cli import UsageError

MAX_SCALE = 1000.0


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"规模系数应为数字，实际为“{text}”") from None
    return value


def _seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"随机种子应为整数，实际为“{text}”") from None


def register(parser: argparse.ArgumentParser) -> None:
    from pipelines.demo import DEFAULT_SEED

    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.description = (
        "为项目（默认内置示例项目）的单位和部门生成模拟的季度报送文件（示例数据），写成落地目录结构："
        "<输出目录>/<季度>/<数据源>/<文件>。\n"
        "同一随机种子和规模系数重新生成，文件逐字节相同。"
    )
    parser.epilog = (
        "故障注入（--fault，可重复）：名称[:数据源[:季度]]；省略数据源则注入所有适用的数据源，"
        "省略季度则注入最后一个季度。\n可用的故障：\n" + _fault_lines()
    )
    parser.add_argument(
        "--out", required=True, type=Path, metavar="目录", help="输出的落地目录（不存在则创建）"
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        default=DEFAULT_SEED,
        metavar="种子",
        help=f"随机种子（非负整数，默认 {DEFAULT_SEED}）",
    )
    parser.add_argument(
        "--scale",
        type=_scale,
        default=1.0,
        metavar="倍数",
        help="规模系数：1 为示例规模（每县区每季度数千件办件），"
        "100 约为全省规模（每季度数百万行）；默认 1",
    )
    parser.add_argument(
        "--quarters",
        metavar="季度",
        default=None,
        help="只生成这些季度，逗号分隔，如 2025Q1,2025Q2（默认 2024Q1–2025Q2）",
    )
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="名称[:数据源[:季度]]",
        help="在生成的文件中注入故障（用于测试），可重复",
    )
    parser.add_argument(
        "--correction",
        action="store_true",
        help="另外生成 2025Q2 水电气报装的“更正版”（含错误，应被拒收）",
    )


def _fault_lines() -> str:
    from pipelines.demo.catalog import FAULT_SOURCES, FAULTS

    return "\n".join(
        f"  {name}：{desc}（适用：{'、'.join(FAULT_SOURCES[name])}）"
        for name, desc in FAULTS.items()
    )


def run(args: argparse.Namespace) -> int:
    from pipelines.demo import DEMO_QUARTERS
    from pipelines.demo.faults import FaultError, FaultSpec
    from pipelines.demo.generator import GeneratedFile, generate_landing, write_demo_correction
    from pipelines.quarters import Quarter, QuarterError

    scale: float = args.scale
    if not math.isfinite(scale) or scale <= 0:
        raise UsageError(f"规模系数须大于 0，实际为 {args.scale:g}")
    if scale > MAX_SCALE:
        raise UsageError(f"规模系数过大（{scale:g}），上限为 {MAX_SCALE:g}")
    if args.seed < 0:
        raise UsageError(f"随机种子须为非负整数，实际为 {args.seed}")
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise UsageError(f"输出路径“{out}”已存在且不是目录")

    quarters = list(DEMO_QUARTERS)
    if args.quarters:
        try:
            quarters = sorted({Quarter.parse(t) for t in args.quarters.split(",") if t.strip()})
        except QuarterError as exc:
            raise UsageError(str(exc)) from None
        if not quarters:
            raise UsageError("未指定任何季度")
    try:
        faults = [FaultSpec.parse(text) for text in args.fault]
    except FaultError as exc:
        raise UsageError(str(exc)) from None
    for spec in faults:
        if spec.quarter is not None and spec.quarter not in quarters:
            raise UsageError(f"故障“{spec.name}”指定的季度 {spec.quarter} 不在生成范围内")

    started = time.perf_counter()

    def progress(generated: GeneratedFile) -> None:
        rel = generated.path.relative_to(out)
        print(f"  {rel}（{generated.rows} 行，{generated.fmt}）", flush=True)

    print(f"正在生成示例数据（随机种子 {args.seed}，规模系数 {scale:g}）……", flush=True)
    try:
        files = generate_landing(
            out, seed=args.seed, scale=scale, quarters=quarters, faults=faults, on_file=progress
        )
        if args.correction:
            files.append(write_demo_correction(out, seed=args.seed, scale=scale))
            progress(files[-1])
    except (ValueError, OSError) as exc:
        raise UsageError(f"生成失败：{exc}") from None
    rows = sum(f.rows for f in files)
    elapsed = time.perf_counter() - started
    for spec in faults:
        where = spec.source or "所有适用数据源"
        print(f"已注入故障 {spec.name}（{where}，{spec.quarter or quarters[-1]}）")
    print(f"已生成 {len(files)} 个报送文件，共 {rows} 行 → {out}")
    print(f"用时 {elapsed:.1f} 秒；全部为模拟的示例数据，说明见 README_示例数据.txt")
    return 0
