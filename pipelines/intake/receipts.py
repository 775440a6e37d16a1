"""Every receipt of a department's file, and the resubmission rule.

intake.submissions has one row per version (content hash). A department may send the same
bytes again, e.g. an office re-sends version A to put it back in force after B and C. Each
receipt is recorded in intake.receipts (identified by landing path, modification time and
size, so a later scan of the same file is not a new receipt). The rule:

* a re-sent version becomes the newest received, and therefore the candidate: it is reopened
  (status ``received``), validated again and, when it passes, promoted;
* re-sending the version in force keeps it in force and supersedes the versions received
  before that receipt;
* the first receipt recorded for a version that was registered before receipts existed is
  not a re-send (an upgraded work directory does not reopen its history).
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path

import duckdb

from pipelines.intake.archive import ArchivedFile
from pipelines.paths import to_stored
from pipelines.sqlfiles import sql
from pipelines.warehouse.store import fetch_one, mark_superseded, register_submission


class Receipt(Enum):
    NEW_VERSION = "new"  # first receipt of new bytes
    RESENT = "resent"  # bytes of a version already registered, sent again
    SEEN = "seen"  # the same file seen again by a later scan, or a legacy version


def is_in_force(con: duckdb.DuckDBPyConnection, source: str, quarter: str, hash_: str) -> bool:
    row = fetch_one(con, sql("intake/select_in_force"), {"source": source, "quarter": quarter})
    return row is not None and row[1] == hash_


def receive(
    con: duckdb.DuckDBPyConnection,
    root: Path,
    landed: Path,
    archived: ArchivedFile,
    seen_at: datetime,
) -> Receipt:
    """Register one landed file's version and its receipt; apply the resubmission rule."""
    source, quarter, hash_ = archived.source, archived.quarter, archived.submission_hash
    params = {"source": source, "quarter": quarter, "hash": hash_}
    known = fetch_one(con, sql("intake/select_status"), params) is not None
    register_submission(con, archived)
    try:
        info = landed.lstat()
    except OSError:  # vanished since it was archived: the version is registered, no receipt
        return Receipt.NEW_VERSION if not known else Receipt.SEEN
    receipt = {
        **params,
        "landing_path": to_stored(root, landed),
        "file_mtime_ns": info.st_mtime_ns,
        "size_bytes": info.st_size,
    }
    count, already = fetch_one(con, sql("intake/count_receipts"), receipt) or (0, 0)
    if already:
        return Receipt.SEEN
    con.execute(
        sql("intake/insert_receipt"),
        {
            **receipt,
            "file_name": landed.name,
            "received_at": archived.received_at,
            "seen_at": seen_at,
        },
    )
    if not known:
        return Receipt.NEW_VERSION
    if not count:  # registered before receipts were recorded
        return Receipt.SEEN
    if is_in_force(con, source, quarter, hash_):
        mark_superseded(con, source, quarter, hash_)
    else:
        con.execute(sql("intake/reopen_submission"), params)
    return Receipt.RESENT
