"""SQL statements live one per file under ``sql/``; this reads them."""

from __future__ import annotations

from functools import cache

from pipelines.env import SQL_DIR


@cache
def sql(name: str) -> str:
    """Text of ``sql/<name>.sql`` (``name`` may contain folders, e.g. ``warehouse/load``)."""
    path = SQL_DIR / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"SQL file not found: {path}")
    return path.read_text(encoding="utf-8")
