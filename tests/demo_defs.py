"""The demo project's Dagster definitions, and its assets, sensors and schedules by name (the
definitions are built per project, not at import time of the defs modules). Checks are
declared by the asset they check and run in its step: materializing the asset runs them."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.defs.framework import FrameworkResource
from pipelines.defs.resources import WarehouseDuckDB, WorkdirResource, default_resources
from pipelines.env import Workdir
from pipelines.project import current_project, load_project, project_dir_from_env


def demo_definitions() -> dg.Definitions:
    return build_definitions(load_project(project_dir_from_env()))


def asset(*path: str) -> dg.AssetsDefinition:
    return demo_definitions().get_assets_def(dg.AssetKey(list(path)))


def sensor(name: str) -> dg.SensorDefinition:
    return demo_definitions().resolve_sensor_def(name)


def schedule(name: str) -> dg.ScheduleDefinition:
    return demo_definitions().resolve_schedule_def(name)


def run_resources(layout: Workdir, framework: Path | None = None) -> dict[str, object]:
    """The resources the definitions bind (``pipelines.defs.resources.default_resources``),
    on the work directory ``layout``; ``framework`` overrides the project's framework.yaml
    (the one override, ``FrameworkResource``)."""
    resources = default_resources(current_project()) | {
        "duckdb": WarehouseDuckDB(database=str(layout.warehouse)),
        "workdir": WorkdirResource(home=str(layout.root)),
    }
    if framework is not None:
        resources["indicator_framework"] = FrameworkResource(path=str(framework))
    return resources
