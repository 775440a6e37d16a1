"""Validation: the latest received version is parsed, checked against its contract (Great
Expectations suite + contract checks) and staged; the blocking check ``meets_contract``
keeps a failing version out of the warehouse (staging → promote)."""

from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.contracts import SOURCES, contract
from pipelines.env import DUCKDB_POOL
from pipelines.metadata import markdown_table
from pipelines.partitions import partition_quarter, quarterly_partitions
from pipelines.registry import default_registry
from pipelines.resources import IntakeSettings, WorkdirResource
from pipelines.sqlfiles import sql
from pipelines.warehouse import store
from pipelines.warehouse.store import fetch_one


def build_staging_asset(source: str) -> dg.AssetsDefinition:
    spec = contract(source)

    @dg.asset(
        key=["staging", source],
        deps=[dg.AssetKey(["intake", source])],
        group_name="validation",
        partitions_def=quarterly_partitions,
        pool=DUCKDB_POOL,
        kinds={"duckdb", "great_expectations"},
        tags={"source": source},
        description=(
            f"{spec.title}：校验最新收到的版本（读取与表头、类型、Great Expectations 规则集 "
            f"expectations/suites/{source}.json、合同级检查 expectations/checks/{source}.yaml），"
            f"类型化后的行写入 staging.{source}；不合格时生成退回报告（HTML + CSV）。"
        ),
    )
    def staged(
        context: dg.AssetExecutionContext,
        duckdb: DuckDBResource,
        workdir: WorkdirResource,
        intake_settings: IntakeSettings,
    ) -> dg.MaterializeResult:
        from pipelines.validation import validate_file, write_rejection_report

        quarter = partition_quarter(context)
        layout = workdir.layout
        with duckdb.get_connection() as con:
            candidate = store.select_candidate(con, source, str(quarter))
            if candidate is None:
                raise dg.Failure(description=f"{quarter} {spec.title}：没有待校验的版本")
            store.mark_superseded(con, source, str(quarter), candidate.submission_hash)
            previous_rows = store.previous_accepted_rows(con, source, str(quarter.previous()))

        result = validate_file(
            source,
            Path(candidate.archive_path),
            quarter=quarter,
            registry=default_registry(),
            previous_rows=previous_rows,
            volume_factor=intake_settings.volume_factor,
        )
        report_html = report_csv = None
        if not result.valid:
            out_dir = layout.rejections / str(quarter) / source
            html, csv = write_rejection_report(
                result,
                out_dir,
                title_extra={
                    "文件名": candidate.file_name,
                    "收到时间": candidate.received_at.strftime("%Y-%m-%d %H:%M"),
                    "文件哈希": candidate.submission_hash,
                },
            )
            report_html, report_csv = str(html), str(csv)
        failing_rows = len({e.row for e in result.errors if e.row is not None})
        with duckdb.get_connection() as con:
            staged_rows = store.stage_rows(
                con, source, str(quarter), candidate.submission_hash, result.frame
            )
            store.record_errors(
                con, source, str(quarter), candidate.submission_hash, "validation", result.errors
            )
            store.update_status(
                con,
                source,
                str(quarter),
                candidate.submission_hash,
                status="validated" if result.valid else "rejected",
                error_count=len(result.errors),
                failing_rows=failing_rows,
                report_html=report_html,
                report_csv=report_csv,
            )
        metadata: dict[str, object] = {
            "quarter": str(quarter),
            "submission_hash": candidate.submission_hash,
            "file_name": candidate.file_name,
            "rows": result.rows,
            "staged_rows": staged_rows,
            "error_count": len(result.errors),
            "failing_rows": failing_rows,
            "previous_quarter_rows": previous_rows if previous_rows is not None else "无",
        }
        if result.frame is not None:
            metadata["preview"] = dg.MetadataValue.md(markdown_table(result.frame))
        if report_html:
            metadata["rejection_report"] = dg.MetadataValue.path(report_html)
        return dg.MaterializeResult(metadata=metadata)

    return staged


def build_contract_check(source: str) -> dg.AssetChecksDefinition:
    spec = contract(source)

    @dg.asset_check(
        asset=dg.AssetKey(["staging", source]),
        name="meets_contract",
        blocking=True,
        pool=DUCKDB_POOL,
        partitions_def=quarterly_partitions,
        description=(
            f"{spec.title}：暂存版本须零错误才能入库。不通过时阻断下游，上一个已入库版本继续有效。"
        ),
    )
    def meets_contract(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> dg.AssetCheckResult:
        quarter = str(partition_quarter(context))
        with duckdb.get_connection() as con:
            candidate = store.select_candidate(con, source, quarter)
            assert candidate is not None  # the staging asset failed otherwise
            params = {"source": source, "quarter": quarter, "hash": candidate.submission_hash}
            status = fetch_one(con, sql("intake/select_submission"), params)
            errors = con.execute(
                sql("intake/select_validation_errors_preview"), {**params, "limit": 20}
            ).df()
            by_rule = con.execute(sql("intake/select_validation_errors_by_rule"), params).fetchall()
        _, status_name, error_count, failing_rows, report_html, _, _ = status
        passed = status_name in ("validated", "accepted") and not error_count
        metadata: dict[str, object] = {
            "submission_hash": candidate.submission_hash,
            "file_name": candidate.file_name,
            "error_count": int(error_count or 0),
            "failing_rows": int(failing_rows or 0),
            "errors_by_rule": {rule: int(n) for rule, n in by_rule},
        }
        if len(errors):
            metadata["failing_rows_preview"] = dg.MetadataValue.md(markdown_table(errors, 20))
        if report_html:
            metadata["rejection_report"] = dg.MetadataValue.path(report_html)
        return dg.AssetCheckResult(
            passed=passed,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
            description=None if passed else f"{quarter} {spec.title} 被退回：{error_count} 处错误",
        )

    return meets_contract


staging_assets = [build_staging_asset(source) for source in SOURCES]
contract_checks = [build_contract_check(source) for source in SOURCES]
