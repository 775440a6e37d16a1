"""The quarterly partitions every data asset shares: from the project's ``first_quarter`` to
the current quarter (Asia/Shanghai)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import dagster as dg

from pipelines.env import TIMEZONE
from pipelines.quarters import Quarter

if TYPE_CHECKING:
    from pipelines.project import Project


@cache
def quarterly_partitions_from(first: Quarter) -> dg.TimeWindowPartitionsDefinition:
    """Keys are quarter start dates ("2025-04-01"); `Quarter.parse` turns them into 2025Q2.
    ``end_offset=1`` includes the quarter in progress."""
    return dg.TimeWindowPartitionsDefinition(
        cron_schedule="0 0 1 1,4,7,10 *",
        start=first.partition_key,
        fmt="%Y-%m-%d",
        timezone=TIMEZONE,
        end_offset=1,
    )


def quarterly_partitions(project: Project | None = None) -> dg.TimeWindowPartitionsDefinition:
    """The partitions of ``project`` (default: the project in force)."""
    from pipelines.project import current_project

    return quarterly_partitions_from((project or current_project()).settings.first_quarter)


def partition_quarter(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> Quarter:
    return Quarter.parse(context.partition_key)


@cache
def yearly_partitions_from(first: Quarter) -> dg.TimeWindowPartitionsDefinition:
    """The annual evaluation: one partition per calendar year ("2024") from the first
    quarter's year, each depending on the year's four quarterly partitions (Dagster's
    time-window mapping); only complete years."""
    return dg.TimeWindowPartitionsDefinition(
        cron_schedule="0 0 1 1 *",
        start=str(first.year),
        fmt="%Y",
        timezone=TIMEZONE,
    )


def yearly_partitions(project: Project | None = None) -> dg.TimeWindowPartitionsDefinition:
    from pipelines.project import current_project

    return yearly_partitions_from((project or current_project()).settings.first_quarter)


def partition_year(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> int:
    return int(context.partition_key)
