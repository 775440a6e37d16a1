"""Content-addressed archive of every file a department submits.

A file found in ``landing/<quarter>/<source>/`` is hashed (sha256) and copied to
``archive/objects/<hh>/<hash><ext>`` (read-only) with a metadata record at
``archive/submissions/<source>/<quarter>/<hash>.json``. Nothing in the archive is ever
modified or deleted: a resubmission is a new version with a new hash.

Received time: when the archive first saw the file's content (Asia/Shanghai), recorded in
the metadata record at archiving and never changed afterwards. The file's own modification
time is not used: upload tools (WinSCP, ``rsync -t``, ``scp -p``) keep the sender's dates. A
historical file is registered with its real date through ``received_at`` (``bizenv import
--received-at``, ``bizenv run --received-at``). A file the portal landed has a hidden sidecar
``.<file>.sender.json`` (sha256, user, confirmation time): its version is received at the
department's confirmation and records ``submitted_by``.

Rows are not counted here: archiving only copies and hashes the bytes (one pass). The
version's row count (``intake.submissions.data_rows``) is filled by validation, the step
that reads the file anyway; until then it is null (shown as “未校验”).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from pipelines.env import TIMEZONE
from pipelines.paths import to_stored
from pipelines.quarters import Quarter, QuarterError
from pipelines.tempfiles import make_temp, write_atomic

_CHUNK = 1 << 20


class LandingPathError(ValueError):
    """A file in the landing folder that is not at ``<quarter>/<source>/<file>``."""


class NotRegularFileError(ValueError):
    """A landing entry that is a symbolic link or not a regular file: never archived."""


@dataclass(frozen=True)
class ArchivedFile:
    submission_hash: str
    source: str
    quarter: str
    file_name: str
    landing_path: str
    archive_path: str
    received_at: datetime
    size_bytes: int
    # Who sent it, when known (the portal's user name); None for files landed otherwise.
    submitted_by: str | None = None

    def to_json_dict(self) -> dict[str, object]:
        record = asdict(self)
        record["received_at"] = self.received_at.isoformat()
        return record

    @classmethod
    def from_json_dict(cls, record: dict[str, object]) -> ArchivedFile:
        """A metadata record as written by ``to_json_dict``. A record archived by an
        earlier release also carries ``data_rows`` (a count made at archiving): it is not
        read, the row count lives in ``intake.submissions`` (filled by validation)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in record.items() if k in known}
        values["received_at"] = datetime.fromisoformat(str(record["received_at"]))
        return cls(**values)  # type: ignore[arg-type]


ROWS_NOT_VALIDATED = "未校验"
ROWS_UNREADABLE = "无法读取"


def data_rows_label(data_rows: object, validated: bool) -> str:
    """How a version's row count is shown: the count (``2,840,000``), “未校验” before
    validation has read the file (a version superseded before that never gets a count), or
    “无法读取” when validation ran but could not read it."""
    if data_rows is None or pd.isna(data_rows):  # type: ignore[call-overload]
        return ROWS_UNREADABLE if validated else ROWS_NOT_VALIDATED
    return f"{int(data_rows):,}"  # type: ignore[call-overload]


def is_submission_file(path: Path) -> bool:
    """Every file a department put there, whatever its format (an .xls is archived and then
    rejected with a report, never silently ignored); only hidden files, editor lock files
    (~$x.xlsx) and partial uploads (*.part, *.tmp) are skipped."""
    name = path.name
    return (
        path.is_file()
        and not path.is_symlink()
        and not name.startswith((".", "~$"))
        and path.suffix.lower() not in (".part", ".tmp", ".crdownload")
    )


def landing_files(landing: Path, source: str, quarter: Quarter) -> list[Path]:
    """The regular files intake archives (see ``pipelines.intake.landing`` for the notes on
    every entry it refuses or skips)."""
    from pipelines.intake.landing import scan_source_folder

    return scan_source_folder(landing, source, quarter).files


def parse_landing_path(landing: Path, path: Path) -> tuple[Quarter, str]:
    """(quarter, source) of a file at ``landing/<quarter>/<source>/<file>``."""
    try:
        rel = path.resolve().relative_to(landing.resolve())
    except ValueError as exc:
        raise LandingPathError(f"{path} 不在落地目录 {landing} 下") from exc
    if len(rel.parts) != 3:
        raise LandingPathError(f"{rel} 不符合 <季度>/<数据源>/<文件> 的目录结构")
    quarter_text, source, _ = rel.parts
    try:
        quarter = Quarter.parse(quarter_text)
    except QuarterError as exc:
        raise LandingPathError(f"{rel}：{exc}") from exc
    from pipelines.contracts import enabled_sources

    sources = enabled_sources()
    if source not in sources:
        raise LandingPathError(f"{rel}：未知的数据源目录“{source}”，可选：{'、'.join(sources)}")
    return quarter, source


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


RECEIVED_AT_TAG = "bizenv/received_at"


class ReceivedAtError(ValueError):
    """A ``--received-at`` that is not a date or date-time."""


def parse_received_at(text: str) -> datetime:
    """``2025-07-03`` or ``2025-07-03 18:00[:00]`` (Asia/Shanghai unless an offset is given)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise ReceivedAtError(
            f"无法识别的接收时间“{text}”，应为如 2025-07-03 或 2025-07-03 18:00 的格式"
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(TIMEZONE))
    return value.astimezone(ZoneInfo(TIMEZONE))


def received_at_from_tags(tags: dict[str, str]) -> datetime | None:
    """The run's ``--received-at`` (a run tag), for files the archive has not seen before."""
    text = tags.get(RECEIVED_AT_TAG)
    return parse_received_at(text) if text else None


def now_shanghai() -> datetime:
    return datetime.now(ZoneInfo(TIMEZONE)).replace(microsecond=0)


def _copy_and_hash(src: Path, objects: Path) -> tuple[str, Path]:
    """Copy ``src`` into the archive while hashing the bytes copied, so the stored object is
    exactly what was hashed even if the landing file changes meanwhile."""
    # Never follow a symbolic link (it could point anywhere on the machine), and take only a
    # regular file, checked on the opened descriptor (no race with a swapped path).
    try:
        src_fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        if src.is_symlink():
            raise NotRegularFileError(f"{src.name}：是符号链接，已拒收") from exc
        raise
    if not stat.S_ISREG(os.fstat(src_fd).st_mode):
        os.close(src_fd)
        raise NotRegularFileError(f"{src.name}：不是普通文件，已拒收")
    try:
        fd, tmp = make_temp(objects, "incoming")
    except BaseException:
        os.close(src_fd)
        raise
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, os.fdopen(src_fd, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
        submission_hash = digest.hexdigest()
        dest = objects / submission_hash[:2] / f"{submission_hash}{src.suffix.lower()}"
        if dest.exists():
            Path(tmp).unlink()
        else:
            dest.parent.mkdir(parents=True, exist_ok=True)
            os.chmod(tmp, 0o444)
            os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return submission_hash, dest


def _atomic_write_text(dest: Path, text: str) -> None:
    write_atomic(dest, text.encode("utf-8"), 0o444)  # archive records are read-only


def metadata_path(archive_root: Path, source: str, quarter: Quarter, submission_hash: str) -> Path:
    return archive_root / "submissions" / source / str(quarter) / f"{submission_hash}.json"


def is_archived(archive_root: Path, source: str, quarter: Quarter, submission_hash: str) -> bool:
    return metadata_path(archive_root, source, quarter, submission_hash).exists()


def sender_sidecar(path: Path) -> Path:
    """``.<file>.sender.json`` beside a landed file: who sent it and when, written by the
    portal before the file appears (hidden, so never taken for a submission)."""
    return path.parent / f".{path.name}.sender.json"


def _sender(path: Path, submission_hash: str) -> tuple[datetime, str] | None:
    """(received_at, submitted_by) from the file's sidecar, if it describes these bytes."""
    try:
        record = json.loads(sender_sidecar(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("sha256") != submission_hash:
        return None
    return datetime.fromisoformat(record["received_at"]), str(record["submitted_by"])


def archive_file(
    path: Path,
    archive_root: Path,
    source: str,
    quarter: Quarter,
    *,
    received_at: datetime | None = None,
    submitted_by: str | None = None,
) -> ArchivedFile:
    """Copy one landed file into the archive (once per content) and record its metadata.

    A content seen before keeps its first record (and so its received time and sender); a
    new content is received now, or at ``received_at`` (a historical import), sent by
    ``submitted_by`` when known. A file the portal landed carries both in its sidecar
    (``sender_sidecar``): the department's confirmation time and user name. Paths in the
    record are relative to the work directory (``archive_root``'s parent)."""
    submission_hash, obj = _copy_and_hash(path, archive_root / "objects")
    meta_path = metadata_path(archive_root, source, quarter, submission_hash)
    if meta_path.exists():
        return ArchivedFile.from_json_dict(json.loads(meta_path.read_text(encoding="utf-8")))
    sender = _sender(path, submission_hash)
    if sender is not None:
        received_at, submitted_by = sender
    archived = ArchivedFile(
        submission_hash=submission_hash,
        source=source,
        quarter=str(quarter),
        file_name=path.name,
        landing_path=to_stored(archive_root.parent, path),
        archive_path=to_stored(archive_root.parent, obj),
        received_at=received_at or now_shanghai(),
        size_bytes=obj.stat().st_size,
        submitted_by=submitted_by,
    )
    _atomic_write_text(meta_path, json.dumps(archived.to_json_dict(), ensure_ascii=False, indent=2))
    return archived


def register_historical(workdir: object, path: Path, received_at: datetime) -> ArchivedFile:
    """Archive a file already in ``landing/<quarter>/<source>/`` with the time it was really
    received (an import of past submissions); a content the archive has seen keeps its
    first record."""
    from pipelines.env import Workdir

    assert isinstance(workdir, Workdir)
    quarter, source = parse_landing_path(workdir.landing, path)
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=ZoneInfo(TIMEZONE))
    return archive_file(path, workdir.archive, source, quarter, received_at=received_at)
