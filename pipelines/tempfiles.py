"""Temporary files bizenv writes before renaming them into place.

Every temporary file is named ``.<kind>-<pid>-<random>`` beside its target, so a start-up sweep
can remove those whose process is gone (a run killed with ``kill -9`` leaves its temporary
file behind) without touching one that a concurrent, living process is still writing.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_NAME = re.compile(r"^\.(?:incoming|tmp)-(\d+)-")
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
