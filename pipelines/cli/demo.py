"""``bizenv demo``: the README's main job on the bundled demo project (示例数据).

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
from pipelines.cli.run import begin
from pipelines.contracts import contract, enabled_sources
from pipelines.defs.keys import REPORT_ASSETS, refresh_job
from pipelines.demo import DEMO_QUARTERS
from pipelines.env import Workdir, configure_environment, default_workdir
from pipelines.intake.archive import register_historical
from pipelines.orchestration import loaded_rows, run_quarter, run_year, status_lines
from pipelines.project import current_project
from pipelines.quarters import Quarter
from pipelines.registry import default_registry
from pipelines.sqlfiles import sql

WORKDIR_MARKER = ".bizenv-workdir"
CORRECTION_SOURCE = "utility_connections"
DEMO_TAGS = {"bizenv/demo": "true"}


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        metavar="目录",
        help="工作目录，演示产生的一切都写在这里（默认 $BIZENV_HOME，未设置时为 <项目>/.bizenv）",
    )
    parser.add_argument(
        "--seed", type=int, default=20240101, metavar="种子", help="示例数据随机种子"
    )
    parser.add_argument(
        "--scale", type=float, default=1.0, metavar="倍数", help="数据规模倍数（1 = 演示规模）"
    )
    parser.add_argument(
        "--executor",
        choices=["in_process", "multiprocess"],
        default="in_process",
        help="Dagster 执行器：in_process（默认，最快）或 multiprocess（每步一个进程）",
    )


def made_by_bizenv(root: Path) -> bool:
    """Whether ``root`` may be wiped: empty, marked by an earlier demo, or holding nothing
    but an empty work-directory layout (``Workdir.ensure``, e.g. from ``bizenv dev``) with
    the instance file bizenv writes."""
    if not root.exists() or (root / WORKDIR_MARKER).exists():
        return True
    layout = Workdir(root)
    folders = {
        layout.landing,
        layout.archive,
        layout.rejections,
        layout.warehouse.parent,
        layout.reports,
        layout.dagster_home,
    }
    for entry in root.iterdir():
        if entry not in folders or not entry.is_dir() or entry.is_symlink():
            return False
        files = [p for p in entry.rglob("*") if not p.is_dir()]
        if files and files != [layout.dagster_home / "dagster.yaml"]:
            return False
    return True


def prepare_workdir(root: Path) -> Workdir:
    """Start from a clean work directory, refusing to wipe a folder bizenv did not make."""
    root = root.resolve()
    if not made_by_bizenv(root):
        raise UsageError(f"工作目录 {root} 非空且不是 bizenv 工作目录，请换一个目录或先清空")
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    (root / WORKDIR_MARKER).write_text("bizenv work directory (示例数据)\n", encoding="utf-8")
    return configure_environment(root)


def run(args: argparse.Namespace) -> int:
    from pipelines.cli import check_project_first

    check_project_first()
    from pipelines.demo.generator import generate_landing, write_demo_correction
    from pipelines.reports.build import latest_bulletin_paths

    if args.scale <= 0:
        raise UsageError("--scale 必须大于 0")
    started = time.monotonic()
    workdir = prepare_workdir(args.workdir or default_workdir())
    city = default_registry().city_name
    print(f"示例数据（{city}，虚构）· 项目 {current_project().root} · 工作目录 {workdir.root}")
    begin(workdir)

    print("① 生成各部门报送文件 …")
    files = generate_landing(workdir.landing, seed=args.seed, scale=args.scale)
    print(f"   {len(files)} 个文件，共 {sum(f.rows for f in files):,} 行 → {workdir.landing}")
    # Historical files: registered with the day each department sent them (the received time
    # is otherwise when the archive first sees a file, i.e. today).
    for generated in files:
        register_historical(workdir, generated.path, generated.received_at)

    print("② 逐季度运行：归档 → 校验 → 入库 → 指标 → 评分排名 → 季通报")
    for index, quarter in enumerate(DEMO_QUARTERS, start=1):
        t0 = time.monotonic()
        ok = run_quarter(quarter, args.executor, tags=DEMO_TAGS)
        mark = "完成" if ok else "有失败"
        print(
            f"  [{index}/{len(DEMO_QUARTERS)}] {quarter} {mark}（{time.monotonic() - t0:.1f} 秒）"
        )
        for message in ok.messages:
            print(f"    原因：{message}")
        print("\n".join(status_lines(workdir, quarter, enabled_sources())))
        # --- 整改台账 (issue 10): the departments' progress ledger of the next quarter --------
        _land_demo_ledger(workdir, quarter, args.seed)

    last = DEMO_QUARTERS[-1]
    print(f"③ 部门补报：{last} {contract(CORRECTION_SOURCE).title}更正版（含错误）")
    correction = write_demo_correction(workdir.landing, seed=args.seed)
    register_historical(workdir, correction.path, correction.received_at)
    print(f"   新文件 {correction.path.name}")
    # What the landing sensor launches for a new file: the source's chain and its downstream.
    # The blocking check stops it before the warehouse; the bulletin is then rebuilt so its
    # data-quality appendix lists the rejected version.
    run_quarter(last, args.executor, job_name=refresh_job(CORRECTION_SOURCE), tags=DEMO_TAGS)
    print("\n".join(status_lines(workdir, last, (CORRECTION_SOURCE,))))
    rebuilt = run_quarter(last, args.executor, asset_selection=REPORT_ASSETS, tags=DEMO_TAGS)
    for message in rebuilt.messages:
        print(f"    原因：{message}")

    # The annual evaluation of the demo's one full year.
    annual_ok = run_year(DEMO_QUARTERS[0].year, args.executor, tags=DEMO_TAGS)
    print(f"   {DEMO_QUARTERS[0].year}年度综合评价与年度报告{'完成' if annual_ok else '有失败'}")

    print("④ 结果")
    _print_summary(workdir)
    _print_rectification_summary(workdir)
    bulletin = latest_bulletin_paths(workdir)
    if bulletin is not None:
        print(f"   最新季通报：{bulletin.html}")
        if bulletin.workbook is not None:
            print(f"   最新数据表：{bulletin.workbook}")
        print(f"   季通报索引：{bulletin.index}")
    annual = sorted(workdir.reports.glob("*年度/*年度报告.html"))
    for path in annual:
        print(f"   年度报告：{path}")
    print(f"总用时 {time.monotonic() - started:.1f} 秒")
    return 0


# --- 整改台账 (issue 10) ---------------------------------------------------------------------


def _land_demo_ledger(workdir: Workdir, scored: Quarter, seed: int) -> None:
    """After ``scored`` is scored, the lead departments fill in the ledger of the next quarter
    (its open tasks) and it lands like any submission."""
    from pipelines.demo.ledger import write_demo_ledger

    following = scored.next()
    if following not in DEMO_QUARTERS or "rectification_progress" not in enabled_sources():
        return
    written = write_demo_ledger(
        workdir.warehouse, workdir.landing, following, seed=seed, synthetic=True
    )
    if written is None:
        return
    path, received_at, rows = written
    register_historical(workdir, path, received_at)
    print(f"      整改进展台账 {following}：{rows} 个在办任务 → {path.name}")


def _print_rectification_summary(workdir: Workdir) -> None:
    from pipelines.rectification.config import OUTCOMES
    from pipelines.rectification.store import table_exists

    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        if not table_exists(con, "scores", "rectification_events"):
            return
        rows = con.execute(sql("rectification/select_outcome_counts")).fetchall()
    counts = {(q, o): n for q, o, n in rows}
    print("   整改台账（scores.rectification_events_current，各季度任务结果）")
    print("   季度    " + "".join(f"{o:>8}" for o in OUTCOMES))
    for quarter in DEMO_QUARTERS:
        cells = "".join(f"{counts.get((str(quarter), o), 0):>10}" for o in OUTCOMES)
        print(f"   {quarter!s:<8}{cells}")
    print("   查看任务历史：bizenv ledger status --quarter 季度 [--department 部门]")


# --- end 整改台账 ---------------------------------------------------------------------------


def _print_summary(workdir: Workdir) -> None:
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        header = "季度    " + "".join(f"{contract(s).title:>12}" for s in enabled_sources())
        print("   仓库行数（warehouse.*，在用版本）")
        print("   " + header)
        for quarter in DEMO_QUARTERS:
            counts = [loaded_rows(con, source, quarter) for source in enabled_sources()]
            print("   " + f"{quarter!s:<8}" + "".join(f"{n:>16,}" for n in counts))
        reports = con.execute(sql("intake/select_rejected_submissions")).fetchall()
    print(f"   DuckDB 仓库：{workdir.warehouse}")
    print(f"   归档目录：{workdir.archive}")
    for quarter, source, file_name, _, _, report, _ in reports:
        print(
            f"   退回报告：{quarter} {contract(source).title} {file_name} → {workdir.root / report}"
        )
    print(f"   Dagster 运行记录：{workdir.dagster_home}（make dev 打开界面查看）")
