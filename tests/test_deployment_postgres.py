"""The multi-user deployment (deploy/) on a real PostgreSQL server.

``deploy/dagster.yaml`` is used as written: it is copied into a temporary ``DAGSTER_HOME`` and
only the environment variables it references are set, pointing at a throwaway PostgreSQL
server started here (``initdb`` + ``pg_ctl``, loopback only). The code server is started as in
production (``dagster code-server start -m pipelines.definitions``) and reached through
``deploy/workspace.yaml``; the daemon's work is driven in-process through the same code paths
``dagster-daemon run`` uses (sensor iteration, scheduler iteration, queued run coordinator), and
runs are launched by the default run launcher as subprocesses of the code server.

Skipped when the PostgreSQL server binaries are not installed (``scripts/ensure_postgres.sh``
installs them), except under CI (``CI=true``), where that is a failure.
"""

from __future__ import annotations

import glob
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import pytest

from pipelines.demo import DEMO_SOURCES as SOURCES
from pipelines.env import PROJECT_ROOT, Workdir
from pipelines.quarters import Quarter

if TYPE_CHECKING:
    from dagster import DagsterInstance
    from dagster._core.storage.dagster_run import DagsterRun
    from dagster._core.workspace.context import WorkspaceProcessContext
    from psycopg2.extensions import connection as PgConnection

DEPLOY_DIR = PROJECT_ROOT / "deploy"
QUARTER = Quarter(2025, 1)
PARTITION = QUARTER.partition_key  # "2025-01-01"
SCALE = 0.02
SEED = 11
LOCATION = "bizenv"
REPOSITORY = "__repository__"
# A deadline for the queue to drain, not a speed target: every refresh run (one per demo
# source, each with its downstream indicators, scores, robustness, ledger and bulletin) waits
# for the single DuckDB slot.
RUN_TIMEOUT_SECONDS = 900
# DuckDB's lock conflict ("Could not set lock on file ... Conflicting lock is held"); a word
# match, so Dagster's "Step blocked by limit for pool ..." does not count.
LOCK_ERROR = re.compile(r"\block\b|conflicting lock", re.IGNORECASE)
SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- a throwaway PostgreSQL server ------------------------------------------------------------


def postgres_bin_dir() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl (Debian layout)."""
    candidates = [
        Path(d)
        for d in glob.glob("/usr/lib/postgresql/*/bin")
        if os.access(Path(d) / "initdb", os.X_OK) and os.access(Path(d) / "pg_ctl", os.X_OK)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda d: [int(p) for p in re.findall(r"\d+", d.parent.name)])


def require_postgres() -> Path:
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("PostgreSQL server binaries missing under CI (scripts/ensure_postgres.sh)")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not installed")
    return bin_dir


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """One PostgreSQL cluster in a temporary directory, listening on 127.0.0.1 only.

    initdb refuses to run as root, so under root the cluster belongs to the ``postgres`` system
    user (created by Debian's package; created here if missing) and commands run through
    ``runuser``.
    """

    bin_dir: Path
    root: Path
    port: int
    user: str = "dagster"
    password: str = "bizenv-test-password"
    os_user: str | None = None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.os_user:
            command = ["runuser", "-u", self.os_user, "--", *command]
        result = subprocess.run(command, cwd=self.root, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}{log}")

    def start(self) -> None:
        password_file = self.root / "password"
        password_file.write_text(self.password, encoding="utf-8")
        if self.os_user:
            shutil.chown(self.root, user=self.os_user)
            shutil.chown(password_file, user=self.os_user)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            self.user,
            f"--pwfile={password_file}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        # Durability settings are off: this cluster lives for one test.
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={self.root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60",
            "start",
        )  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")

    def connect(self, db_name: str = "postgres") -> PgConnection:
        import psycopg2

        return psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=db_name,
        )

    def create_database(self, name: str) -> None:
        con = self.connect()
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(f'create database "{name}"')
        finally:
            con.close()


def server_os_user() -> str | None:
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"],
            check=True,
        )
    return "postgres"


@contextmanager
def running_postgres(bin_dir: Path) -> Iterator[PostgresServer]:
    # Not under pytest's tmp_path: its parent is private to root, and the server's user must
    # be able to reach its directory.
    root = Path(tempfile.mkdtemp(prefix="bizenv-pg-"))
    server = PostgresServer(bin_dir=bin_dir, root=root, port=free_port(), os_user=server_os_user())
    try:
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


# --- the code server ---------------------------------------------------------------------------


@contextmanager
def code_server(host: str, port: int, log_path: Path) -> Iterator[None]:
    """``dagster code-server start -m pipelines.definitions``, as the systemd unit runs it."""
    from dagster._grpc.client import DagsterGrpcClient

    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "dagster", "code-server", "start"),
                *("-m", "pipelines.definitions", "--location-name", LOCATION),
                *("-h", host, "-p", str(port)),
            ],
            cwd=PROJECT_ROOT,
            env=dict(os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        client = DagsterGrpcClient(port=port, host=host)
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"code server exited:\n{log_path.read_text(errors='replace')}")
            try:
                client.list_repositories()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        yield
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


# --- helpers over the instance -----------------------------------------------------------------


def land_quarter(workdir: Workdir) -> list[Path]:
    """One quarter's submissions from the four departments (示例数据), as they would arrive."""
    from pipelines.demo.generator import (
        file_format,
        file_name,
        generate_source_frame,
        write_submission,
    )
    from pipelines.demo.writer import received_time, set_mtime

    paths = []
    for source in SOURCES:
        frame = generate_source_frame(source, QUARTER, seed=SEED, scale=SCALE)
        fmt = file_format(source, QUARTER, len(frame))
        path = workdir.landing / str(QUARTER) / source / file_name(source, QUARTER, fmt)
        write_submission(frame, source, path, fmt=fmt)
        # Uploaded a while ago: the sensor leaves files that are still being written.
        set_mtime(path, received_time(source, QUARTER))
        paths.append(path)
    return paths


def drain_run_queue(
    workspace_context: WorkspaceProcessContext, run_ids: Sequence[str], timeout: float
) -> list[DagsterRun]:
    """Run the queued run coordinator daemon's iteration until the runs have finished."""
    from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import (
        QueuedRunCoordinatorDaemon,
    )

    instance = workspace_context.instance
    deadline = time.monotonic() + timeout
    with QueuedRunCoordinatorDaemon(interval_seconds=1) as daemon:
        while True:
            list(daemon.run_iteration(workspace_context))
            runs = [instance.get_run_by_id(run_id) for run_id in run_ids]
            if all(run is not None and run.is_finished for run in runs):
                return runs
            if time.monotonic() > deadline:
                states = {run.job_name: run.status.value for run in runs if run}
                last = event_texts(instance, run_ids)[-15:]
                pytest.fail(f"runs unfinished after {timeout:.0f} s: {states}; last events {last}")
            time.sleep(1)


def event_texts(instance: DagsterInstance, run_ids: Iterable[str]) -> list[str]:
    """Every message and error text recorded for the runs."""
    texts = []
    for run_id in run_ids:
        for entry in instance.all_logs(run_id):
            texts.append(entry.user_message or "")
            event = entry.dagster_event
            data = getattr(event, "event_specific_data", None) if event else None
            error = getattr(data, "error", None)
            if error is not None:
                texts.append(error.to_string())
    return texts


def step_intervals(
    instance: DagsterInstance, run_ids: Iterable[str]
) -> list[tuple[float, float, str, str]]:
    """(start, end, run_id, step_key) of every step that ran, from the event log."""
    from dagster import DagsterEventType

    intervals = []
    for run_id in run_ids:
        started: dict[str, float] = {}
        for entry in instance.all_logs(run_id):
            event = entry.dagster_event
            if event is None or event.step_key is None:
                continue
            if event.event_type == DagsterEventType.STEP_START:
                started[event.step_key] = entry.timestamp
            elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
                intervals.append((started[event.step_key], entry.timestamp, run_id, event.step_key))
    return sorted(intervals)


def pg_rows(
    server: PostgresServer, db_name: str, query: str, params: Sequence[object] = ()
) -> list[tuple[Any, ...]]:
    con = server.connect(db_name)
    try:
        with con.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()
    finally:
        con.close()


# --- tests ---------------------------------------------------------------------------------------


def test_deploy_dagster_yaml_matches_the_installed_schema() -> None:
    """Schema check without a server: unknown keys or wrong types fail here."""
    from dagster._core.instance.config import dagster_instance_config

    config, _ = dagster_instance_config(str(DEPLOY_DIR))
    assert set(config["storage"]) == {"postgres"}
    assert config["concurrency"]["pools"] == {
        "default_limit": 1,
        "granularity": "op",
        "op_granularity_run_buffer": 3,
    }
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_monitoring"]["enabled"] is True
    assert config["run_retries"]["enabled"] is True
    assert config["telemetry"] == {"enabled": False}
    referenced = set(re.findall(r"env: (\w+)", (DEPLOY_DIR / "dagster.yaml").read_text()))
    example = (DEPLOY_DIR / "bizenv.env.example").read_text()
    documented = set(re.findall(r"^(\w+)=", example, re.MULTILINE))
    workspace = set(re.findall(r"env: (\w+)", (DEPLOY_DIR / "workspace.yaml").read_text()))
    assert referenced | workspace <= documented
    assert {"BIZENV_HOME", "BIZENV_DUCKDB", "DAGSTER_HOME"} <= documented


def record_timing(timings: dict[str, float], name: str, started: float) -> None:
    timings[name] = time.monotonic() - started
    print(f"deployment timing: {name}: {timings[name]:.1f} s", flush=True)


def launch_via_graphql(
    context: WorkspaceProcessContext,
    job_name: str,
    partition: str,
    executor: str,
    assets: Sequence[Sequence[str]] | None = None,
    checks: Sequence[tuple[Sequence[str], str]] = (),
) -> str:
    """Submit a run as the UI's launch button does (GraphQL ``launchPipelineExecution``)."""
    selector: dict[str, Any] = {
        "repositoryLocationName": LOCATION,
        "repositoryName": REPOSITORY,
        "pipelineName": job_name,
    }
    if assets is not None:
        selector["assetSelection"] = [{"path": list(key)} for key in assets]
        selector["assetCheckSelection"] = [
            {"assetKey": {"path": list(key)}, "name": name} for key, name in checks
        ]
    from dagster_graphql.client.query import LAUNCH_PIPELINE_EXECUTION_MUTATION
    from dagster_graphql.test.utils import execute_dagster_graphql

    result = execute_dagster_graphql(
        context.create_request_context(),
        LAUNCH_PIPELINE_EXECUTION_MUTATION,
        variables={
            "executionParams": {
                "selector": selector,
                "runConfigData": {"execution": {"config": {executor: {}}}},
                "executionMetadata": {"tags": [{"key": "dagster/partition", "value": partition}]},
            }
        },
    )
    launched = result.data["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    assert launched["run"]["status"] == "QUEUED"
    return launched["run"]["runId"]


@pytest.mark.slow
@pytest.mark.postgres
def test_deployment_on_postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dagster as dg
    from dagster._core.launcher import DefaultRunLauncher
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster._core.storage.dagster_run import DagsterRunStatus, RunsFilter
    from dagster._core.test_utils import create_test_daemon_workspace_context, freeze_time
    from dagster._core.workspace.load_target import WorkspaceFileTarget
    from dagster._daemon import get_default_daemon_logger
    from dagster._daemon.sensor import execute_sensor_iteration
    from dagster._scheduler.scheduler import launch_scheduled_runs
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    bin_dir = require_postgres()
    db_name = "bizenv_dagster"
    timings: dict[str, float] = {}
    with running_postgres(bin_dir) as server:
        server.create_database(db_name)

        def sql(query: str, *params: object) -> list[tuple]:
            return pg_rows(server, db_name, query, params)

        # The environment of every bizenv process (deploy/bizenv.env.example), for this test.
        workdir = Workdir(tmp_path / "work")
        dagster_home = tmp_path / "dagster_home"
        dagster_home.mkdir()
        shutil.copyfile(DEPLOY_DIR / "dagster.yaml", dagster_home / "dagster.yaml")
        code_server_port = free_port()
        env = {
            "BIZENV_HOME": str(workdir.root),
            "BIZENV_DUCKDB": str(workdir.warehouse),
            "DAGSTER_HOME": str(dagster_home),
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(server.port),
            "DAGSTER_PG_DB": db_name,
            "DAGSTER_PG_USERNAME": server.user,
            "DAGSTER_PG_PASSWORD": server.password,
            "BIZENV_CODE_SERVER_HOST": "127.0.0.1",
            "BIZENV_CODE_SERVER_PORT": str(code_server_port),
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        workdir.ensure()
        land_quarter(workdir)

        instance = dg.DagsterInstance.get()
        try:
            assert isinstance(instance.run_storage, PostgresRunStorage)
            assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
            assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
            assert isinstance(instance.run_launcher, DefaultRunLauncher)
            assert instance.run_monitoring_enabled
            assert instance.run_retries_enabled
            assert instance.get_concurrency_config().pool_config.default_pool_limit == 1

            t0 = time.monotonic()
            with (
                code_server("127.0.0.1", code_server_port, tmp_path / "code_server.log"),
                create_test_daemon_workspace_context(
                    WorkspaceFileTarget(paths=[str(DEPLOY_DIR / "workspace.yaml")]), instance
                ) as context,
            ):
                record_timing(timings, "code server start + workspace load", t0)
                entry = context.create_request_context().get_code_location_entries()[LOCATION]
                assert entry.load_error is None, entry.load_error
                repo = entry.code_location.get_repository(REPOSITORY)

                # 1. The landing sensor's tick, as the sensor daemon runs it: one queued run per
                #    source for the quarter, recorded in PostgreSQL.
                logger = get_default_daemon_logger("SensorDaemon")
                t0 = time.monotonic()
                list(execute_sensor_iteration(context, logger, None, None))
                record_timing(timings, "sensor tick (4 new files)", t0)
                sensor = repo.get_sensor("landing_sensor")
                (tick,) = instance.get_ticks(sensor.get_remote_origin_id(), sensor.selector_id)
                assert tick.status.value == "SUCCESS", tick.error
                sensor_runs = instance.get_runs(
                    RunsFilter(tags={"dagster/sensor_name": "landing_sensor"})
                )
                assert sorted(run.run_id for run in sensor_runs) == sorted(tick.run_ids)
                assert {run.tags["dagster/partition"] for run in sensor_runs} == {PARTITION}
                assert sorted(
                    sql("select pipeline_name, status from runs where run_id = any(%s)",
                        list(tick.run_ids))
                ) == [(f"refresh_{source}", "QUEUED") for source in sorted(SOURCES)]  # fmt: skip

                # The same files seen again a minute later: nothing new to run.
                with freeze_time(datetime.now(SHANGHAI) + timedelta(seconds=61)):
                    list(execute_sensor_iteration(context, logger, None, None))
                ticks = instance.get_ticks(sensor.get_remote_origin_id(), sensor.selector_id)
                assert [t.status.value for t in ticks] == ["SKIPPED", "SUCCESS"]

                # 2. The quarterly reporting schedule at 2025-04-10 08:00 (Shanghai): a queued
                #    run for 2025Q1 (partition 2025-01-01).
                scheduler_logger = get_default_daemon_logger("SchedulerDaemon")
                iteration_times: dict = {}
                for tick_time in (
                    datetime(2025, 4, 10, 7, 59, tzinfo=SHANGHAI),
                    datetime(2025, 4, 10, 8, 0, 30, tzinfo=SHANGHAI),
                ):
                    with freeze_time(tick_time):
                        list(
                            launch_scheduled_runs(
                                context,
                                scheduler_logger,
                                tick_time.astimezone(ZoneInfo("UTC")),
                                iteration_times,
                            )
                        )
                (schedule_run,) = instance.get_runs(
                    RunsFilter(tags={"dagster/schedule_name": "quarterly_reporting_schedule"})
                )
                assert schedule_run.job_name == "quarterly_reporting"
                assert schedule_run.tags["dagster/partition"] == PARTITION
                assert sql("select status from runs where run_id = %s", schedule_run.run_id) == [
                    ("QUEUED",)
                ]

                # The queued runs of the sensor and the schedule are cancelled: the runs below
                # are submitted with the in-process executor, which is what keeps this test
                # fast (the jobs' default, the multiprocess executor, starts a process per step).
                for run in [*sensor_runs, schedule_run]:
                    instance.run_coordinator.cancel_run(run.run_id)

                # 3a. A full quarter, submitted as the UI does, queued, dequeued by the daemon
                #     and executed by the default run launcher in a subprocess of the code server.
                t0 = time.monotonic()
                quarter_run_id = launch_via_graphql(
                    context, "quarterly_pipeline", PARTITION, "in_process"
                )
                (quarter_run,) = drain_run_queue(context, [quarter_run_id], RUN_TIMEOUT_SECONDS)
                record_timing(timings, "full quarter (quarterly_pipeline)", t0)
                assert quarter_run.status == DagsterRunStatus.SUCCESS, event_texts(
                    instance, [quarter_run_id]
                )[-20:]
                chain = {
                    dg.AssetKey([stage, source])
                    for stage in ("intake", "staging", "warehouse")
                    for source in SOURCES
                }
                for key in chain:
                    record = instance.get_latest_materialization_event(key)
                    assert record is not None, key
                    assert record.run_id == quarter_run_id
                    assert record.asset_materialization.partition == PARTITION
                # The same, read straight from PostgreSQL.
                assert sql(
                    "select status, pipeline_name from runs where run_id = %s", quarter_run_id
                ) == [("SUCCESS", "quarterly_pipeline")]
                materialized = sql(
                    "select distinct asset_key, partition from event_logs "
                    "where run_id = %s and dagster_event_type = 'ASSET_MATERIALIZATION'",
                    quarter_run_id,
                )
                assert {dg.AssetKey.from_db_string(k) for k, _ in materialized} >= chain
                assert {p for _, p in materialized} == {PARTITION}

                # 3b. The four per-source refresh jobs for the same quarter, submitted at once
                #     (each limited to its source's intake → staging → warehouse chain, as a
                #     resubmission's run starts; the downstream steps are the same in every
                #     run): every step that opens the warehouse holds the pool
                #     `duckdb_warehouse` (limit 1), so the runs interleave but never open
                #     DuckDB together.
                t0 = time.monotonic()
                refresh_ids = [
                    launch_via_graphql(
                        context,
                        f"refresh_{source}",
                        PARTITION,
                        "in_process",
                        assets=[(stage, source) for stage in ("intake", "staging", "warehouse")],
                        checks=[(("staging", source), "meets_contract")],
                    )
                    for source in SOURCES
                ]
                finished = drain_run_queue(context, refresh_ids, RUN_TIMEOUT_SECONDS)
                record_timing(timings, "four refresh runs submitted at once", t0)
                texts = event_texts(instance, refresh_ids)
                assert all(run.status == DagsterRunStatus.SUCCESS for run in finished), [
                    t for t in texts if "error" in t.lower()
                ][-10:]
                assert not [t for t in texts if LOCK_ERROR.search(t)]
                intervals = step_intervals(instance, refresh_ids)
                assert len({run_id for _, _, run_id, _ in intervals}) == len(SOURCES)
                steps = {(run_id, step) for _, _, run_id, step in intervals}
                assert steps == {
                    (run_id, f"{stage}__{source}")
                    for run_id, source in zip(refresh_ids, SOURCES, strict=True)
                    for stage in ("intake", "staging", "warehouse")
                }
                checks = [
                    entry.dagster_event.event_specific_data
                    for run_id in refresh_ids
                    for entry in instance.all_logs(
                        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
                    )
                ]
                assert sorted((c.asset_key, c.check_name, c.passed) for c in checks) == sorted(
                    (dg.AssetKey(["staging", source]), "meets_contract", True) for source in SOURCES
                )
                for (_, end, run_a, step_a), (start, _, run_b, step_b) in itertools.pairwise(
                    intervals
                ):
                    assert end <= start, f"{step_a} ({run_a}) overlaps {step_b} ({run_b})"
                assert sql(
                    "select status, count(*) from runs where run_id = any(%s) group by status",
                    refresh_ids,
                ) == [("SUCCESS", len(SOURCES))]
        finally:
            instance.dispose()
