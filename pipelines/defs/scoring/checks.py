"""The scores checks' one shape: read the checked quarter's partitions of scores tables and
judge them. :func:`scores_check` is the Dagster part (partition, pool, connection, schema);
each check is a pure function of the quarter and the frames."""

from collections.abc import Callable

import dagster as dg
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.env import DUCKDB_POOL
from pipelines.indicators import ensure_scores_schema
from pipelines.indicators.store import read_partition
from pipelines.partitions import partition_quarter

Judge = Callable[..., dg.AssetCheckResult]


def scores_check(
    *,
    asset: dg.AssetKey,
    name: str,
    tables: tuple[str, ...],
    blocking: bool,
    partitions: dg.PartitionsDefinition,
    description: str,
    judge: Judge,
) -> dg.AssetChecksDefinition:
    """A check on ``asset`` that calls ``judge(quarter, *frames)`` with the quarter's partition
    of each of ``tables`` (``scores.<table>``), in that order."""

    @dg.asset_check(
        asset=asset,
        name=name,
        blocking=blocking,
        pool=DUCKDB_POOL,
        partitions_def=partitions,
        description=description,
    )
    def check(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> dg.AssetCheckResult:
        quarter = partition_quarter(context)
        with duckdb.get_connection() as con:
            ensure_scores_schema(con)
            frames: list[pd.DataFrame] = [read_partition(con, t, quarter) for t in tables]
        return judge(quarter, *frames)

    return check
