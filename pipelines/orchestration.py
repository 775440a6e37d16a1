"""Running the pipeline from the command line (demo, run, backfill): one Dagster run per
quarter on the instance in ``$DAGSTER_HOME``, and a Chinese status line per source."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg
import duckdb

from pipelines.contracts import contract
from pipelines.env import Workdir
from pipelines.quarters import Quarter
from pipelines.sqlfiles import sql
from pipelines.warehouse.store import fetch_one

PIPELINE_JOB = "quarterly_pipeline"
EXECUTORS = ("in_process", "multiprocess")
REPORT_ASSETS = (dg.AssetKey(["reports", "bulletin"]), dg.AssetKey(["reports", "workbook"]))


def refresh_job(source: str) -> str:
    """The job a new version of ``source`` triggers: its chain and everything downstream."""
    return f"refresh_{source}"


def source_chain(source: str) -> list[dg.AssetKey]:
    return [dg.AssetKey([stage, source]) for stage in ("intake", "staging", "warehouse")]


def run_quarter(
    quarter: Quarter,
    executor: str = "in_process",
    *,
    job_name: str = PIPELINE_JOB,
    asset_selection: Sequence[dg.AssetKey] | None = None,
    sources: Sequence[str] | None = None,
    tags: dict[str, str] | None = None,
) -> bool:
    """One run of ``job_name`` for ``quarter``; True when it succeeded. ``sources`` limits the
    run to those sources' intake → staging → warehouse chains."""
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}")
    if sources is not None:
        asset_selection = [key for source in sources for key in source_chain(source)]
    result = dg.execute_job(
        dg.build_reconstructable_job("pipelines.definitions", "get_job", (job_name,)),
        instance=dg.DagsterInstance.get(),
        run_config={
            "execution": {"config": {executor: {}}},
            # The CLI prints its own progress; the full event log is in Dagster's storage.
            "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
        },
        tags={"dagster/partition": quarter.partition_key, **(tags or {})},
        asset_selection=list(asset_selection) if asset_selection is not None else None,
        raise_on_error=False,
    )
    return result.success


ANNUAL_JOB = "annual_reporting"


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
    """One Chinese line per source: what was received, whether it is in force, and why not."""
    lines = []
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        for source in sources:
            params = {"source": source, "quarter": str(quarter)}
            row = fetch_one(con, sql("intake/select_latest_submission"), params)
            loaded = loaded_rows(con, source, quarter)
            title = contract(source).title
            if row is None and not contract(source).required:
                lines.append(f"    – {title}：未报送（可选数据源，相关指标本季度缺失）")
            elif row is None:
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
