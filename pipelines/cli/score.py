"""``bizenv score``: score any table of indicator values by any framework.

    bizenv score --framework F.yaml --values V.csv [--units U.yaml] --out O.csv

V.csv: columns ``unit,indicator,value`` (optional ``period``); an empty value is a missing
value. O.csv: columns ``period`` (if V has it), ``unit``, ``node``, ``score`` (unrounded, full
precision), ``rank``. Exit 1: bad framework / units / values; exit 2: usage (missing file).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from pipelines.cli import UsageError
from pipelines.tempfiles import atomic_target

EPILOG = """\
指标值表（CSV，UTF-8）列：unit（单位编码）, indicator（末级指标编码）, value（数值，空白表示缺失），
可选 period（期间，如 2025Q2）。
输出（CSV）列：period（输入有此列时）, unit, node（指标节点编码，含总分与各级指标）,
score（得分，未四舍五入）, rank（名次，并列取最优名次，缺失得分不排名）。
退出码：0 成功；1 输入有误（指标体系、单位清单或指标值表）；2 用法错误（如文件不存在）。
"""


def register(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument(
        "--framework",
        required=True,
        type=Path,
        metavar="指标体系.yaml",
        help="指标体系文件（YAML，按 framework.schema.json 校验）",
    )
    parser.add_argument(
        "--values",
        required=True,
        type=Path,
        metavar="指标值.csv",
        help="指标值表（CSV：[period,]unit,indicator,value）",
    )
    parser.add_argument(
        "--units",
        type=Path,
        metavar="单位清单.yaml",
        help="单位清单（YAML，可含合成单位与 rank: false）；缺省时取指标值表中的全部单位",
    )
    parser.add_argument(
        "--out", required=True, type=Path, metavar="得分.csv", help="输出文件（CSV）"
    )


def run(args: argparse.Namespace) -> int:
    from pipelines.scoring import (
        FrameworkError,
        ScoringInputError,
        UnitsError,
        load_framework,
        load_units,
        score,
    )

    for label, path in (
        ("指标体系文件", args.framework),
        ("指标值表", args.values),
        ("单位清单文件", args.units),
    ):
        if path is not None and not path.is_file():
            raise UsageError(f"找不到{label}：{path}")
    if not args.out.parent.exists():
        raise UsageError(f"输出目录不存在：{args.out.parent}")

    try:
        framework = load_framework(args.framework)
        units = load_units(args.units) if args.units is not None else None
        values = read_values(args.values)
        result = score(framework, values, units)
    except (FrameworkError, UnitsError, ScoringInputError, ValuesFileError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 1

    out = result.output()
    write_csv(out, args.out)
    n_units = out["unit"].nunique()
    n_nodes = out["node"].nunique()
    periods = f"，{out['period'].nunique()} 个期间" if result.has_period else ""
    print(f"已评分：{n_units} 个单位 × {n_nodes} 个指标节点{periods}，结果已写入 {args.out}")
    return 0


class ValuesFileError(ValueError):
    """The values CSV cannot be read (Chinese message)."""


def read_values(path: Path) -> pd.DataFrame:
    """Read the values CSV as text and convert ``value`` to numbers, naming any bad row by its
    line number in the file (header = line 1)."""
    try:
        df = pd.read_csv(path, dtype="str", keep_default_na=False, encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValuesFileError(f"指标值表 {path.name} 不是 UTF-8 编码的 CSV") from exc
    except pd.errors.EmptyDataError as exc:
        raise ValuesFileError(f"指标值表 {path.name} 是空文件") from exc
    except pd.errors.ParserError as exc:
        raise ValuesFileError(f"指标值表 {path.name} 不是合法的 CSV：{exc}") from exc
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in ("unit", "indicator", "value") if c not in df.columns]
    if missing:
        raise ValuesFileError(
            f"指标值表 {path.name} 缺少列：{'、'.join(missing)}（应有 unit, indicator, value，"
            "可选 period）"
        )
    text = df["value"].str.strip()
    numeric = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = numeric.isna() & (text != "")
    if bad.any():
        i = int(bad.to_numpy().nonzero()[0][0])
        raise ValuesFileError(
            f"指标值表 {path.name} 第 {i + 2} 行（单位 {df['unit'].iloc[i]}，指标 "
            f"{df['indicator'].iloc[i]}）的值“{text.iloc[i]}”不是数值"
        )
    df["value"] = numeric.astype("float64")
    for col in ("unit", "indicator"):
        blank = df[col].str.strip() == ""
        if blank.any():
            i = int(blank.to_numpy().nonzero()[0][0])
            raise ValuesFileError(f"指标值表 {path.name} 第 {i + 2} 行的 {col} 为空")
    if "period" in df.columns:
        df["period"] = df["period"].str.strip()
    return df


def write_csv(frame: pd.DataFrame, target: Path) -> None:
    """``frame`` as UTF-8 CSV at ``target``, complete or not at all."""
    with atomic_target(target) as tmp:
        frame.to_csv(tmp, index=False, encoding="utf-8")
