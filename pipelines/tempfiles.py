"""Temporary files bizenv writes before renaming them into place, and scratch directories.

Every temporary file is named ``.<kind>-<pid>-<random>`` beside its target, so a start-up sweep
can remove those whose process is gone (a run killed with ``kill -9`` leaves its temporary
file behind) without touching one that a concurrent, living process is still writing.
Validation's scratch databases spill into ``bizenv-scratch-<pid>-<start>-<random>`` directories
of the system's temporary folder (up to gigabytes for a province's file), swept the same way;
``<start>`` (the process's start time) tells a reused process id from the original.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_NAME = re.compile(r"^\.(?:incoming|tmp)-(\d+)-")
SCRATCH_PREFIX = "bizenv-scratch-"
_SCRATCH_NAME = re.compile(rf"^{SCRATCH_PREFIX}(\d+)-(\d+)-")
# Folders of a work directory where bizenv writes through temporary files.
SWEPT_FOLDERS = ("archive", "rejections", "reports")


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def process_start(pid: int) -> str | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux ``/proc``), which
    tells a reused process id from the original; None where ``/proc`` is not available."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may contain spaces.
    return stat.rsplit(")", 1)[1].split()[19]


def make_temp(directory: Path, kind: str = "tmp") -> tuple[int, Path]:
    """``mkstemp`` in ``directory`` with a short name that carries this process's id (the
    target's own name may already be as long as the file system allows)."""
    directory.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=directory, prefix=f".{kind}-{os.getpid()}-")
    return fd, Path(name)


@contextmanager
def atomic_target(target: Path, mode: int = 0o644, kind: str = "tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it is chmod-ed and renamed onto
    ``target``, on any failure (or interrupt) it is removed."""
    fd, tmp = make_temp(target.parent, kind)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(target: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to ``target`` through a temporary file: never a half-written file."""
    with atomic_target(target, mode) as tmp:
        tmp.write_bytes(data)


def make_scratch_dir() -> Path:
    """A new scratch directory in the system's temporary folder, named with this process's id
    and start time (removed by its user on exit; by the start-up sweep if the process is
    killed)."""
    pid = os.getpid()
    start = process_start(pid) or "0"
    return Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{pid}-{start}-"))


def stale_scratch_dirs(parent: Path | None = None) -> list[Path]:
    """Scratch directories in ``parent`` (default: the system's temporary folder) whose process
    is gone: no process has the id, or the one that has it started at another time. Another
    user's directories are left alone. Not on Windows, where ``os.kill(pid, 0)`` is no probe
    (signal 0 is CTRL_C_EVENT there): nothing is swept."""
    if os.name == "nt":
        return []
    folder = Path(parent or tempfile.gettempdir())
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    stale = []
    for entry in entries:
        match = _SCRATCH_NAME.match(entry.name)
        if not match or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            owned = entry.stat(follow_symlinks=False).st_uid == os.getuid()
        except OSError:
            continue
        pid, recorded = int(match.group(1)), match.group(2)
        if owned and not _same_process_alive(pid, recorded):
            stale.append(Path(entry.path))
    return sorted(stale)


def _same_process_alive(pid: int, recorded_start: str) -> bool:
    if not process_alive(pid):
        return False
    current = process_start(pid)
    # "0": the start time was unknown when the directory was made; then the id alone decides.
    return recorded_start == "0" or current is None or current == recorded_start


def stale_temp_files(root: Path) -> list[Path]:
    """Temporary files under the work directory ``root`` whose writing process is gone."""
    stale = []
    for folder in SWEPT_FOLDERS:
        for dirpath, _, filenames in os.walk(root / folder):
            for name in filenames:
                match = _NAME.match(name)
                if match and not process_alive(int(match.group(1))):
                    stale.append(Path(dirpath) / name)
    return sorted(stale)


def sweep_temp_files(root: Path) -> list[Path]:
    """Remove the stale temporary files under ``root``; returns what was removed."""
    removed = []
    for path in stale_temp_files(root):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        except PermissionError:
            continue
        removed.append(path)
    return removed


def sweep_scratch_dirs(parent: Path | None = None) -> list[Path]:
    """Remove the stale scratch directories (``stale_scratch_dirs``); returns those removed."""
    removed = []
    for directory in stale_scratch_dirs(parent):
        shutil.rmtree(directory, ignore_errors=True)
        if not directory.exists():
            removed.append(directory)
    return removed
