"""Limits on a submitted file (``file_limits`` in the project's ``bizenv.yaml``).

They are checked before the data is read into memory: a zip bomb, a runaway export or one
enormous cell ends in a Chinese file-level error instead of exhausting the machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MB = 1024 * 1024
# Excel's own worksheet limit: an xlsx with more rows was not written by Excel.
EXCEL_MAX_ROWS = 1_048_576


@dataclass(frozen=True)
class FileLimits:
    max_file_bytes: int = 4096 * MB
    max_xlsx_uncompressed_bytes: int = 1024 * MB
    max_xlsx_ratio: float = 100.0
    max_rows: int = 20_000_000
    max_field_chars: int = 1_000_000

    @property
    def max_xlsx_rows(self) -> int:
        return min(self.max_rows, EXCEL_MAX_ROWS)


def file_limits_from(raw: dict[str, Any] | None) -> FileLimits:
    """The ``file_limits`` block of ``bizenv.yaml`` (sizes in MB), defaults for what it omits."""
    raw = raw or {}
    default = FileLimits()
    return FileLimits(
        max_file_bytes=int(float(raw.get("max_file_mb", default.max_file_bytes / MB)) * MB),
        max_xlsx_uncompressed_bytes=int(
            float(raw.get("max_xlsx_uncompressed_mb", default.max_xlsx_uncompressed_bytes / MB))
            * MB
        ),
        max_xlsx_ratio=float(raw.get("max_xlsx_ratio", default.max_xlsx_ratio)),
        max_rows=int(raw.get("max_rows", default.max_rows)),
        max_field_chars=int(raw.get("max_field_chars", default.max_field_chars)),
    )


def default_file_limits() -> FileLimits:
    """The limits of the project in force."""
    from pipelines.project import current_project

    return current_project().settings.file_limits
