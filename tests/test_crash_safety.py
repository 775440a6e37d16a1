"""Crash safety of the local instance (issue 16, point 1): the start-up sweep fails runs whose
process is gone and frees their pool slots, leaves living runs and daemon-launched runs alone,
frees the slots of ended runs and removes the temporary files of dead processes; the
work directory's dagster.yaml has run monitoring with slot release."""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines.env import DUCKDB_POOL, Workdir, configure_environment
from pipelines.instance import (
    HOME_TAG,
    PID_TAG,
    process_tags,
    run_process_gone,
    sweep,
)
from pipelines.tempfiles import make_temp, stale_temp_files

# Tier slow: runs the pipeline (run_quarter, bizenv run) on small fixtures.
pytestmark = pytest.mark.slow


@dg.op
def _noop() -> None:
    return None


@dg.job
def _job() -> None:
    _noop()


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _run(
    instance: dg.DagsterInstance, status: dg.DagsterRunStatus, tags: dict[str, str]
) -> dg.DagsterRun:
    return instance.create_run_for_job(_job, status=status, tags=tags)


def _holds_slot(instance: dg.DagsterInstance, run_id: str) -> bool:
    info = instance.event_log_storage.get_concurrency_info(DUCKDB_POOL)
    return any(slot.run_id == run_id for slot in info.claimed_slots)


def test_sweep_fails_dead_runs_frees_their_slots_and_leaves_live_ones(
    workdir: Workdir, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Scratch directories are swept from the system's temporary folder: this test's own, so
    # that another test's killed validation cannot appear between the two sweeps.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    instance = dg.DagsterInstance.get()
    storage = instance.event_log_storage
    storage.set_concurrency_slots(DUCKDB_POOL, 3)
    home = workdir.root
    mine = process_tags(home)
    dead = _run(
        instance, dg.DagsterRunStatus.STARTED, {**mine, PID_TAG: str(_dead_pid())}
    )  # kill -9
    live = _run(instance, dg.DagsterRunStatus.STARTED, mine)
    copied = _run(instance, dg.DagsterRunStatus.STARTED, {**mine, HOME_TAG: "/elsewhere"})
    daemon = _run(instance, dg.DagsterRunStatus.STARTED, {})  # launched from the UI
    ended = _run(instance, dg.DagsterRunStatus.SUCCESS, {})
    for run in (dead, live, ended):
        storage.claim_concurrency_slot(DUCKDB_POOL, run.run_id, "step")
    assert all(_holds_slot(instance, r.run_id) for r in (dead, live, ended))

    result = sweep(instance, home)

    status = {r.run_id: r.status for r in instance.get_runs()}
    assert status[dead.run_id] == dg.DagsterRunStatus.FAILURE
    assert status[copied.run_id] == dg.DagsterRunStatus.FAILURE
    assert status[live.run_id] == dg.DagsterRunStatus.STARTED
    assert status[daemon.run_id] == dg.DagsterRunStatus.STARTED
    assert sorted(result.failed_runs) == sorted([dead.run_id, copied.run_id])
    assert result.freed_runs == [ended.run_id]
    assert not _holds_slot(instance, dead.run_id)
    assert not _holds_slot(instance, ended.run_id)
    assert _holds_slot(instance, live.run_id)
    assert any("标记为失败" in line for line in result.lines())
    # The failure is in the run's event log with the reason, in Chinese.
    failure = instance.all_logs(dead.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert failure and "进程已不存在" in failure[0].dagster_event.message
    # A second sweep finds nothing more to do.
    again = sweep(instance, home)
    assert (again.failed_runs, again.freed_runs, again.temp_files) == ([], [], [])


@pytest.mark.parametrize(
    ("tags", "gone"),
    [
        ({PID_TAG: "1", HOME_TAG: "HOME"}, False),  # alive (init), same home
        ({PID_TAG: "DEAD", HOME_TAG: "HOME"}, True),
        ({PID_TAG: "SELF", HOME_TAG: "/other/copy"}, True),  # this work dir is a copy
        ({}, False),  # not started by the CLI: the daemon's run monitoring watches it
    ],
)
def test_run_process_gone(tmp_path: Path, tags: dict[str, str], gone: bool) -> None:
    home = tmp_path
    base = process_tags(home)
    resolved = {
        key: value.replace("HOME", str(home))
        .replace("DEAD", str(_dead_pid()))
        .replace("SELF", str(os.getpid()))
        for key, value in tags.items()
    }
    if PID_TAG in resolved:
        resolved = {**base, **resolved}
        if resolved[PID_TAG] != str(os.getpid()):
            resolved.pop("bizenv/proc_start", None)
    run = dg.DagsterRun(job_name="j", tags=resolved)
    assert run_process_gone(run, home) is gone


def test_reused_process_id_is_a_dead_run(tmp_path: Path) -> None:
    tags = {**process_tags(tmp_path), "bizenv/proc_start": "1"}  # another start time
    assert run_process_gone(dg.DagsterRun(job_name="j", tags=tags), tmp_path)


def test_stale_temp_files_are_those_of_dead_processes(tmp_path: Path) -> None:
    objects = tmp_path / "archive" / "objects"
    objects.mkdir(parents=True)
    stale = objects / f".incoming-{_dead_pid()}-abc"
    stale.write_bytes(b"")  # a 0-byte object copy left by kill -9
    report_tmp = tmp_path / "reports" / "2025Q2" / f".tmp-{_dead_pid()}-x"
    report_tmp.parent.mkdir(parents=True)
    report_tmp.write_bytes(b"<html>")
    fd, ours = make_temp(objects, "incoming")  # a living process is writing this one
    os.close(fd)
    assert stale_temp_files(tmp_path) == sorted([stale, report_tmp])
    assert ours.exists()


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """configure_environment sets these; restore them after the test."""
    for name in ("BIZENV_HOME", "BIZENV_DUCKDB", "DAGSTER_HOME"):
        monkeypatch.setenv(name, os.environ.get(name, ""))


@pytest.mark.usefixtures("isolated_env")
def test_local_instance_has_run_monitoring_with_slot_release(tmp_path: Path) -> None:
    workdir = configure_environment(tmp_path / "w")
    config = yaml.safe_load((workdir.dagster_home / "dagster.yaml").read_text(encoding="utf-8"))
    monitoring = config["run_monitoring"]
    assert monitoring["enabled"] is True
    assert monitoring["free_slots_after_run_end_seconds"] > 0
    assert config["concurrency"]["pools"]["default_limit"] == 1


@pytest.mark.usefixtures("isolated_env")
def test_old_bizenv_instance_yaml_is_upgraded_but_a_hand_made_one_kept(tmp_path: Path) -> None:
    from pipelines.env import _LOCAL_INSTANCE_YAML

    old = tmp_path / "old"
    (old / "dagster_home").mkdir(parents=True)
    first_line = _LOCAL_INSTANCE_YAML.splitlines()[0]
    (old / "dagster_home" / "dagster.yaml").write_text(f"{first_line}\ntelemetry: {{}}\n")
    configure_environment(old)
    assert "run_monitoring" in (old / "dagster_home" / "dagster.yaml").read_text()
    own = tmp_path / "own"
    (own / "dagster_home").mkdir(parents=True)
    (own / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    configure_environment(own)
    assert (own / "dagster_home" / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"
