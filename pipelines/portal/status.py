"""What the portal shows about submissions: every version of a source and quarter, from the
archive's metadata records (always readable, hold the sender), the portal's sidecars of
files landed but not yet archived, joined with the intake records
of the warehouse (status, errors, rejection report, version in force) when it can be read."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.env import SHANGHAI, Workdir
from pipelines.paths import from_stored
from pipelines.quarters import Quarter
from pipelines.reports.model.data_quality import submission_deadline
from pipelines.sqlfiles import sql

STATUS_ZH = {
    "received": "已接收，待校验",
    "staged": "校验中",
    "validated": "校验通过，待入库",
    "accepted": "已入库",
    "rejected": "退回",
    "superseded": "已被新版本替代",
}


@dataclass(frozen=True)
class Version:
    submission_hash: str
    file_name: str
    received_at: datetime
    submitted_by: str | None
    status: str
    error_count: int | None
    report_html: Path | None
    report_csv: Path | None
    in_force: bool
    deadline: datetime

    @property
    def hash_prefix(self) -> str:
        return self.submission_hash[:12]

    @property
    def status_zh(self) -> str:
        return STATUS_ZH.get(self.status, self.status)

    @property
    def on_time(self) -> bool:
        return self.received_at <= self.deadline


class WarehouseBusy(RuntimeError):
    """The warehouse file is locked by a running pipeline step."""


def _archive_records(workdir: Workdir, source: str, quarter: Quarter) -> dict[str, dict]:
    folder = workdir.archive / "submissions" / source / str(quarter)
    records = {}
    if folder.is_dir():
        for path in folder.glob("*.json"):
            record = json.loads(path.read_text(encoding="utf-8"))
            records[record["submission_hash"]] = record
    return records


def _landed_by_portal(workdir: Workdir, source: str, quarter: Quarter) -> dict[str, dict]:
    """Files the portal placed in the landing folder that the archive may not hold yet (the
    sensor has not run): their sidecars, keyed by hash, with the landed file's name."""
    folder = workdir.landing / str(quarter) / source
    records = {}
    if folder.is_dir():
        for path in folder.glob(".*.sender.json"):
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            record["file_name"] = path.name[1 : -len(".sender.json")]
            records[record["sha256"]] = record
    return records


def _intake_rows(workdir: Workdir, source: str, quarter: Quarter) -> dict[str, dict]:
    if not workdir.warehouse.is_file():
        return {}
    try:
        con = duckdb.connect(str(workdir.warehouse), read_only=True)
    except duckdb.Error as exc:
        raise WarehouseBusy(str(exc)) from exc
    try:
        from pipelines.reports.data import existing_tables

        if "intake.submissions" not in existing_tables(con):
            return {}
        frame = con.execute(
            sql("intake/select_portal_versions"), {"source": source, "quarter": str(quarter)}
        ).fetchall()
        columns = [d[0] for d in con.description or []]
    finally:
        con.close()
    return {row[0]: dict(zip(columns, row, strict=True)) for row in frame}


def _stamp(value: object) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    if value.tzinfo is None:
        value = value.replace(tzinfo=SHANGHAI)
    return value.astimezone(SHANGHAI)


def versions(
    workdir: Workdir, source: str, quarter: Quarter, deadline_days: int
) -> tuple[list[Version], bool]:
    """(versions oldest first, whether the warehouse could be read)."""
    deadline = submission_deadline(quarter, deadline_days)
    archived = {
        **_landed_by_portal(workdir, source, quarter),
        **_archive_records(workdir, source, quarter),
    }
    try:
        intake = _intake_rows(workdir, source, quarter)
        readable = True
    except WarehouseBusy:
        intake, readable = {}, False
    out = []
    for hash_ in set(archived) | set(intake):
        a, i = archived.get(hash_, {}), intake.get(hash_, {})
        out.append(
            Version(
                submission_hash=hash_,
                file_name=str(i.get("file_name") or a.get("file_name")),
                received_at=_stamp(a.get("received_at") or i.get("received_at")),
                submitted_by=a.get("submitted_by"),
                status=str(i.get("status") or "received"),
                error_count=i.get("error_count"),
                # Stored relative to the work directory (pipelines.paths).
                report_html=from_stored(workdir.root, i["report_html"])
                if i.get("report_html")
                else None,
                report_csv=from_stored(workdir.root, i["report_csv"])
                if i.get("report_csv")
                else None,
                in_force=bool(i.get("in_force")),
                deadline=deadline,
            )
        )
    out.sort(key=lambda v: (v.received_at, v.file_name))
    return out, readable


def cell_status(mine: list[Version]) -> str:
    """未报送 / 已报送 / 退回 / 已入库 for one department and source."""
    if not mine:
        return "未报送"
    if any(v.in_force or v.status == "accepted" for v in mine):
        return "已入库"
    if mine[-1].status == "rejected":
        return "退回"
    return "已报送"
