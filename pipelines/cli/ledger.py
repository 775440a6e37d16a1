"""``bizenv ledger``: the 整改台账 of the work directory's warehouse.

    bizenv ledger export --quarter 2025Q2 [--department 部门] --out 目录 [--workdir DIR]
    bizenv ledger status [--quarter 2025Q2] [--department 部门] [--workdir DIR]

``export`` writes one xlsx per lead department with its tasks open in the quarter (opened in
an earlier quarter and not 销号), to be filled in and returned as ``rectification_progress``
of that quarter. ``status`` prints the quarter's outcomes and every task's history.
Exit 2: a usage error (bad quarter, unknown department, no warehouse, no tasks).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from pipelines.cli import UsageError

if TYPE_CHECKING:
    import duckdb

    from pipelines.quarters import Quarter

EPILOG = """\
export：每个牵头单位一个 Excel 台账（整改进展台账_<季度>_<部门>.xlsx），
预填该单位在该季度在办的整改任务（锁定列），各单位填写整改措施、责任人、进展情况、状态、完成日期、佐证材料说明后，
合并放入 landing/<季度>/rectification_progress/ 报送。
status：该季度各任务的结果（新立、销号、持续整改、回炉、逾期）与每个任务的全部历史。
退出码：0 成功；2 用法错误（季度格式不对、部门不在名录、仓库不存在或尚无整改任务）。
"""


def register(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument(
        "action", choices=["export", "status"], help="export 导出台账；status 查看进展"
    )
    parser.add_argument("--quarter", metavar="季度", help="季度，如 2025Q2（status 默认最近一季）")
    parser.add_argument("--department", metavar="部门", help="只看一个牵头单位（部门名录中的名称）")
    parser.add_argument("--out", type=Path, metavar="目录", help="export 的输出目录")
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        metavar="目录",
        help="工作目录（默认 $BIZENV_HOME，未设置时为 <项目>/.bizenv）",
    )


def run(args: argparse.Namespace) -> int:
    import duckdb

    from pipelines.env import Workdir, default_workdir
    from pipelines.quarters import Quarter, QuarterError
    from pipelines.rectification.store import table_exists
    from pipelines.registry import default_registry

    quarter = None
    if args.quarter:
        try:
            quarter = Quarter.parse(args.quarter)
        except QuarterError as exc:
            raise UsageError(str(exc)) from exc
    if args.action == "export" and (quarter is None or args.out is None):
        raise UsageError("ledger export 需要 --quarter 季度 和 --out 目录")
    registry = default_registry()
    department = None
    if args.department:
        department = registry.canonical_department(args.department)
        if department is None:
            raise UsageError(f"部门“{args.department}”不在部门名录（departments.yaml）中")
    workdir = Workdir((args.workdir or default_workdir()).resolve())
    if not workdir.warehouse.is_file():
        raise UsageError(f"工作目录 {workdir.root} 中没有数据仓库，请先运行 bizenv demo 或管道")
    try:
        con = duckdb.connect(str(workdir.warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise UsageError(f"无法打开数据仓库 {workdir.warehouse}：{exc}") from exc
    with con:
        if not table_exists(con, "scores", "rectification_tasks"):
            raise UsageError("数据仓库中尚无整改任务：请先完成一个季度的评分（rectification 资产）")
        if args.action == "export":
            assert quarter is not None
            return _export(con, quarter, department, args.out, registry.synthetic)
        return _status(con, quarter, department, registry.synthetic)


def _export(
    con: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    department: str | None,
    out: Path,
    synthetic: bool,
) -> int:
    from pipelines.rectification.ledger import export_ledgers
    from pipelines.rectification.store import open_tasks

    tasks = open_tasks(con, quarter)
    if department is not None and not (tasks["lead_department"] == department).any():
        raise UsageError(f"{department}在{quarter.label_zh}没有在办的整改任务")
    if tasks.empty:
        raise UsageError(f"{quarter.label_zh}没有在办的整改任务（须先完成上一季度的评分）")
    paths = export_ledgers(tasks, quarter, out, department=department, synthetic=synthetic)
    mark = "（示例数据）" if synthetic else ""
    print(f"{quarter.label_zh}整改进展台账{mark}：{len(paths)} 个牵头单位")
    for path in paths:
        print(f"  {path}")
    return 0


def _status(
    con: duckdb.DuckDBPyConnection,
    quarter: Quarter | None,
    department: str | None,
    synthetic: bool,
) -> int:
    from pipelines.quarters import Quarter
    from pipelines.rectification.ledger import status_lines
    from pipelines.rectification.store import task_history
    from pipelines.sqlfiles import sql

    if quarter is None:
        latest = con.execute(sql("rectification/select_latest_quarter")).fetchone()
        if latest is None or latest[0] is None:
            raise UsageError("尚无整改记录")
        quarter = Quarter.parse(latest[0])
    history = task_history(con, quarter, department)
    if history.empty:
        who = f"{department}" if department else ""
        raise UsageError(f"{who}截至{quarter.label_zh}没有整改记录")
    lines = status_lines(history, quarter)
    if synthetic:
        lines[0] += "（示例数据）"
    print("\n".join(lines))
    return 0
