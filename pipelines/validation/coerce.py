"""Vectorised type coercion of raw strings to each contract type.

Every function takes the stripped raw strings of one column (empty string = empty cell) and
returns the typed values plus a mask of cells that are non-empty but could not be parsed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from pipelines.contracts import ColumnType, Contract
from pipelines.registry import Registry
from pipelines.validation.model import ValidationError

DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d",
    "%Y/%m/%d",
)

TYPE_LABELS: dict[str, str] = {
    "string": "文本",
    "text": "文本（可为空）",
    "region_code": "6位区划代码",
    "department": "部门名称",
    "datetime": "日期时间（YYYY-MM-DD HH:MM:SS）",
    "month": "月份（YYYY-MM）",
    "integer": "整数",
    "decimal": "数值",
    "yes_no": "是/否",
}

TYPE_MESSAGES: dict[str, str] = {
    "region_code": "应为6位数字的区划代码",
    "datetime": "无法识别的日期时间，应为“YYYY-MM-DD HH:MM:SS”（如 2025-04-01 09:30:00）",
    "month": "无法识别的月份，应为“YYYY-MM”（如 2025-04）或“2025年4月”",
    "integer": "应为整数",
    "decimal": "应为数值",
    "yes_no": "应填“是”或“否”",
}

Coerced = tuple[pd.Series, pd.Series]


def _text(s: pd.Series) -> Coerced:
    out = s.where(s != "", None).astype("str")
    return out, pd.Series(False, index=s.index)


def _region_code(s: pd.Series) -> Coerced:
    # Excel may have stored the code as a number: 880602 or 880602.0.
    ok = s.str.fullmatch(r"\d{6}(?:\.0*)?")
    out = s.str.slice(0, 6).where(ok, None).astype("str")
    return out, (s != "") & ~ok


def _department(s: pd.Series, registry: Registry) -> Coerced:
    mapping = {name: registry.canonical_department(name) for name in registry.department_names}
    canonical = s.map(mapping)
    # Unknown names stay as written: the suite reports them against the registry.
    out = canonical.where(canonical.notna(), s).where(s != "", None).astype("str")
    return out, pd.Series(False, index=s.index)


def _datetime(s: pd.Series) -> Coerced:
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us]")
    todo = s != ""
    for fmt in DATETIME_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(s[todo], format=fmt, errors="coerce").astype("datetime64[us]")
        out.loc[parsed.index] = out.loc[parsed.index].fillna(parsed)
        todo &= out.isna()
    return out, todo


def _month(s: pd.Series) -> Coerced:
    parts = s.str.extract(r"^(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*(?:月|-0?1(?: 00:00:00)?)?$")
    month = pd.to_numeric(parts[1], errors="coerce")
    ok = parts[0].notna() & month.between(1, 12)
    text = parts[0].str.cat(month.astype("Int64").astype("str").str.zfill(2), sep="-")
    out = text.where(ok, None).astype("str")
    return out, (s != "") & ~ok


def _number(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.where(s != "", None), errors="coerce").astype("Float64")


def _integer(s: pd.Series) -> Coerced:
    num = _number(s)
    finite = num.notna() & np.isfinite(num.fillna(0).to_numpy(dtype=float))
    ok = finite & (num.round(0) == num).fillna(False) & (num.abs() < 2**53)
    out = num.where(ok, None).astype("Int64")
    return out, (s != "") & ~ok


def _decimal(s: pd.Series) -> Coerced:
    # "+ 0.0" turns -0.0 into 0.0: to_numeric gives "-0" its sign only when another cell of
    # the column is not integer-looking, and a typed value must not depend on other rows.
    num = _number(s) + 0.0
    ok = num.notna() & np.isfinite(num.fillna(0).to_numpy(dtype=float))
    return num.where(ok, None), (s != "") & ~ok


def _yes_no(s: pd.Series) -> Coerced:
    out = s.map({"是": True, "否": False}).astype("boolean")
    return out, (s != "") & out.isna()


def coercer(kind: ColumnType, registry: Registry) -> Callable[[pd.Series], Coerced]:
    if kind == "department":
        return lambda s: _department(s, registry)
    return {
        "string": _text,
        "text": _text,
        "region_code": _region_code,
        "datetime": _datetime,
        "month": _month,
        "integer": _integer,
        "decimal": _decimal,
        "yes_no": _yes_no,
    }[kind]


def coerce_frame(
    raw: pd.DataFrame,
    row_numbers: np.ndarray,
    contract: Contract,
    registry: Registry,
    headers: dict[str, str],
    skip: set[str] | None = None,
) -> tuple[pd.DataFrame, list[ValidationError], set[tuple[int, str]]]:
    """Typed frame (+ ``source_row``), type errors, and the (row, column) cells that failed."""
    typed: dict[str, pd.Series] = {"source_row": pd.Series(row_numbers, dtype="int64")}
    errors: list[ValidationError] = []
    failed: set[tuple[int, str]] = set()
    for col in contract.columns:
        stripped = raw[col.column].str.strip()
        values, bad = coercer(col.type, registry)(stripped)
        typed[col.column] = values.reset_index(drop=True)
        if skip and col.column in skip:
            continue
        idx = np.flatnonzero(bad.to_numpy(dtype=bool))
        if not len(idx):
            continue
        message = TYPE_MESSAGES.get(col.type, "格式不正确")
        header = headers[col.column]
        raw_values = raw[col.column].to_numpy()
        for i in idx:
            row = int(row_numbers[i])
            errors.append(
                ValidationError(
                    row=row,
                    column=header,
                    value=str(raw_values[i]),
                    rule="type",
                    message=f"“{header}”{message}，实际为“{raw_values[i]}”",
                )
            )
            failed.add((row, col.column))
    return pd.DataFrame(typed), errors, failed
