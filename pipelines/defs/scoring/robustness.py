"""How sure is a rank: the quarter's ranking re-scored under the declared uncertain inputs
(weights ±25 %, normalisation, aggregation, missing values; ``robustness.yaml`` beside the
framework) by a seeded Monte Carlo, with Sobol indices (SALib) of the inputs; written to
scores.rank_uncertainty and scores.rank_sensitivity."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource
from pydantic import Field

from pipelines.defs.checks import InAssetCheck, check_result, partition_of
from pipelines.defs.framework import FrameworkResource
from pipelines.defs.keys import RANK_UNCERTAINTY, RANKINGS, SCORING_GROUP
from pipelines.env import DUCKDB_POOL
from pipelines.indicators import ensure_scores_schema
from pipelines.indicators.robustness import analyse_quarter, replace_rank_uncertainty
from pipelines.metadata import markdown_table
from pipelines.partitions import partition_quarter, quarterly_partitions
from pipelines.project import Project
from pipelines.quarters import Quarter
from pipelines.reports.config import BulletinConfigError, load_bulletin_config
from pipelines.scoring import ScoringInputError, units_from_registry
from pipelines.scoring.robustness import (
    MEAN_SHIFT,
    RobustnessConfigError,
    load_robustness_settings,
    settings_path,
)


def nominal_equals_rankings(
    quarter: Quarter, uncertainty: pd.DataFrame, ranking: pd.DataFrame
) -> dg.AssetCheckResult:
    merged = uncertainty.merge(ranking, on="unit_code", how="outer", indicator=True)
    ranked = merged[merged["rank"].notna() | merged["nominal_rank"].notna()]
    wrong = ranked[(ranked["_merge"] != "both") | (ranked["rank"] != ranked["nominal_rank"])]
    passed = wrong.empty and len(uncertainty) > 0
    metadata = {"mismatched_units": dg.MetadataValue.json(wrong["unit_code"].tolist())}
    failure = f"{quarter} 稳健性原名次与综合排名不一致：{len(wrong)} 个单位"
    return check_result(passed, dg.AssetCheckSeverity.WARN, metadata, failure)


class RobustnessConfig(dg.Config):
    """Run settings of the analysis (default: robustness.yaml beside the framework)."""

    replications: int = Field(
        default=0, description="模拟次数；0 表示按 robustness.yaml（默认 1000）"
    )
    seed: int = Field(default=-1, description="随机种子；-1 表示按 robustness.yaml")


def build_robustness_defs(project: Project) -> dg.Definitions:
    """The rank uncertainty of ``project``."""
    partitions = quarterly_partitions(project)
    check = InAssetCheck(
        nominal_equals_rankings,
        RANK_UNCERTAINTY,
        [partition_of("rank_uncertainty"), partition_of("rankings")],
        blocking=False,
        description="稳健性分析的原名次（按指标体系配置计分）与 scores.rankings 的名次一致。",
    )

    @dg.asset(
        key=RANK_UNCERTAINTY,
        deps=[RANKINGS],
        group_name=SCORING_GROUP,
        partitions_def=partitions,
        pool=DUCKDB_POOL,
        kinds={"duckdb", "numpy"},
        check_specs=[check.spec],
        description=(
            "名次稳健性：以本季度已入库的指标值为输入，按声明的不确定因素（权重上下浮动 25% "
            "并重新归一、标准化方法、汇总方法、缺失值处理；可在指标体系旁的 robustness.yaml "
            "中修改）重复计分排名（默认 1000 次，固定随机种子），得出各单位的名次中位数、"
            "5%–95% 区间、保持原名次和红黑榜位置的比例，并用 Sobol 指数（SALib）说明哪个因素"
            "对名次影响最大；写入 scores.rank_uncertainty 与 scores.rank_sensitivity"
            "（同一事务内先删除该季度分区再插入）。"
        ),
    )
    def rank_uncertainty(
        context: dg.AssetExecutionContext,
        config: RobustnessConfig,
        indicator_framework: FrameworkResource,
        duckdb: DuckDBResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        quarter = partition_quarter(context)
        framework = indicator_framework.load()
        try:
            settings = load_robustness_settings(settings_path(indicator_framework.file)).with_run(
                config.replications or None, config.seed if config.seed >= 0 else None
            )
            rules = load_bulletin_config().rules
        except (RobustnessConfigError, BulletinConfigError) as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        with duckdb.get_connection() as con:
            ensure_scores_schema(con)
            try:
                result = analyse_quarter(
                    con, framework, quarter, units_from_registry(), settings, rules
                )
            except ScoringInputError as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from exc
            replace_rank_uncertainty(con, quarter, result)
            judged = check.evaluate(con, quarter)
        table = result.units
        preview = pd.DataFrame(
            {
                "名次": table["nominal_rank"],
                "单位": table["unit_name"],
                "名次中位数": table["median_rank"],
                "5%–95%区间": [
                    f"{a}–{b}" for a, b in zip(table["rank_p05"], table["rank_p95"], strict=True)
                ],
                "保持名次": (table["share_nominal_rank"] * 100).round(1),
                "保持榜单位置": (table["share_list_place"] * 100).round(1),
            }
        )
        driver = result.driver(MEAN_SHIFT)
        yield dg.MaterializeResult(
            metadata={
                "quarter": str(quarter),
                "replications": settings.replications,
                "seed": settings.seed,
                "dagster/row_count": len(table),
                "main_driver": f"{driver['factor_label']}（总效应指数 {driver['st']:.2f}）"
                if driver is not None
                else "无",
                "preview": dg.MetadataValue.md(markdown_table(preview, 30)),
            }
        )
        yield judged

    return dg.Definitions(assets=[rank_uncertainty])
