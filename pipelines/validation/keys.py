"""The whole-file state of a streamed validation, kept in a scratch DuckDB database so that its
memory is bounded by DuckDB's ``memory_limit`` (it spills to a temporary directory), not by the
file: the key columns of the uniqueness expectations, typed and raw, with their row numbers.
At the end, only the rows whose key occurs more than once come back to pandas, for Great
Expectations to report.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from pipelines.contracts import Contract
from pipelines.tempfiles import make_scratch_dir
from pipelines.validation.screen import typed_frame

# A scratch database holds one file's keys; beyond this it spills to its temporary directory.
SCRATCH_MEMORY_LIMIT = "256MB"


@contextmanager
def duckdb_scratch() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB database of bounded memory, gone (with its spill files) on exit."""
    directory = make_scratch_dir()
    con = duckdb.connect(
        config={
            "memory_limit": SCRATCH_MEMORY_LIMIT,
            # Two threads: the screen of the scale-30 approval file took 4.0 s instead of 5.0 s
            # on an idle 2-core machine. DuckDB's parallel projection may return the rows out
            # of batch order; ``Screen.verdicts`` puts them back by row number.
            "threads": 2,
            "temp_directory": str(directory),
        }
    )
    try:
        yield con
    finally:
        con.close()
        shutil.rmtree(directory, ignore_errors=True)


# Expectations whose failing rows all have a key that occurs more than once, whatever the other
# rows: GE gives the same failures on the rows of repeated keys as on the whole file.
_KEY_UNIQUENESS = frozenset(
    {"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"}
)
_KEY_KWARGS = frozenset({"column", "column_list", "ignore_row_if"})


def _decided_by_repeated_keys(expectation: dict[str, Any]) -> bool:
    """Does ``expectation`` fail exactly on rows of repeated keys (no ``mostly``, which is a
    share of all rows; no check within a record)?"""
    kwargs = expectation.get("kwargs", {})
    return expectation.get("type") in _KEY_UNIQUENESS and set(kwargs) <= _KEY_KWARGS


class KeyStore:
    """Typed and raw values of ``columns`` for every row, batch by batch."""

    TABLE = "kept_keys"

    def __init__(self, con: duckdb.DuckDBPyConnection, c: Contract, columns: list[str]) -> None:
        self.con = con
        self.columns = [c.column(name) for name in columns]
        self.failures: set[tuple[int, str]] = set()
        self._created = False

    def _names(self) -> list[str]:
        n = len(self.columns)
        return ["source_row", *(f"t{i}" for i in range(n)), *(f"r{i}" for i in range(n))]

    def add(self, frame: pd.DataFrame, raw: pd.DataFrame, failed: set[tuple[int, str]]) -> None:
        """The batch's key columns (``frame`` typed with ``source_row``, ``raw`` as read)."""
        arrays = [pa.array(frame["source_row"].to_numpy(), type=pa.int64())]
        arrays += [pa.Array.from_pandas(frame[col.column]) for col in self.columns]
        arrays += [pa.array(raw[col.column], type=pa.string()) for col in self.columns]
        batch = pa.Table.from_arrays(arrays, names=self._names())
        wanted = {col.column for col in self.columns}
        self.failures.update(f for f in failed if f[1] in wanted)
        self.con.register("key_batch", batch)
        try:
            if not self._created:
                self.con.execute(f"create table {self.TABLE} as select * from key_batch")
                self._created = True
            else:
                self.con.execute(f"insert into {self.TABLE} select * from key_batch")
        finally:
            self.con.unregister("key_batch")

    def repeated(
        self, expectations: list[dict[str, Any]]
    ) -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[int, str]]]:
        """(typed, raw, failed cells) of the rows GE needs for ``expectations``, in row order:
        those whose key occurs more than once, or every row for an expectation that repeated
        keys do not decide."""
        position = {col.column: i for i, col in enumerate(self.columns)}
        ctes, flags = [], []
        for expectation in expectations:
            if not _decided_by_repeated_keys(expectation):
                flags.append("true")  # GE needs every row (e.g. ``mostly``: a share of all)
                continue
            kwargs = expectation.get("kwargs", {})
            keys = list(kwargs.get("column_list") or [kwargs.get("column")])
            h = f"hash({', '.join(f't{position[k]}' for k in keys)})"
            # Keys are grouped by their hash (an integer: far cheaper to group than the
            # strings). Rows that share a key share its hash, so every repeated key's rows are
            # selected; a collision only adds rows whose key GE then finds unique.
            ctes.append(
                f"repeated_{len(ctes)} as (\n"
                f"    select {h} as key_hash\n"
                f"    from {self.TABLE}\n"
                "    group by key_hash\n"
                "    having count(*) > 1\n"
                ")"
            )
            flags.append(f"{h} in (select key_hash from repeated_{len(ctes) - 1})")
        if not self._created or not flags:
            return self._empty()
        final = (
            "final as (\n"
            "    select *\n"
            f"    from {self.TABLE}\n"
            f"    where {' or '.join(flags)}\n"
            "    order by source_row\n"
            ")"
        )
        sql = (
            "-- generated by pipelines/validation/keys.py\n"
            "with " + ",\n\n".join([*ctes, final]) + "\n\nselect * from final\n"
        )
        result = self.con.sql(sql).to_arrow_table()
        return self._frames(result)

    def _empty(self) -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[int, str]]]:
        return pd.DataFrame(), pd.DataFrame(), self.failures

    def _frames(self, result: pa.Table) -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[int, str]]]:
        n = len(self.columns)
        typed_table = result.select(["source_row", *(f"t{i}" for i in range(n))])
        typed_table = typed_table.rename_columns(["source_row", *(c.column for c in self.columns)])
        typed = typed_frame(typed_table, tuple(self.columns))
        raw = pd.DataFrame(
            {
                col.column: pd.Series(result.column(f"r{i}").to_pandas(), dtype="str")
                for i, col in enumerate(self.columns)
            }
        )
        return typed, raw, self.failures
