"""Result types of validating one departmental submission."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipelines.quarters import Quarter


@dataclass(frozen=True)
class ValidationError:
    """One failing cell (or a file-level problem when ``row`` is None).

    ``row`` is the row number as the department sees it in Excel (header = 1); ``column`` is
    the header as written in the department's file; ``value`` the raw cell text.
    """

    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "rule": self.rule,
            "message": self.message,
        }


def sort_errors(errors: list[ValidationError]) -> list[ValidationError]:
    """File-level errors (row None) first, then by row and column."""
    return sorted(
        errors,
        key=lambda e: (
            e.row is not None,
            e.row if e.row is not None else -1,
            e.column or "",
            e.rule,
        ),
    )


@dataclass
class ValidationResult:
    source: str
    path: Path
    quarter: Quarter | None
    rows: int
    errors: list[ValidationError]
    # Typed canonical columns + ``source_row`` (Excel row number); None if unreadable.
    frame: pd.DataFrame | None = field(default=None, repr=False)
    # How the quarter was determined: "given", "path" or "data" (None when unknown).
    quarter_origin: str | None = None

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def failing_rows(self) -> int:
        return len({e.row for e in self.errors if e.row is not None})

    def errors_by_rule(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for e in self.errors:
            counts[e.rule] = counts.get(e.rule, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "source": self.source,
            "rows": self.rows,
            "errors": [e.to_json_dict() for e in self.errors],
        }
