"""Validation of one departmental submission, in two stages the pipeline can run separately:

1. ``parse_submission`` — read the file, match headers, coerce types → typed frame + errors
   (stage ``parse``; cheap, no Great Expectations).
2. ``check_submission`` — the source's GE suite and contract checks on the typed frame
   (stage ``contract``).

``validate_file`` runs both and returns a ``ValidationResult``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from pipelines.contracts import Contract, contract
from pipelines.quarters import Quarter
from pipelines.registry import Registry, default_registry
from pipelines.validation.checks import CheckContext, run_checks
from pipelines.validation.coerce import coerce_frame
from pipelines.validation.gx_suites import Failure, run_suite, suite_parameters
from pipelines.validation.model import ValidationError, ValidationResult, sort_errors
from pipelines.validation.reader import ReadFailure, read_grid
from pipelines.validation.stream import Progress, quarter_from_counts, validate_stream
from pipelines.validation.structure import shape_table

_QUARTER_IN_NAME = re.compile(r"(?<![0-9])(\d{4})[Qq]([1-4])(?![0-9])")


@dataclass
class ParsedSubmission:
    """Output of stage 1. ``frame`` is None when the file could not be read at all."""

    source: str
    path: Path
    frame: pd.DataFrame | None  # typed canonical columns + ``source_row``
    raw: pd.DataFrame | None  # raw strings, same rows and order as ``frame``
    headers: dict[str, str]  # canonical column -> header as written in the file
    errors: list[ValidationError]
    missing_columns: list[str] = field(default_factory=list)
    # (Excel row, canonical column) of cells already reported as unparsable.
    type_failures: set[tuple[int, str]] = field(default_factory=set)

    @property
    def rows(self) -> int:
        return 0 if self.frame is None else len(self.frame)


def parse_submission(
    source: str, path: Path, *, registry: Registry | None = None
) -> ParsedSubmission:
    """Stage 1: read + header + types. Raises UnknownSourceError, FileNotFoundError,
    IsADirectoryError (and PermissionError) for a source or path that cannot be used."""
    c = contract(source)
    registry = registry or default_registry()
    path = Path(path)
    grid = read_grid(path)
    if isinstance(grid, ReadFailure):
        return ParsedSubmission(
            source, path, None, None, {col.column: col.header for col in c.columns}, grid.errors
        )
    table = shape_table(grid, c)
    frame, type_errors, failed = coerce_frame(
        table.raw, table.row_numbers, c, registry, table.headers, skip=set(table.missing)
    )
    return ParsedSubmission(
        source=source,
        path=path,
        frame=frame,
        raw=table.raw,
        headers=table.headers,
        errors=sort_errors(table.errors + type_errors),
        missing_columns=table.missing,
        type_failures=failed,
    )


def infer_quarter_from_path(path: Path) -> Quarter | None:
    """A ``2025Q2`` component in the file name or, nearest first, in a parent folder."""
    for part in (Path(path).name, *(p.name for p in Path(path).parents)):
        match = _QUARTER_IN_NAME.search(part)
        if match:
            return Quarter(int(match.group(1)), int(match.group(2)))
    return None


def infer_quarter_from_data(frame: pd.DataFrame | None, c: Contract) -> Quarter | None:
    """The quarter most rows fall in (by the contract's quarter column)."""
    if frame is None or frame.empty:
        return None
    values = frame[c.quarter_column].dropna()
    if values.empty:
        return None
    if c.column(c.quarter_column).type == "month":
        stamps = pd.to_datetime(values, format="%Y-%m", errors="coerce").dropna()
    else:
        stamps = values
    if stamps.empty:
        return None
    keys = stamps.dt.year.astype("int64") * 10 + (stamps.dt.month.astype("int64") - 1) // 3 + 1
    key = int(keys.value_counts().sort_index(ascending=False).idxmax())
    return Quarter(key // 10, key % 10)


def _format(template: str, values: dict[str, Any]) -> str:
    class _Keep(dict[str, Any]):
        def __missing__(self, key: str) -> str:
            return "{" + key + "}"

    return template.format_map(_Keep(values))


def _display(value: Any) -> str:
    if isinstance(value, list | tuple | set):
        return "、".join(
            f"“{_display(v)}”" if not isinstance(v, bool) else ("“是”", "“否”")[not v]
            for v in value
        )
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _failure_errors(
    failure: Failure, parsed: ParsedSubmission, params: dict[str, Any], quarter: Quarter | None
) -> list[ValidationError]:
    assert parsed.frame is not None and parsed.raw is not None
    kwargs = failure.kwargs
    meta = failure.meta
    column = (
        meta.get("report_column")
        or kwargs.get("column")
        or kwargs.get("column_A")
        or (kwargs.get("column_list") or [None])[-1]
    )
    if column is None or column in parsed.missing_columns:
        return []
    other = kwargs.get("column_B")
    a_col = kwargs.get("column_A")
    row_numbers = parsed.frame["source_row"].to_numpy()
    positions = np.searchsorted(row_numbers, np.asarray(sorted(set(failure.rows)), dtype=np.int64))
    fields: dict[str, Any] = {
        "header": parsed.headers[column],
        "quarter": quarter.label_zh if quarter else "本季度",
        "quarter_months": "、".join(params.get("quarter_months", [])),
    }
    if other:
        fields["header_b"] = parsed.headers[other]
    for key in ("min_value", "max_value", "value_set"):
        if key in kwargs:
            value = kwargs[key]
            if isinstance(value, dict) and "$PARAMETER" in value:
                value = params.get(value["$PARAMETER"])
            fields[key] = _display(value)
    raw = parsed.raw[column].to_numpy()
    raw_a = parsed.raw[a_col].to_numpy() if a_col else None
    errors = []
    for pos in positions:
        row = int(row_numbers[pos])
        if (row, column) in parsed.type_failures:
            continue  # already reported as unparsable
        value = str(raw[pos]).strip()
        values = dict(fields, value=value)
        if raw_a is not None:
            values["value_a"] = str(raw_a[pos]).strip()
        errors.append(
            ValidationError(
                row=row,
                column=parsed.headers[column],
                value=str(raw[pos]),
                rule=str(meta.get("rule", failure.type)),
                message=_format(str(meta.get("message", failure.type)), values),
            )
        )
    return errors


def check_submission(
    parsed: ParsedSubmission,
    *,
    quarter: Quarter | None,
    registry: Registry | None = None,
    previous_rows: int | None = None,
    volume_factor: float | None = None,
    warehouse: duckdb.DuckDBPyConnection | None = None,
) -> list[ValidationError]:
    """Stage 2: GE suite + contract checks on the typed frame; sorted errors of this stage.
    ``warehouse``: an open connection for checks that compare with the warehouse (the
    整改进展台账's tasks); without it those checks report that they could not verify."""
    if parsed.frame is None or parsed.raw is None or parsed.frame.empty:
        return []
    registry = registry or default_registry()
    params = suite_parameters(quarter, registry)
    gx_frame = parsed.frame.set_axis(parsed.frame["source_row"].to_numpy())
    errors: list[ValidationError] = []
    for failure in run_suite(parsed.source, gx_frame, params):
        errors.extend(_failure_errors(failure, parsed, params, quarter))
    ctx = CheckContext(
        source=parsed.source,
        frame=parsed.frame,
        raw=parsed.raw,
        headers=parsed.headers,
        quarter=quarter,
        registry=registry,
        previous_rows=previous_rows,
        volume_factor=volume_factor,
        skip_columns=set(parsed.missing_columns),
        warehouse=warehouse,
    )
    errors.extend(
        e
        for e in run_checks(ctx)
        if e.row is None or (e.row, _canonical(parsed, e.column)) not in parsed.type_failures
    )
    return sort_errors(errors)


def _canonical(parsed: ParsedSubmission, header: str | None) -> str | None:
    for column, written in parsed.headers.items():
        if written == header:
            return column
    return None


def validate_file(
    source: str,
    path: Path,
    *,
    quarter: Quarter | None = None,
    registry: Registry | None = None,
    previous_rows: int | None = None,
    volume_factor: float | None = None,
    keep_frame: bool = True,
    progress: Callable[[Progress], None] | None = None,
    warehouse: duckdb.DuckDBPyConnection | None = None,
) -> ValidationResult:
    """Validate one submitted file (both stages, batch by batch: ``stream.validate_stream``).
    Without ``quarter`` it is inferred from the path (a ``2025Q2`` folder or file name) or
    else from the data (the quarter most rows fall in; that takes a first pass over the
    file); ``result.quarter_origin`` says which. ``keep_frame=False`` leaves
    ``result.frame`` None (memory bounded by the batch size)."""
    registry = registry or default_registry()
    origin: str | None = "given" if quarter is not None else None
    if quarter is None:
        quarter = infer_quarter_from_path(Path(path))
        origin = "path" if quarter is not None else None
    if quarter is None:
        first = validate_stream(source, path, quarter=None, registry=registry, check=False)
        quarter = quarter_from_counts(first.quarter_counts)
        origin = "data" if quarter is not None else None
    streamed = validate_stream(
        source,
        path,
        quarter=quarter,
        registry=registry,
        previous_rows=previous_rows,
        volume_factor=volume_factor,
        keep_frame=keep_frame,
        progress=progress,
        warehouse=warehouse,
    )
    return ValidationResult(
        source=source,
        path=Path(path),
        quarter=quarter,
        rows=streamed.rows,
        errors=sort_errors(streamed.parse_errors + streamed.contract_errors),
        frame=streamed.frame if streamed.readable else None,
        quarter_origin=origin,
    )
