"""Validation of departmental submissions against the data contracts.

Public API::

    validate_file(source, path, *, quarter=None, registry=None, previous_rows=None,
                  volume_factor=None) -> ValidationResult
    parse_submission(source, path, *, registry=None) -> ParsedSubmission      # stage "parse"
    check_submission(parsed, *, quarter, registry=None, previous_rows=None,
                     volume_factor=None) -> list[ValidationError]             # stage "contract"
    write_rejection_report(result, out_dir, *, title_extra=None) -> (html, csv)
    write_template(source, path) -> Path

Submodules are imported lazily so that ``import pipelines.validation`` stays cheap (Great
Expectations is only imported when a suite is run).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pipelines.validation.model import ValidationError, ValidationResult

if TYPE_CHECKING:
    from pipelines.validation.report import write_rejection_report
    from pipelines.validation.template import write_template
    from pipelines.validation.validate import (
        ParsedSubmission,
        check_submission,
        infer_quarter_from_data,
        infer_quarter_from_path,
        parse_submission,
        validate_file,
    )

__all__ = [
    "ParsedSubmission",
    "ValidationError",
    "ValidationResult",
    "check_submission",
    "infer_quarter_from_data",
    "infer_quarter_from_path",
    "parse_submission",
    "validate_file",
    "write_rejection_report",
    "write_template",
]

_LAZY = {
    "ParsedSubmission": "pipelines.validation.validate",
    "check_submission": "pipelines.validation.validate",
    "infer_quarter_from_data": "pipelines.validation.validate",
    "infer_quarter_from_path": "pipelines.validation.validate",
    "parse_submission": "pipelines.validation.validate",
    "validate_file": "pipelines.validation.validate",
    "write_rejection_report": "pipelines.validation.report",
    "write_template": "pipelines.validation.template",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(name)
