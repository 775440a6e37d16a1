"""The demo project's Dagster definitions, and its assets, checks, sensors and schedules by
name (the definitions are built per project, not at import time of the defs modules)."""

from __future__ import annotations

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.project import load_project, project_dir_from_env


def demo_definitions() -> dg.Definitions:
    return build_definitions(load_project(project_dir_from_env()))


def asset(*path: str) -> dg.AssetsDefinition:
    return demo_definitions().get_assets_def(dg.AssetKey(list(path)))


def check(name: str) -> dg.AssetChecksDefinition:
    for checks in demo_definitions().asset_checks or ():
        if any(spec.name == name for spec in checks.check_specs):
            return checks  # type: ignore[return-value]
    raise KeyError(name)


def sensor(name: str) -> dg.SensorDefinition:
    return demo_definitions().resolve_sensor_def(name)


def schedule(name: str) -> dg.ScheduleDefinition:
    return demo_definitions().resolve_schedule_def(name)
