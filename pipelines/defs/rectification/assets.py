"""Rectification (整改台账): when a quarter is scored, its open tasks are re-measured
(销号 / 持续整改 / 回炉 / 逾期, with the quarter's progress ledger) and its weak points open new
tasks. The asset depends on its previous quarter, so backfills (and the correction sensor's
backfill of every later quarter) re-derive outcomes in quarter order."""

from datetime import datetime

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.framework import FrameworkResource
from pipelines.defs.keys import (
    INDICATOR_SCORES,
    INDICATOR_VALUES,
    RECTIFICATION_GROUP,
    RECTIFICATION_TASKS,
    warehouse_key,
)
from pipelines.env import DUCKDB_POOL, SHANGHAI
from pipelines.indicators import ensure_scores_schema
from pipelines.indicators.store import read_partition
from pipelines.metadata import markdown_table
from pipelines.partitions import partition_quarter, quarterly_partitions
from pipelines.project import Project
from pipelines.rectification.config import OUTCOMES, RectificationConfigError, load_rules
from pipelines.rectification.engine import derive_quarter
from pipelines.rectification.store import (
    ensure_rectification_schema,
    open_tasks,
    progress_rows,
    write_quarter,
)
from pipelines.scoring import Framework, units_from_registry

LEDGER_SOURCE = "rectification_progress"


def indicator_leads(framework: Framework) -> dict[str, str]:
    """Each node's 牵头单位: its own ``lead``, else the nearest ancestor's."""
    leads: dict[str, str] = {}
    for node in framework.nodes():
        lead, parent = node.lead, node.parent
        while lead is None and parent is not None:
            ancestor = framework.node(parent)
            lead, parent = ancestor.lead, ancestor.parent
        if lead:
            leads[node.code] = lead
    return leads


def build_rectification_defs(project: Project) -> dg.Definitions:
    partitions = quarterly_partitions(project)
    deps: list[dg.AssetDep | dg.AssetKey] = [
        INDICATOR_SCORES,
        INDICATOR_VALUES,
        dg.AssetDep(
            RECTIFICATION_TASKS,
            partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1),
        ),
    ]
    if LEDGER_SOURCE in project.source_ids:
        deps.append(warehouse_key(LEDGER_SOURCE))

    @dg.asset(
        key=RECTIFICATION_TASKS,
        deps=deps,
        group_name=RECTIFICATION_GROUP,
        partitions_def=partitions,
        pool=DUCKDB_POOL,
        kinds={"duckdb", "pandas"},
        description=(
            "整改台账：按 rectification.yaml 的规则，本季度各单位二级指标中排名后 N 位或得分低于"
            "阈值的生成整改任务（编号 ZG-季度-单位-指标；仍在整改的问题沿用原任务，不重复立项），"
            "写入 scores.rectification_tasks（替换该季度立项的任务）；"
            "以前各季度未销号的任务按本季度得分与本季度进展台账判定"
            "销号 / 持续整改 / 回炉 / 逾期，追加到只增不改的 "
            "scores.rectification_events（内容不变的重跑不追加；依赖上季度，按季度顺序回填）。"
        ),
    )
    def rectification_tasks(
        context: dg.AssetExecutionContext,
        indicator_framework: FrameworkResource,
        duckdb: DuckDBResource,
    ) -> dg.MaterializeResult:
        quarter = partition_quarter(context)
        framework = indicator_framework.load()
        try:
            rules = load_rules()
        except RectificationConfigError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        units = units_from_registry()
        unit_names = {u.code: u.name for u in units.units}
        with duckdb.get_connection() as con:
            ensure_scores_schema(con)
            ensure_rectification_schema(con)
            scores = read_partition(con, "indicator_scores", quarter)
            values = read_partition(con, "indicator_values", quarter)
            level = scores[scores["level"] == rules.level]
            level = level.merge(
                values[["unit_code", "indicator", "value"]].rename(columns={"indicator": "node"}),
                on=["unit_code", "node"],
                how="left",
            )
            if level.empty:
                raise dg.Failure(
                    description=f"{quarter} 没有二级指标得分，无法生成整改任务", allow_retries=False
                )
            result = derive_quarter(
                quarter,
                level,
                open_tasks(con, quarter),
                progress_rows(con, quarter),
                rules,
                indicator_names={n.code: n.name for n in framework.nodes()},
                leads=indicator_leads(framework),
                unit_names=unit_names,
            )
            appended = write_quarter(
                con,
                quarter,
                result.tasks,
                result.events,
                run_id=context.run_id,
                computed_at=datetime.now(SHANGHAI),
            )
        counts = result.events["outcome"].value_counts()
        by_outcome = {o: int(counts.get(o, 0)) for o in OUTCOMES}
        context.log.info(f"{quarter}: 新立 {len(result.tasks)} 项；各结果 {by_outcome}")
        preview = result.events[
            ["task_id", "outcome", "reported_status", "measured_score", "reason"]
        ]
        return dg.MaterializeResult(
            metadata={
                "quarter": str(quarter),
                "opened": len(result.tasks),
                "events": len(result.events),
                "event_versions_appended": appended,
                "outcomes": dg.MetadataValue.json(by_outcome),
                "preview": dg.MetadataValue.md(markdown_table(preview, 20)),
            }
        )

    return dg.Definitions(assets=[rectification_tasks])
