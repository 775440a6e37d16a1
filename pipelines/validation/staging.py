"""Validate the candidate version of one source and quarter and stage its rows.

The staging asset is a thin shell around :func:`validate_candidate`: it turns the returned
:class:`StagingOutcome` into the asset's materialization and its blocking check's result.

The candidate (the latest received version) is read, typed and checked batch by batch; the
typed rows of every batch go to ``staging.<source>`` whatever the outcome (a failing check
blocks the promotion, not the staging write), committed in bounded transactions; the version
is marked staged (``intake.staged_versions``) only after its last batch, and promotion
refuses one that is not. A rejected version gets a
rejection report named by its hash; its errors are recorded in ``intake.validation_errors``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.contracts import Contract
from pipelines.env import Workdir
from pipelines.paths import from_stored, to_stored
from pipelines.quarters import Quarter
from pipelines.registry import Registry
from pipelines.sqlfiles import sql
from pipelines.validation.model import ValidationResult, sort_errors
from pipelines.warehouse import store

Connect = Callable[[], AbstractContextManager[duckdb.DuckDBPyConnection]]
PREVIEW_ROWS = 20


class NoCandidateError(Exception):
    """A required source has no version waiting to be validated."""


@dataclass(frozen=True)
class StagingOutcome:
    """What validating one candidate did (None fields: the optional source was not sent)."""

    quarter: str
    candidate: store.Candidate | None
    result: ValidationResult | None = None
    staged_rows: int = 0
    parse_errors: int = 0
    previous_rows: int | None = None
    preview: pd.DataFrame | None = None  # the first typed rows
    report_html: Path | None = None  # absolute paths of the rejection report, if any
    report_csv: Path | None = None
    errors_preview: pd.DataFrame | None = None  # the first recorded errors
    errors_by_rule: dict[str, int] = field(default_factory=dict)

    @property
    def submitted(self) -> bool:
        return self.candidate is not None


def validate_candidate(
    connect: Connect,
    spec: Contract,
    quarter: Quarter,
    *,
    layout: Workdir,
    registry: Registry,
    volume_factor: float,
    max_listed_errors: int,
    required: bool,
) -> StagingOutcome:
    """Validate and stage the candidate version of ``spec.source`` for ``quarter``. Raises
    NoCandidateError when a required source has none; an optional one without a candidate
    gives an outcome with ``submitted`` False."""
    from pipelines.validation import write_rejection_report
    from pipelines.validation.stream import validate_stream

    source, q = spec.source, str(quarter)
    with connect() as con:
        candidate = store.select_candidate(con, source, q)
        if candidate is None:
            if required:
                raise NoCandidateError(f"{q} {spec.title}：没有待校验的版本")
            return StagingOutcome(quarter=q, candidate=None)
        store.mark_superseded(con, source, q, candidate.submission_hash)
        previous_rows = store.previous_accepted_rows(con, source, str(quarter.previous()))
    hash_ = candidate.submission_hash

    # Read, match headers, type and check batch by batch; each batch is inserted on the
    # writer's thread while the next is read. The checks that compare with the warehouse
    # (整改台账) read it through a cursor of their own: the writer's connection is its
    # thread's until the block ends.
    archived = from_stored(layout.root, candidate.archive_path)
    with connect() as con:
        with (
            con.cursor() as reader,
            store.staging_writer(con, source, q, hash_, background=True) as writer,
        ):
            streamed = validate_stream(
                source,
                archived,
                quarter=quarter,
                registry=registry,
                previous_rows=previous_rows,
                volume_factor=volume_factor,
                sink=writer,
                warehouse=reader,
            )
        store.record_errors(con, source, q, hash_, "parse", streamed.parse_errors)
        if streamed.readable:
            store.update_data_rows(con, source, q, hash_, streamed.rows)

    # The report names the file as the department named it; the folder keeps versions with
    # the same file name apart.
    result = ValidationResult(
        source=source,
        path=Path(candidate.file_name),
        quarter=quarter,
        rows=streamed.rows,
        errors=sort_errors([*streamed.parse_errors, *streamed.contract_errors]),
    )
    html = csv = None
    if not result.valid:
        # Named by the version's hash, not by the department's file name (which may be as
        # long as the file system allows).
        html, csv = write_rejection_report(
            result,
            layout.rejections / q / source / hash_[:12],
            title_extra={
                "接收时间": candidate.received_at.strftime("%Y-%m-%d %H:%M"),
                "文件哈希": hash_,
            },
            max_listed=max_listed_errors,
            stem=f"{source}_{hash_[:12]}",
        )
    with connect() as con:
        store.record_errors(con, source, q, hash_, "contract", streamed.contract_errors)
        store.update_status(
            con,
            source,
            q,
            hash_,
            status="validated" if result.valid else "rejected",
            error_count=len(result.errors),
            failing_rows=result.failing_rows,
            report_html=to_stored(layout.root, html) if html else None,
            report_csv=to_stored(layout.root, csv) if csv else None,
        )
        params = {"source": source, "quarter": q, "hash": hash_}
        errors_preview = con.execute(
            sql("intake/select_validation_errors_preview"), {**params, "limit": PREVIEW_ROWS}
        ).df()
        by_rule = con.execute(sql("intake/select_validation_errors_by_rule"), params).fetchall()
    return StagingOutcome(
        quarter=q,
        candidate=candidate,
        result=result,
        staged_rows=writer.rows,
        parse_errors=len(streamed.parse_errors),
        previous_rows=previous_rows,
        preview=streamed.preview,
        report_html=html,
        report_csv=csv,
        errors_preview=errors_preview,
        errors_by_rule={str(rule): int(n) for rule, n in by_rule},
    )
