"""The portal's audit log: one JSON line per login attempt, upload and confirmation.

Append-only: the file is only ever opened with ``O_APPEND`` (never truncated or rewritten),
under an exclusive lock, and every line carries the sha256 of the line before it, so an
edited or deleted line breaks the chain (``verify_chain``).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from pipelines.env import TIMEZONE

GENESIS = "0" * 64


def _last_line(handle: int) -> bytes | None:
    size = os.lseek(handle, 0, os.SEEK_END)
    if size == 0:
        return None
    window = min(size, 64 * 1024)
    os.lseek(handle, size - window, os.SEEK_SET)
    tail = os.read(handle, window).rstrip(b"\n")
    return tail.rsplit(b"\n", 1)[-1]


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def append(self, event: str, **fields: Any) -> dict[str, Any]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            last = _last_line(fd)
            record = {
                "time": datetime.now(ZoneInfo(TIMEZONE)).isoformat(timespec="seconds"),
                "event": event,
                **fields,
                "prev": hashlib.sha256(last).hexdigest() if last else GENESIS,
            }
            line = json.dumps(record, ensure_ascii=False, sort_keys=True).encode("utf-8")
            os.write(fd, line + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        return record

    def records(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        return [json.loads(line) for line in self.path.read_text(encoding="utf-8").splitlines()]


def verify_chain(path: Path) -> int | None:
    """The 1-based number of the first line whose ``prev`` does not match, else None."""
    previous: bytes | None = None
    for number, line in enumerate(Path(path).read_bytes().splitlines(), start=1):
        expected = hashlib.sha256(previous).hexdigest() if previous is not None else GENESIS
        try:
            if json.loads(line)["prev"] != expected:
                return number
        except (ValueError, KeyError):
            return number
        previous = line
    return None
