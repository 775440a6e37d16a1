"""Indicator values: every leaf's SQL file (sql/indicators/*.sql) runs for the partition's
quarter against the warehouse; the quarter's partition of scores.indicator_values (and of
its lineage table scores.indicator_inputs) is replaced in one transaction, and the asset's
check ``every_indicator_has_values`` (WARN) judges the partition it wrote."""

from collections.abc import Iterator, Sequence

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.defs.checks import InAssetCheck, check_result, partition_of
from pipelines.defs.framework import FrameworkResource, project_lead_tags
from pipelines.defs.keys import INDICATOR_VALUES, INDICATORS_GROUP, warehouse_key
from pipelines.env import DUCKDB_POOL
from pipelines.indicators import (
    IndicatorSqlError,
    ensure_scores_schema,
    leaf_sql_name,
    prepare_calendar,
    refresh_indicator_values,
)
from pipelines.indicators.compute import leaf_sql_text
from pipelines.metadata import markdown_table, sql_markdown
from pipelines.partitions import partition_quarter, quarterly_partitions
from pipelines.project import Project
from pipelines.quarters import Quarter
from pipelines.registry import default_registry
from pipelines.workdays import CalendarCoverageError


def warehouse_deps(project: Project) -> list[dg.AssetDep]:
    """Every enabled source's warehouse table; a source whose contract declares
    ``lookback_quarters`` (growth rates read the year-ago quarter) maps that many earlier
    quarters too, so a correction of an earlier quarter rebuilds the later ones."""
    deps = []
    for source in project.source_ids:
        lookback = project.contract(source).lookback_quarters
        mapping = (
            dg.TimeWindowPartitionMapping(
                start_offset=-lookback, end_offset=0, allow_nonexistent_upstream_partitions=True
            )
            if lookback
            else None
        )
        deps.append(dg.AssetDep(warehouse_key(source), partition_mapping=mapping))
    return deps


def every_indicator_has_values(
    quarter: Quarter, values: pd.DataFrame, leaf_codes: Sequence[str]
) -> dg.AssetCheckResult:
    present = set(values.loc[values["value"].notna(), "indicator"])
    empty = [code for code in leaf_codes if code not in present]
    return check_result(
        not empty,
        dg.AssetCheckSeverity.WARN,
        {"empty_indicators": dg.MetadataValue.json(empty)},
        f"{quarter} 无值的指标：{'、'.join(empty)}",
    )


def build_indicator_defs(project: Project) -> dg.Definitions:
    """Indicator values of ``project``: the leaves of its framework, over its sources."""
    partitions = quarterly_partitions(project)
    tags = project_lead_tags(project)
    check = InAssetCheck(
        every_indicator_has_values,
        INDICATOR_VALUES,
        [partition_of("indicator_values")],
        blocking=False,
        description=(
            "每项二级指标本季度至少有一个单位有值"
            "（全部缺失通常意味着数据源缺期、可选数据源未报送或 SQL 有误）。"
        ),
    )

    @dg.asset(
        key=INDICATOR_VALUES,
        deps=warehouse_deps(project),
        group_name=INDICATORS_GROUP,
        partitions_def=partitions,
        pool=DUCKDB_POOL,
        kinds={"duckdb", "sql"},
        tags=tags,
        check_specs=[check.spec],
        description=(
            "二级指标原始值：按项目的指标体系（framework.yaml）逐项运行二级指标的 SQL，"
            "从仓库表计算各县市区、开发区本季度的指标值与样本量（n_cases），写入 "
            "scores.indicator_values，并在 scores.indicator_inputs "
            "记录所读仓库分区的报送文件哈希；"
            "同一事务内先删除该季度分区再插入。用时类指标按中国法定工作日（work_calendar）计算。"
            "无办件的单位不写值（缺失，不按 0 计）。"
        ),
    )
    def indicator_values(
        context: dg.AssetExecutionContext,
        indicator_framework: FrameworkResource,
        duckdb: DuckDBResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        quarter = partition_quarter(context)
        framework = indicator_framework.load()
        with duckdb.get_connection() as con:
            ensure_scores_schema(con)
            try:
                first_day, last_day = prepare_calendar(con, quarter)
            except CalendarCoverageError as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from exc
            try:
                values = refresh_indicator_values(con, framework, quarter)
            except IndicatorSqlError as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from exc
            judged = check.evaluate(con, quarter, framework.leaf_codes)
        context.log.info(
            f"{quarter}: {len(values)} 个指标值（{len(framework.leaves())} 项二级指标）"
        )
        wide = (
            values.pivot(index="unit_code", columns="indicator", values="value")
            .reindex(columns=framework.leaf_codes)
            .round(2)
            .reset_index()
        )
        sql_files = [leaf.sql for leaf in framework.leaves()]
        missing = len(framework.leaves()) * len(default_registry().units) - int(
            values["value"].notna().sum()
        )
        yield dg.MaterializeResult(
            metadata={
                "quarter": str(quarter),
                "framework": str(framework.source),
                "dagster/row_count": len(values),
                "indicators": len(framework.leaves()),
                "units": int(values["unit_code"].nunique()),
                "missing_values": missing,
                "work_calendar": f"{first_day} – {last_day}",
                "sql_files": dg.MetadataValue.json(sql_files),
                "sql": dg.MetadataValue.md(
                    sql_markdown(
                        {leaf_sql_name(leaf): leaf_sql_text(leaf) for leaf in framework.leaves()}
                    )
                ),
                "preview": dg.MetadataValue.md(markdown_table(wide, 20)),
            }
        )
        yield judged

    return dg.Definitions(assets=[indicator_values])
