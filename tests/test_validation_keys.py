"""Whole-file expectations in the streamed validation (pipelines/validation/keys.py): the
same failures as Great Expectations on the whole file."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipelines.demo.generator import generate_source_frame
from pipelines.demo.writer import write_submission
from pipelines.quarters import Quarter
from pipelines.validation import check_submission, gx_suites, parse_submission
from pipelines.validation.model import sort_errors
from pipelines.validation.stream import validate_stream

QUARTER = Quarter(2025, 2)


def _with_mostly(monkeypatch: pytest.MonkeyPatch, mostly: float) -> None:
    # As a project's ``sources.yaml`` ``rules: {unique: {mostly: ...}}`` override does.
    real = gx_suites.load_suite_json

    def load(source: str) -> dict[str, Any]:
        suite = copy.deepcopy(real(source))
        for e in suite["expectations"]:
            if (e.get("meta") or {}).get("rule") == "unique":
                e["kwargs"] = {**e["kwargs"], "mostly": mostly}
        return suite

    monkeypatch.setattr(gx_suites, "load_suite_json", load)


def _file(tmp_path: Path, duplicates: int) -> Path:
    frame = generate_source_frame("approval_cases", QUARTER, seed=7, scale=0.01)
    assert len(frame) > 20 * duplicates
    frame = frame.reset_index(drop=True)
    for i in range(duplicates):
        frame.loc[2 * i + 1, "case_id"] = frame.loc[2 * i, "case_id"]
    return write_submission(frame, "approval_cases", tmp_path / "a.csv", fmt="csv-utf8")


def _unique_rows(errors: list[Any]) -> list[int]:
    return sorted(e.row for e in errors if e.rule == "unique")


@pytest.mark.parametrize(("mostly", "flagged"), [(0.9, False), (0.9999, True)])
def test_a_uniqueness_rule_with_mostly_is_judged_on_the_whole_file(
    mostly: float, flagged: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _with_mostly(monkeypatch, mostly)
    path = _file(tmp_path, duplicates=3)
    parsed = parse_submission("approval_cases", path)
    whole = _unique_rows(sort_errors(check_submission(parsed, quarter=QUARTER)))
    assert bool(whole) == flagged  # the whole-file verdict: 6 of many rows are repeated
    for batch_rows in (7, 100_000):
        streamed = validate_stream("approval_cases", path, quarter=QUARTER, batch_rows=batch_rows)
        assert _unique_rows(streamed.contract_errors) == whole, batch_rows
    assert pd.Series(whole).is_monotonic_increasing
