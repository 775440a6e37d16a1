"""The demo city 示例市's synthetic departmental submissions (示例数据).

See ``pipelines.demo.generator`` for the public API and ``pipelines.demo.credit_code`` for
统一社会信用代码 validation.
"""

from pipelines.demo.credit_code import credit_code_check_digit, is_valid_credit_code
from pipelines.demo.generator import (
    FAULTS,
    GeneratedFile,
    generate_landing,
    generate_source_frame,
    inject_fault,
    write_demo_correction,
    write_submission,
)

__all__ = [
    "FAULTS",
    "GeneratedFile",
    "credit_code_check_digit",
    "generate_landing",
    "generate_source_frame",
    "inject_fault",
    "is_valid_credit_code",
    "write_demo_correction",
    "write_submission",
]
