"""Uploads: a multipart body streamed to disk with a size limit, a pending verdict, and the
department's confirmation into ``landing/<quarter>/<source>/`` under a server-chosen name.

The form sends its small fields (``csrf_token``, ``source``, ``quarter``) before the file, so
the request is authorised, and the file's type checked from its part header, before a byte of
the file is read. The size is checked from ``Content-Length`` before reading and again while
streaming.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header

from pipelines.env import Workdir
from pipelines.intake.archive import sender_sidecar
from pipelines.quarters import Quarter
from pipelines.tempfiles import atomic_target, write_atomic

ALLOWED_SUFFIXES = (".xlsx", ".csv")
FIELD_LIMIT = 4096
MAX_FIELDS = 8
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
VERDICT_ERRORS = 1000


class UploadRefused(Exception):
    """A request refused with an HTTP status and a Chinese message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ReceivedFile:
    fields: dict[str, str]
    client_name: str
    suffix: str
    path: Path
    size: int
    sha256: str


def client_file_name(raw: str) -> str:
    """The name the browser gave, for display only. A name with a path in it (``../x.csv``,
    ``C:\\x.csv``) or control characters is refused: browsers send a bare name."""
    if not raw or raw in (".", "..") or any(c in raw for c in "/\\\x00") or ".." in raw:
        raise UploadRefused(400, "文件名不合法：文件名中不能含有路径（/、\\ 或 ..）")
    if any(ord(c) < 32 for c in raw) or len(raw) > 200:
        raise UploadRefused(400, "文件名不合法：含有控制字符或过长")
    return raw


def file_suffix(name: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadRefused(415, "文件类型不支持：请上传 .xlsx（Excel）或 .csv 文件")
    return suffix


def multipart_boundary(content_type: str | None) -> bytes:
    kind, params = parse_options_header(content_type or "")
    if kind != b"multipart/form-data" or b"boundary" not in params:
        raise UploadRefused(400, "请求格式不正确：应为表单文件上传（multipart/form-data）")
    return params[b"boundary"]


async def receive_upload(
    chunks: AsyncIterator[bytes],
    content_type: str | None,
    spool_dir: Path,
    *,
    max_bytes: int,
    before_file: Callable[[dict[str, str], str], None],
) -> ReceivedFile:
    """Parse one multipart body with a single part named ``file``. ``before_file(fields,
    client_name)`` runs when the file's part header arrives and may raise ``UploadRefused``;
    the file is then written to ``spool_dir`` while hashed and counted."""
    boundary = multipart_boundary(content_type)
    spool_dir.mkdir(parents=True, exist_ok=True)
    fields: dict[str, str] = {}
    state: dict[str, Any] = {"headers": {}, "field": b"", "value": b"", "name": None}
    out: dict[str, Any] = {"handle": None, "path": None, "size": 0, "digest": hashlib.sha256()}
    buffers: dict[str, bytearray] = {}
    result: dict[str, Any] = {}

    def on_part_begin() -> None:
        state["headers"] = {}
        state["name"] = None

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["field"].decode("latin-1").lower()] = state["value"]
        state["field"] = state["value"] = b""

    def on_headers_finished() -> None:
        _, params = parse_options_header(state["headers"].get("content-disposition", b""))
        name = params.get(b"name", b"").decode("utf-8", "replace")
        state["name"] = name
        if b"filename" in params:
            if name != "file" or out["handle"] is not None:
                raise UploadRefused(400, "一次只能上传一个文件")
            client = client_file_name(params[b"filename"].decode("utf-8", "replace"))
            suffix = file_suffix(client)
            before_file(dict(fields), client)
            fd, tmp = tempfile.mkstemp(dir=spool_dir, prefix="upload-", suffix=".part")
            out["handle"] = os.fdopen(fd, "wb")
            out["path"] = Path(tmp)
            result["client"] = client
            result["suffix"] = suffix
        else:
            if len(buffers) >= MAX_FIELDS:
                raise UploadRefused(400, "表单字段过多")
            buffers[name] = bytearray()

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if state["name"] == "file" and out["handle"] is not None:
            out["size"] += len(chunk)
            if out["size"] > max_bytes:
                raise UploadRefused(413, f"文件过大：单个文件不能超过 {max_bytes // 2**20} MB")
            out["digest"].update(chunk)
            out["handle"].write(chunk)
        else:
            buffer = buffers[state["name"]]
            buffer += chunk
            if len(buffer) > FIELD_LIMIT:
                raise UploadRefused(400, "表单字段过长")

    def on_part_end() -> None:
        name = state["name"]
        if name in buffers and name not in fields:
            fields[name] = bytes(buffers[name]).decode("utf-8", "replace")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
    except BaseException:
        if out["handle"] is not None:
            out["handle"].close()
            out["path"].unlink(missing_ok=True)
        raise
    if out["handle"] is None:
        raise UploadRefused(400, "没有收到文件：请选择要上传的文件")
    out["handle"].close()
    if out["size"] == 0:
        out["path"].unlink(missing_ok=True)
        raise UploadRefused(400, "文件是空的")
    return ReceivedFile(
        fields=fields,
        client_name=result["client"],
        suffix=result["suffix"],
        path=out["path"],
        size=out["size"],
        sha256=out["digest"].hexdigest(),
    )


# --- pending verdicts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    folder: Path
    meta: dict[str, Any]

    @property
    def file(self) -> Path:
        return self.folder / f"upload{self.meta['suffix']}"

    @property
    def report_dir(self) -> Path:
        return self.folder / "report"


def pending_root(workdir: Workdir) -> Path:
    return workdir.root / "portal" / "pending"


def create_pending(
    workdir: Workdir,
    received: ReceivedFile,
    meta: dict[str, Any],
    check: Callable[[Path], Any],
) -> Pending:
    """Move the spooled file into its own pending folder, check it (``check`` is
    ``validate_file`` as ``bizenv check`` runs it), write the rejection report of a failing
    file, and record the verdict last (the verdict page exists once ``meta.json`` does)."""
    from pipelines.validation import write_rejection_report
    from pipelines.validation.model import rule_label

    token = secrets.token_hex(16)
    folder = pending_root(workdir) / token
    folder.mkdir(parents=True)
    file = folder / f"upload{received.suffix}"
    os.replace(received.path, file)
    result = check(file)
    shown = replace(result, path=Path(received.client_name))
    verdict: dict[str, Any] = {
        "valid": result.valid,
        "rows": result.rows,
        "error_count": len(result.errors),
        "failing_rows": result.failing_rows,
        "by_rule": [[rule_label(r), r, n] for r, n in result.errors_by_rule().items()],
        "errors": [e.to_json_dict() for e in result.errors[:VERDICT_ERRORS]],
        "report_html": None,
        "report_csv": None,
    }
    if not result.valid:
        html, csv = write_rejection_report(
            shown,
            folder / "report",
            title_extra={"上传人": meta["username"], "上传时间": meta["uploaded_at"][:16]},
        )
        verdict["report_html"], verdict["report_csv"] = html.name, csv.name
    record = {
        **meta,
        "token": token,
        "client_name": received.client_name,
        "suffix": received.suffix,
        "size": received.size,
        "sha256": received.sha256,
        "verdict": verdict,
    }
    write_atomic(folder / "meta.json", json.dumps(record, ensure_ascii=False).encode("utf-8"))
    return Pending(folder, record)


def remove_stale(workdir: Workdir, max_age_seconds: float = 86_400) -> int:
    """Drop unconfirmed uploads and spooled partial files older than ``max_age_seconds``."""
    import time

    removed = 0
    now = time.time()
    spool = workdir.root / "portal" / "spool"
    for folder in (pending_root(workdir), spool):
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if now - entry.stat().st_mtime > max_age_seconds:
                if entry.is_dir():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                removed += 1
    return removed


def load_pending(workdir: Workdir, token: str) -> Pending | None:
    if not TOKEN_RE.match(token):
        return None
    folder = pending_root(workdir) / token
    meta = folder / "meta.json"
    if not meta.is_file():
        return None
    return Pending(folder, json.loads(meta.read_text(encoding="utf-8")))


def landing_name(source: str, quarter: str, when: datetime, sha256: str, suffix: str) -> str:
    """The server-chosen name of a confirmed upload (nothing from the client)."""
    return f"{source}_{quarter}_{when:%Y%m%d%H%M%S}_{sha256[:8]}{suffix}"


@dataclass(frozen=True)
class Landed:
    path: Path
    source: str
    quarter: str
    sha256: str
    received_at: datetime


def confirm_pending(pending: Pending, workdir: Workdir, when: datetime) -> Landed:
    """Place the file in ``landing/<quarter>/<source>/`` under a server-chosen name, with its
    sender sidecar (who, when, which bytes) written first and the file itself written as a
    hidden temporary file and renamed (``pipelines.tempfiles``), so the sensor never sees
    half a file or a file without its sender. The landing sensor archives it as a new
    version; the archive takes the received time (the confirmation) and the sender from the
    sidecar.

    (Archiving here instead would hide the file from the sensor, which skips versions the
    archive already holds.)"""
    meta = pending.meta
    quarter = Quarter.parse(meta["quarter"])
    folder = workdir.landing / str(quarter) / meta["source"]
    folder.mkdir(parents=True, exist_ok=True)
    name = landing_name(meta["source"], str(quarter), when, meta["sha256"], meta["suffix"])
    dest = folder / name
    sidecar = sender_sidecar(dest)
    record = {
        "sha256": meta["sha256"],
        "submitted_by": meta["username"],
        "department": meta["department"],
        "received_at": when.isoformat(),
        "client_name": meta["client_name"],
    }
    write_atomic(sidecar, json.dumps(record, ensure_ascii=False).encode("utf-8"))
    with atomic_target(dest) as tmp:
        shutil.copyfile(pending.file, tmp)
    shutil.rmtree(pending.folder, ignore_errors=True)
    return Landed(dest, meta["source"], str(quarter), meta["sha256"], when)
