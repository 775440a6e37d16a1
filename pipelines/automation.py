"""Pure logic behind the landing sensor and the quarterly schedule (unit-tested without
Dagster): which landed files are new or changed, and which quarter a schedule tick reports."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pipelines.env import TIMEZONE
from pipelines.intake.archive import (
    LandingPathError,
    file_sha256,
    is_archived,
    is_submission_file,
    parse_landing_path,
)
from pipelines.intake.landing import entry_note
from pipelines.intake.marks import is_received, receipt_id
from pipelines.quarters import Quarter, QuarterError


@dataclass(frozen=True)
class LandedChange:
    quarter: Quarter
    source: str
    path: Path
    submission_hash: str
    # For a re-sent version (bytes already archived, a new receipt): the receipt's id, so the
    # run key differs from the first receipt's.
    resent_receipt: str | None = None

    @property
    def run_key(self) -> str:
        key = f"{self.source}:{self.quarter}:{self.submission_hash}"
        return f"{key}:{self.resent_receipt}" if self.resent_receipt else key


@dataclass(frozen=True)
class LandingScan:
    changes: list[LandedChange]
    misplaced: list[str]  # Chinese messages for files in a wrong place or refused
    cursor: str


def scan_landing(
    landing: Path,
    cursor: str | None,
    archive: Path | None = None,
    *,
    settle_seconds: float = 0.0,
    now: float | None = None,
) -> LandingScan:
    """Compare the landing folder with the cursor.

    The cursor is JSON: ``{"files": {path: [mtime_ns, size, sha256]}, "misplaced": [path]}``.
    A file is hashed only when its mtime or size changed; it is a change only when its hash
    differs from what the cursor remembers, so touching or re-uploading identical bytes
    launches nothing. With ``archive``, a version already archived for its source and quarter
    (processed by an earlier run, e.g. before the sensor was started) is not a change either.
    Files modified less than ``settle_seconds`` ago may still be uploading: they are left for a
    later tick. A file in a wrong place is reported once (``misplaced``) and then remembered.
    A file that vanishes or cannot be read during the scan is skipped, never an error.
    """
    state = json.loads(cursor) if cursor else {}
    seen: dict[str, list[object]] = state.get("files", {})
    known_misplaced = set(state.get("misplaced", []))
    now = time.time() if now is None else now
    changes: list[LandedChange] = []
    misplaced: list[str] = []
    updated: dict[str, list[object]] = {}
    still_misplaced: set[str] = set()
    paths = sorted(landing.rglob("*")) if landing.is_dir() else []
    for path in paths:
        try:
            key = str(path.relative_to(landing))
            if path.is_dir() and not path.is_symlink():
                continue
            # Symbolic links, devices, pipes, hidden and lock files: reported once, never taken.
            note = entry_note(path, key)
            if note is not None or not is_submission_file(path):
                still_misplaced.add(key)
                if key not in known_misplaced and note is not None:
                    misplaced.append(note)
                continue
            try:
                quarter, source = parse_landing_path(landing, path)
            except LandingPathError as exc:
                still_misplaced.add(key)
                if key not in known_misplaced:
                    misplaced.append(str(exc))
                continue
            stat = path.stat()
            if now - stat.st_mtime < settle_seconds:
                continue
            previous = seen.get(key)
            if previous and previous[0] == stat.st_mtime_ns and previous[1] == stat.st_size:
                updated[key] = previous
                continue
            digest = file_sha256(path)
        except OSError:
            continue
        updated[key] = [stat.st_mtime_ns, stat.st_size, digest]
        if previous is not None and previous[2] == digest:
            continue
        resent = None
        if archive is not None and is_archived(archive, source, quarter, digest):
            # Archived bytes: a change only when intake has not received this file yet (the
            # department re-sent a version it had sent before).
            if is_received(archive, source, quarter, digest, key, stat.st_mtime_ns, stat.st_size):
                continue
            resent = receipt_id(key, stat.st_mtime_ns, stat.st_size)
        changes.append(LandedChange(quarter, source, path, digest, resent))
    new_cursor = json.dumps(
        {"files": updated, "misplaced": sorted(still_misplaced)}, sort_keys=True, ensure_ascii=False
    )
    return LandingScan(changes, misplaced, new_cursor)


def landed_quarters(landing: Path) -> list[Quarter]:
    """Quarters that have a folder in the landing directory, oldest first."""
    quarters = []
    for folder in landing.iterdir() if landing.is_dir() else []:
        try:
            quarters.append(Quarter.parse(folder.name))
        except QuarterError:
            continue
    return sorted(quarters)


def reported_quarter(tick: datetime) -> Quarter:
    """The quarter a schedule tick reports on: the one before the tick's quarter."""
    return Quarter.of(tick.astimezone(ZoneInfo(TIMEZONE))).previous()


def quarterly_cron(day_after_quarter: int, hour: int = 8) -> str:
    """Cron for `hour`:00 on day `day_after_quarter` of the month after each quarter ends."""
    if not 1 <= day_after_quarter <= 28:
        raise ValueError("schedule day must be between 1 and 28")
    return f"0 {hour} {day_after_quarter} 1,4,7,10 *"
