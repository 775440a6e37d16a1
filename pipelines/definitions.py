"""The one entry point Dagster loads (`dagster dev -m pipelines.definitions`, workspace.yaml).

Definitions live under ``pipelines/defs/<stage>/`` and are collected with ``load_from_defs_folder``;
resources and the environment defaults are added here.
"""

from __future__ import annotations

import dagster as dg

from pipelines.env import IN_PROCESS, PROJECT_ROOT, configure_environment
from pipelines.resources import default_resources

configure_environment()

quarterly_pipeline_job = dg.define_asset_job(
    "quarterly_pipeline",
    # The annual group is partitioned by year: it has its own job (annual_reporting).
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("annual"),
    config=IN_PROCESS,
    description="一个季度的全流程：归档 → 校验 → 入库（及其下游）。",
)


@dg.definitions
def defs() -> dg.Definitions:
    return dg.Definitions.merge(
        dg.load_from_defs_folder(path_within_project=PROJECT_ROOT),
        dg.Definitions(jobs=[quarterly_pipeline_job], resources=default_resources()),
    )


def get_job(name: str) -> dg.JobDefinition:
    """Module-level accessor so a reconstructable job can be rebuilt in subprocesses
    (``dg.build_reconstructable_job("pipelines.definitions", "get_job", (name,))``)."""
    return defs().resolve_job_def(name)
