"""Paths stored in the warehouse and the archive's records are relative to the work
directory, so a work directory can be moved or copied (``cp -a``) and a copy never reads its
original. Records written before this rule hold absolute paths; they still resolve."""

from __future__ import annotations

from pathlib import Path


def to_stored(root: Path, path: Path) -> str:
    """``path`` as stored: relative to the work directory ``root`` when inside it."""
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        resolved = Path(path).resolve()
        try:
            return resolved.relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            return str(path)


def from_stored(root: Path, stored: str) -> Path:
    """The file a stored path names in the work directory ``root``."""
    return Path(root) / stored
