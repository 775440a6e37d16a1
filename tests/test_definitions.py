"""The Dagster definitions as a whole: they load and validate as the code server loads them, every
asset is documented, grouped by stage and partitioned by quarter, everything that opens the
warehouse is in the DuckDB pool, and each source's refresh job touches only its own chain and
what is downstream of it."""

from __future__ import annotations

import importlib
import json
import os
import re
import subprocess
import sys
import tomllib
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml

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
def defs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dg.Definitions]:
    """The code location as loaded, on a temporary work directory (the location configures
    the environment: that is given back after the module, and the checkout is not written)."""
    from pipelines.definitions import defs as build_defs

    layout = Workdir(tmp_path_factory.mktemp("work"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BIZENV_HOME", str(layout.root))
        mp.setenv("BIZENV_DUCKDB", str(layout.warehouse))
        mp.setenv("DAGSTER_HOME", str(layout.dagster_home))
        yield build_defs()


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


@pytest.mark.slow
def test_dagster_cli_validates_the_code_location(workdir: Workdir) -> None:
    """What the code server does at start-up: ``dagster definitions validate``, here with no
    target, so that it loads the code location pyproject.toml declares (as ``bizenv dev``
    does)."""
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate"],
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
    assert "bizenv" in output


@pytest.mark.slow
def test_dg_check_defs(workdir: Workdir) -> None:
    """``dg check defs`` (dagster-dg-cli, a dev dependency) loads the project's definitions."""
    result = subprocess.run(
        [str(Path(sys.executable).parent / "dg"), "check", "defs"],
        cwd=PROJECT_ROOT,
        env={**os.environ, "VIRTUAL_ENV": sys.prefix},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "All definitions loaded successfully" in output


def test_the_code_location_is_named_alike_everywhere(workdir: Workdir) -> None:
    """pyproject.toml declares the code location for dg and ``dagster dev``; workspace.yaml
    and the deployment name it again where Dagster cannot read pyproject.toml (``dagster dev
    -w``, the code server's command line, the webserver's and daemon's workspace). They must
    agree."""
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text("utf-8"))["tool"]
    assert "dagster" not in project  # [tool.dg] is the one declaration in pyproject.toml
    declared = project["dg"]["project"]
    module, name = declared["code_location_target_module"], declared["code_location_name"]
    assert module == "pipelines.definitions"
    assert isinstance(importlib.import_module(module).defs(), dg.Definitions)

    unit = (PROJECT_ROOT / "deploy/systemd/bizenv-code-server.service").read_text("utf-8")
    assert re.search(rf"code-server start\s*\\?\s*-m {re.escape(module)}\s", unit), unit
    assert re.search(rf"--location-name {re.escape(name)}\s", unit), unit
    workspace = yaml.safe_load((PROJECT_ROOT / "deploy/workspace.yaml").read_text("utf-8"))
    assert [entry["grpc_server"]["location_name"] for entry in workspace["load_from"]] == [name]
    # The checkout's workspace.yaml (``dagster dev -w workspace.yaml``, the documented layout)
    # names the same module and location.
    local = yaml.safe_load((PROJECT_ROOT / "workspace.yaml").read_text("utf-8"))
    assert [e["python_module"] for e in local["load_from"]] == [
        {"module_name": module, "location_name": name}
    ]


def test_every_job_runs_in_process_unless_its_run_config_says_otherwise(
    defs: dg.Definitions,
) -> None:
    """The executor is set once, on the definitions: in-process by default (UI, sensors,
    schedules), multiprocess when a run asks for it (``bizenv run --executor multiprocess``)."""
    from pipelines.definitions import EXECUTOR

    jobs = [job for job in defs.resolve_all_job_defs() if not job.name.startswith("__")]
    assert {job.name for job in jobs} >= {"quarterly_pipeline", "quarterly_reporting"}
    for job in jobs:
        assert job.executor_def is EXECUTOR, job.name
        (default,) = dg.validate_run_config(job, {})["execution"].values()
        assert list(default) == ["in_process"], job.name
        asked = {"execution": {"config": {"multiprocess": {}}}}
        (chosen,) = dg.validate_run_config(job, asked)["execution"].values()
        assert list(chosen) == ["multiprocess"], job.name


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


IMPORT_PROBE = """
import json, os, sys
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == "open" else None)
before = dict(os.environ)
import pipelines.definitions, pipelines.orchestration, pipelines.cli
changed = sorted(k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k))
configs = [p for p in opened if p.endswith((".yaml", ".yml", ".toml")) and "site-packages" not in p]
print(json.dumps({"changed": changed, "configs": configs}))
"""


@pytest.mark.slow
def test_importing_the_definitions_reads_and_writes_nothing(tmp_path: Path) -> None:
    """No work at import time: importing the code location (and the CLI) sets no environment
    variable, reads no project file and creates nothing; the project is read when Dagster
    calls ``defs()``."""
    home = tmp_path / "work"
    unset = ("GX_ANALYTICS_ENABLED", "DAGSTER_DISABLE_TELEMETRY", "DAGSTER_HOME")
    env = {k: v for k, v in os.environ.items() if k not in unset} | {"BIZENV_HOME": str(home)}
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_PROBE],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe == {"changed": [], "configs": []}
    assert list(tmp_path.iterdir()) == []


def test_private_dagster_api_is_used_in_one_module_only() -> None:
    """Public Dagster APIs only; the one exception (a sensor's backfill request) is isolated
    in pipelines/defs/automation/backfill.py and pinned by tests/test_automation.py."""
    private = re.compile(r"^\s*(from|import)\s+(dagster\._|dagster_shared\b)", re.MULTILINE)
    users = sorted(
        str(path.relative_to(PROJECT_ROOT))
        for path in (PROJECT_ROOT / "pipelines").rglob("*.py")
        if private.search(path.read_text("utf-8"))
    )
    assert users == ["pipelines/defs/automation/backfill.py"]
