"""Crash safety of the local Dagster instance.

A ``bizenv run`` killed with ``kill -9`` leaves its Dagster run ``STARTED`` forever and its slot
of the ``duckdb_warehouse`` pool taken: every later run would wait for the slot indefinitely.
The local instance has no daemon, so the CLI sweeps before it starts a run:

* every run ``bizenv`` started records which process runs it (tags ``bizenv/pid``,
  ``bizenv/host``, ``bizenv/proc_start`` and the work directory ``bizenv/home``);
* a run that is still in progress but whose process is gone (or that belongs to another work
  directory: a copy of a work directory made while a run was in progress) is marked failed;
* the pool slots of every run that has ended are freed, as the daemon's run monitoring does
  (``free_slots_after_run_end_seconds``) for runs launched from the UI;
* temporary files left by dead processes are removed, and so are the scratch directories of
  their validations in the system's temporary folder (``pipelines.tempfiles``).

Runs without the tags (launched by the daemon from the UI, the sensor or the schedule) are left
to the daemon's run monitoring, configured in the work directory's ``dagster.yaml``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from pipelines.env import Workdir
from pipelines.failures import explain_exception
from pipelines.tempfiles import (
    make_temp,
    process_alive,
    process_start,
    sweep_scratch_dirs,
    sweep_temp_files,
)

PID_TAG = "bizenv/pid"
HOST_TAG = "bizenv/host"
PROC_START_TAG = "bizenv/proc_start"
HOME_TAG = "bizenv/home"
INVOCATION_TAG = "bizenv/invocation"

IN_PROGRESS = (
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)
FINISHED = (
    dg.DagsterRunStatus.SUCCESS,
    dg.DagsterRunStatus.FAILURE,
    dg.DagsterRunStatus.CANCELED,
)
DEAD_RUN_MESSAGE = "运行该任务的进程已不存在（被强制结束或机器重启），bizenv 启动时将其标记为失败"
INTERRUPTED_MESSAGE = "运行被用户中断（Ctrl-C 或 SIGTERM）"


def process_tags(home: Path) -> dict[str, str]:
    """Tags naming this process and work directory, added to every run the CLI starts."""
    pid = os.getpid()
    tags = {PID_TAG: str(pid), HOST_TAG: socket.gethostname(), HOME_TAG: str(home)}
    start = process_start(pid)
    if start is not None:
        tags[PROC_START_TAG] = start
    return tags


def run_process_gone(run: dg.DagsterRun, home: Path) -> bool:
    """Whether the process a bizenv-started run names is gone (False when unknown)."""
    tags = run.tags
    if PID_TAG not in tags:
        return False  # launched by the daemon: its run monitoring watches it
    if tags.get(HOME_TAG) not in (None, str(home)):
        return True  # recorded in another work directory (this one is a copy)
    if tags.get(HOST_TAG) != socket.gethostname():
        return False  # another machine's process: cannot tell
    pid = int(tags[PID_TAG])
    if not process_alive(pid):
        return True
    recorded, current = tags.get(PROC_START_TAG), process_start(pid)
    return recorded is not None and current is not None and current != recorded  # reused id


@dataclass
class SweepResult:
    failed_runs: list[str] = field(default_factory=list)
    freed_runs: list[str] = field(default_factory=list)
    temp_files: list[Path] = field(default_factory=list)
    scratch_dirs: list[Path] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Chinese lines for the CLI (empty when nothing was left behind)."""
        out = []
        if self.failed_runs:
            ids = "、".join(r[:8] for r in self.failed_runs)
            out.append(f"  上次中断的运行已标记为失败：{ids}")
        if self.freed_runs:
            out.append(f"  已释放 {len(self.freed_runs)} 个已结束运行占用的仓库槽位")
        if self.temp_files:
            out.append(f"  已清理 {len(self.temp_files)} 个中断留下的临时文件")
        if self.scratch_dirs:
            out.append(
                f"  已清理 {len(self.scratch_dirs)} 个中断的校验留在系统临时目录中的暂存目录"
            )
        return out


def fail_runs(
    instance: dg.DagsterInstance, runs: Iterable[dg.DagsterRun], message: str
) -> list[str]:
    """Mark ``runs`` failed and free their pool slots; returns their ids."""
    failed = []
    for run in runs:
        instance.report_run_failed(run, message=message)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        failed.append(run.run_id)
    return failed


def free_slots_of_ended_runs(instance: dg.DagsterInstance) -> list[str]:
    """Free the pool slots (held or pending) of runs that have ended or no longer exist."""
    storage = instance.event_log_storage
    if not storage.supports_global_concurrency_limits:
        return []
    run_ids = storage.get_concurrency_run_ids()
    if not run_ids:
        return []
    live = {
        run.run_id
        for run in instance.get_runs(
            filters=dg.RunsFilter(run_ids=list(run_ids), statuses=list(IN_PROGRESS))
        )
    }
    freed = sorted(run_id for run_id in run_ids if run_id not in live)
    for run_id in freed:
        storage.free_concurrency_slots_for_run(run_id)
    return freed


def sweep(instance: dg.DagsterInstance, home: Path) -> SweepResult:
    """Fail the runs whose process is gone, free the slots of ended runs and remove the
    temporary files and validation scratch directories of dead processes. Safe while other
    bizenv processes are running."""
    in_progress = instance.get_runs(filters=dg.RunsFilter(statuses=list(IN_PROGRESS)))
    dead = [run for run in in_progress if run_process_gone(run, home)]
    result = SweepResult(failed_runs=fail_runs(instance, dead, DEAD_RUN_MESSAGE))
    result.freed_runs = [r for r in free_slots_of_ended_runs(instance) if r not in dead]
    result.temp_files = sweep_temp_files(home)
    result.scratch_dirs = sweep_scratch_dirs()
    return result


def abandon_invocation(instance: dg.DagsterInstance, invocation: str, message: str) -> list[str]:
    """Mark the in-progress run(s) started by one CLI call failed and free their slots (an
    interrupted ``bizenv run``)."""
    runs = instance.get_runs(
        filters=dg.RunsFilter(statuses=list(IN_PROGRESS), tags={INVOCATION_TAG: invocation})
    )
    return fail_runs(instance, runs, message)


class WorkdirError(RuntimeError):
    """The work directory cannot be used (read-only, corrupt warehouse): a Chinese message."""


def check_writable(workdir: Workdir) -> None:
    """Refuse a work directory bizenv cannot write to, before any run starts (a run would
    otherwise fail deep inside Dagster's storage)."""
    folders = (
        workdir.root,
        workdir.archive,
        workdir.rejections,
        workdir.warehouse.parent,
        workdir.reports,
        workdir.dagster_home,
    )
    for folder in folders:
        try:
            fd, tmp = make_temp(folder)
            os.close(fd)
            tmp.unlink()
        except OSError as exc:
            raise WorkdirError(
                f"工作目录 {workdir.root} 不可写（{folder}）：{explain_exception(exc)}；"
                "请检查目录权限或换一个工作目录（--workdir）"
            ) from exc
    files = [workdir.warehouse, *workdir.dagster_home.rglob("*.db")]
    for path in files:
        if path.exists() and not os.access(path, os.W_OK):
            raise WorkdirError(
                f"工作目录 {workdir.root} 中的文件 {path} 只读，无法写入；请检查文件权限"
            )


DUCKDB_MAGIC = b"DUCK"


def check_warehouse_file(path: Path) -> None:
    """Refuse a file at the warehouse path that is not a DuckDB database, once and at once
    (DuckDB's own error would otherwise surface only inside each step)."""
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(12)
    if header[8:12] != DUCKDB_MAGIC:
        raise WorkdirError(
            f"数据仓库文件 {path} 不是有效的 DuckDB 文件（可能已损坏或被其他文件替换）；"
            "请从备份恢复，或移走该文件后重新运行全部季度（bizenv backfill）"
        )


def start_session(workdir: Workdir) -> list[str]:
    """What ``bizenv run``/``backfill``/``demo`` do before their first run: refuse an unusable
    work directory (``WorkdirError``) and sweep what a crashed run left behind. Returns the
    Chinese lines to print (empty when nothing was left behind)."""
    check_writable(workdir)
    check_warehouse_file(workdir.warehouse)
    return sweep(dg.DagsterInstance.get(), workdir.root).lines()
