"""Receipt marks in the archive: which landing files (path, modification time, size) intake
has already received. The landing sensor reads them without opening the warehouse, so a file
whose bytes are already archived still launches a run when it is a new receipt (a re-sent
version, see ``pipelines.intake.receipts``), and never when intake has already seen it.

``archive/receipts/<source>/<quarter>/<hash>/<receipt id>.json`` holds the receipt's landing
path (relative to the landing folder), modification time and size.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pipelines.quarters import Quarter
from pipelines.tempfiles import write_atomic


def receipt_id(landing_relative: str, mtime_ns: int, size: int) -> str:
    text = f"{landing_relative}\0{mtime_ns}\0{size}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _mark_path(
    archive_root: Path, source: str, quarter: Quarter | str, hash_: str, receipt: str
) -> Path:
    return archive_root / "receipts" / source / str(quarter) / hash_ / f"{receipt}.json"


def mark_received(
    archive_root: Path, landing: Path, path: Path, source: str, quarter: Quarter | str, hash_: str
) -> None:
    """Record that intake received ``path`` (as it is now) as version ``hash_``."""
    try:
        info = os.lstat(path)
    except OSError:
        return
    relative = path.relative_to(landing).as_posix()
    target = _mark_path(
        archive_root, source, quarter, hash_, receipt_id(relative, info.st_mtime_ns, info.st_size)
    )
    if target.exists():
        return
    record = {"landing_path": relative, "mtime_ns": info.st_mtime_ns, "size": info.st_size}
    write_atomic(target, json.dumps(record, ensure_ascii=False).encode("utf-8"), 0o444)


def is_received(
    archive_root: Path,
    source: str,
    quarter: Quarter | str,
    hash_: str,
    landing_relative: str,
    mtime_ns: int,
    size: int,
) -> bool:
    receipt = receipt_id(landing_relative, mtime_ns, size)
    return _mark_path(archive_root, source, quarter, hash_, receipt).exists()
