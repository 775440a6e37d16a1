"""Validation of one submission batch by batch, in memory bounded by the batch size.

The file is read in grids of about ``BATCH_ROWS`` rows (``reader.iter_grids``); each batch is
shaped, typed, handed to ``on_batch`` (the staging write) and checked with the row-level part
of the contract: the Great Expectations expectations that look at one row, and the row-level
contract checks. What needs the whole file is kept small across batches and checked at the
end: the uniqueness expectations on the columns they name (typed and raw values only), the
months of a quarter on the distinct (unit, month) pairs, the volume on the row count.

Rules, rule ids, row numbers, columns and messages are those of ``parse_submission`` +
``check_submission`` on the whole file (the same functions run on each batch).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import duckdb
import numpy as np
import pandas as pd

from pipelines.contracts import Contract, contract
from pipelines.quarters import Quarter
from pipelines.registry import Registry, default_registry
from pipelines.validation.checks import CheckContext, run_checks, whole_check_columns
from pipelines.validation.coerce import coerce_frame
from pipelines.validation.gx_suites import (
    columns_of,
    split_suite,
    suite_parameters,
    validate_expectations,
)
from pipelines.validation.keys import KeyStore, duckdb_scratch
from pipelines.validation.limits import FileLimits
from pipelines.validation.model import ValidationError, sort_errors
from pipelines.validation.reader import (
    BATCH_ROWS,
    Grid,
    ReadFailure,
    RestartExact,
    iter_grids,
    join_grids,
)
from pipelines.validation.screen import Screen, try_compile_screen, typed_frame
from pipelines.validation.structure import _HEADER_SEARCH_ROWS, Table, TableShaper


@dataclass
class Progress:
    """Reported after each batch: rows read so far, seconds since the start."""

    rows: int
    seconds: float


@dataclass
class StreamResult:
    source: str
    path: Path
    readable: bool  # False when the file could not be read at all
    rows: int
    headers: dict[str, str]
    missing_columns: list[str]
    parse_errors: list[ValidationError]  # stage "parse" (sorted)
    contract_errors: list[ValidationError]  # stage "contract" (sorted)
    preview: pd.DataFrame | None = None  # first typed rows
    frame: pd.DataFrame | None = None  # all typed rows, only with keep_frame
    quarter_counts: Counter[int] = field(default_factory=Counter)  # year*10+q -> rows
    screened_batches: int = 0  # batches the SQL screen proved clean (the rest: exact path)
    batches: int = 0


class BatchSink(Protocol):
    """Where typed batches go; ``reset`` discards what was written (the file is re-read)."""

    def write(self, frame: pd.DataFrame) -> None: ...

    def reset(self) -> None: ...


def _quarter_keys(frame: pd.DataFrame, c: Contract) -> Counter[int]:
    values = frame[c.quarter_column].dropna()
    if values.empty:
        return Counter()
    if c.column(c.quarter_column).type == "month":
        stamps = pd.to_datetime(values, format="%Y-%m", errors="coerce").dropna()
    else:
        stamps = values
    if stamps.empty:
        return Counter()
    keys = stamps.dt.year.astype("int64") * 10 + (stamps.dt.month.astype("int64") - 1) // 3 + 1
    return Counter({int(k): int(n) for k, n in keys.value_counts().items()})


def quarter_from_counts(counts: Counter[int]) -> Quarter | None:
    """The quarter most rows fall in (the later one on a tie), as ``infer_quarter_from_data``."""
    if not counts:
        return None
    key = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
    return Quarter(key // 10, key % 10)


def validate_stream(
    source: str,
    path: Path,
    *,
    quarter: Quarter | None,
    registry: Registry | None = None,
    previous_rows: int | None = None,
    volume_factor: float | None = None,
    check: bool = True,
    sink: BatchSink | None = None,
    keep_frame: bool = False,
    batch_rows: int = BATCH_ROWS,
    limits: FileLimits | None = None,
    progress: Callable[[Progress], None] | None = None,
    warehouse: duckdb.DuckDBPyConnection | None = None,
) -> StreamResult:
    """Read, shape, type and (with ``check``) validate ``path`` batch by batch. Raises
    UnknownSourceError, FileNotFoundError, IsADirectoryError, PermissionError."""
    request = _Request(
        contract=contract(source),
        path=Path(path),
        quarter=quarter,
        registry=registry or default_registry(),
        previous_rows=previous_rows,
        volume_factor=volume_factor,
        check=check,
        sink=sink,
        keep_frame=keep_frame,
        batch_rows=batch_rows,
        limits=limits,
        progress=progress,
        warehouse=warehouse,
    )
    exact = False
    while True:
        try:
            return _run(request, exact=exact)
        except RestartExact:
            if exact:
                raise
            exact = True
            if sink is not None:
                sink.reset()


@dataclass(frozen=True)
class _Request:
    """What ``validate_stream`` was asked to do."""

    contract: Contract
    path: Path
    quarter: Quarter | None
    registry: Registry
    previous_rows: int | None
    volume_factor: float | None
    check: bool
    sink: BatchSink | None
    keep_frame: bool
    batch_rows: int
    limits: FileLimits | None
    progress: Callable[[Progress], None] | None
    warehouse: duckdb.DuckDBPyConnection | None

    def context(self, frame: pd.DataFrame, raw: pd.DataFrame, **fields: Any) -> CheckContext:
        """The contract checks' view of ``frame``."""
        return CheckContext(
            source=self.contract.source,
            frame=frame,
            raw=raw,
            quarter=self.quarter,
            registry=self.registry,
            previous_rows=self.previous_rows,
            volume_factor=self.volume_factor,
            warehouse=self.warehouse,
            **fields,
        )


@dataclass(frozen=True)
class _Plan:
    """The suite split for this file, the screen, and the scratch database."""

    params: dict[str, Any]
    whole: list[dict[str, Any]]
    row_level: list[dict[str, Any]]
    month_cols: list[str]
    screen: Screen | None
    scratch: duckdb.DuckDBPyConnection
    keys: KeyStore | None
    started: float


def _grids(stream: Iterator[Grid]) -> Iterator[Grid]:
    """The reader's grids, the first ones joined until the header search has its rows."""
    head: list[Grid] = []
    rows = 0
    joined = False
    for grid in stream:
        if joined:
            yield grid
            continue
        head.append(grid)
        rows += len(grid.row_numbers)
        if rows > _HEADER_SEARCH_ROWS:
            yield join_grids(head)
            head, joined = [], True
    if head:
        yield join_grids(head)


Screened = tuple[
    pd.DataFrame,  # the typed batch
    pd.DataFrame | None,  # the rows the exact path typed (None: every row passed the screen)
    pd.DataFrame | None,  # their raw cells
    list[ValidationError],  # their type errors
    set[tuple[int, str]],  # their unparsable cells
]


def _screened(
    screen: Screen,
    scratch: duckdb.DuckDBPyConnection,
    table: Table,
    c: Contract,
    registry: Registry,
) -> Screened | None:
    """The batch typed by the screen where it passes and by ``coerce_frame`` elsewhere; None
    when no row passes (the whole batch takes the exact path)."""
    if not len(table.raw):
        return None
    typed, ok = screen.verdicts(scratch, table.raw, table.row_numbers)
    passed = ok.to_numpy(zero_copy_only=False)
    if passed.all():
        return typed_frame(typed, screen.columns), None, None, [], set()
    if not passed.any():
        return None
    # Typing and the row-level expectations look at one row at a time: the failing rows
    # alone give the same errors and typed values as the whole batch would.
    others = np.flatnonzero(~passed)
    raw = table.raw.iloc[others].reset_index(drop=True)
    exact, type_errors, failed = coerce_frame(
        raw, table.row_numbers[others], c, registry, table.headers, skip=set(table.missing)
    )
    clean = typed_frame(typed.filter(ok), screen.columns)
    merged = pd.concat([clean, exact], ignore_index=True)
    frame = merged.sort_values("source_row", kind="stable").reset_index(drop=True)
    return frame, exact, raw, type_errors, failed


def _run(request: _Request, *, exact: bool) -> StreamResult:
    c, path = request.contract, request.path
    source = c.source
    started = time.monotonic()
    stream = iter_grids(path, request.limits, batch_rows=request.batch_rows, exact=exact)
    if isinstance(stream, ReadFailure):
        return StreamResult(
            source=source,
            path=path,
            readable=False,
            rows=0,
            headers={col.column: col.header for col in c.columns},
            missing_columns=[],
            parse_errors=sort_errors(stream.errors),
            contract_errors=[],
        )
    params = suite_parameters(request.quarter, request.registry)
    whole, row_level = split_suite(source, params)
    whole_cols = sorted(set().union(*(columns_of(e) for e in whole)) if whole else set())
    check = request.check
    # Without checks the screen only types (no expectations): a clean batch skips pandas typing.
    screen = try_compile_screen(c, row_level if check else [], params, request.registry)
    with duckdb_scratch() as scratch:
        plan = _Plan(
            params=params,
            whole=whole,
            row_level=row_level,
            month_cols=sorted(whole_check_columns(source)),
            screen=screen,
            scratch=scratch,
            keys=KeyStore(scratch, c, whole_cols) if check and whole_cols else None,
            started=started,
        )
        return _batches(request, plan, stream)


def _batches(request: _Request, plan: _Plan, stream: Iterator[Grid]) -> StreamResult:
    from pipelines.validation.validate import ParsedSubmission, _canonical, _failure_errors

    c, path, registry, quarter = request.contract, request.path, request.registry, request.quarter
    params, screen, keys = plan.params, plan.screen, plan.keys
    source = c.source
    shaper = TableShaper(c)
    parse_errors: list[ValidationError] = []
    contract_errors: list[ValidationError] = []
    file_level: set[tuple[str, str]] = set()
    pairs: list[pd.DataFrame] = []
    frames: list[pd.DataFrame] = []
    counts: Counter[int] = Counter()
    preview: pd.DataFrame | None = None
    rows = batches = screened = 0
    for grid in _grids(stream):
        table = shaper.feed(grid)
        batches += 1
        # Rows the screen proves clean skip the pandas typing and Great Expectations: neither
        # would find anything in them (see pipelines/validation/screen.py). The other rows,
        # if any, take the exact path, which alone writes messages.
        split = _screened(screen, plan.scratch, table, c, registry) if screen else None
        if split is None:
            frame, type_errors, failed = coerce_frame(
                table.raw, table.row_numbers, c, registry, table.headers, skip=set(table.missing)
            )
            exact_frame, exact_raw = frame, table.raw
        else:
            frame, exact_frame, exact_raw, type_errors, failed = split
            screened += exact_frame is None
        parse_errors.extend(table.errors)
        parse_errors.extend(type_errors)
        if request.sink is not None and len(frame):
            request.sink.write(frame)
        if request.keep_frame:
            frames.append(frame)
        if preview is None and len(frame):
            preview = frame.head(20)
        counts.update(_quarter_keys(frame, c))
        rows += len(frame)
        if request.check and len(frame):
            parsed = ParsedSubmission(
                source=source,
                path=path,
                frame=frame,
                raw=table.raw,
                headers=table.headers,
                errors=[],
                missing_columns=table.missing,
                type_failures=failed,
            )
            if exact_frame is not None and len(exact_frame):
                exact = ParsedSubmission(
                    source=source,
                    path=path,
                    frame=exact_frame,
                    raw=exact_raw,
                    headers=table.headers,
                    errors=[],
                    missing_columns=table.missing,
                    type_failures=failed,
                )
                gx_frame = exact_frame.set_axis(exact_frame["source_row"].to_numpy())
                for failure in validate_expectations(source, gx_frame, plan.row_level, params):
                    contract_errors.extend(_failure_errors(failure, exact, params, quarter))
            ctx = request.context(
                frame, table.raw, headers=table.headers, skip_columns=set(table.missing)
            )
            for e in run_checks(ctx, kind="row"):
                if e.row is None:
                    # A file-level error of a row-level check is the same in every batch.
                    if (e.rule, e.message) not in file_level:
                        file_level.add((e.rule, e.message))
                        contract_errors.append(e)
                elif (e.row, _canonical(parsed, e.column)) not in failed:
                    contract_errors.append(e)
            if keys is not None:
                keys.add(frame, table.raw, failed)
            if plan.month_cols:
                pairs.append(frame[plan.month_cols].drop_duplicates())
        if request.progress is not None:
            request.progress(Progress(rows=rows, seconds=time.monotonic() - plan.started))
    parse_errors.extend(shaper.finish())

    if request.check and rows:
        headers, missing = shaper.headers, shaper.missing
        if keys is not None:
            # Only rows whose key occurs more than once can fail a uniqueness expectation:
            # GE sees those rows (the same failures, without keeping the whole column).
            typed, raw, kept_failures = keys.repeated(plan.whole)
            if len(typed):
                parsed = ParsedSubmission(
                    source=source,
                    path=path,
                    frame=typed,
                    raw=raw,
                    headers=headers,
                    errors=[],
                    missing_columns=missing,
                    type_failures=kept_failures,
                )
                gx_frame = typed.set_axis(typed["source_row"].to_numpy())
                for failure in validate_expectations(source, gx_frame, plan.whole, params):
                    contract_errors.extend(_failure_errors(failure, parsed, params, quarter))
        summary = (
            pd.concat(pairs, ignore_index=True).drop_duplicates()
            if pairs
            else pd.DataFrame(index=range(0))
        )
        ctx = request.context(
            summary,
            pd.DataFrame(),
            headers=headers,
            skip_columns=set(missing),
            total_rows=rows,
        )
        contract_errors.extend(run_checks(ctx, kind="whole"))

    return StreamResult(
        source=source,
        path=path,
        readable=True,
        rows=rows,
        headers=shaper.headers,
        missing_columns=shaper.missing,
        parse_errors=sort_errors(parse_errors),
        contract_errors=sort_errors(contract_errors),
        preview=preview,
        frame=pd.concat(frames, ignore_index=True) if request.keep_frame and frames else None,
        quarter_counts=counts,
        screened_batches=screened,
        batches=batches,
    )
