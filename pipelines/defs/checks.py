"""The in-asset checks' one shape. Each check is a pure function, a *judge*, named after the
check: ``judge(key, *frames, *extra)`` of the checked partition's key (a quarter, or a year),
the frames its readers read of that partition and what the asset passes besides (e.g. the
framework's leaf codes), returning :func:`check_result`. The asset it checks declares it
(:attr:`InAssetCheck.spec` in ``check_specs``), judges the partition it has just written on the
connection it already has open (:meth:`InAssetCheck.evaluate`) and yields the result after its
``MaterializeResult``: one step per asset, not one more per check. A failing blocking check
(ERROR severity) fails the asset's step, so nothing downstream runs."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from pipelines.indicators.store import read_partition

Judge = Callable[..., dg.AssetCheckResult]
Reader = Callable[[duckdb.DuckDBPyConnection, Any], pd.DataFrame]


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


@dataclass(frozen=True)
class InAssetCheck:
    """The check ``judge.__name__`` on ``asset``, judging what ``readers`` read, in order."""

    judge: Judge
    asset: dg.AssetKey
    readers: Sequence[Reader]
    blocking: bool
    description: str

    @property
    def name(self) -> str:
        return self.judge.__name__

    @property
    def spec(self) -> dg.AssetCheckSpec:
        return dg.AssetCheckSpec(
            self.name, asset=self.asset, blocking=self.blocking, description=self.description
        )

    def evaluate(
        self, con: duckdb.DuckDBPyConnection, key: Any, *extra: Any
    ) -> dg.AssetCheckResult:
        """The judge's result on partition ``key`` as read on ``con``, named for the asset."""
        result = self.judge(key, *(read(con, key) for read in self.readers), *extra)
        return dg.AssetCheckResult(
            check_name=self.name,
            asset_key=self.asset,
            passed=result.passed,
            severity=result.severity,
            metadata=result.metadata,
            description=result.description,
        )
