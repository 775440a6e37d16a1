"""Content-addressed archive of every file a department submits.

A file found in ``landing/<quarter>/<source>/`` is hashed (sha256) and copied to
``archive/objects/<hh>/<hash><ext>`` (read-only) with a metadata record at
``archive/submissions/<source>/<quarter>/<hash>.json``. Nothing in the archive is ever
modified or deleted: a resubmission is a new version with a new hash.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pipelines.contracts import SOURCES
from pipelines.env import TIMEZONE
from pipelines.paths import to_stored
from pipelines.quarters import Quarter, QuarterError
from pipelines.tempfiles import make_temp

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
    data_rows: int | None

    def to_json_dict(self) -> dict[str, object]:
        record = asdict(self)
        record["received_at"] = self.received_at.isoformat()
        return record


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
    if source not in SOURCES:
        raise LandingPathError(f"{rel}：未知的数据源目录“{source}”，可选：{'、'.join(SOURCES)}")
    return quarter, source


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def received_time(path: Path) -> datetime:
    """When the file landed: its modification time, in Asia/Shanghai."""
    return datetime.fromtimestamp(path.stat().st_mtime, tz=ZoneInfo(TIMEZONE))


def count_data_rows(path: Path) -> int | None:
    """Non-empty rows below the header, without type parsing (quoted line breaks inside a CSV
    cell do not count as rows); None when the file cannot be read as CSV or xlsx."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    with path.open(encoding=encoding, newline="") as handle:
                        rows = sum(1 for row in csv.reader(handle) if any(c.strip() for c in row))
                    return max(rows - 1, 0)
                except UnicodeDecodeError:
                    continue
            return None
        if suffix == ".xlsx":
            from openpyxl import load_workbook

            workbook = load_workbook(path, read_only=True)
            try:
                sheet = (
                    workbook["数据"] if "数据" in workbook.sheetnames else workbook.worksheets[0]
                )
                rows = sum(
                    1
                    for values in sheet.iter_rows(values_only=True)
                    if any(v not in (None, "") for v in values)
                )
                return max(rows - 1, 0)
            finally:
                workbook.close()
    except Exception:  # an unreadable file is still archived; validation reports why
        return None
    return None


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
    fd, tmp = make_temp(dest.parent, "incoming")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o444)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def metadata_path(archive_root: Path, source: str, quarter: Quarter, submission_hash: str) -> Path:
    return archive_root / "submissions" / source / str(quarter) / f"{submission_hash}.json"


def is_archived(archive_root: Path, source: str, quarter: Quarter, submission_hash: str) -> bool:
    return metadata_path(archive_root, source, quarter, submission_hash).exists()


def archive_file(path: Path, archive_root: Path, source: str, quarter: Quarter) -> ArchivedFile:
    """Copy one landed file into the archive (once per content) and record its metadata.
    Paths in the record are relative to the work directory (``archive_root``'s parent)."""
    received_at = received_time(path)
    submission_hash, obj = _copy_and_hash(path, archive_root / "objects")
    meta_path = metadata_path(archive_root, source, quarter, submission_hash)
    if meta_path.exists():
        record = json.loads(meta_path.read_text(encoding="utf-8"))
        return ArchivedFile(
            **{**record, "received_at": datetime.fromisoformat(record["received_at"])}
        )
    archived = ArchivedFile(
        submission_hash=submission_hash,
        source=source,
        quarter=str(quarter),
        file_name=path.name,
        landing_path=to_stored(archive_root.parent, path),
        archive_path=to_stored(archive_root.parent, obj),
        received_at=received_at,
        size_bytes=obj.stat().st_size,
        data_rows=count_data_rows(obj),
    )
    _atomic_write_text(meta_path, json.dumps(archived.to_json_dict(), ensure_ascii=False, indent=2))
    return archived
