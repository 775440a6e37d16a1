"""Benchmark: what Dagster itself costs a quarter's run, with every step doing nothing.

    .venv/bin/python benchmarks/bench_dagster_floor.py [--fused] [--repeat 3]

The quarterly job's graph is rebuilt from the demo project's own definitions (the same asset
keys, dependencies, check specs, partitions and pool), but every body only reports: each asset
a materialization with a small preview table, each check a passing result. The job is run in
this process on a fresh Dagster instance configured as a work directory's (local storage,
SQLite, the ``duckdb_warehouse`` pool), as a work directory's is for ``bizenv run`` (which runs
the real job with ``execute_job`` on a reconstructable job, from a worker thread: the same
events, steps and slot claims by another code path). Printed, each in seconds:

- ``import``: importing dagster and building the project's definitions (pandas, numpy and
  bizenv's own modules included, as every run imports them);
- ``instance``: the fresh instance's storage created and opened;
- ``run``: ``execute_in_process`` of the no-op job (run record, planned events, every step's
  events and pool slot, the run's end), and the steps' count and the run's time per step.

No row is read: this is the floor under the fixed cost of a run, the part no change to
validation, staging or SQL can remove. ``--fused`` builds one step per source instead of
three (intake, staging and warehouse assets in one multi-asset, the blocking check in the
same step), to size that structural change before making it. ``--repeat`` runs each in a new
process and prints every run.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

STARTED = time.perf_counter()  # before dagster's import, which the child reports

import dagster as dg  # noqa: E402  (module level: Dagster resolves the bodies' annotations)

ROOT = Path(__file__).resolve().parent.parent
PREVIEW = "| 单位 | 行数 |\n|---|---:|\n" + "".join(
    f"| 单位{i} | {i * 1000} |\n" for i in range(10)
)


SOURCE_STAGES = ("intake", "staging", "warehouse")


def noop_definitions(fused: bool) -> tuple[dg.Definitions, str]:
    """The no-op copy of the quarterly job's assets and the job, and a partition to run."""
    from pipelines.definitions import build_definitions
    from pipelines.defs.keys import ANNUAL_GROUP, PIPELINE_JOB
    from pipelines.partitions import quarterly_partitions
    from pipelines.project import current_project

    project = current_project()
    real = build_definitions(project)
    partitions = quarterly_partitions(project)
    # step name -> (specs, checks, pool): one step per real step, or with --fused one per
    # source's intake → staging → warehouse.
    steps: dict[str, tuple[list[dg.AssetSpec], list[dg.AssetCheckSpec], str | None]] = {}
    for definition in real.assets or []:
        if not isinstance(definition, dg.AssetsDefinition):
            continue
        for spec in definition.specs:
            if spec.group_name == ANNUAL_GROUP:
                continue
            source = spec.tags.get("source") if spec.key.path[0] in SOURCE_STAGES else None
            name = f"load_{source}" if fused and source else definition.op.name
            specs, checks, _ = steps.setdefault(name, ([], [], definition.op.pool))
            specs.append(dg.AssetSpec(key=spec.key, deps=spec.deps, group_name=spec.group_name))
            checks += [c for c in definition.check_specs if c.asset_key == spec.key]

    def build(
        name: str, specs: list[dg.AssetSpec], checks: list[dg.AssetCheckSpec], pool: str | None
    ) -> dg.AssetsDefinition:
        @dg.multi_asset(
            name=name, specs=specs, check_specs=checks, partitions_def=partitions, pool=pool
        )
        def noop(
            context: dg.AssetExecutionContext,
        ) -> Iterator[dg.MaterializeResult | dg.AssetCheckResult]:
            for spec in specs:
                yield dg.MaterializeResult(
                    asset_key=spec.key,
                    metadata={
                        "quarter": context.partition_key,
                        "preview": dg.MetadataValue.md(PREVIEW),
                    },
                )
                for check in checks:
                    if check.asset_key == spec.key:
                        yield dg.AssetCheckResult(
                            asset_key=spec.key, check_name=check.name, passed=True
                        )

        return noop

    assets = [build(name, *step) for name, step in steps.items()]
    job = dg.define_asset_job(PIPELINE_JOB, selection=dg.AssetSelection.all())
    return dg.Definitions(assets=assets, jobs=[job]), partitions.get_last_partition_key()


def _noop_job(fused: bool) -> tuple[dg.JobDefinition, str]:
    from pipelines.defs.keys import PIPELINE_JOB

    defs, partition = noop_definitions(fused)
    return defs.resolve_job_def(PIPELINE_JOB), partition


def child(fused: bool) -> dict[str, float]:
    """The timings of one no-op run in this process."""
    started = STARTED
    from pipelines.env import configure_environment

    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        os.environ.pop("BIZENV_HOME", None)
        os.environ.pop("BIZENV_DUCKDB", None)
        os.environ.pop("DAGSTER_HOME", None)
        workdir = configure_environment(Path(tmp))
        job, partition = _noop_job(fused)
        imported = time.perf_counter()
        instance = dg.DagsterInstance.from_config(str(workdir.dagster_home))
        instance.get_runs(limit=1)  # the storage is created lazily
        opened = time.perf_counter()
        result = job.execute_in_process(
            instance=instance, partition_key=partition, raise_on_error=True
        )
        ran = time.perf_counter()
        steps = len(result.get_step_success_events())
        instance.dispose()
    return {
        "import": imported - started,
        "instance": opened - imported,
        "run": ran - opened,
        "steps": steps,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--fused", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        import logging

        logging.disable(logging.INFO)  # Dagster's console log is not what is measured
        print("RESULT " + json.dumps(child(args.fused)))
        return 0
    label = "one step per source" if args.fused else "one step per asset"
    for attempt in range(1, args.repeat + 1):
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child"]
        cmd += ["--fused"] if args.fused else []
        out = subprocess.run(
            cmd,
            check=True,
            capture_output=True,
            text=True,
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        ).stdout
        line = next(x for x in out.splitlines() if x.startswith("RESULT "))
        r = json.loads(line.removeprefix("RESULT "))
        print(
            f"{label}, run {attempt}: import {r['import']:5.2f} s  "
            f"instance {r['instance']:5.2f} s  "
            f"run {r['run']:5.2f} s  ({r['steps']} steps, {r['run'] / r['steps']:.3f} s per step)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
