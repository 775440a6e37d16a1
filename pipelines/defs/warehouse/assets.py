"""Warehouse: promote a version that passed its contract from staging, replacing the
quarter's partition in one transaction. Indicators read only these tables."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.defs.keys import WAREHOUSE_GROUP, staging_key, warehouse_key
from pipelines.env import DUCKDB_POOL
from pipelines.metadata import markdown_table, sql_markdown
from pipelines.partitions import partition_quarter, quarterly_partitions
from pipelines.project import Project
from pipelines.warehouse import store


def build_warehouse_asset(project: Project, source: str) -> dg.AssetsDefinition:
    spec = project.contract(source)

    @dg.asset(
        key=warehouse_key(source),
        deps=[staging_key(source)],
        group_name=WAREHOUSE_GROUP,
        partitions_def=quarterly_partitions(project),
        pool=DUCKDB_POOL,
        kinds={"duckdb"},
        tags={"source": source},
        description=(
            f"{spec.title}：通过校验的版本从 staging.{source} 提升到 warehouse.{source}"
            "（同一事务内先删除该季度分区再插入）；每行带报送文件哈希 submission_hash。"
        ),
    )
    def promoted(context: dg.AssetExecutionContext, duckdb: DuckDBResource) -> dg.MaterializeResult:
        quarter = str(partition_quarter(context))
        generated = store.tables(source)
        with duckdb.get_connection() as con:
            candidate = store.select_candidate(con, source, quarter)
            if candidate is None:  # an optional source not received (staging fails otherwise)
                (rows,) = store.fetch_one(con, generated.count_warehouse, {"quarter": quarter})
                return dg.MaterializeResult(
                    metadata={"quarter": quarter, "status": "未报送", "dagster/row_count": rows}
                )
            try:
                loaded = store.promote(con, source, quarter, candidate.submission_hash)
            except store.NotValidatedError as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from exc
            preview = con.execute(generated.preview_warehouse, {"quarter": quarter}).df()
        return dg.MaterializeResult(
            metadata={
                "quarter": quarter,
                "submission_hash": candidate.submission_hash,
                "file_name": candidate.file_name,
                "dagster/row_count": loaded,
                "preview": dg.MetadataValue.md(markdown_table(preview)),
                "sql": dg.MetadataValue.md(
                    sql_markdown(
                        {
                            f"warehouse/{source}/delete_partition": generated.delete_warehouse,
                            f"warehouse/{source}/promote_partition": generated.promote,
                        }
                    )
                ),
            }
        )

    return promoted


def build_warehouse_assets(project: Project) -> list[dg.AssetsDefinition]:
    return [build_warehouse_asset(project, source) for source in project.source_ids]
