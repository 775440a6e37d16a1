"""``kill -9`` of a real ``bizenv run`` (issue 16, point 1): killed while an archive object is
half-copied, inside the staging transaction and inside the promotion transaction, the next
``bizenv run`` does not wait for the dead run's pool slot, removes what it left behind and
reaches exactly the state of an uninterrupted run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.demo import DEMO_SOURCES as SOURCES
from pipelines.demo.generator import generate_landing
from pipelines.env import DUCKDB_POOL, PROJECT_ROOT
from pipelines.quarters import Quarter

Q = Quarter(2025, 2)
HELPER = Path(__file__).parent / "helpers" / "crash_run.py"
BIZENV = Path(sys.executable).parent / "bizenv"
SOURCE = "approval_cases"  # first in step order: the crash comes early


def _env(scratch: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("BIZENV_HOME", "BIZENV_DUCKDB")}
    env.pop("DAGSTER_HOME", None)
    if scratch is not None:  # the system temporary folder, where validation's scratch spills
        env["TMPDIR"] = str(scratch)
    return env


def _run_args(root: Path) -> list[str]:
    # One received time for both work directories (it is otherwise when each archive first
    # sees the files), so the clean and the recovered outputs can be compared byte for byte.
    received = ["--received-at", "2025-07-05 10:00"]
    return ["run", "--quarter", str(Q), "--workdir", str(root), *received]


def _odd_parent() -> None:
    """In the child before exec: SIGINT at its default, as from a terminal, but SIGINT and
    SIGTERM blocked, as by a parent that blocked them (the mask survives exec): bizenv must
    unblock them itself."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})


def _signal_state(pid: int) -> str:
    """The process's blocked, ignored and caught signal masks (for a failure message)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        return "".join(
            line for line in status if line.startswith(("SigPnd", "SigBlk", "SigIgn", "SigCgt"))
        )


def _run(root: Path, scratch: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIZENV), *_run_args(root)],
        capture_output=True,
        text=True,
        env=_env(scratch),
        cwd=PROJECT_ROOT,
        timeout=900,  # a run waiting for a dead run's slot would never end
    )


def _crash(root: Path, point: str, scratch: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(HELPER), point, SOURCE, "--", *_run_args(root)],
        capture_output=True,
        text=True,
        env=_env(scratch),
        cwd=PROJECT_ROOT,
        timeout=900,
    )


def _state(root: Path) -> dict[str, object]:
    with duckdb.connect(str(root / "warehouse" / "bizenv.duckdb"), read_only=True) as con:
        submissions = con.execute(
            "select source, quarter, submission_hash, status, error_count, data_rows "
            "from intake.submissions order by all"
        ).fetchall()
        warehouse = {
            s: con.execute(f"select count(*), bit_xor(hash(t)) from warehouse.{s} as t").fetchone()
            for s in SOURCES
        }
        rankings = con.execute("select * from scores.rankings order by all").fetchall()
        scores = con.execute("select * from scores.indicator_scores order by all").fetchall()
    reports = root / "reports" / str(Q)
    summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    summary.pop("generated_at")
    return {
        "submissions": submissions,
        "warehouse": warehouse,
        "rankings": rankings,
        "scores": scores,
        "report_files": sorted(p.name for p in reports.iterdir()),
        "summary": summary,
    }


def _instance(root: Path) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_config(str(root / "dagster_home"))


def _temp_files(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*") if p.name.startswith((".incoming-", ".tmp-"))]


@pytest.mark.slow
def test_kill_9_at_archive_staging_and_promotion_then_rerun_reaches_the_clean_state(
    tmp_path: Path,
) -> None:
    landing = tmp_path / "landing"
    generate_landing(landing, scale=0.05, quarters=[Q])
    clean, crashed = tmp_path / "clean", tmp_path / "crashed"
    for root in (clean, crashed):
        shutil.copytree(landing, root / "landing")

    uninterrupted = _run(clean)
    assert uninterrupted.returncode == 0, uninterrupted.stdout + uninterrupted.stderr

    # Killed while copying into the archive: a partial temporary object is left behind.
    killed = _crash(crashed, "archive")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert any(p.name.startswith(".incoming-") for p in _temp_files(crashed))

    # Killed inside the staging transaction, then inside the promotion transaction: each
    # leaves a run STARTED forever with the warehouse slot taken. The staging kill also leaves
    # validation's scratch directory in the temporary folder.
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    for point in ("staging", "promotion"):
        killed = _crash(crashed, point, scratch)
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        instance = _instance(crashed)
        started = instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        assert len(started) == 1
        info = instance.event_log_storage.get_concurrency_info(DUCKDB_POOL)
        assert [slot.run_id for slot in info.claimed_slots] == [started[0].run_id]
        if point == "staging":
            assert [p.name.startswith("bizenv-scratch-") for p in scratch.iterdir()] == [True]
        else:  # the promotion run swept it at start, then validated and closed its own
            assert list(scratch.iterdir()) == []
            assert "暂存目录" in killed.stdout

    rerun = _run(crashed, scratch)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "上次中断的运行已标记为失败" in rerun.stdout
    assert "Traceback" not in rerun.stderr

    assert _state(crashed) == _state(clean)
    assert _temp_files(crashed) == []
    assert list(scratch.iterdir()) == []
    instance = _instance(crashed)
    assert instance.event_log_storage.get_concurrency_info(DUCKDB_POOL).claimed_slots == []
    statuses = {run.status for run in instance.get_runs()}
    assert statuses == {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("signum", "code"),
    [
        (signal.SIGTERM, 143),
        (signal.SIGINT, 130),
    ],
)
def test_a_run_waiting_for_the_slot_ends_cleanly_on_a_signal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signum: signal.Signals, code: int
) -> None:
    """A run waiting for the warehouse slot (held by a living run: this test process) reacts
    to SIGTERM/SIGINT at once, even though its parent had them blocked: its run is marked
    failed, its claims are freed, exit 143/130."""
    from pipelines.env import configure_environment
    from pipelines.instance import process_tags

    for name in ("BIZENV_HOME", "BIZENV_DUCKDB", "DAGSTER_HOME"):
        monkeypatch.setenv(name, os.environ.get(name, ""))
    root = tmp_path / "work"
    configure_environment(root)
    instance = _instance(root)
    holder = instance.create_run_for_job(
        _holder_job, status=dg.DagsterRunStatus.STARTED, tags=process_tags(root)
    )
    instance.event_log_storage.set_concurrency_slots(DUCKDB_POOL, 1)  # the pool's default limit
    claim = instance.event_log_storage.claim_concurrency_slot(DUCKDB_POOL, holder.run_id, "held")
    assert claim.is_claimed

    proc = subprocess.Popen(
        [str(BIZENV), *_run_args(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**_env(), "PYTHONFAULTHANDLER": "1"},
        cwd=PROJECT_ROOT,
        # SIGINT at its default: a suite started in the background of a non-interactive
        # shell (`make test &` in a script) has SIGINT ignored in every process, and a signal
        # ignored at exec stays ignored (Python then installs no handler): the run would
        # rightly ignore it, as any program started with `&` does. SIGINT and SIGTERM blocked.
        preexec_fn=_odd_parent,
    )
    try:
        waiting = None
        for _ in range(600):  # until the CLI's run waits for the slot
            info = instance.event_log_storage.get_concurrency_info(DUCKDB_POOL)
            waiting = next(
                (s.run_id for s in info.pending_steps if s.run_id != holder.run_id), None
            )
            if waiting or proc.poll() is not None:
                break
            time.sleep(0.5)
        assert waiting is not None, proc.communicate()
        proc.send_signal(signum)
        try:
            # Seconds when the machine is idle; a loaded CI machine (the other worker running
            # a pipeline) can take much longer to mark the run failed and exit.
            out, err = proc.communicate(timeout=240)
        except subprocess.TimeoutExpired:
            signals = _signal_state(proc.pid)
            proc.send_signal(signal.SIGABRT)  # faulthandler: every thread's stack on stderr
            try:
                out, err = proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
            pytest.fail(f"no exit within 240 s of the signal:\n{signals}\n{out}\n{err}")
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, out + err
    assert "标记为失败" in err and "Traceback" not in err
    run = instance.get_run_by_id(waiting)
    assert run is not None and run.status == dg.DagsterRunStatus.FAILURE
    info = instance.event_log_storage.get_concurrency_info(DUCKDB_POOL)
    assert [s.run_id for s in info.pending_steps if s.run_id != holder.run_id] == []
    assert [s.run_id for s in info.claimed_slots] == [holder.run_id]  # the living run keeps it


@dg.op
def _holder_op() -> None:
    return None


@dg.job
def _holder_job() -> None:
    _holder_op()
