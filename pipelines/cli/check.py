"""``bizenv check SOURCE FILE``: the validation a department runs before submitting."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pipelines.cli import UsageError
from pipelines.contracts import UnknownSourceError, contract
from pipelines.quarters import Quarter, QuarterError

if TYPE_CHECKING:
    import duckdb

    from pipelines.validation.stream import Progress

SHOWN_ERRORS = 50
_ORIGINS = {
    "given": "由 --quarter 指定",
    "path": "由文件夹名或文件名推断",
    "data": "由数据推断：多数记录所在的季度",
}


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "source", metavar="数据源", help="数据源编码（项目 sources.yaml 中启用的数据源）"
    )
    parser.add_argument("file", metavar="文件", type=Path, help="要校验的 .xlsx 或 .csv 文件")
    parser.add_argument(
        "--quarter", metavar="季度", help="报送季度，如 2025Q2；不填时由文件夹名/文件名或数据推断"
    )
    parser.add_argument("--json", action="store_true", help="以 JSON 输出校验结果")
    parser.add_argument(
        "--previous-rows",
        metavar="行数",
        type=int,
        default=None,
        help="上一已接收季度的行数；给出时检查本次行数是否相差过大",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        metavar="目录",
        help="工作目录：整改进展台账（rectification_progress）按其数据仓库中的整改任务核对",
    )


class ProgressLine:
    """Rows read so far on stderr, once a file takes more than ``after`` seconds: one line
    updated in place on a terminal, else a line every ``every`` seconds."""

    def __init__(self, stream: TextIO, *, after: float = 2.0, every: float = 5.0) -> None:
        self.stream, self.after, self.every = stream, after, every
        self.tty = stream.isatty()
        self.shown = False
        self.last = 0.0

    def __call__(self, progress: Progress) -> None:
        if progress.seconds < self.after:
            return
        if not self.tty and progress.seconds - self.last < self.every and self.shown:
            return
        self.last = progress.seconds
        text = f"正在校验：已读取 {progress.rows:,} 行（{progress.seconds:.0f} 秒）"
        self.stream.write(("\r" + text) if self.tty else text + "\n")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown and self.tty:
            self.stream.write("\n")
            self.stream.flush()


def run(args: argparse.Namespace) -> int:
    from pipelines.validation import validate_file

    quarter = None
    if args.quarter:
        try:
            quarter = Quarter.parse(args.quarter)
        except QuarterError as exc:
            raise UsageError(str(exc)) from None
    if args.previous_rows is not None and args.previous_rows < 0:
        raise UsageError("--previous-rows 不能为负数")
    path: Path = args.file
    progress = ProgressLine(sys.stderr)
    try:
        with _warehouse(args) as warehouse:
            result = validate_file(
                args.source,
                path,
                quarter=quarter,
                previous_rows=args.previous_rows,
                warehouse=warehouse,
                keep_frame=False,
                progress=progress,
            )
    except UnknownSourceError as exc:
        raise UsageError(str(exc)) from None
    except FileNotFoundError:
        raise UsageError(f"文件不存在：{path}") from None
    except IsADirectoryError:
        raise UsageError(f"这是一个文件夹，不是文件：{path}") from None
    except PermissionError:
        raise UsageError(f"没有读取权限：{path}") from None
    finally:
        progress.close()

    if args.json:
        print(json.dumps(result.to_json_dict(), ensure_ascii=False))
        return 0 if result.valid else 1

    from pipelines.validation.model import rule_label

    c = contract(args.source)
    out = sys.stdout
    print(f"数据源：{c.title}（{args.source}）", file=out)
    print(f"文件：{path}", file=out)
    if result.quarter is not None:
        origin = _ORIGINS.get(result.quarter_origin or "", "")
        print(f"季度：{result.quarter}（{result.quarter.label_zh}，{origin}）", file=out)
    else:
        print("季度：无法确定（请用 --quarter 指定），本季度范围的规则未检查", file=out)
    print(f"数据行数：{result.rows}", file=out)
    if result.valid:
        print("结果：校验通过，可以报送。", file=out)
        return 0
    print(
        f"结果：校验未通过，共 {len(result.errors)} 条错误，涉及 {result.failing_rows} 行。",
        file=out,
    )
    print(
        "按规则："
        + "；".join(f"{rule_label(r)}（{r}）{n} 条" for r, n in result.errors_by_rule().items()),
        file=out,
    )
    print("", file=out)
    for e in result.errors[:SHOWN_ERRORS]:
        where = f"第{e.row}行" if e.row is not None else "整个文件"
        column = f"〔{e.column}〕" if e.column else ""
        print(f"{where}{column} {e.message}  [{e.rule}]", file=out)
    if len(result.errors) > SHOWN_ERRORS:
        print(f"…共 {len(result.errors)} 条，详见 --json", file=out)
    return 1


@contextlib.contextmanager
def _warehouse(args: argparse.Namespace) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only connection to the work directory's warehouse for the checks that compare
    a file with it (the 整改进展台账's tasks); None for other sources or without a warehouse."""
    from pipelines.env import Workdir, default_workdir

    if args.source != "rectification_progress":
        yield None
        return
    warehouse = Workdir((args.workdir or default_workdir()).resolve()).warehouse
    if not warehouse.is_file():
        yield None
        return
    import duckdb

    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise UsageError(f"无法打开数据仓库 {warehouse}：{exc}") from None
    with con:
        yield con
