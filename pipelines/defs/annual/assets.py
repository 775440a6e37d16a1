"""The annual evaluation (年度综合评价): yearly partitions, each depending on the year's four
quarterly rankings. annual/annual_rankings stores scores.annual_rankings; annual/annual_report
writes the year's report (HTML) and workbook under <workdir>/reports/<year>年度/."""

from collections.abc import Iterator

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.defs.checks import InAssetCheck, check_result
from pipelines.defs.framework import FrameworkResource
from pipelines.defs.keys import ANNUAL_RANKINGS, ANNUAL_REPORT, RANKINGS
from pipelines.defs.resources import WorkdirResource
from pipelines.env import DUCKDB_POOL
from pipelines.indicators import IndicatorSqlError, ensure_scores_schema
from pipelines.metadata import markdown_table
from pipelines.partitions import partition_year, yearly_partitions
from pipelines.project import Project
from pipelines.reports.annual import (
    IncompleteYearError,
    annual_result,
    build_annual_content,
    evaluate_year,
    read_annual_rankings,
    replace_annual_rankings,
)
from pipelines.reports.annual_render import write_annual
from pipelines.reports.build import now_shanghai
from pipelines.reports.config import BulletinConfigError, load_bulletin_config
from pipelines.scoring import ScoringInputError
from pipelines.workdays import CalendarCoverageError

ANNUAL_GROUP = "annual"


def year_complete(year: int, table: pd.DataFrame) -> dg.AssetCheckResult:
    flagged = table[~table["complete"].astype(bool)]
    passed = len(table) > 0 and flagged.empty
    metadata = {"flagged_units": dg.MetadataValue.json(flagged["unit_code"].tolist())}
    failure = f"{year}年度不完整：{len(flagged)} 个单位缺少季度得分，不计算年度得分"
    return check_result(passed, dg.AssetCheckSeverity.ERROR, metadata, failure)


def build_annual_defs(project: Project) -> dg.Definitions:
    """The annual evaluation of ``project``."""
    partitions = yearly_partitions(project)
    complete = InAssetCheck(
        year_complete,
        ANNUAL_RANKINGS,
        [read_annual_rankings],
        blocking=True,
        description="该年度四个季度都有评分、每个单位都有四个季度的总分；不完整时不生成年度报告。",
    )

    @dg.asset(
        key=ANNUAL_RANKINGS,
        # The year's four quarters (time-window mapping: a year → its quarters).
        deps=[dg.AssetDep(RANKINGS, partition_mapping=dg.TimeWindowPartitionMapping())],
        group_name=ANNUAL_GROUP,
        partitions_def=partitions,
        pool=DUCKDB_POOL,
        kinds={"duckdb"},
        check_specs=[complete.spec],
        description=(
            "年度综合评价：年度得分（默认为四个季度综合得分的平均；annual.score: "
            "recomputed_from_cases 时以全年四个季度的办件等数据重新计算各指标值，再按季度评价的"
            "方法计分）、年度排名及较上年度的变化、"
            "年度红黑榜、“三挂钩”等次（bulletin.yaml 的 annual 设置），写入 scores.annual_rankings"
            "（同一事务内先删除该年度分区再插入）。缺少任一季度得分的年度或单位标记为不完整，"
            "不计算年度得分，绝不以三个季度的平均代替。"
        ),
    )
    def annual_rankings(
        context: dg.AssetExecutionContext,
        indicator_framework: FrameworkResource,
        duckdb: DuckDBResource,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        year = partition_year(context)
        try:
            settings = load_bulletin_config()
        except BulletinConfigError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        # The scoring framework (recomputed_from_cases scores the year like a quarter).
        framework = indicator_framework.load() if settings.annual.recomputed else None
        with duckdb.get_connection() as con:
            ensure_scores_schema(con)
            try:
                result = (
                    evaluate_year(con, year, settings, framework)
                    if framework is not None
                    else annual_result(con, year, settings)
                )
            except (IndicatorSqlError, CalendarCoverageError, ScoringInputError) as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from exc
            replace_annual_rankings(con, year, result)
            judged = complete.evaluate(con, year)
        if result.missing_quarters:
            missing = "、".join(str(q) for q in result.missing_quarters)
            context.log.warning(f"{year}年度不完整：{missing} 尚无评分，不计算年度得分")
        preview = pd.DataFrame(
            {
                "年度排名": [r.rank for r in result.rows],
                "单位": [r.unit_name for r in result.rows],
                "年度得分": [None if r.score is None else round(r.score, 2) for r in result.rows],
                "季度数": [r.quarters_scored for r in result.rows],
                "等次": [r.grade for r in result.rows],
            }
        )
        yield dg.MaterializeResult(
            metadata={
                "year": year,
                "score_mode": settings.annual.score,
                "complete": result.complete,
                "missing_quarters": dg.MetadataValue.json(
                    [str(q) for q in result.missing_quarters]
                ),
                "flagged_units": dg.MetadataValue.json([r.unit_code for r in result.flagged]),
                "dagster/row_count": len(result.rows),
                "preview": dg.MetadataValue.md(markdown_table(preview, 30)),
            }
        )
        yield judged

    @dg.asset(
        key=ANNUAL_REPORT,
        deps=[ANNUAL_RANKINGS],
        group_name=ANNUAL_GROUP,
        partitions_def=partitions,
        pool=DUCKDB_POOL,
        kinds={"html", "excel"},
        description=(
            "年度报告：《<城市>营商环境评价 <年>年度报告》"
            "（单个 HTML 文件，离线可打开、可打印 A4）："
            "总体情况、年度综合排名、年度红黑榜、“三挂钩”等次、季度走势、一级指标年度情况、"
            "部门年度满意度与整改、评价方法；以及年度数据表（Excel）。"
            "写入 <工作目录>/reports/<年>年度/。"
        ),
    )
    def annual_report(
        context: dg.AssetExecutionContext,
        indicator_framework: FrameworkResource,
        duckdb: DuckDBResource,
        workdir: WorkdirResource,
    ) -> dg.MaterializeResult:
        year = partition_year(context)
        try:
            settings = load_bulletin_config()
            framework = indicator_framework.load()
            with duckdb.get_connection() as con:
                content = build_annual_content(con, year, config=settings, framework=framework)
        except (IncompleteYearError, BulletinConfigError) as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        paths = write_annual(content, workdir.layout.reports, now_shanghai())
        context.log.info(f"{year}年度报告：{paths.html}")
        metadata: dict[str, object] = {
            "year": year,
            "report": dg.MetadataValue.path(str(paths.html)),
            "report_url": dg.MetadataValue.url(paths.html.as_uri()),
            "units": len(content.rows),
        }
        if paths.workbook is not None:
            metadata["workbook"] = dg.MetadataValue.path(str(paths.workbook))
        return dg.MaterializeResult(metadata=metadata)

    return dg.Definitions(assets=[annual_rankings, annual_report])
