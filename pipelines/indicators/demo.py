"""Loading generated demo data (示例数据) straight into the warehouse tables, bypassing intake
and validation: for tests and benchmarks of the indicator SQL, which read only the warehouse.

The generator's frames hold values as written in files ('YYYY-MM-DD HH:MM:SS' strings,
是/否); yes/no columns are turned into booleans here and DuckDB casts the rest on insert
through the project's own staging and promote statements (one transaction each).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, time, timedelta

import duckdb
import pandas as pd

from pipelines.contracts import contract
from pipelines.demo import DEMO_SOURCES
from pipelines.env import SHANGHAI
from pipelines.intake.archive import ArchivedFile
from pipelines.quarters import Quarter
from pipelines.warehouse import store

DEMO_SEED = 20240101


def demo_hash(source: str, quarter: Quarter, seed: int, scale: float) -> str:
    """A stable stand-in for the submitted file's sha256."""
    return hashlib.sha256(f"demo:{source}:{quarter}:{seed}:{scale}".encode()).hexdigest()


def typed_rows(source: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Canonical frame → the staging insert's input: yes/no as booleans, plus source_row
    (file row number, header = 1)."""
    out = frame.copy()
    for column in contract(source).columns:
        if column.type == "yes_no" and column.column in out.columns:
            out[column.column] = out[column.column].map({"是": True, "否": False}).astype("boolean")
    out.insert(0, "source_row", range(2, len(out) + 2))
    return out


def load_frame(
    con: duckdb.DuckDBPyConnection,
    source: str,
    quarter: Quarter,
    frame: pd.DataFrame,
    submission_hash: str,
) -> int:
    """Replace the warehouse partition of ``source``/``quarter`` with ``frame``'s rows.

    The rows are registered in ``intake.submissions`` as a generated version and marked
    validated (they are the generator's valid output; no file, no Great Expectations run),
    so promotion's guard and the bulletin's data-quality appendix see an ordinary version.
    """
    q = str(quarter)
    received = datetime.combine(quarter.end + timedelta(days=5), time(9), tzinfo=SHANGHAI)
    store.register_submission(
        con,
        ArchivedFile(
            submission_hash=submission_hash,
            source=source,
            quarter=q,
            file_name=f"{contract(source).title}_{q}（生成）",
            landing_path="generated",
            archive_path="generated",
            received_at=received,
            size_bytes=0,
        ),
    )
    store.update_data_rows(con, source, q, submission_hash, len(frame))
    store.update_status(
        con, source, q, submission_hash, status="validated", error_count=0, failing_rows=0
    )
    store.stage_rows(con, source, q, submission_hash, typed_rows(source, frame))
    return store.promote(con, source, q, submission_hash)


def load_demo_quarters(
    con: duckdb.DuckDBPyConnection,
    quarters: Iterable[Quarter],
    *,
    seed: int = DEMO_SEED,
    scale: float = 1.0,
    sources: Iterable[str] = DEMO_SOURCES,
) -> dict[tuple[str, str], int]:
    """Generate and load each source × quarter; returns rows loaded per (source, quarter)."""
    from pipelines.demo.generator import generate_source_frame

    store.ensure_schema(con)
    loaded: dict[tuple[str, str], int] = {}
    for quarter in quarters:
        for source in sources:
            frame = generate_source_frame(source, quarter, seed=seed, scale=scale)
            loaded[(source, str(quarter))] = load_frame(
                con, source, quarter, frame, demo_hash(source, quarter, seed, scale)
            )
            del frame
    return loaded
