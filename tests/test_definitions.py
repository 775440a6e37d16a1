"""The Dagster definitions as a whole: they load and validate as the code server loads them, every
asset is documented, grouped by stage and partitioned by quarter, everything that opens the
warehouse is in the DuckDB pool, and each source's refresh job touches only its own chain and
what is downstream of it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import deque
from collections.abc import Iterable

import dagster as dg
import pytest

from pipelines.demo import DEMO_SOURCES as SOURCES
from pipelines.env import DUCKDB_POOL, PROJECT_ROOT, Workdir

STAGE_GROUPS = {
    "intake",
    "validation",
    "warehouse",
    "indicators",
    "scoring",
    "rectification",
    "reports",
    "annual",
}
SOURCE_STAGES = ("intake", "staging", "warehouse")


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from pipelines.definitions import defs as build_defs

    return build_defs()


def downstream_closure(
    roots: Iterable[dg.AssetKey], specs: Iterable[dg.AssetSpec]
) -> set[dg.AssetKey]:
    """The roots and every asset that depends on them, directly or not (from the specs' deps)."""
    children: dict[dg.AssetKey, set[dg.AssetKey]] = {}
    for spec in specs:
        for dep in spec.deps:
            children.setdefault(dep.asset_key, set()).add(spec.key)
    seen = set(roots)
    queue = deque(seen)
    while queue:
        for child in children.get(queue.popleft(), ()):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return seen


def test_dagster_cli_validates_the_code_location(workdir: Workdir) -> None:
    """What the code server does at start-up: ``dagster definitions validate``."""
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-m", "pipelines.definitions"],
        cwd=PROJECT_ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "All code locations passed validation" in output


def test_every_asset_is_documented_grouped_and_partitioned(defs: dg.Definitions) -> None:
    specs = list(defs.resolve_all_asset_specs())
    assert specs
    problems = []
    for spec in specs:
        name = spec.key.to_user_string()
        if not (spec.description or "").strip():
            problems.append(f"{name}: no description")
        if spec.group_name not in STAGE_GROUPS:
            problems.append(f"{name}: group {spec.group_name!r}")
        if spec.partitions_def is None:
            problems.append(f"{name}: not partitioned")
    assert problems == []
    groups = {spec.group_name for spec in specs}
    assert {"intake", "validation", "warehouse"} <= groups


def test_everything_that_opens_the_warehouse_is_in_the_duckdb_pool(defs: dg.Definitions) -> None:
    """DuckDB's single writer: the deployment's pool limit only protects steps in the pool."""
    outside = [
        [key.to_user_string() for key in node.keys] or [spec.name for spec in node.check_specs]
        for node in defs.resolve_asset_graph().assets_defs
        if "duckdb" in node.required_resource_keys and node.node_def.pool != DUCKDB_POOL
    ]
    assert outside == []


@pytest.mark.parametrize("source", SOURCES)
def test_refresh_job_selects_its_source_chain_and_downstream(
    defs: dg.Definitions, source: str
) -> None:
    specs = list(defs.resolve_all_asset_specs())
    job = defs.resolve_job_def(f"refresh_{source}")
    selected = set(job.asset_layer.selected_asset_keys)

    # Everything downstream except the annual evaluation (yearly partitions, its own job).
    annual = {spec.key for spec in specs if spec.group_name == "annual"}
    assert annual
    closure = downstream_closure([dg.AssetKey(["intake", source])], specs)
    assert selected == closure - annual
    assert {dg.AssetKey([stage, source]) for stage in SOURCE_STAGES} <= selected
    others = {
        dg.AssetKey([stage, other])
        for other in SOURCES
        if other != source
        for stage in SOURCE_STAGES
    }
    assert selected.isdisjoint(others)
    assert job.partitions_def is not None


def test_annual_job_and_january_schedule(defs: dg.Definitions) -> None:
    job = defs.resolve_job_def("annual_reporting")
    assert set(job.asset_layer.selected_asset_keys) == {
        dg.AssetKey(["annual", "annual_rankings"]),
        dg.AssetKey(["annual", "annual_report"]),
    }
    assert job.partitions_def is not None
    assert job.partitions_def.get_partition_keys()[0] == "2024"
    pipeline = defs.resolve_job_def("quarterly_pipeline")
    assert dg.AssetKey(["annual", "annual_rankings"]) not in set(
        pipeline.asset_layer.selected_asset_keys
    )
    schedule = defs.resolve_schedule_def("annual_reporting_schedule")
    assert schedule.cron_schedule.split()[3] == "1"  # January
    assert schedule.execution_timezone == "Asia/Shanghai"
    from datetime import datetime
    from zoneinfo import ZoneInfo

    context = dg.build_schedule_context(
        scheduled_execution_time=datetime(2025, 1, 11, 8, tzinfo=ZoneInfo("Asia/Shanghai"))
    )
    from demo_defs import schedule as demo_schedule

    annual_schedule = demo_schedule("annual_reporting_schedule")

    assert annual_schedule(context).partition_key == "2024"
    assert schedule.cron_schedule == "0 8 11 1 *"  # the day after the Q4 bulletin
