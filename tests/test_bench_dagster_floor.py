"""benchmarks/bench_dagster_floor.py measures Dagster's own cost on a no-op copy of the
quarterly job; its figure means something only if the copy has the real job's steps, assets
and checks, and if the no-op run reports every one of them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import dagster as dg
import pytest

from pipelines.definitions import build_definitions
from pipelines.defs.keys import ANNUAL_GROUP, PIPELINE_JOB
from pipelines.env import DUCKDB_POOL
from pipelines.project import current_project


@pytest.fixture(scope="module")
def bench(benchmark: Callable[[str], ModuleType]) -> ModuleType:
    return benchmark("bench_dagster_floor")


def _quarterly(defs: dg.Definitions) -> tuple[set[dg.AssetKey], set[dg.AssetCheckKey]]:
    """The asset and check keys of a project's quarterly job (every group but the annual)."""
    assets = {s.key for s in defs.resolve_all_asset_specs() if s.group_name != ANNUAL_GROUP}
    checks = {
        check.key
        for definition in defs.assets or []
        if isinstance(definition, dg.AssetsDefinition)
        for check in definition.check_specs
        if check.asset_key in assets
    }
    return assets, checks


def _shape(defs: dg.Definitions) -> dict[object, object]:
    """What the floor's cost depends on, per asset and check: each asset's upstream keys with
    their partition mappings and its step's pool; each check's blocking flag."""
    keys, _ = _quarterly(defs)
    shape: dict[object, object] = {}
    for definition in defs.assets or []:
        if not isinstance(definition, dg.AssetsDefinition):
            continue
        for spec in definition.specs:
            if spec.key in keys:
                deps = sorted(
                    (d.asset_key.to_user_string(), repr(d.partition_mapping)) for d in spec.deps
                )
                shape[spec.key] = (deps, definition.op.pool)
        for check in definition.check_specs:
            if check.asset_key in keys:
                shape[check.key] = check.blocking
    return shape


def _steps(job: dg.JobDefinition) -> set[str]:
    return {node.name for node in job.graph.nodes}


@pytest.fixture(scope="module")
def real() -> dg.Definitions:
    return build_definitions(current_project())


def _run(job: dg.JobDefinition, partition: str, tmp_path: Path) -> dg.ExecuteInProcessResult:
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = job.execute_in_process(instance=instance, partition_key=partition)
    assert result.success
    return result


@pytest.mark.slow  # two Dagster runs of the whole graph, about 5 s each
@pytest.mark.parametrize("fused", [False, True])
def test_the_noop_run_has_the_real_jobs_assets_and_checks(
    bench: ModuleType, real: dg.Definitions, fused: bool, tmp_path: Path
) -> None:
    # Every check is declared with the asset it checks: a check of its own would be a step
    # (and a cost) the copy does not make.
    assert not real.asset_checks
    noop, partition = bench.noop_definitions(fused=fused)
    assert _shape(noop) == _shape(real)
    pools = {value[1] for key, value in _shape(real).items() if isinstance(key, dg.AssetKey)}
    assert pools == {DUCKDB_POOL}
    job = noop.resolve_job_def(PIPELINE_JOB)
    result = _run(job, partition, tmp_path)
    assets, checks = _quarterly(real)
    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    evaluations = result.get_asset_check_evaluations()
    assert materialized == assets
    assert {e.asset_check_key for e in evaluations} == checks
    assert all(e.passed for e in evaluations)
    real_steps = _steps(real.resolve_job_def(PIPELINE_JOB))
    if fused:  # intake, staging and warehouse of a source in one step
        sources = current_project().source_ids
        assert {f"load_{source}" for source in sources} <= _steps(job)
        assert len(_steps(job)) == len(real_steps) - 2 * len(sources)
    else:
        assert _steps(job) == real_steps
        assert len(real_steps) == 30
