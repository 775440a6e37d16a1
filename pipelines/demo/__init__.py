"""The demo city 示例市's synthetic departmental submissions (示例数据).

See ``pipelines.demo.generator`` for the public API and ``pipelines.demo.credit_code`` for
统一社会信用代码 validation. Names are imported lazily, so that importing
``pipelines.demo.credit_code`` (e.g. from validation) does not load pandas and openpyxl.
"""

from __future__ import annotations

import importlib
from typing import Any

from pipelines.quarters import Quarter, quarter_range

DEFAULT_SEED = 20240101
# The bundled demo project (examples/<name>/) and the quarters its generator covers.
DEMO_PROJECT_NAME = "示例市"
DEMO_QUARTERS: list[Quarter] = quarter_range(Quarter(2024, 1), Quarter(2025, 2))
# The built-in sources the generator writes, in generation order.
DEMO_SOURCES: tuple[str, ...] = (
    "approval_cases",
    "utility_connections",
    "loan_balances",
    "satisfaction_responses",
    "enterprise_requests",
    "inspections",
    "policy_payouts",
)

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

__all__ = ["DEFAULT_SEED", "DEMO_PROJECT_NAME", "DEMO_QUARTERS", "DEMO_SOURCES", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'pipelines.demo' has no attribute {name!r}")
