"""Running the pipeline from the command line (demo, run, backfill): one Dagster run per
quarter on the instance in ``$DAGSTER_HOME``, and a Chinese status line per source."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.cli.errors import RUN_THREAD_PREFIX
from pipelines.contracts import contract
from pipelines.defs.keys import ANNUAL_JOB, PIPELINE_JOB, REPORT_ASSETS, source_chain
from pipelines.env import Workdir
from pipelines.failures import explain_exception, run_failure_messages
from pipelines.instance import (
    INTERRUPTED_MESSAGE,
    INVOCATION_TAG,
    abandon_invocation,
    process_tags,
)
from pipelines.quarters import Quarter
from pipelines.sqlfiles import sql
from pipelines.warehouse.store import fetch_one

EXECUTORS = ("in_process", "multiprocess")


@dataclass(frozen=True)
class RunOutcome:
    """What one Dagster run did: truthy when it succeeded; otherwise ``messages`` says why in
    Chinese (the failing steps' own messages, from the run's event log)."""

    success: bool
    run_id: str | None = None
    messages: tuple[str, ...] = ()
    materialized: frozenset[dg.AssetKey] = frozenset()

    def __bool__(self) -> bool:
        return self.success


class RunInterrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM during a run: the run was marked failed and its slots freed."""


def run_quarter(
    quarter: Quarter,
    executor: str = "in_process",
    *,
    job_name: str = PIPELINE_JOB,
    asset_selection: Sequence[dg.AssetKey] | None = None,
    sources: Sequence[str] | None = None,
    tags: dict[str, str] | None = None,
) -> RunOutcome:
    """One run of ``job_name`` for ``quarter``. ``sources`` limits the run to those sources'
    intake → staging → warehouse chains.

    The run executes in a worker thread while the calling (main) thread waits, so that SIGINT
    and SIGTERM reach bizenv (Dagster defers them until a step ends, and a step waiting for a
    pool slot never ends): the run is then marked failed, its pool slots are freed and
    ``RunInterrupted`` is raised."""
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}")
    if sources is not None:
        asset_selection = [key for source in sources for key in source_chain(source)]
    instance = dg.DagsterInstance.get()
    invocation = uuid.uuid4().hex
    home = Path(os.environ.get("BIZENV_HOME", ".")).resolve()
    run_tags = {
        "dagster/partition": quarter.partition_key,
        **process_tags(home),
        INVOCATION_TAG: invocation,
        **(tags or {}),
    }
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["result"] = dg.execute_job(
                dg.build_reconstructable_job("pipelines.definitions", "get_job", (job_name,)),
                instance=instance,
                run_config={
                    "execution": {"config": {executor: {}}},
                    # The CLI prints its own progress; the full event log is in Dagster's storage.
                    "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
                },
                tags=run_tags,
                asset_selection=list(asset_selection) if asset_selection is not None else None,
                raise_on_error=False,
            )
        except BaseException as exc:  # re-raised in the calling thread
            box["error"] = exc

    if threading.current_thread() is not threading.main_thread():
        work()
    else:
        worker = threading.Thread(target=work, name=f"{RUN_THREAD_PREFIX}{quarter}", daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(0.2)
        except KeyboardInterrupt as exc:
            abandon_invocation(instance, invocation, INTERRUPTED_MESSAGE)
            raise RunInterrupted() from exc
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    result = box["result"]
    run_id = result.run_id  # type: ignore[attr-defined]
    materialized = frozenset(
        key
        for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION)
        if entry.dagster_event is not None and (key := entry.dagster_event.asset_key) is not None
    )
    if result.success:  # type: ignore[attr-defined]
        return RunOutcome(True, run_id, materialized=materialized)
    messages = tuple(run_failure_messages(instance, run_id))
    return RunOutcome(False, run_id, messages, materialized)


def outcome_lines(outcome: RunOutcome) -> list[str]:
    """Why a run failed (the failing steps' Chinese messages), and a note when the quarter's
    bulletin and workbook were not rebuilt by it."""
    lines = [f"    原因：{message}" for message in outcome.messages]
    if not all(key in outcome.materialized for key in REPORT_ASSETS):
        lines.append(
            "    注意：本次运行未重建季通报与数据表（上游失败或有数据源被退回，下游被阻断），"
            "现有通报仍是上次生成的；可用 bizenv report 按在用版本重建"
        )
    return lines


def run_year(
    year: int, executor: str = "in_process", *, tags: dict[str, str] | None = None
) -> bool:
    """One run of the annual evaluation and report for ``year``; True when it succeeded."""
    result = dg.execute_job(
        dg.build_reconstructable_job("pipelines.definitions", "get_job", (ANNUAL_JOB,)),
        instance=dg.DagsterInstance.get(),
        run_config={
            "execution": {"config": {executor: {}}},
            "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
        },
        tags={"dagster/partition": str(year), **(tags or {})},
        raise_on_error=False,
    )
    return result.success


def loaded_rows(con: duckdb.DuckDBPyConnection, source: str, quarter: Quarter) -> int:
    from pipelines.warehouse.store import tables

    row = fetch_one(con, tables(source).count_warehouse, {"quarter": str(quarter)})
    return int(row[0]) if row else 0


def status_lines(workdir: Workdir, quarter: Quarter, sources: Sequence[str]) -> list[str]:
    """One Chinese line per source: the newest received version, whether it is in force, and
    which version is in force; then a line per landing entry intake refused or skipped."""
    from pipelines.intake.landing import scan_source_folder

    lines = []
    try:
        con = duckdb.connect(str(workdir.warehouse), read_only=True)
    except (duckdb.Error, OSError) as exc:
        return [f"    ✗ 无法读取数据仓库 {workdir.warehouse}：{explain_exception(exc)}"]
    with con:
        for source in sources:
            params = {"source": source, "quarter": str(quarter)}
            title = contract(source).title
            try:
                row = fetch_one(con, sql("intake/select_latest_submission"), params)
                in_force = fetch_one(con, sql("intake/select_in_force"), params)
                loaded = loaded_rows(con, source, quarter)
            except duckdb.CatalogException:  # nothing registered yet (empty warehouse)
                row = in_force = None
                loaded = 0
            force = f"在用版本 {in_force[0]}（{loaded:,} 行）" if in_force else "暂无在用版本"
            if row is None and not contract(source).required:
                lines.append(f"    – {title}：未报送（可选数据源，相关指标本季度缺失）")
            elif row is None:
                lines.append(f"    ✗ {title}：未收到文件")
            elif row[1] == "accepted" and in_force and in_force[1] == row[4]:
                lines.append(f"    ✓ {title}：{row[0]} 已入库 {loaded:,} 行（在用版本）")
            elif row[1] == "rejected":
                report = workdir.root / row[3] if row[3] else None
                lines.append(
                    f"    ✗ {title}：{row[0]} 被退回（{row[2]} 处错误），{force}不变；"
                    f"退回报告 {report}"
                )
            else:
                status = STATUS_ZH.get(row[1], row[1])
                lines.append(f"    ? {title}：最新收到的 {row[0]} {status}；{force}")
            notes = scan_source_folder(workdir.landing, source, quarter).notes
            lines.extend(f"      ! {note}" for note in notes)
    return lines


STATUS_ZH = {
    "received": "尚未校验",
    "staged": "已暂存、尚未校验",
    "validated": "已通过校验、尚未入库",
    "accepted": "曾入库、现非在用版本",
    "superseded": "已被更新的版本取代",
}
