"""Rows are counted once, by validation (issue 12): intake archives and registers a version
with ``data_rows`` null; validation, which reads the file anyway, fills it with the rows it
staged. The intake step's versions preview says “未校验” for a version not read yet (one
superseded before validation keeps it) and “无法读取” for one validation could not read.
The intake and staging assets run in process on a temporary work directory."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from demo_defs import asset, run_resources

from pipelines.defs.keys import intake_key, staging_key
from pipelines.demo.generator import generate_source_frame, write_submission
from pipelines.env import Workdir
from pipelines.quarters import Quarter

pytestmark = pytest.mark.slow

Q = Quarter(2025, 2)
SOURCE = "loan_balances"


def _land(workdir: Workdir, frame: pd.DataFrame, name: str) -> Path:
    path = workdir.landing / str(Q) / SOURCE / name
    write_submission(frame, SOURCE, path, fmt="csv-utf8")
    return path


def _materialize(workdir: Workdir, *keys: dg.AssetKey) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [asset(*key.path) for key in keys],
        partition_key=Q.partition_key,
        resources=run_resources(workdir),
        raise_on_error=False,
    )


def _rows(workdir: Workdir) -> dict[str, tuple[str, int | None]]:
    """file name → (status, data_rows)."""
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        found = con.execute(
            "select file_name, status, data_rows from intake.submissions "
            "where source = ? and quarter = ?",
            [SOURCE, str(Q)],
        ).fetchall()
    return {name: (status, rows) for name, status, rows in found}


def _preview(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """file name → the data_rows cell of the intake step's versions preview."""
    (event,) = [
        e for e in result.get_asset_materialization_events() if e.asset_key == intake_key(SOURCE)
    ]
    table = event.materialization.metadata["versions_preview"].value
    lines = table.splitlines()
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", line.strip("|"))] for line in lines[2:]]
    at = header.index("data_rows")
    return {row[header.index("file_name")]: row[at] for row in cells}


def _staged_rows(result: dg.ExecuteInProcessResult) -> int:
    (event,) = [
        e for e in result.get_asset_materialization_events() if e.asset_key == staging_key(SOURCE)
    ]
    return int(event.materialization.metadata["dagster/row_count"].value)


def test_intake_leaves_rows_uncounted_and_validation_counts_them(workdir: Workdir) -> None:
    frame = generate_source_frame(SOURCE, Q, seed=11, scale=0.05)
    assert len(frame) > 2
    _land(workdir, frame, "贷款_A.csv")

    # Intake alone: registered, not counted (intake never parses the file).
    first = _materialize(workdir, intake_key(SOURCE))
    assert first.success
    assert _rows(workdir) == {"贷款_A.csv": ("received", None)}
    assert _preview(first) == {"贷款_A.csv": "未校验"}

    # Validation reads it and records the rows it staged.
    validated = _materialize(workdir, intake_key(SOURCE), staging_key(SOURCE))
    assert validated.success
    assert _staged_rows(validated) == len(frame)
    assert _rows(workdir) == {"贷款_A.csv": ("validated", len(frame))}

    # B arrives and is superseded by C before any validation: B is never counted. C is an
    # empty file: validation runs, cannot read it, rejects it and has no count either.
    revised = frame.copy()
    revised["first_time_borrowers"] = revised["first_time_borrowers"] + 1
    _land(workdir, revised, "贷款_B.csv")
    assert _materialize(workdir, intake_key(SOURCE)).success
    empty = workdir.landing / str(Q) / SOURCE / "贷款_C.csv"
    empty.write_bytes(b"")
    rejected = _materialize(workdir, intake_key(SOURCE), staging_key(SOURCE))
    (check,) = rejected.get_asset_check_evaluations()
    assert not check.passed
    # A (validated, never promoted) is superseded too, and keeps the count validation made.
    assert _rows(workdir) == {
        "贷款_A.csv": ("superseded", len(frame)),
        "贷款_B.csv": ("superseded", None),
        "贷款_C.csv": ("rejected", None),
    }

    # The listing tells the three cases apart, in Chinese (never None, nan or 0).
    listing = _preview(_materialize(workdir, intake_key(SOURCE)))
    assert listing == {
        "贷款_A.csv": f"{len(frame):,}",
        "贷款_B.csv": "未校验",
        "贷款_C.csv": "无法读取",
    }
