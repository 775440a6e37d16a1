"""The warehouse resource's connection retries: a lock held by another process is waited for
(the retry policy is pinned here, it replaced Dagster's private backoff helper); a file that
is not a DuckDB database fails at once."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipelines.defs import resources
from pipelines.defs.resources import (
    LOCK_RETRIES,
    CorruptWarehouseError,
    WarehouseDuckDB,
    retry_while_locked,
)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []
    monkeypatch.setattr(resources.backoff._sync.time, "sleep", recorded.append)
    return recorded


def flaky(failures: int, error: Exception) -> tuple[list[int], object]:
    calls: list[int] = []

    def connect() -> str:
        calls.append(1)
        if len(calls) <= failures:
            raise error
        return "connected"

    return calls, connect


@pytest.mark.parametrize(
    "error", [duckdb.IOException("Could not set lock on file"), RuntimeError("busy")]
)
def test_a_held_lock_is_waited_for(waits: list[float], error: Exception) -> None:
    calls, connect = flaky(2, error)
    assert retry_while_locked(connect) == "connected"  # type: ignore[arg-type]
    assert len(calls) == 3
    assert waits == pytest.approx([0.1, 0.2])


def test_a_lock_never_released_fails_after_ten_retries(waits: list[float]) -> None:
    calls, connect = flaky(100, duckdb.IOException("Could not set lock on file"))
    with pytest.raises(duckdb.IOException, match="lock"):
        retry_while_locked(connect)  # type: ignore[arg-type]
    assert len(calls) == LOCK_RETRIES + 1 == 11
    assert waits == pytest.approx([0.1 * 2**n for n in range(10)])
    assert sum(waits) == pytest.approx(102.3)


def test_a_corrupt_warehouse_is_not_retried(waits: list[float], tmp_path: Path) -> None:
    bad = tmp_path / "bizenv.duckdb"
    bad.write_bytes(b"not a database" * 100)
    with (
        pytest.raises(CorruptWarehouseError, match="不是有效的 DuckDB 文件"),
        WarehouseDuckDB(database=str(bad)).get_connection(),
    ):
        pass
    assert waits == []


def test_the_connection_is_closed_when_the_body_raises(tmp_path: Path) -> None:
    resource = WarehouseDuckDB(database=str(tmp_path / "w.duckdb"))
    with pytest.raises(ValueError), resource.get_connection() as con:
        con.execute("create table t as select 1 as x")
        raise ValueError("step failed")
    # A leaked read-write handle would make a read-only connection in this process fail
    # ("different configuration").
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as again:
        assert again.execute("select x from t").fetchall() == [(1,)]
