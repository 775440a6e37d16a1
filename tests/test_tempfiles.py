"""The one atomic file write (pipelines.tempfiles) every writer uses: the target appears
complete or not at all, and the temporary file is gone whatever happens."""

from __future__ import annotations

import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.tempfiles import atomic_target, write_atomic

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
