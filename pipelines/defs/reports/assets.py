"""Reports: one quarter's 季通报 (self-contained HTML) and 数据表 (Excel), written under
``<workdir>/reports/<quarter>/``, and the index of every quarter (``<workdir>/reports/index.html``).
Both read the scores (scoring/rankings, scoring/indicator_scores), the satisfaction survey and
the submissions register; their paths are asset metadata (a link in the UI)."""

import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.framework import FrameworkResource
from pipelines.defs.keys import (
    BULLETIN,
    INDICATOR_SCORES,
    RANK_UNCERTAINTY,
    RANKINGS,
    RECTIFICATION_TASKS,
    REPORTS_GROUP,
    WORKBOOK,
    warehouse_key,
)
from pipelines.defs.resources import WorkdirResource
from pipelines.env import DUCKDB_POOL
from pipelines.partitions import partition_quarter, quarterly_partitions
from pipelines.project import Project
from pipelines.registry import default_registry
from pipelines.reports.build import (
    now_shanghai,
    write_bulletin_html,
    write_bulletin_workbook,
)
from pipelines.reports.config import BulletinConfigError, load_bulletin_config
from pipelines.reports.content import BulletinContent, build_content
from pipelines.reports.data import NoScoresError
from pipelines.reports.render import render_index

UPSTREAM = [
    RANKINGS,
    INDICATOR_SCORES,
    RANK_UNCERTAINTY,
    warehouse_key("satisfaction_responses"),
    # 八、整改落实情况 (issue 10)
    RECTIFICATION_TASKS,
]


def _content(
    context: dg.AssetExecutionContext,
    indicator_framework: FrameworkResource,
    duckdb: DuckDBResource,
) -> BulletinContent:
    quarter = partition_quarter(context)
    try:
        settings = load_bulletin_config()
        framework = indicator_framework.load()
        with duckdb.get_connection() as con:
            return build_content(con, quarter, config=settings, framework=framework)
    except (NoScoresError, BulletinConfigError) as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc


def _file_metadata(path: Path, label: str) -> dict[str, object]:
    return {
        label: dg.MetadataValue.path(str(path)),
        f"{label}_url": dg.MetadataValue.url(path.as_uri()),
        f"{label}_bytes": path.stat().st_size,
    }


def _bulletin_result(
    context: dg.AssetExecutionContext, content: BulletinContent, reports_dir: Path
) -> dg.MaterializeResult:
    started = time.perf_counter()
    generated_at = now_shanghai()
    html = write_bulletin_html(content, reports_dir, generated_at)
    registry = default_registry()
    index = render_index(reports_dir, registry.city_name, registry.synthetic, generated_at)
    leader = content.rows[0] if content.rows else None
    context.log.info(f"{content.quarter} 季通报：{html}")
    return dg.MaterializeResult(
        asset_key=BULLETIN,
        metadata={
            "quarter": str(content.quarter),
            **_file_metadata(html, "bulletin"),
            **_file_metadata(index, "index"),
            "units": len(content.rows),
            "leader": f"{leader.unit_name}（{leader.score:.2f}分）" if leader else "无",
            "red_list": "、".join(e.unit.unit_name for e in content.lists.red) or "无",
            "black_list": "、".join(e.unit.unit_name for e in content.lists.black) or "无",
            "render_seconds": round(time.perf_counter() - started, 2),
        },
    )


def _workbook_result(
    context: dg.AssetExecutionContext, content: BulletinContent, reports_dir: Path
) -> dg.MaterializeResult:
    path = write_bulletin_workbook(content, reports_dir, now_shanghai())
    context.log.info(f"{content.quarter} 数据表：{path}")
    return dg.MaterializeResult(
        asset_key=WORKBOOK,
        metadata={"quarter": str(content.quarter), **_file_metadata(path, "workbook")},
    )


def build_report_defs(project: Project) -> dg.Definitions:
    """The bulletin and workbook of ``project``: one multi-asset that builds the quarter's
    content once and writes whichever of the two the run selects."""
    partitions = quarterly_partitions(project)

    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                BULLETIN,
                deps=UPSTREAM,
                group_name=REPORTS_GROUP,
                kinds={"html", "plotly"},
                skippable=True,
                description=(
                    "季通报：本季度营商环境评价通报（单个 HTML 文件，内嵌 plotly.js，"
                    "离线可打开、可按 A4 打印）：总体情况、综合排名、红黑榜、分项指标、各地短板、"
                    "趋势、部门满意度、数据质量与评价方法附录。"
                    "写入 <工作目录>/reports/<季度>/，并重新生成 reports/index.html（各季度目录）。"
                ),
            ),
            dg.AssetSpec(
                WORKBOOK,
                deps=UPSTREAM,
                group_name=REPORTS_GROUP,
                kinds={"excel"},
                skippable=True,
                description=(
                    "数据表：本季度通报的全部表格（综合排名、一级与二级指标得分、指标值、红黑榜、"
                    "各地短板、部门满意度、意见建议、数据质量、指标体系）写成一个 Excel 文件，"
                    "中文工作表名，表头冻结；"
                    "部门填写的以 = + - @ 开头的文字加 ' 前缀，不会被当作公式。"
                ),
            ),
        ],
        name="reports__bulletin_and_workbook",
        can_subset=True,
        partitions_def=partitions,
        pool=DUCKDB_POOL,
    )
    def reports(
        context: dg.AssetExecutionContext,
        indicator_framework: FrameworkResource,
        duckdb: DuckDBResource,
        workdir: WorkdirResource,
    ) -> Iterator[dg.MaterializeResult]:
        content = _content(context, indicator_framework, duckdb)
        selected = context.selected_asset_keys
        if BULLETIN in selected:
            yield _bulletin_result(context, content, workdir.layout.reports)
        if WORKBOOK in selected:
            yield _workbook_result(context, content, workdir.layout.reports)

    return dg.Definitions(assets=[reports])
