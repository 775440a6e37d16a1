"""The names that wire the graph together, in one place: asset keys, groups, job and schedule
names. The assets are defined with these keys, the jobs, sensors and schedules select by them,
and the command line (``pipelines.orchestration``, ``pipelines.cli``) launches by them."""

from __future__ import annotations

import dagster as dg

# Groups, in the order the data flows. The annual group is partitioned by year; every other
# group by quarter.
INTAKE_GROUP = "intake"
VALIDATION_GROUP = "validation"
WAREHOUSE_GROUP = "warehouse"
INDICATORS_GROUP = "indicators"
SCORING_GROUP = "scoring"
RECTIFICATION_GROUP = "rectification"
REPORTS_GROUP = "reports"
ANNUAL_GROUP = "annual"

# Assets whose later quarters read an earlier quarter (growth indicators, frontier_observed
# windows, the previous quarter's rank, the 整改 outcomes of open tasks, the bulletin's changes
# and trends): what a correction of an earlier quarter rebuilds, and what the quarterly
# reporting job runs.
DOWNSTREAM_GROUPS = (INDICATORS_GROUP, SCORING_GROUP, RECTIFICATION_GROUP, REPORTS_GROUP)


def intake_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["intake", source])


def staging_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["staging", source])


def warehouse_key(source: str) -> dg.AssetKey:
    return dg.AssetKey(["warehouse", source])


def source_chain(source: str) -> list[dg.AssetKey]:
    """A source's intake → staging → warehouse assets."""
    return [intake_key(source), staging_key(source), warehouse_key(source)]


INDICATOR_VALUES = dg.AssetKey(["indicators", "indicator_values"])
INDICATOR_SCORES = dg.AssetKey(["scoring", "indicator_scores"])
RANKINGS = dg.AssetKey(["scoring", "rankings"])
RANK_UNCERTAINTY = dg.AssetKey(["scoring", "rank_uncertainty"])
RECTIFICATION_TASKS = dg.AssetKey(["rectification", "rectification_tasks"])
BULLETIN = dg.AssetKey(["reports", "bulletin"])
WORKBOOK = dg.AssetKey(["reports", "workbook"])
REPORT_ASSETS = (BULLETIN, WORKBOOK)
ANNUAL_RANKINGS = dg.AssetKey(["annual", "annual_rankings"])
ANNUAL_REPORT = dg.AssetKey(["annual", "annual_report"])

# Jobs and schedules.
PIPELINE_JOB = "quarterly_pipeline"
QUARTERLY_REPORTING_JOB = "quarterly_reporting"
ANNUAL_JOB = "annual_reporting"
QUARTERLY_REPORTING_SCHEDULE = "quarterly_reporting_schedule"
ANNUAL_REPORTING_SCHEDULE = "annual_reporting_schedule"


def refresh_job(source: str) -> str:
    """The job a new version of ``source`` triggers: its chain and everything downstream."""
    return f"refresh_{source}"
