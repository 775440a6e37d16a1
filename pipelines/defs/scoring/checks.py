"""The scores checks' one shape: read the checked partition of scores tables and judge it.
:func:`scores_check` is the Dagster part (partition, pool, connection, schema); each check
is a pure function of the partition (a quarter, or a year) and the frames it reads, named
after the check, that returns :func:`check_result`."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dagster as dg
import duckdb
import pandas as pd
from dagster_duckdb import DuckDBResource

from pipelines.env import DUCKDB_POOL
from pipelines.indicators import ensure_scores_schema
from pipelines.indicators.store import read_partition
from pipelines.partitions import partition_quarter

Judge = Callable[..., dg.AssetCheckResult]
Reader = Callable[[duckdb.DuckDBPyConnection, Any], pd.DataFrame]
PartitionOf = Callable[[dg.AssetCheckExecutionContext], Any]


def partition_of(table: str) -> Reader:
    """Reads the checked quarter's partition of ``scores.<table>``."""

    def read(con: duckdb.DuckDBPyConnection, quarter: Any) -> pd.DataFrame:
        return read_partition(con, table, quarter)

    return read


def check_result(
    passed: bool,
    severity: dg.AssetCheckSeverity,
    metadata: Mapping[str, Any],
    failure: str,
) -> dg.AssetCheckResult:
    """The result of a check; ``failure`` (Chinese) describes it when it does not pass."""
    return dg.AssetCheckResult(
        passed=passed,
        severity=severity,
        metadata=dict(metadata),
        description=None if passed else failure,
    )


def scores_check(
    judge: Judge,
    asset: dg.AssetKey,
    readers: Sequence[Reader],
    *,
    blocking: bool,
    description: str,
    partitions: dg.PartitionsDefinition,
    partition: PartitionOf = partition_quarter,
) -> dg.AssetChecksDefinition:
    """The check ``judge.__name__`` on ``asset``: ``judge(key, *frames)`` with the checked
    partition's key (``partition(context)``: the quarter by default) and what each of
    ``readers`` reads of it, in that order."""

    @dg.asset_check(
        asset=asset,
        name=judge.__name__,
        blocking=blocking,
        pool=DUCKDB_POOL,
        partitions_def=partitions,
        description=description,
    )
    def check(
        context: dg.AssetCheckExecutionContext, duckdb: DuckDBResource
    ) -> dg.AssetCheckResult:
        key = partition(context)
        with duckdb.get_connection() as con:
            ensure_scores_schema(con)
            frames = [read(con, key) for read in readers]
        return judge(key, *frames)

    return check
