"""The quarterly partitions every data asset shares."""

from __future__ import annotations

import dagster as dg

from pipelines.env import TIMEZONE
from pipelines.quarters import DEMO_FIRST, Quarter

# Keys are quarter start dates ("2025-04-01"); `Quarter.parse` turns them into 2025Q2.
quarterly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1,4,7,10 *",
    start=DEMO_FIRST.partition_key,
    fmt="%Y-%m-%d",
    timezone=TIMEZONE,
)


def partition_quarter(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> Quarter:
    return Quarter.parse(context.partition_key)


# The annual evaluation: one partition per calendar year ("2024"), each depending on the
# year's four quarterly partitions (Dagster's time-window mapping).
yearly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *",
    start=str(DEMO_FIRST.year),
    fmt="%Y",
    timezone=TIMEZONE,
)


def partition_year(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> int:
    return int(context.partition_key)
