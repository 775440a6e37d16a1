"""``bizenv demo``: the README's main job on the demo city 示例市 (示例数据).

1. generate every department's submissions for 2024Q1–2025Q2 into ``<workdir>/landing``;
2. run the quarterly pipeline for every quarter, in order, on Dagster's local storage;
3. drop a bad corrected file (更正版) for 2025Q2 and run that source again: it is rejected
   and the version accepted before stays in force;
4. print where the warehouse and the rejection reports are, with row counts.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import duckdb

from pipelines.cli import UsageError
from pipelines.contracts import SOURCES, contract
from pipelines.env import Workdir, configure_environment, default_workdir
from pipelines.quarters import DEMO_QUARTERS, Quarter
from pipelines.sqlfiles import sql
from pipelines.warehouse.store import fetch_one

WORKDIR_MARKER = ".bizenv-workdir"
CORRECTION_SOURCE = "utility_connections"


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="工作目录，演示产生的一切都写在这里（默认 $BIZENV_HOME，未设置时为 <项目>/.bizenv）",
    )
    parser.add_argument("--seed", type=int, default=20240101, help="示例数据随机种子")
    parser.add_argument("--scale", type=float, default=1.0, help="数据规模倍数（1 = 演示规模）")
    parser.add_argument(
        "--executor",
        choices=["in_process", "multiprocess"],
        default="in_process",
        help="Dagster 执行器：in_process（默认，最快）或 multiprocess（每步一个进程）",
    )


def prepare_workdir(root: Path) -> Workdir:
    """Start from a clean work directory, refusing to wipe a folder bizenv did not make."""
    root = root.resolve()
    if root.exists() and any(root.iterdir()) and not (root / WORKDIR_MARKER).exists():
        raise UsageError(f"工作目录 {root} 非空且不是 bizenv 工作目录，请换一个目录或先清空")
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / WORKDIR_MARKER).write_text("bizenv work directory (示例数据)\n", encoding="utf-8")
    return configure_environment(root)


def loaded_rows(con: duckdb.DuckDBPyConnection, source: str, quarter: Quarter) -> int:
    (count,) = fetch_one(con, sql(f"warehouse/{source}/count_partition"), {"quarter": str(quarter)})
    return int(count)


def _status_lines(workdir: Workdir, quarter: Quarter, sources: tuple[str, ...]) -> list[str]:
    lines = []
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        for source in sources:
            params = {"source": source, "quarter": str(quarter)}
            row = fetch_one(con, sql("intake/select_latest_submission"), params)
            loaded = loaded_rows(con, source, quarter)
            title = contract(source).title
            if row is None:
                lines.append(f"    ✗ {title}：未收到文件")
            elif row[1] == "accepted":
                lines.append(f"    ✓ {title}：{row[0]} 已入库 {loaded:,} 行")
            elif row[1] == "rejected":
                lines.append(
                    f"    ✗ {title}：{row[0]} 被退回（{row[2]} 处错误），"
                    f"在用版本 {loaded:,} 行不变；退回报告 {row[3]}"
                )
            else:
                lines.append(f"    ? {title}：{row[0]} 状态 {row[1]}")
    return lines


def run_quarter(quarter: Quarter, executor: str, sources: tuple[str, ...] | None = None) -> bool:
    """Run the quarterly pipeline job for one partition; True when the run succeeded."""
    import dagster as dg

    from pipelines.definitions import get_quarterly_pipeline_job

    selection = None
    if sources is not None:
        selection = [
            dg.AssetKey([stage, source])
            for source in sources
            for stage in ("intake", "staging", "warehouse")
        ]
    instance = dg.DagsterInstance.get()
    result = dg.execute_job(
        dg.reconstructable(get_quarterly_pipeline_job),
        instance=instance,
        run_config={
            "execution": {"config": {executor: {}}},
            # Progress is printed by the demo itself; the full event log is in Dagster's storage.
            "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
        },
        tags={"dagster/partition": quarter.partition_key, "bizenv/demo": "true"},
        asset_selection=selection,
        raise_on_error=False,
    )
    return result.success


def run(args: argparse.Namespace) -> int:
    from pipelines.demo.generator import generate_landing, write_demo_correction
    from pipelines.reports.build import latest_bulletin_paths

    if args.scale <= 0:
        raise UsageError("--scale 必须大于 0")
    started = time.monotonic()
    workdir = prepare_workdir(args.workdir or default_workdir())
    print(f"示例数据（示例市，虚构）· 工作目录 {workdir.root}")

    print("① 生成各部门报送文件 …")
    files = generate_landing(workdir.landing, seed=args.seed, scale=args.scale)
    print(f"   {len(files)} 个文件，共 {sum(f.rows for f in files):,} 行 → {workdir.landing}")

    print("② 逐季度运行：归档 → 校验 → 入库 → 指标 → 评分排名 → 季通报")
    for index, quarter in enumerate(DEMO_QUARTERS, start=1):
        t0 = time.monotonic()
        ok = run_quarter(quarter, args.executor)
        mark = "完成" if ok else "有失败"
        print(
            f"  [{index}/{len(DEMO_QUARTERS)}] {quarter} {mark}（{time.monotonic() - t0:.1f} 秒）"
        )
        print("\n".join(_status_lines(workdir, quarter, SOURCES)))

    last = DEMO_QUARTERS[-1]
    print(f"③ 部门补报：{last} {contract(CORRECTION_SOURCE).title}更正版（含错误）")
    correction = write_demo_correction(workdir.landing, seed=args.seed)
    print(f"   新文件 {correction.path.name}")
    run_quarter(last, args.executor, sources=(CORRECTION_SOURCE,))
    print("\n".join(_status_lines(workdir, last, (CORRECTION_SOURCE,))))

    print("④ 结果")
    _print_summary(workdir)
    bulletin = latest_bulletin_paths(workdir)
    if bulletin is not None:
        print(f"   最新季通报：{bulletin.html}")
        if bulletin.workbook is not None:
            print(f"   最新数据表：{bulletin.workbook}")
        print(f"   季通报索引：{bulletin.index}")
    print(f"总用时 {time.monotonic() - started:.1f} 秒")
    return 0


def _print_summary(workdir: Workdir) -> None:
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        header = "季度    " + "".join(f"{contract(s).title:>12}" for s in SOURCES)
        print("   仓库行数（warehouse.*，在用版本）")
        print("   " + header)
        for quarter in DEMO_QUARTERS:
            counts = [loaded_rows(con, source, quarter) for source in SOURCES]
            print("   " + f"{quarter!s:<8}" + "".join(f"{n:>16,}" for n in counts))
        reports = con.execute(sql("intake/select_rejected_submissions")).fetchall()
    print(f"   DuckDB 仓库：{workdir.warehouse}")
    print(f"   归档目录：{workdir.archive}")
    for quarter, source, file_name, _, _, report, _ in reports:
        print(f"   退回报告：{quarter} {contract(source).title} {file_name} → {report}")
    print(f"   Dagster 运行记录：{workdir.dagster_home}（make dev 打开界面查看）")
