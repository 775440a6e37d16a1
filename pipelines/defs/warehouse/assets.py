"""Warehouse: promote a version that passed its contract from staging, replacing the
quarter's partition in one transaction. Indicators read only these tables."""

import dagster as dg
from dagster_duckdb import DuckDBResource

from pipelines.contracts import SOURCES, contract
from pipelines.env import DUCKDB_POOL
from pipelines.metadata import markdown_table, sql_markdown
from pipelines.partitions import partition_quarter, quarterly_partitions
from pipelines.sqlfiles import sql
from pipelines.warehouse import store


def build_warehouse_asset(source: str) -> dg.AssetsDefinition:
    spec = contract(source)

    @dg.asset(
        key=["warehouse", source],
        deps=[dg.AssetKey(["staging", source])],
        group_name="warehouse",
        partitions_def=quarterly_partitions,
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
        with duckdb.get_connection() as con:
            candidate = store.select_candidate(con, source, quarter)
            assert candidate is not None  # staging failed otherwise
            try:
                loaded = store.promote(con, source, quarter, candidate.submission_hash)
            except store.NotValidatedError as exc:
                raise dg.Failure(description=str(exc), allow_retries=False) from exc
            preview = con.execute(
                sql(f"warehouse/{source}/preview_partition"), {"quarter": quarter}
            ).df()
        statements = ["delete_partition", "promote_partition"]
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
                            f"warehouse/{source}/{s}": sql(f"warehouse/{source}/{s}")
                            for s in statements
                        }
                    )
                ),
            }
        )

    return promoted


warehouse_assets = [build_warehouse_asset(source) for source in SOURCES]
