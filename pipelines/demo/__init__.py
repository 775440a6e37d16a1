"""The demo city 示例市's synthetic departmental submissions (示例数据).

See ``pipelines.demo.generator`` for the public API and ``pipelines.demo.credit_code`` for
统一社会信用代码 validation. Names are imported lazily, so that importing
``pipelines.demo.credit_code`` (e.g. from validation) does not load pandas and openpyxl.
"""

from __future__ import annotations

import importlib
from typing import Any

DEFAULT_SEED = 20240101

_LAZY = {
    "credit_code_check_digit": "pipelines.demo.credit_code",
    "is_valid_credit_code": "pipelines.demo.credit_code",
    "FAULTS": "pipelines.demo.catalog",
    "GeneratedFile": "pipelines.demo.generator",
    "generate_landing": "pipelines.demo.generator",
    "generate_source_frame": "pipelines.demo.generator",
    "inject_fault": "pipelines.demo.generator",
    "write_demo_correction": "pipelines.demo.generator",
    "write_submission": "pipelines.demo.generator",
}

__all__ = ["DEFAULT_SEED", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pipelines.demo' has no attribute {name!r}")
