"""Pure logic behind the landing sensor and the quarterly schedule (unit-tested without
Dagster): which landed files are new or changed, and which quarter a schedule tick reports."""

from __future__ import annotations

import json
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
from pipelines.quarters import Quarter


@dataclass(frozen=True)
class LandedChange:
    quarter: Quarter
    source: str
    path: Path
    submission_hash: str


@dataclass(frozen=True)
class LandingScan:
    changes: list[LandedChange]
    misplaced: list[str]  # Chinese messages for files in a wrong place
    cursor: str


def scan_landing(landing: Path, cursor: str | None, archive: Path | None = None) -> LandingScan:
    """Compare the landing folder with the cursor ({path: [mtime_ns, size, sha256]}).

    A file is hashed only when its mtime or size changed; it is a change only when its hash
    differs from what the cursor remembers, so touching or re-uploading identical bytes
    launches nothing. With ``archive``, a version already archived for its source and quarter
    (processed by an earlier run, e.g. before the sensor was started) is not a change either.
    """
    seen: dict[str, list[object]] = json.loads(cursor) if cursor else {}
    changes: list[LandedChange] = []
    misplaced: list[str] = []
    updated: dict[str, list[object]] = {}
    if landing.is_dir():
        for path in sorted(landing.rglob("*")):
            if not is_submission_file(path):
                continue
            try:
                quarter, source = parse_landing_path(landing, path)
            except LandingPathError as exc:
                misplaced.append(str(exc))
                continue
            stat = path.stat()
            key = str(path.relative_to(landing))
            previous = seen.get(key)
            if previous and previous[0] == stat.st_mtime_ns and previous[1] == stat.st_size:
                updated[key] = previous
                continue
            digest = file_sha256(path)
            updated[key] = [stat.st_mtime_ns, stat.st_size, digest]
            if previous is not None and previous[2] == digest:
                continue
            if archive is not None and is_archived(archive, source, quarter, digest):
                continue
            changes.append(LandedChange(quarter, source, path, digest))
    return LandingScan(changes, misplaced, json.dumps(updated, sort_keys=True))


def reported_quarter(tick: datetime) -> Quarter:
    """The quarter a schedule tick reports on: the one before the tick's quarter."""
    return Quarter.of(tick.astimezone(ZoneInfo(TIMEZONE))).previous()


def quarterly_cron(day_after_quarter: int, hour: int = 8) -> str:
    """Cron for `hour`:00 on day `day_after_quarter` of the month after each quarter ends."""
    if not 1 <= day_after_quarter <= 28:
        raise ValueError("schedule day must be between 1 and 28")
    return f"0 {hour} {day_after_quarter} 1,4,7,10 *"
