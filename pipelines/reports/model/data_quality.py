"""数据质量: per source, the version in force, its timeliness against the submission deadline,
and the rejected versions with their messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import pandas as pd

from pipelines.contracts import contract, enabled_sources
from pipelines.env import SHANGHAI
from pipelines.quarters import Quarter
from pipelines.reports.data import BulletinData
from pipelines.reports.model.formatting import to_float, to_int


@dataclass(frozen=True)
class RejectedVersion:
    file_name: str
    received_at: datetime
    error_count: int
    rules: tuple[tuple[str, int], ...]
    messages: tuple[str, ...]


@dataclass(frozen=True)
class SourceQuality:
    source: str
    title: str
    submitters: str
    file_name: str | None
    received_at: datetime | None
    deadline: datetime
    rows: int | None
    versions: int
    superseded: int
    rejected: tuple[RejectedVersion, ...] = field(default_factory=tuple)
    required: bool = True
    sender: str | None = None  # who sent the version in force (portal user), when known

    @property
    def status(self) -> str:
        """未报送 (nothing received), 未入库 (received, nothing in force) or the file name."""
        if self.file_name is not None:
            return self.file_name
        return "未报送" if self.versions == 0 else "未入库"

    @property
    def on_time(self) -> bool | None:
        if self.received_at is None:
            return None
        return self.received_at <= self.deadline


def submission_deadline(quarter: Quarter, days: int) -> datetime:
    """End of the day ``days`` calendar days after the quarter ends, Asia/Shanghai."""
    day = quarter.end + timedelta(days=days)
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


def _shanghai(value: object) -> datetime:
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(SHANGHAI)
    return stamp.tz_convert(SHANGHAI).to_pydatetime()


def data_quality(data: BulletinData, deadline_days: int) -> list[SourceQuality]:
    deadline = submission_deadline(data.quarter, deadline_days)
    subs = data.submissions
    out = []
    for source in enabled_sources():
        spec = contract(source)
        mine = subs[subs["source"] == source]
        force = mine[mine["in_force"].astype(bool)]
        rejected = []
        for r in mine[mine["status"] == "rejected"].itertuples(index=False):
            rules = data.rejection_rules[
                (data.rejection_rules["source"] == source)
                & (data.rejection_rules["submission_hash"] == r.submission_hash)
            ]
            messages = data.rejection_messages[
                (data.rejection_messages["source"] == source)
                & (data.rejection_messages["submission_hash"] == r.submission_hash)
            ]
            rejected.append(
                RejectedVersion(
                    file_name=str(r.file_name),
                    received_at=_shanghai(r.received_at),
                    error_count=to_int(r.error_count) or 0,
                    rules=tuple((str(x.rule), int(x.errors)) for x in rules.itertuples()),
                    messages=tuple(
                        (f"第{int(m.row_number)}行 " if to_float(m.row_number) is not None else "")
                        + (f"{m.column_header}：" if isinstance(m.column_header, str) else "")
                        + str(m.message)
                        for m in messages.itertuples()
                    ),
                )
            )
        current = force.iloc[-1] if len(force) else None
        out.append(
            SourceQuality(
                source=source,
                title=spec.title,
                submitters="、".join(spec.submitters),
                file_name=str(current["file_name"]) if current is not None else None,
                received_at=_shanghai(current["received_at"]) if current is not None else None,
                deadline=deadline,
                rows=to_int(current["data_rows"]) if current is not None else None,
                versions=len(mine),
                superseded=int((mine["status"] == "superseded").sum()),
                rejected=tuple(rejected),
                required=spec.required,
                sender=_sender(current),
            )
        )
    return out


def _sender(current: object) -> str | None:
    if current is None:
        return None
    value = current.get("submitted_by")  # type: ignore[attr-defined]
    return value if isinstance(value, str) and value else None


def data_cutoff(quality: list[SourceQuality]) -> datetime | None:
    """When the last version in force was received (the data the bulletin rests on)."""
    stamps = [q.received_at for q in quality if q.received_at is not None]
    return max(stamps) if stamps else None
