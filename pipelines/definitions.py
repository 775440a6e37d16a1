"""The one entry point Dagster loads (the code location of pyproject.toml's `[tool.dg.project]`).

The definitions are built, stage by stage (``pipelines/defs/<stage>/``), for the city project
in force (``$BIZENV_PROJECT``, default the bundled demo project): its sources give the intake,
staging and warehouse assets, its framework the indicators, its first quarter the partitions.
Nothing is read at import time; the project is loaded when Dagster calls ``defs()``.
"""

from __future__ import annotations

import warnings
from functools import cache

import dagster as dg

from pipelines.defs.annual.assets import build_annual_defs
from pipelines.defs.automation.definitions import build_automation_defs
from pipelines.defs.indicators.assets import build_indicator_defs
from pipelines.defs.intake.assets import build_submission_assets
from pipelines.defs.keys import ANNUAL_GROUP, PIPELINE_JOB
from pipelines.defs.rectification.assets import build_rectification_defs
from pipelines.defs.reports.assets import build_report_defs
from pipelines.defs.resources import default_resources
from pipelines.defs.scoring.assets import build_scoring_defs
from pipelines.defs.scoring.robustness import build_robustness_defs
from pipelines.defs.validation.assets import build_staging_assets
from pipelines.defs.warehouse.assets import build_warehouse_assets
from pipelines.env import configure_environment
from pipelines.project import Project, current_project


@cache
def build_definitions(project: Project) -> dg.Definitions:
    """Every asset, check, job, sensor and schedule of ``project`` (built once per project and
    process). Partitioned checks and ``allow_nonexistent_upstream_partitions`` are marked
    preview/beta by Dagster; we rely on them knowingly, so their warnings are not repeated at
    every load."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.BetaWarning)
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return _build(project)


# The executor of every job: Dagster's default (in-process or multiprocess, chosen by run config
# ``execution: {config: {in_process: {}}}`` or ``{multiprocess: {}}``, as `bizenv run
# --executor` does), but in-process when the run config says nothing (UI, sensors,
# schedules). Every step waits for the single DuckDB slot anyway, so a process per step only
# adds start-up time (measured ~9x slower, docs/deployment.md). Runs still run in parallel
# with each other.
EXECUTOR = dg.multi_or_in_process_executor.configured(
    lambda config: config,
    config_schema=dg.Field(dg.Permissive(), default_value={"in_process": {}}),
    name="in_process_by_default",
)


def _build(project: Project) -> dg.Definitions:
    quarterly_pipeline_job = dg.define_asset_job(
        PIPELINE_JOB,
        # The annual group is partitioned by year: it has its own job (annual_reporting).
        selection=dg.AssetSelection.all() - dg.AssetSelection.groups(ANNUAL_GROUP),
        description="一个季度的全流程：归档 → 校验 → 入库（及其下游）。",
    )
    return dg.Definitions.merge(
        dg.Definitions(
            assets=[
                *build_submission_assets(project),
                *build_staging_assets(project),
                *build_warehouse_assets(project),
            ]
        ),
        build_indicator_defs(project),
        build_scoring_defs(project),
        build_robustness_defs(project),
        build_rectification_defs(project),
        build_report_defs(project),
        build_annual_defs(project),
        build_automation_defs(project),
        dg.Definitions(
            jobs=[quarterly_pipeline_job], resources=default_resources(project), executor=EXECUTOR
        ),
    )


@dg.definitions
def defs() -> dg.Definitions:
    """The code location: the project is checked first (``bizenv config check``); an invalid
    one stops the load with the same Chinese report."""
    from pipelines.config_check import ensure_valid_project

    configure_environment()
    project = current_project()
    ensure_valid_project(project.root)
    return build_definitions(project)


def get_job(name: str) -> dg.JobDefinition:
    """Module-level accessor so a reconstructable job can be rebuilt in subprocesses
    (``dg.build_reconstructable_job("pipelines.definitions", "get_job", (name,))``). The
    command that launched the run has checked the project already; its step processes do
    not check it again."""
    configure_environment()
    return build_definitions(current_project()).resolve_job_def(name)
