"""Intake: every file in ``landing/<quarter>/<source>/`` is archived and registered."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.defs.keys import INTAKE_GROUP, intake_key
from pipelines.defs.resources import WorkdirResource
from pipelines.env import DUCKDB_POOL, TIMEZONE
from pipelines.intake.archive import archive_file, data_rows_label, received_at_from_tags
from pipelines.intake.landing import scan_source_folder
from pipelines.intake.marks import mark_received
from pipelines.intake.receipts import Receipt, receive
from pipelines.metadata import markdown_table
from pipelines.partitions import partition_quarter, quarterly_partitions
from pipelines.project import Project
from pipelines.registry import Registry
from pipelines.sqlfiles import sql
from pipelines.warehouse.store import ensure_schema, select_candidate


def submitter_tags(submitters: tuple[str, ...], registry: Registry) -> dict[str, str]:
    """Dagster tags must be ASCII: submitting departments are tagged by registry code."""
    codes = {d.name: d.code for d in registry.departments}
    return {f"submitter_{codes[name]}": "true" for name in submitters if name in codes}


def build_submission_asset(project: Project, source: str) -> dg.AssetsDefinition:
    spec = project.contract(source)
    optional = "" if spec.required else "（可选数据源：未报送时本季度相关指标缺失）"

    @dg.asset(
        key=intake_key(source),
        group_name=INTAKE_GROUP,
        partitions_def=quarterly_partitions(project),
        pool=DUCKDB_POOL,
        kinds={"file", "duckdb"},
        tags={"source": source, **submitter_tags(spec.submitters, project.registry)},
        description=(
            f"{spec.title}：落地目录 landing/<季度>/{source}/ 中的每个文件按 sha256 存入归档"
            "（只增不改），并登记到 intake.submissions；接收时间为归档首次见到该内容的时间。"
            f"最新收到的版本为待校验版本。{optional}"
        ),
    )
    def submissions(
        context: dg.AssetExecutionContext, duckdb: DuckDBResource, workdir: WorkdirResource
    ) -> dg.MaterializeResult:
        quarter = partition_quarter(context)
        layout = workdir.layout
        folder = scan_source_folder(layout.landing, source, quarter)
        files = folder.files
        for note in folder.notes:
            context.log.warning(note)
        received_at = received_at_from_tags(context.run.tags)
        archived = [
            archive_file(path, layout.archive, source, quarter, received_at=received_at)
            for path in files
        ]
        seen_at = datetime.now(ZoneInfo(TIMEZONE))
        with duckdb.get_connection() as con:
            ensure_schema(con)
            for path, item in zip(files, archived, strict=True):
                receipt = receive(con, layout.root, path, item, seen_at)
                mark_received(
                    layout.archive, layout.landing, path, source, quarter, item.submission_hash
                )
                if receipt is Receipt.RESENT:
                    context.log.info(
                        f"{quarter} {spec.title}: {path.name} 是已收到版本"
                        f"（{item.submission_hash[:12]}）的重新报送，按最新收到的版本处理"
                    )
            candidate = select_candidate(con, source, str(quarter))
            versions = con.execute(
                sql("intake/select_versions"), {"source": source, "quarter": str(quarter)}
            ).df()
        versions["data_rows"] = [
            data_rows_label(rows, validated=pd.notna(at))
            for rows, at in zip(versions["data_rows"], versions["validated_at"], strict=True)
        ]
        if candidate is None and not spec.required:
            context.log.info(f"{quarter} {spec.title}：未报送（可选数据源），相关指标本季度缺失")
            return dg.MaterializeResult(
                metadata={"quarter": str(quarter), "files_in_landing": 0, "status": "未报送"}
            )
        if candidate is None:
            raise dg.Failure(
                description=f"{quarter} {spec.title}：尚未收到报送文件"
                f"（应放在 {layout.landing / str(quarter) / source}）",
                allow_retries=False,
            )
        context.log.info(
            f"{quarter} {spec.title}: {len(files)} 个文件，待校验 {candidate.file_name}"
        )
        return dg.MaterializeResult(
            metadata={
                "quarter": str(quarter),
                "files_in_landing": len(files),
                "refused_or_skipped": "\n".join(folder.notes) or "无",
                "versions": len(versions),
                "candidate_file": candidate.file_name,
                "candidate_hash": candidate.submission_hash,
                "versions_preview": dg.MetadataValue.md(markdown_table(versions, limit=20)),
            }
        )

    return submissions


def build_submission_assets(project: Project) -> list[dg.AssetsDefinition]:
    return [build_submission_asset(project, source) for source in project.source_ids]
