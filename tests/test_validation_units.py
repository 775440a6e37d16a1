"""Pure functions of the validation package: type coercion, credit codes, quarter inference,
CSV neutralising, chunked suite runs and the generated contracts documentation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from fixtures_validation import QUARTER, credit_code

from pipelines.contracts import normalize_header
from pipelines.quarters import Quarter
from pipelines.registry import default_registry
from pipelines.validation import coerce
from pipelines.validation.checks import valid_credit_codes
from pipelines.validation.report import neutralize
from pipelines.validation.validate import infer_quarter_from_path


def _one(kind: str, text: str) -> tuple[object, bool]:
    fn = coerce.coercer(kind, default_registry())  # type: ignore[arg-type]
    values, bad = fn(pd.Series([text.strip()], dtype="str"))
    value = values.iloc[0]
    return (None if pd.isna(value) else value), bool(bad.iloc[0])


@pytest.mark.parametrize(
    ("kind", "text", "value", "bad"),
    [
        ("region_code", "990102", "990102", False),
        ("region_code", "990102.0", "990102", False),
        ("region_code", " 990103 ", "990103", False),
        ("region_code", "99010", None, True),
        ("region_code", "9901021", None, True),
        ("region_code", "", None, False),
        ("datetime", "2025-04-01 09:30:00", pd.Timestamp("2025-04-01 09:30:00"), False),
        ("datetime", "2025/4/1 9:30", pd.Timestamp("2025-04-01 09:30:00"), False),
        ("datetime", "2025/04/01 09:30:15", pd.Timestamp("2025-04-01 09:30:15"), False),
        ("datetime", "2025-02-30 09:00:00", None, True),
        ("datetime", "20250401", None, True),
        ("month", "2025-04", "2025-04", False),
        ("month", "2025年4月", "2025-04", False),
        ("month", "2025-04-01 00:00:00", "2025-04", False),  # an Excel date cell
        ("month", "2025-13", None, True),
        ("month", "2025-04-15", None, True),
        ("integer", "12", 12, False),
        ("integer", "12.0", 12, False),
        ("integer", "-3", -3, False),
        ("integer", "1.5", None, True),
        ("integer", "十二", None, True),
        ("integer", "inf", None, True),
        ("decimal", "3.85", 3.85, False),
        ("decimal", "1e3", 1000.0, False),
        ("decimal", "nan", None, True),
        ("decimal", "3.85%", None, True),
        ("yes_no", "是", True, False),
        ("yes_no", "否", False, False),
        ("yes_no", "Y", None, True),
        ("department", "市发改委", "市发展改革委", False),
        ("department", "市数据局", "市数据局", False),
        ("department", "外星局", "外星局", False),  # kept as written; the suite rejects it
        ("string", "  abc ", "abc", False),
        ("string", "   ", None, False),
    ],
)
def test_coerce(kind: str, text: str, value: object, bad: bool) -> None:
    assert _one(kind, text) == (value, bad)


def test_credit_codes_vectorised_match_reference() -> None:
    from pipelines.demo.credit_code import is_valid_credit_code

    good = [
        "91350100M000100Y43",
        credit_code("9199010277889900A"),
        credit_code("Y199010200000001X"),
    ]
    bad = [
        "91350100M000100Y44",
        "91350100M000100Y4",
        "91350100M000100Y433",
        "91350100m000100Y43",
        "O1350100M000100Y43",
        "913501I0M000100Y43",
        "统一社会信用代码",
        "B1350100M000100Y43",
        "9135A100M000100Y43",
    ]
    series = pd.Series([*good, *bad, None], dtype="str")
    result = list(valid_credit_codes(series))
    assert result == [True] * len(good) + [False] * len(bad) + [True]
    assert result[:-1] == [is_valid_credit_code(c) for c in [*good, *bad]]


@pytest.mark.parametrize(
    ("path", "quarter"),
    [
        ("landing/approval_cases/2025Q2/办件.csv", Quarter(2025, 2)),
        ("/data/2024q4/x.xlsx", Quarter(2024, 4)),
        ("2025Q1/sub/approval_cases_2025Q3.csv", Quarter(2025, 3)),  # file name wins
        ("办件_2025Q2导出.csv", Quarter(2025, 2)),
        ("x/12025Q2/a.csv", None),
        ("a/b.csv", None),
    ],
)
def test_infer_quarter_from_path(path: str, quarter: Quarter | None) -> None:
    assert infer_quarter_from_path(Path(path)) == quarter


@pytest.mark.parametrize(
    ("cell", "out"),
    [
        ("=1+1", "'=1+1"),
        ("+86 10", "'+86 10"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\r1", "'\r1"),
        ("-1+2", "'-1+2"),
        ("-A1", "'-A1"),
        ("-", "'-"),
        ("-1e5", "'-1e5"),
        ("-١", "'-١"),  # non-ASCII digits are not a plain number
        # plain (signed) decimal numbers are not formulas: left as they are
        ("-3", "-3"),
        ("-0.5", "-0.5"),
        ("+86", "+86"),
        ("-.5", "-.5"),
        ("12", "12"),
        ("a=b", "a=b"),
        ("", ""),
        ("中文", "中文"),
    ],
)
def test_neutralize(cell: str, out: str) -> None:
    assert neutralize(cell) == out


@pytest.mark.slow
def test_chunked_suite_matches_whole_frame() -> None:
    from pipelines.validation.gx_suites import run_suite, suite_parameters

    n = 25
    frame = pd.DataFrame(
        {
            "source_row": range(2, n + 2),
            "response_id": [f"R{i % 20}" for i in range(n)],  # duplicates across chunks
            "credit_code": ["91350100M000100Y43"] * n,
            "region_code": ["990102" if i % 7 else "990199" for i in range(n)],
            "rated_dept": ["市数据局"] * n,
            "submitted_at": pd.to_datetime(["2025-05-01 10:00:00"] * n),
            "score_attitude": pd.array([i % 7 for i in range(n)], dtype="Int64"),
            "score_efficiency": pd.array([3] * n, dtype="Int64"),
            "score_policy": pd.array([3] * n, dtype="Int64"),
            "score_integrity": pd.array([3] * n, dtype="Int64"),
            "score_overall": pd.array([3] * n, dtype="Int64"),
            "comment": pd.Series([None] * n, dtype="str"),
        }
    )
    frame = frame.set_axis(frame["source_row"].to_numpy())
    params = suite_parameters(QUARTER, default_registry())

    def summary(chunk_rows: int) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for f in run_suite("satisfaction_responses", frame, params, chunk_rows=chunk_rows):
            out.setdefault(f"{f.meta['rule']}:{f.kwargs.get('column')}", []).extend(f.rows)
        return {k: sorted(v) for k, v in out.items()}

    whole = summary(10_000)
    assert summary(6) == whole
    assert whole["unique:response_id"] == [2, 3, 4, 5, 6, 22, 23, 24, 25, 26]
    assert whole["region:region_code"] == [2, 9, 16, 23]
    assert whole["score_range:score_attitude"] == [2, 8, 9, 15, 16, 22, 23]


def test_normalize_header_is_what_matching_uses() -> None:
    assert normalize_header(" 法定时限（工作日）\u3000") == "法定时限(工作日)"


def test_contracts_doc_is_up_to_date() -> None:
    from pipelines.env import PROJECT_ROOT
    from pipelines.validation.rules_doc import render_contracts_md

    doc = (PROJECT_ROOT / "docs" / "contracts.md").read_text(encoding="utf-8")
    assert doc == render_contracts_md(), (
        "docs/contracts.md is stale: uv run python -m pipelines.validation.rules_doc "
        "> docs/contracts.md"
    )
