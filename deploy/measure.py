"""Measure the PostgreSQL deployment on this machine (figures quoted in docs/deployment.md).

Starts a throwaway PostgreSQL server and the code server exactly as
tests/test_deployment_postgres.py does (deploy/dagster.yaml, deploy/workspace.yaml), then:

- ``quarter``: one quarter of demo data (示例数据) at ``--scale``, run as ``quarterly_pipeline``
  through the queue and the default run launcher, with ``--executor``;
- ``sensor``: one landing-sensor tick over a landing folder of ``--files`` files (first tick:
  every file is new and hashed, one queued run each; second tick: nothing changed).

Usage::

    uv run python deploy/measure.py quarter --scale 1 --executor in_process
    uv run python deploy/measure.py sensor --files 200
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT / "tests"))

import test_deployment_postgres as harness  # noqa: E402

from pipelines.demo import DEMO_QUARTERS  # noqa: E402
from pipelines.demo import DEMO_SOURCES as SOURCES  # noqa: E402
from pipelines.env import Workdir  # noqa: E402

if TYPE_CHECKING:
    from dagster._core.workspace.context import WorkspaceProcessContext


@contextmanager
def deployment(root: Path) -> Iterator[tuple[WorkspaceProcessContext, Workdir]]:
    import dagster as dg
    from dagster._core.test_utils import create_test_daemon_workspace_context
    from dagster._core.workspace.load_target import WorkspaceFileTarget

    bin_dir = harness.postgres_bin_dir()
    if bin_dir is None:
        raise SystemExit("未安装 PostgreSQL 服务器（scripts/ensure_postgres.sh）")
    with harness.running_postgres(bin_dir) as server:
        server.create_database("bizenv_dagster")
        workdir = Workdir(root / "work").ensure()
        dagster_home = root / "dagster_home"
        dagster_home.mkdir()
        shutil.copyfile(harness.DEPLOY_DIR / "dagster.yaml", dagster_home / "dagster.yaml")
        port = harness.free_port()
        os.environ.update(
            {
                "BIZENV_HOME": str(workdir.root),
                "BIZENV_DUCKDB": str(workdir.warehouse),
                "DAGSTER_HOME": str(dagster_home),
                "DAGSTER_PG_HOST": "127.0.0.1",
                "DAGSTER_PG_PORT": str(server.port),
                "DAGSTER_PG_DB": "bizenv_dagster",
                "DAGSTER_PG_USERNAME": server.user,
                "DAGSTER_PG_PASSWORD": server.password,
                "BIZENV_CODE_SERVER_HOST": "127.0.0.1",
                "BIZENV_CODE_SERVER_PORT": str(port),
            }
        )
        instance = dg.DagsterInstance.get()
        try:
            with (
                harness.code_server("127.0.0.1", port, root / "code_server.log"),
                create_test_daemon_workspace_context(
                    WorkspaceFileTarget(paths=[str(harness.DEPLOY_DIR / "workspace.yaml")]),
                    instance,
                ) as context,
            ):
                yield context, workdir
        finally:
            instance.dispose()


def measure_quarter(
    context: WorkspaceProcessContext, workdir: Workdir, args: argparse.Namespace
) -> None:
    from pipelines.demo.generator import generate_landing

    quarter = DEMO_QUARTERS[-2]  # 2025Q1, as in the test
    files = generate_landing(workdir.landing, seed=args.seed, scale=args.scale, quarters=[quarter])
    rows = sum(f.rows for f in files)
    started = time.monotonic()
    run_id = harness.launch_via_graphql(
        context, "quarterly_pipeline", quarter.partition_key, args.executor
    )
    (run,) = harness.drain_run_queue(context, [run_id], timeout=3600)
    elapsed = time.monotonic() - started
    stats = context.instance.get_run_stats(run_id)
    print(
        f"完整季度 {quarter}（规模 {args.scale}，{rows:,} 行，执行器 {args.executor}）："
        f"{run.status.value}，提交到结束 {elapsed:.1f} 秒，"
        f"运行进程内 {stats.end_time - stats.launch_time:.1f} 秒，"
        f"{stats.steps_succeeded} 步成功，{stats.materializations} 次物化"
    )


def measure_sensor(
    context: WorkspaceProcessContext, workdir: Workdir, args: argparse.Namespace
) -> None:
    from dagster._core.test_utils import freeze_time
    from dagster._daemon import get_default_daemon_logger
    from dagster._daemon.sensor import execute_sensor_iteration

    from pipelines.demo.generator import generate_source_frame, write_submission

    # One real file per source and quarter, copied with a unique trailing line until there
    # are --files files (each a distinct version, so each is a change and a run request).
    templates = []
    for source in SOURCES:
        frame = generate_source_frame(source, DEMO_QUARTERS[0], seed=args.seed, scale=args.scale)
        path = Path(tempfile.mkdtemp()) / f"{source}.csv"
        write_submission(frame, source, path, fmt="csv-utf8")
        templates.append((source, path.read_bytes()))
    for n in range(args.files):
        source, content = templates[n % len(templates)]
        quarter = DEMO_QUARTERS[(n // len(templates)) % len(DEMO_QUARTERS)]
        target = workdir.landing / str(quarter) / source / f"{source}_{n:05d}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content + f"\n# {n}\n".encode())
        uploaded = time.time() - 3600  # settled: the sensor skips files still being written
        os.utime(target, (uploaded, uploaded))
    size = sum(p.stat().st_size for p in workdir.landing.rglob("*.csv"))
    logger = get_default_daemon_logger("SensorDaemon")
    started = time.monotonic()
    list(execute_sensor_iteration(context, logger, None, None))
    first = time.monotonic() - started
    queued = len(context.instance.get_run_ids())
    with freeze_time(datetime.now(ZoneInfo("UTC")) + timedelta(seconds=61)):
        started = time.monotonic()
        list(execute_sensor_iteration(context, logger, None, None))
        second = time.monotonic() - started
    print(
        f"落地目录 {args.files} 个文件（{size / 1e6:.1f} MB）：首次 tick {first:.1f} 秒"
        f"（{queued} 个排队运行写入 PostgreSQL），无变化时 tick {second:.1f} 秒"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="测量 PostgreSQL 部署（示例数据）")
    sub = parser.add_subparsers(dest="command", required=True)
    quarter = sub.add_parser("quarter", help="一个完整季度的运行时间")
    quarter.add_argument("--scale", type=float, default=1.0, help="示例数据规模")
    quarter.add_argument("--executor", choices=["in_process", "multiprocess"], default="in_process")
    sensor = sub.add_parser("sensor", help="落地目录传感器一次 tick 的时间")
    sensor.add_argument("--files", type=int, default=200, help="落地目录中的文件数")
    sensor.add_argument("--scale", type=float, default=0.1, help="每个文件的示例数据规模")
    for command in (quarter, sensor):
        command.add_argument("--seed", type=int, default=20240101)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="bizenv-measure-"))
    try:
        with deployment(root) as (context, workdir):
            if args.command == "quarter":
                measure_quarter(context, workdir, args)
            else:
                measure_sensor(context, workdir, args)
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
