"""Validation: the latest received version is read and typed into ``staging.<source>``; its
blocking check ``meets_contract`` then runs the contract (Great Expectations suite + contract
checks) on the staged rows. A failing check stops the promotion to the warehouse; it does not
undo the staging write, which is why staging and warehouse are separate tables."""

from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.resources import IntakeSettings, WorkdirResource
from pipelines.env import DUCKDB_POOL
from pipelines.metadata import markdown_table
from pipelines.partitions import partition_quarter, quarterly_partitions
from pipelines.paths import from_stored, to_stored
from pipelines.project import Project
from pipelines.registry import default_registry
from pipelines.sqlfiles import sql
from pipelines.warehouse import store

CHECK_NAME = "meets_contract"


def build_staging_asset(project: Project, source: str) -> dg.AssetsDefinition:
    spec = project.contract(source)
    key = dg.AssetKey(["staging", source])

    @dg.asset(
        key=key,
        deps=[dg.AssetKey(["intake", source])],
        group_name="validation",
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
        from pipelines.validation import (
            ValidationResult,
            check_submission,
            parse_submission,
            write_rejection_report,
        )
        from pipelines.validation.model import sort_errors

        quarter = partition_quarter(context)
        q = str(quarter)
        registry = default_registry()
        with duckdb.get_connection() as con:
            candidate = store.select_candidate(con, source, q)
            if candidate is None and not spec.required:
                yield dg.MaterializeResult(metadata={"quarter": q, "status": "未报送"})
                yield dg.AssetCheckResult(
                    check_name=CHECK_NAME,
                    asset_key=key,
                    passed=True,
                    metadata={"status": "未报送（可选数据源）"},
                    description=f"{q} {spec.title}：未报送（可选数据源），无待校验的版本",
                )
                return
            if candidate is None:
                raise dg.Failure(description=f"{q} {spec.title}：没有待校验的版本")
            store.mark_superseded(con, source, q, candidate.submission_hash)
            previous_rows = store.previous_accepted_rows(con, source, str(quarter.previous()))
        hash_ = candidate.submission_hash

        # Stage 1: read, match headers, type. The typed rows are staged whatever the outcome.
        layout = workdir.layout
        archived = from_stored(layout.root, candidate.archive_path)
        parsed = parse_submission(source, archived, registry=registry)
        with duckdb.get_connection() as con:
            staged_rows = store.stage_rows(con, source, q, hash_, parsed.frame)
            store.record_errors(con, source, q, hash_, "parse", parsed.errors)
            if parsed.frame is not None:
                store.update_data_rows(con, source, q, hash_, parsed.rows)
        materialization: dict[str, object] = {
            "quarter": q,
            "submission_hash": hash_,
            "file_name": candidate.file_name,
            "dagster/row_count": staged_rows,
            "parse_errors": len(parsed.errors),
            "previous_quarter_rows": previous_rows if previous_rows is not None else "无",
        }
        if parsed.frame is not None:
            materialization["preview"] = dg.MetadataValue.md(markdown_table(parsed.frame))
        yield dg.MaterializeResult(metadata=materialization)

        # Stage 2, the blocking check: the contract on the staged rows.
        # The connection is open for the checks that compare with the warehouse (整改台账).
        with duckdb.get_connection() as con:
            contract_errors = check_submission(
                parsed,
                quarter=quarter,
                registry=registry,
                previous_rows=previous_rows,
                volume_factor=intake_settings.volume_factor,
                warehouse=con,
            )
        # The report names the file as the department named it; the folder keeps versions
        # with the same file name apart.
        result = ValidationResult(
            source=source,
            path=Path(candidate.file_name),
            quarter=quarter,
            rows=parsed.rows,
            errors=sort_errors([*parsed.errors, *contract_errors]),
            frame=parsed.frame,
        )
        report_html = report_csv = None
        if not result.valid:
            # Named by the version's hash, not by the department's file name (which may be as
            # long as the file system allows); stored relative to the work directory.
            html, csv = write_rejection_report(
                result,
                layout.rejections / q / source / hash_[:12],
                title_extra={
                    "接收时间": candidate.received_at.strftime("%Y-%m-%d %H:%M"),
                    "文件哈希": hash_,
                },
                stem=f"{source}_{hash_[:12]}",
            )
            report_html, report_csv = to_stored(layout.root, html), to_stored(layout.root, csv)
        with duckdb.get_connection() as con:
            store.record_errors(con, source, q, hash_, "contract", contract_errors)
            store.update_status(
                con,
                source,
                q,
                hash_,
                status="validated" if result.valid else "rejected",
                error_count=len(result.errors),
                failing_rows=result.failing_rows,
                report_html=report_html,
                report_csv=report_csv,
            )
            params = {"source": source, "quarter": q, "hash": hash_}
            preview = con.execute(
                sql("intake/select_validation_errors_preview"), {**params, "limit": 20}
            ).df()
            by_rule = con.execute(sql("intake/select_validation_errors_by_rule"), params).fetchall()
        check_metadata: dict[str, object] = {
            "submission_hash": hash_,
            "file_name": candidate.file_name,
            "rows": result.rows,
            "error_count": len(result.errors),
            "failing_rows": result.failing_rows,
            "errors_by_rule": {rule: int(n) for rule, n in by_rule},
        }
        if len(preview):
            check_metadata["failing_rows_preview"] = dg.MetadataValue.md(
                markdown_table(preview, limit=20)
            )
        if report_html:
            check_metadata["rejection_report"] = dg.MetadataValue.path(str(html))
            check_metadata["rejection_report_csv"] = dg.MetadataValue.path(str(csv))
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

    return staged


def build_staging_assets(project: Project) -> list[dg.AssetsDefinition]:
    return [build_staging_asset(project, source) for source in project.source_ids]
