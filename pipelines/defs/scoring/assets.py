"""Scoring: the quarter's indicator values are scored by the framework (pipelines/scoring,
前沿距离法 and friends; earlier quarters are the history of frontier_observed bounds) into
scores.indicator_scores; the totals are ranked into scores.rankings with the previous
quarter's rank and score. Each asset judges the partition it wrote with its in-asset checks
(``pipelines.defs.checks``); a failing ``scores_within_range`` stops the rankings."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.defs.checks import InAssetCheck, Judge, check_result, partition_of
from pipelines.defs.framework import FrameworkResource, project_lead_tags
from pipelines.defs.keys import INDICATOR_SCORES, INDICATOR_VALUES, RANKINGS, SCORING_GROUP
from pipelines.env import DUCKDB_POOL
from pipelines.indicators import ensure_scores_schema, replace_indicator_scores, replace_rankings
from pipelines.indicators.scoring import score_quarter, unit_names
from pipelines.indicators.store import read_partition
from pipelines.metadata import markdown_table
from pipelines.partitions import partition_quarter, quarterly_partitions
from pipelines.project import Project
from pipelines.quarters import Quarter
from pipelines.scoring import ScoringInputError, units_from_registry

SCORE_RANGE = (0.0, 100.0)
# The checks' descriptions (the UI's), by check name.
CHECK_DESCRIPTIONS = {
    "scores_within_range": "所有得分均在 [0, 100] 之内；不通过时阻断排名。",
    "every_unit_has_total": "单位清单（项目的 regions.yaml）中的每个单位本季度都有总分。",
    "ranks_follow_scores": (
        "名次与未四舍五入的总分一致：得分高者名次靠前，同分同名次（取最优名次）。"
    ),
}


def scores_within_range(quarter: Quarter, scores: pd.DataFrame) -> dg.AssetCheckResult:
    lo, hi = SCORE_RANGE
    bad = scores[scores["score"].notna() & ((scores["score"] < lo) | (scores["score"] > hi))]
    metadata: dict[str, object] = {"out_of_range": len(bad), "scores": len(scores)}
    if len(bad):
        metadata["out_of_range_preview"] = dg.MetadataValue.md(markdown_table(bad, 20))
    passed = bad.empty and len(scores) > 0
    failure = f"{quarter} 有 {len(bad)} 个得分超出 [0, 100]" if len(bad) else f"{quarter} 没有得分"
    return check_result(passed, dg.AssetCheckSeverity.ERROR, metadata, failure)


def every_unit_has_total(quarter: Quarter, scores: pd.DataFrame) -> dg.AssetCheckResult:
    totals = scores[(scores["level"] == 0) & scores["score"].notna()]
    scored = set(totals["unit_code"])
    missing = [u.code for u in units_from_registry().units if u.code not in scored]
    return check_result(
        not missing,
        dg.AssetCheckSeverity.WARN,
        {"units_without_total": dg.MetadataValue.json(missing)},
        f"{quarter} 无总分的单位：{'、'.join(missing)}",
    )


def ranks_follow_scores(quarter: Quarter, table: pd.DataFrame) -> dg.AssetCheckResult:
    scored = table[table["total_score"].notna()]
    expected = scored["total_score"].rank(method="min", ascending=False).astype("int64")
    wrong = scored[scored["rank"].astype("int64") != expected]
    unranked_scored = int(scored["rank"].isna().sum())
    passed = wrong.empty and unranked_scored == 0 and len(table) > 0
    metadata = {"wrong_ranks": len(wrong), "units": len(table)}
    failure = f"{quarter} 排名与总分不一致：{len(wrong)} 个单位"
    return check_result(passed, dg.AssetCheckSeverity.ERROR, metadata, failure)


def build_scoring_defs(project: Project) -> dg.Definitions:
    """Scores and rankings of ``project``."""
    partitions = quarterly_partitions(project)
    tags = project_lead_tags(project)

    def check(judge: Judge, asset: dg.AssetKey, table: str, *, blocking: bool) -> InAssetCheck:
        description = CHECK_DESCRIPTIONS[judge.__name__]
        return InAssetCheck(judge, asset, [partition_of(table)], blocking, description)

    score_checks = [
        check(scores_within_range, INDICATOR_SCORES, "indicator_scores", blocking=True),
        check(every_unit_has_total, INDICATOR_SCORES, "indicator_scores", blocking=False),
    ]
    ranking_checks = [check(ranks_follow_scores, RANKINGS, "rankings", blocking=False)]

    @dg.asset(
        key=INDICATOR_SCORES,
        # frontier_observed bounds use a window of earlier quarters' values.
        deps=[
            dg.AssetDep(
                INDICATOR_VALUES,
                partition_mapping=dg.TimeWindowPartitionMapping(
                    start_offset=-3, end_offset=0, allow_nonexistent_upstream_partitions=True
                ),
            )
        ],
        group_name=SCORING_GROUP,
        partitions_def=partitions,
        pool=DUCKDB_POOL,
        kinds={"duckdb", "pandas"},
        tags=tags,
        check_specs=[c.spec for c in score_checks],
        description=(
            "指标得分：读取本季度及以前各季度的指标值（以前各季度仅作 frontier_observed 的参照），"
            "按指标体系计算各单位二级指标、一级指标与总分（TOTAL）的得分和名次（未四舍五入的得分排名，"
            "并列取最优名次；缺失值不计 0，标记 missing_value），写入 scores.indicator_scores"
            "（同一事务内先删除该季度分区再插入）。"
        ),
    )
    def indicator_scores(
        context: dg.AssetExecutionContext,
        indicator_framework: FrameworkResource,
        duckdb: DuckDBResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        quarter = partition_quarter(context)
        framework = indicator_framework.load()
        units = units_from_registry()
        with duckdb.get_connection() as con:
            ensure_scores_schema(con)
            try:
                result = score_quarter(con, framework, quarter, units)
            except ScoringInputError as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from exc
            nodes = result.node_scores[result.node_scores["period"] == str(quarter)]
            replace_indicator_scores(con, quarter, nodes)
            results = [c.evaluate(con, quarter) for c in score_checks]
        top = nodes[nodes["level"] <= 1]
        wide = (
            top.pivot(index="unit", columns="node", values="score")
            .reindex(columns=[framework.root, *framework.node(framework.root).children])
            .round(2)
            .sort_values(framework.root, ascending=False)
            .reset_index()
        )
        flags = nodes["flags"].str.split(";").explode()
        flag_counts = flags[flags.fillna("") != ""].value_counts()
        context.log.info(f"{quarter}: {len(nodes)} 个节点得分")
        yield dg.MaterializeResult(
            metadata={
                "quarter": str(quarter),
                "framework": str(framework.source),
                "dagster/row_count": len(nodes),
                "flags": dg.MetadataValue.json({k: int(v) for k, v in flag_counts.items()}),
                "preview": dg.MetadataValue.md(markdown_table(wide, 20)),
            }
        )
        yield from results

    @dg.asset(
        key=RANKINGS,
        # The change against the previous quarter reads that quarter's rankings, so a backfill
        # (CLI or UI) builds quarters in order.
        deps=[
            INDICATOR_SCORES,
            dg.AssetDep(
                RANKINGS,
                partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1),
            ),
        ],
        group_name=SCORING_GROUP,
        partitions_def=partitions,
        pool=DUCKDB_POOL,
        kinds={"duckdb"},
        check_specs=[c.spec for c in ranking_checks],
        description=(
            "总分排名：本季度各单位总分（未四舍五入）与名次（并列取最优名次），以及上季度名次、"
            "上季度总分、名次变化（上季度名次 − 本季度名次，正数为上升）与得分变化，写入 "
            "scores.rankings；上季度无排名时为空。"
        ),
    )
    def rankings(
        context: dg.AssetExecutionContext,
        indicator_framework: FrameworkResource,
        duckdb: DuckDBResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        quarter = partition_quarter(context)
        framework = indicator_framework.load()
        with duckdb.get_connection() as con:
            ensure_scores_schema(con)
            replace_rankings(con, quarter, framework.root, unit_names(units_from_registry()))
            table = read_partition(con, "rankings", quarter)
            results = [c.evaluate(con, quarter) for c in ranking_checks]
        has_previous = bool(table["previous_rank"].notna().any())
        if not has_previous:
            context.log.info(f"{quarter.previous()} 没有排名：上季度名次与变化为空")
        preview = pd.DataFrame(
            {
                "名次": table["rank"],
                "单位": table["unit_name"],
                "总分": table["total_score"].round(2),
                "上季度名次": table["previous_rank"],
                "名次变化": table["rank_change"],
                "得分变化": table["score_change"].round(2),
            }
        )
        yield dg.MaterializeResult(
            metadata={
                "quarter": str(quarter),
                "dagster/row_count": len(table),
                "previous_quarter": str(quarter.previous()) if has_previous else "无",
                "preview": dg.MetadataValue.md(markdown_table(preview, 20)),
            }
        )
        yield from results

    return dg.Definitions(assets=[indicator_scores, rankings])
