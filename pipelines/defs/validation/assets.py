"""Validation: the latest received version is read, typed and checked batch by batch into
``staging.<source>`` (``pipelines.validation.staging``); the asset's blocking check
``meets_contract`` reports the contract's result (Great Expectations suite + contract checks).
A failing check stops the promotion to the warehouse; it does not undo the staging write,
which is why staging and warehouse are separate tables."""

from collections.abc import Iterator
from typing import TYPE_CHECKING

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.keys import VALIDATION_GROUP, intake_key, staging_key
from pipelines.defs.resources import IntakeSettings, WorkdirResource
from pipelines.env import DUCKDB_POOL
from pipelines.metadata import markdown_table
from pipelines.partitions import partition_quarter, quarterly_partitions
from pipelines.project import Project
from pipelines.registry import default_registry

if TYPE_CHECKING:
    from pipelines.contracts import Contract
    from pipelines.validation.staging import StagingOutcome

CHECK_NAME = "meets_contract"


def build_staging_asset(project: Project, source: str) -> dg.AssetsDefinition:
    spec = project.contract(source)
    key = staging_key(source)

    @dg.asset(
        key=key,
        deps=[intake_key(source)],
        group_name=VALIDATION_GROUP,
        partitions_def=quarterly_partitions(project),
        pool=DUCKDB_POOL,
        kinds={"duckdb", "great_expectations"},
        tags={"source": source},
        check_specs=[
            dg.AssetCheckSpec(
                CHECK_NAME,
                asset=key,
                blocking=True,
                description=(
                    f"{spec.title}：按数据规范校验（Great Expectations 规则集 "
                    f"{source}/suite.json 与合同级检查 {source}/checks.yaml）。"
                    "零错误才能入库；不通过时阻断下游，"
                    "上一个已入库版本继续有效，并生成退回报告。"
                ),
            )
        ],
        description=(
            f"{spec.title}：最新收到的版本经读取、表头匹配与类型转换后写入 staging.{source}"
            "（替换该季度分区）。"
        ),
    )
    def staged(
        context: dg.AssetExecutionContext,
        duckdb: DuckDBResource,
        workdir: WorkdirResource,
        intake_settings: IntakeSettings,
    ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
        from pipelines.validation.staging import NoCandidateError, validate_candidate

        try:
            outcome = validate_candidate(
                duckdb.get_connection,
                spec,
                partition_quarter(context),
                layout=workdir.layout,
                registry=default_registry(),
                volume_factor=intake_settings.volume_factor,
                max_listed_errors=intake_settings.report_max_listed_errors,
                required=spec.required,
            )
        except NoCandidateError as exc:
            raise dg.Failure(description=str(exc)) from None
        yield from staging_results(outcome, spec, key)

    return staged


def staging_results(
    outcome: "StagingOutcome", spec: "Contract", key: dg.AssetKey
) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
    """The materialization and the blocking check's result of one validated candidate."""
    q, candidate, result = outcome.quarter, outcome.candidate, outcome.result
    if candidate is None or result is None:
        yield dg.MaterializeResult(metadata={"quarter": q, "status": "未报送"})
        yield dg.AssetCheckResult(
            check_name=CHECK_NAME,
            asset_key=key,
            passed=True,
            metadata={"status": "未报送（可选数据源）"},
            description=f"{q} {spec.title}：未报送（可选数据源），无待校验的版本",
        )
        return
    hash_ = candidate.submission_hash
    materialization: dict[str, object] = {
        "quarter": q,
        "submission_hash": hash_,
        "file_name": candidate.file_name,
        "dagster/row_count": outcome.staged_rows,
        "parse_errors": outcome.parse_errors,
        "previous_quarter_rows": outcome.previous_rows
        if outcome.previous_rows is not None
        else "无",
    }
    if outcome.preview is not None:
        materialization["preview"] = dg.MetadataValue.md(markdown_table(outcome.preview))
    yield dg.MaterializeResult(metadata=materialization)

    check_metadata: dict[str, object] = {
        "submission_hash": hash_,
        "file_name": candidate.file_name,
        "rows": result.rows,
        "error_count": len(result.errors),
        "failing_rows": result.failing_rows,
        "errors_by_rule": outcome.errors_by_rule,
    }
    if outcome.errors_preview is not None and len(outcome.errors_preview):
        check_metadata["failing_rows_preview"] = dg.MetadataValue.md(
            markdown_table(outcome.errors_preview, limit=len(outcome.errors_preview))
        )
    if outcome.report_html is not None and outcome.report_csv is not None:
        check_metadata["rejection_report"] = dg.MetadataValue.path(str(outcome.report_html))
        check_metadata["rejection_report_csv"] = dg.MetadataValue.path(str(outcome.report_csv))
    yield dg.AssetCheckResult(
        check_name=CHECK_NAME,
        asset_key=key,
        passed=result.valid,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=check_metadata,
        description=None
        if result.valid
        else f"{q} {spec.title}（{candidate.file_name}）被退回：{len(result.errors)} 处错误，"
        f"涉及 {result.failing_rows} 行",
    )


def build_staging_assets(project: Project) -> list[dg.AssetsDefinition]:
    return [build_staging_asset(project, source) for source in project.source_ids]
