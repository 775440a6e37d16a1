"""The one atomic file write (pipelines.tempfiles) every writer uses: the target appears
complete or not at all, and the temporary file is gone whatever happens; and the scratch
directories validation spills into, swept once their process is gone."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.tempfiles import (
    atomic_target,
    process_start,
    stale_scratch_dirs,
    sweep_scratch_dirs,
    write_atomic,
)

BODY = "完整的内容\n".encode() * 1000
OLD = b"the previous version\n"


class Interrupted(Exception):
    """Stands for a failure half-way through writing."""


def _bytes(target: Path, source: Path, fail: type[BaseException] | None, mode: int) -> None:
    if fail is None:
        write_atomic(target, BODY, mode)
        return
    with atomic_target(target, mode) as tmp:
        tmp.write_bytes(BODY[: len(BODY) // 2])
        raise fail()


def _copy(target: Path, source: Path, fail: type[BaseException] | None, mode: int) -> None:
    with atomic_target(target, mode) as tmp:
        shutil.copyfile(source, tmp)
        if fail is not None:
            raise fail()


def _stream(target: Path, source: Path, fail: type[BaseException] | None, mode: int) -> None:
    with atomic_target(target, mode) as tmp, tmp.open("wb") as handle:
        for i in range(0, len(BODY), 512):
            handle.write(BODY[i : i + 512])
            if fail is not None and i > len(BODY) // 2:
                raise fail()


Writer = Callable[[Path, Path, type[BaseException] | None, int], None]
WRITERS = [_bytes, _copy, _stream]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "out.bin")


def _source(tmp_path: Path) -> Path:
    source = tmp_path / "source" / "in.bin"
    source.parent.mkdir()
    source.write_bytes(BODY)
    return source


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("existing", [False, True])
@pytest.mark.parametrize("mode", [0o644, 0o600, 0o444])
def test_target_is_complete_with_its_mode(
    tmp_path: Path,
    writer: Writer,
    existing: bool,
    mode: int,
) -> None:
    folder = tmp_path / "new" / "folder"  # created on the way
    target = folder / "out.bin"
    if existing:
        folder.mkdir(parents=True)
        target.write_bytes(OLD)
    writer(target, _source(tmp_path), None, mode)
    assert target.read_bytes() == BODY
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert _leftovers(folder) == []


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("existing", [False, True])
@pytest.mark.parametrize("fail", [Interrupted, KeyboardInterrupt])
def test_failure_leaves_the_target_as_it_was_and_no_temp_file(
    tmp_path: Path,
    writer: Writer,
    existing: bool,
    fail: type[BaseException],
) -> None:
    source = _source(tmp_path)
    target = tmp_path / "out" / "out.bin"
    target.parent.mkdir()
    if existing:
        target.write_bytes(OLD)
    with pytest.raises(fail):
        writer(target, source, fail, 0o644)
    if existing:
        assert target.read_bytes() == OLD
    else:
        assert not target.exists()
    assert _leftovers(target.parent) == []


def test_temporary_file_is_hidden_beside_the_target_while_writing(tmp_path: Path) -> None:
    """What a sweep and the landing sensor rely on: a hidden name that carries the pid, in
    the target's folder, never the target's own name."""
    target = tmp_path / "out.bin"
    with atomic_target(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".tmp-")
        assert not target.exists()
        tmp.write_bytes(BODY)
    assert target.read_bytes() == BODY


# Validation's scratch databases (pipelines.validation.keys.duckdb_scratch) spill into a
# directory of the system's temporary folder; a process killed with kill -9 cannot remove it,
# so the start-up sweep does, once the process named in it is gone.


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_stale_scratch_dirs_are_those_of_dead_processes(tmp_path: Path) -> None:
    dead = tmp_path / f"bizenv-scratch-{_dead_pid()}-123-abc"
    dead.mkdir()
    (dead / "duckdb_temp_storage-0.tmp").write_bytes(b"spilled")
    me, started = os.getpid(), process_start(os.getpid())
    assert started is not None
    living = tmp_path / f"bizenv-scratch-{me}-{started}-def"
    living.mkdir()
    # This process's id, but another start time: the id was reused after its owner died.
    reused = tmp_path / f"bizenv-scratch-{me}-{int(started) + 1}-ghi"
    reused.mkdir()
    unknown_start = tmp_path / f"bizenv-scratch-{me}-0-jkl"  # made where /proc is missing
    unknown_start.mkdir()
    unnamed = tmp_path / "bizenv-scratch-0h6pzatf"  # before the process id was in the name
    unnamed.mkdir()
    not_a_dir = tmp_path / f"bizenv-scratch-{_dead_pid()}-1-file"
    not_a_dir.write_bytes(b"")
    assert stale_scratch_dirs(tmp_path) == sorted([dead, reused])
    assert sweep_scratch_dirs(tmp_path) == sorted([dead, reused])
    assert sorted(tmp_path.iterdir()) == sorted([living, unknown_start, unnamed, not_a_dir])


def test_the_scratch_database_spills_into_its_own_directory_and_removes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.validation.keys import duckdb_scratch

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with duckdb_scratch() as con:
        (directory,) = tmp_path.iterdir()
        assert directory.name.startswith(
            f"bizenv-scratch-{os.getpid()}-{process_start(os.getpid())}-"
        )
        (setting,) = con.execute("select current_setting('temp_directory')").fetchone()
        assert Path(setting) == directory
    assert list(tmp_path.iterdir()) == []


def test_a_killed_validation_s_scratch_directory_is_swept(tmp_path: Path) -> None:
    scratch_root = tmp_path / "tmp"
    scratch_root.mkdir()
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pipelines.validation.keys import duckdb_scratch\n"
            "with duckdb_scratch():\n"
            "    print('ready', flush=True)\n"
            "    time.sleep(60)\n",
        ],
        env={**os.environ, "TMPDIR": str(scratch_root)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        (left,) = scratch_root.iterdir()
        assert left.name.startswith(f"bizenv-scratch-{child.pid}-")
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    finally:
        child.kill()
    assert left.is_dir()  # nothing removed it: the process had no chance
    assert sweep_scratch_dirs(scratch_root) == [left]
    assert not left.exists()
