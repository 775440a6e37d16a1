"""Fault injection: realistic errors planted in a canonical frame, for tests and benchmarks.

``inject_fault(frame, source, fault)`` returns a corrupted copy and the 0-based positions of
the data rows it changed. ``missing_month`` removes a row: its position refers to the input
frame, and the output has one row fewer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from pipelines.contracts import UnknownSourceError
from pipelines.demo import DEMO_SOURCES as SOURCES
from pipelines.demo.catalog import FAULT_SOURCES, FAULTS
from pipelines.demo.credit_code import CHARSET
from pipelines.demo.profiles import rng_for
from pipelines.quarters import Quarter, QuarterError

A, U, L, S, R, I, P = SOURCES  # noqa: E741 (see pipelines.demo.catalog)

UNKNOWN_REGION = "990199"
UNKNOWN_DEPARTMENTS = ("市招商服务中心", "市投资促进局")

_ID_COLUMN = {
    A: "case_id",
    U: "application_id",
    S: "response_id",
    R: "ticket_id",
    I: "inspection_id",
    P: "payout_id",
}
_START_END = {
    A: ("accepted_at", "completed_at"),
    U: ("applied_at", "connected_at"),
    R: ("contacted_at", "assigned_at"),
    P: ("approved_at", "paid_at"),
}
_QUARTER_COLUMN = {
    A: "completed_at",
    U: "connected_at",
    L: "stat_month",
    S: "submitted_at",
    R: "closed_at",
    I: "inspected_on",
    P: "paid_at",
}
_DEPT_COLUMN = {A: "dept", S: "rated_dept", R: "handling_dept", I: "inspecting_dept", P: "dept"}
_REQUIRED_COLUMN = {
    A: "dept",
    U: "customer_class",
    L: "total_loans_100m",
    S: "credit_code",
    R: "firm_name",
    I: "outcome",
    P: "policy_name",
}
_ENUM = {
    A: ("is_online", "Y"),
    U: ("utility_type", "热力"),
    S: ("score_overall", 6),
    R: ("channel", "微信公众号"),
    I: ("method", "暗访"),
    P: ("payout_mode", "即申即享"),
}
_BAD_TYPE = {
    A: ("visit_count", "一次"),
    U: ("connection_fee_yuan", "免费"),
    L: ("total_loans_100m", "待核实"),
    S: ("score_overall", "满意"),
    R: ("is_complex", "Y"),
    I: ("penalty_yuan", "五千元"),
    P: ("amount_10k", "待定"),
}
_NEGATIVE = {
    A: "material_count",
    U: "connection_fee_yuan",
    L: "inclusive_sme_borrowers",
    P: "amount_10k",
}

_FMT = "%Y-%m-%d %H:%M:%S"


class FaultError(ValueError):
    """An unknown fault, or one that does not apply to the source."""


@dataclass(frozen=True)
class FaultSpec:
    """A fault to plant: in ``source`` (None: every source it applies to) and ``quarter``
    (None: the last quarter generated)."""

    name: str
    source: str | None = None
    quarter: Quarter | None = None

    @classmethod
    def parse(cls, text: str) -> FaultSpec:
        """``NAME[:SOURCE[:QUARTER]]``, e.g. ``bad_enum:utility_connections:2025Q1``."""
        parts = [p.strip() for p in text.split(":")]
        if len(parts) > 3 or not parts[0]:
            raise FaultError(f"无法识别的故障“{text}”，格式应为 名称[:数据源[:季度]]")
        name = parts[0]
        if name not in FAULTS:
            raise FaultError(f"未知的故障“{name}”，可选：{'、'.join(FAULTS)}")
        source = parts[1] if len(parts) > 1 and parts[1] else None
        if source is not None:
            if source not in SOURCES:
                raise FaultError(str(UnknownSourceError(source)))
            if source not in FAULT_SOURCES[name]:
                raise FaultError(f"故障“{name}”不适用于数据源“{source}”")
        quarter = None
        if len(parts) > 2 and parts[2]:
            try:
                quarter = Quarter.parse(parts[2])
            except QuarterError as exc:
                raise FaultError(str(exc)) from None
        return cls(name, source, quarter)


def _pick(rng: np.random.Generator, candidates: np.ndarray, k: int) -> list[int]:
    k = min(k, len(candidates))
    return sorted(int(i) for i in rng.choice(candidates, size=k, replace=False))


def _shift(text: str, delta: timedelta) -> str:
    return (datetime.strptime(text, _FMT) + delta).strftime(_FMT)


def _next_quarter_time(text: str) -> str:
    date_only = len(text) == 10
    when = datetime.strptime(text, "%Y-%m-%d" if date_only else _FMT)
    nxt = Quarter.of(when).next().start
    moved = datetime.combine(nxt + timedelta(days=(when.day % 20) + 2), when.time())
    return moved.strftime("%Y-%m-%d" if date_only else _FMT)


def _set(frame: pd.DataFrame, column: str, rows: list[int], values: object) -> None:
    """Assign values by position, widening the column to object dtype if the type changes."""
    values_list = values if isinstance(values, list) else [values] * len(rows)
    col = frame[column]
    needs_object = any(
        (isinstance(v, str) and col.dtype.kind in "iuf") or (v is None and col.dtype.kind in "iu")
        for v in values_list
    )
    if needs_object:
        frame[column] = col.astype(object)
    idx = frame.columns.get_loc(column)
    for r, v in zip(rows, values_list, strict=True):
        frame.iat[r, idx] = v


def inject_fault(
    frame: pd.DataFrame, source: str, fault: str, *, seed: int = 0
) -> tuple[pd.DataFrame, list[int]]:
    """Plant ``fault`` in a copy of ``frame`` (canonical columns of ``source``).

    Returns the corrupted frame (fresh 0..n-1 index) and the sorted 0-based positions of the
    rows changed. Raises ``FaultError`` for an unknown fault, one that does not apply to the
    source, or a frame too small to carry it.
    """
    if fault not in FAULTS:
        raise FaultError(f"未知的故障“{fault}”，可选：{'、'.join(FAULTS)}")
    if source not in FAULT_SOURCES[fault]:
        raise FaultError(f"故障“{fault}”不适用于数据源“{source}”")
    out = frame.reset_index(drop=True).copy()
    n = len(out)
    if n < 2:
        raise FaultError("数据行数太少，无法注入故障")
    rng = rng_for(seed, "fault", fault, source)
    everything = np.arange(n)

    if fault == "duplicate_id":
        if source == L:
            # Same unit, another month: the (region, month) key repeats.
            j = _pick(rng, everything, 1)[0]
            same_unit = np.flatnonzero(
                (out["region_code"] == out.at[j, "region_code"]).to_numpy()
                & (out["stat_month"] != out.at[j, "stat_month"]).to_numpy()
            )
            if len(same_unit) == 0:
                raise FaultError("数据行数太少，无法注入故障")
            i = int(rng.choice(same_unit))
            _set(out, "stat_month", [j], out.at[i, "stat_month"])
            return out, [j]
        column = _ID_COLUMN[source]
        i, j = (int(x) for x in rng.choice(n, size=2, replace=False))
        _set(out, column, [j], out.at[i, column])
        return out, [j]

    if fault == "missing_month":
        j = _pick(rng, everything, 1)[0]
        return out.drop(index=j).reset_index(drop=True), [j]

    rows = _pick(rng, everything, 3)
    if fault == "unknown_region":
        _set(out, "region_code", rows, UNKNOWN_REGION)
    elif fault == "unknown_department":
        _set(
            out, _DEPT_COLUMN[source], rows, [UNKNOWN_DEPARTMENTS[k % 2] for k in range(len(rows))]
        )
    elif fault == "end_before_start":
        start, end = _START_END[source]
        gap = timedelta(hours=2) if source == A else timedelta(days=1)
        _set(out, start, rows, [_shift(out.at[r, end], gap) for r in rows])
    elif fault == "absurd_duration":
        start, end = _START_END[source]
        # Prefer the cases where it is most striking: construction permits, low voltage.
        if source == A:
            preferred = np.flatnonzero((out["category"] == "工程建设项目审批").to_numpy())
        else:
            preferred = np.flatnonzero((out["customer_class"] == "低压").to_numpy())
        rows = _pick(rng, preferred if len(preferred) else everything, 3)
        _set(out, start, rows, [_shift(out.at[r, end], -timedelta(days=3 * 365 + 1)) for r in rows])
    elif fault == "out_of_quarter":
        column = _QUARTER_COLUMN[source]
        if source == L:
            values = [
                Quarter.parse(_month_quarter(out.at[r, column])).next().months[0] for r in rows
            ]
        else:
            values = [_next_quarter_time(out.at[r, column]) for r in rows]
        _set(out, column, rows, values)
    elif fault == "empty_required":
        column = _REQUIRED_COLUMN[source]
        _set(out, column, rows, np.nan if out[column].dtype.kind == "f" else None)
    elif fault == "bad_enum":
        column, value = _ENUM[source]
        _set(out, column, rows, value)
    elif fault == "bad_type":
        column, value = _BAD_TYPE[source]
        _set(out, column, rows, value)
    elif fault == "bad_credit_code":
        values = []
        for r in rows:
            code = str(out.at[r, "credit_code"])
            wrong = CHARSET[(CHARSET.index(code[17]) + 1 + int(rng.integers(0, 29))) % 31]
            values.append(code[:17] + wrong)
        _set(out, "credit_code", rows, values)
    elif fault == "promised_over_statutory":
        _set(
            out,
            "promised_limit_days",
            rows,
            [int(out.at[r, "statutory_limit_days"]) + 5 for r in rows],
        )
    elif fault == "application_time_mismatch":
        # 免申即享 payouts (no application) with a 申报时间 filled in.
        automatic = np.flatnonzero((out["payout_mode"] == "免申即享").to_numpy())
        rows = _pick(rng, automatic if len(automatic) else everything, 3)
        _set(
            out,
            "applied_at",
            rows,
            [_shift(str(out.at[r, "approved_at"]), -timedelta(days=5)) for r in rows],
        )
    elif fault == "rate_out_of_range":
        _set(out, "inclusive_sme_rate_pct", rows, 35.6)
    elif fault == "negative_value":
        column = _NEGATIVE[source]
        if out[column].dtype.kind == "f":
            _set(out, column, rows, [-abs(float(out.at[r, column])) - 500.0 for r in rows])
        else:
            _set(out, column, rows, [-abs(int(out.at[r, column])) - 1 for r in rows])
    elif fault == "part_over_total":
        _set(
            out,
            "manufacturing_loans_100m",
            rows,
            [round(float(out.at[r, "total_loans_100m"]) * 1.2, 2) for r in rows],
        )
    else:  # pragma: no cover - FAULTS and this dispatch are kept in step
        raise FaultError(f"未实现的故障“{fault}”")
    return out, rows


def _month_quarter(month: str) -> str:
    return f"{month[:4]}Q{(int(month[5:7]) - 1) // 3 + 1}"
