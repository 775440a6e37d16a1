"""Contract-level checks that Great Expectations cannot express.

Declared per source in its declaration folder's ``checks.yaml`` (``check:`` names a function of
``CHECKS`` below; the other keys are its arguments) and run on the typed frame. All checks are
vectorised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import yaml

from pipelines.quarters import Quarter
from pipelines.registry import Registry
from pipelines.validation.model import ValidationError

# GB 32100-2015 (unified social credit code).
CREDIT_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = np.array([1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28])
CREDIT_AUTHORITIES = "123456789ANY"


@dataclass
class CheckContext:
    """What a check sees: the typed frame (RangeIndex, ``source_row``) and the raw strings."""

    source: str
    frame: pd.DataFrame
    raw: pd.DataFrame
    headers: dict[str, str]
    quarter: Quarter | None
    registry: Registry
    previous_rows: int | None = None
    volume_factor: float | None = None
    skip_columns: set[str] = field(default_factory=set)
    # Rows of the whole file when ``frame`` holds only a summary of it (batch validation).
    total_rows: int | None = None
    # An open connection to the warehouse, for checks that compare a file with what the
    # warehouse holds (the 整改进展台账 against scores.rectification_tasks); None when
    # validating without a warehouse.
    warehouse: duckdb.DuckDBPyConnection | None = None

    def cell_errors(
        self, positions: np.ndarray, column: str, rule: str, message: Callable[[int, str], str]
    ) -> list[ValidationError]:
        """Errors for rows at ``positions``; ``message(position, raw_value)``."""
        if not len(positions):
            return []  # (turning a string column into Python objects costs per row)
        rows = self.frame["source_row"].to_numpy()
        raw = self.raw[column].to_numpy()
        header = self.headers[column]
        return [
            ValidationError(
                row=int(rows[i]),
                column=header,
                value=str(raw[i]),
                rule=rule,
                message=message(int(i), str(raw[i])),
            )
            for i in positions
        ]


Check = Callable[[CheckContext, dict[str, Any]], list[ValidationError]]
CHECKS: dict[str, Check] = {}
# Checks that need the whole file (run once, on a summary of it, after the batches); every
# other check looks at one row at a time and runs batch by batch.
WHOLE_FILE_CHECKS: set[str] = set()


def register(name: str, *, whole_file: bool = False) -> Callable[[Check], Check]:
    def wrap(fn: Check) -> Check:
        CHECKS[name] = fn
        if whole_file:
            WHOLE_FILE_CHECKS.add(name)
        return fn

    return wrap


def load_checks(source: str) -> tuple[dict[str, Any], ...]:
    """The checks of ``source`` in the project in force, with the project's rule overrides
    (``sources.yaml`` ``rules: {<rule>: {<parameter>: <value>}}``) applied."""
    from pipelines.contracts import contract

    c = contract(source)
    return _load_checks(c.checks_path, _overrides_key(c.rules))


def _overrides_key(rules: dict[str, dict[str, Any]]) -> str:
    import json

    return json.dumps(rules, sort_keys=True, ensure_ascii=False, default=str)


@cache
def _load_checks(path: Path, overrides: str) -> tuple[dict[str, Any], ...]:
    import json

    raw = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None) or {}
    rules = json.loads(overrides)
    specs = tuple({**spec, **rules.get(spec.get("rule"), {})} for spec in raw.get("checks", ()))
    for spec in specs:
        if spec.get("check") not in CHECKS:
            raise KeyError(f"{path}: unknown check {spec.get('check')!r}")
    return specs


def default_volume_factor() -> float:
    from pipelines.project import current_project

    return current_project().settings.volume_factor


def run_checks(ctx: CheckContext, *, kind: str = "all") -> list[ValidationError]:
    """``kind``: "all", "row" (row-level checks) or "whole" (the WHOLE_FILE_CHECKS)."""
    errors: list[ValidationError] = []
    for spec in load_checks(ctx.source):
        row_level = spec["check"] not in WHOLE_FILE_CHECKS
        if kind == "all" or (kind == "row") == row_level:
            errors.extend(CHECKS[spec["check"]](ctx, spec))
    return errors


def whole_check_columns(source: str) -> set[str]:
    """Columns the whole-file checks read (kept, as distinct values, across batches)."""
    cols: set[str] = set()
    for spec in load_checks(source):
        if spec["check"] == "months_complete":
            cols.update((spec["unit"], spec["month"]))
    return cols


# --- credit code -------------------------------------------------------------------------


def valid_credit_codes(codes: pd.Series) -> np.ndarray:
    """Vectorised GB 32100-2015 check: length 18, charset, registration authority, region
    digits and check digit. Null -> True (emptiness is the suite's business)."""
    values = codes.fillna("").to_numpy(dtype=str)
    result = np.ones(len(values), dtype=bool)
    present = values != ""
    ok = present & (np.char.str_len(values.astype(str)) == 18)
    idx = np.flatnonzero(ok)
    result[present & ~ok] = False
    if not len(idx):
        return result
    chars = np.asarray(values[idx], dtype="U18").view(np.uint32).reshape(len(idx), 18)
    lookup = np.full(0x10000, -1, dtype=np.int64)
    for i, ch in enumerate(CREDIT_CHARSET):
        lookup[ord(ch)] = i
    in_range = (chars < 0x10000).all(axis=1)
    vals = np.where(chars < 0x10000, lookup[np.minimum(chars, 0xFFFF)], -1)
    charset_ok = in_range & (vals >= 0).all(axis=1)
    authority_ok = np.isin(chars[:, 0], [ord(c) for c in CREDIT_AUTHORITIES])
    region_ok = ((chars[:, 2:8] >= ord("0")) & (chars[:, 2:8] <= ord("9"))).all(axis=1)
    check = (31 - (np.where(vals[:, :17] < 0, 0, vals[:, :17]) @ CREDIT_WEIGHTS) % 31) % 31
    digit_ok = vals[:, 17] == check
    result[idx] = charset_ok & authority_ok & region_ok & digit_ok
    return result


@register("credit_code")
def check_credit_code(ctx: CheckContext, spec: dict[str, Any]) -> list[ValidationError]:
    column = spec["column"]
    if column in ctx.skip_columns:
        return []
    bad = np.flatnonzero(~valid_credit_codes(ctx.frame[column]))
    header = ctx.headers[column]
    return ctx.cell_errors(
        bad,
        column,
        spec["rule"],
        lambda _i, value: spec["message"].format(header=header, value=value),
    )


# --- durations ---------------------------------------------------------------------------


@register("duration_max_days")
def check_duration_max_days(ctx: CheckContext, spec: dict[str, Any]) -> list[ValidationError]:
    start, end, by = spec["start"], spec["end"], spec["by"]
    if {start, end} & ctx.skip_columns:
        return []
    days = (ctx.frame[end] - ctx.frame[start]).dt.total_seconds() / 86400
    # The limit of each row's group: the few distinct groups are looked up, not every row.
    groups = ctx.frame[by]
    codes, uniques = pd.factorize(groups)
    by_group = np.array(
        [float(spec["max_days"].get(g, spec["default_max_days"])) for g in uniques] + [np.nan]
    )
    limit_values = np.where(codes >= 0, by_group[codes], float(spec["default_max_days"]))
    day_values = days.to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        bad = np.flatnonzero(day_values > limit_values)
    if not len(bad):
        return []
    group_values = groups.to_numpy()
    header, header_start = ctx.headers[end], ctx.headers[start]

    def message(i: int, _value: str) -> str:
        return spec["message"].format(
            days=f"{day_values[i]:.0f}",
            group=group_values[i],
            max_days=f"{limit_values[i]:.0f}",
            header=header,
            header_start=header_start,
        )

    return ctx.cell_errors(bad, end, spec["rule"], message)


# --- months of a quarter -----------------------------------------------------------------


@register("months_complete", whole_file=True)
def check_months_complete(ctx: CheckContext, spec: dict[str, Any]) -> list[ValidationError]:
    unit_col, month_col = spec["unit"], spec["month"]
    if ctx.quarter is None or {unit_col, month_col} & ctx.skip_columns:
        return []
    months = ctx.quarter.months
    present = ctx.frame[[unit_col, month_col]].dropna().drop_duplicates()
    present = present[present[month_col].isin(months)]
    units = ctx.frame[unit_col].dropna().unique()
    full = pd.MultiIndex.from_product([sorted(units), months], names=[unit_col, month_col])
    have = pd.MultiIndex.from_frame(present)
    missing = full.difference(have)
    if not len(missing):
        return []
    by_unit: dict[str, list[str]] = {}
    for unit, month in missing:
        by_unit.setdefault(str(unit), []).append(str(month))
    header = ctx.headers[month_col]
    return [
        ValidationError(
            row=None,
            column=header,
            value=None,
            rule=spec["rule"],
            message=spec["message"].format(
                unit=unit, missing="、".join(ms), months="、".join(months)
            ),
        )
        for unit, ms in sorted(by_unit.items())
    ]


# --- volume against the previous accepted quarter ----------------------------------------


@register("volume", whole_file=True)
def check_volume(ctx: CheckContext, spec: dict[str, Any]) -> list[ValidationError]:
    previous = ctx.previous_rows
    if previous is None or previous <= 0:
        return []
    factor = ctx.volume_factor if ctx.volume_factor is not None else default_volume_factor()
    rows = ctx.total_rows if ctx.total_rows is not None else len(ctx.frame)
    low, high = previous / factor, previous * factor
    if low <= rows <= high:
        return []
    direction = "过少" if rows < low else "过多"
    return [
        ValidationError(
            row=None,
            column=None,
            value=str(rows),
            rule=spec.get("rule", "volume"),
            message=f"数据行数{direction}：本次{rows}行，上一个已接收季度为{previous}行，"
            f"超出合理范围（{low:.0f}–{high:.0f}行，倍数{factor:g}）；"
            "请确认文件是否导出完整",
        )
    ]


# --- order of a row's timestamps -------------------------------------------------------


@register("timestamps_ordered")
def check_timestamps_ordered(ctx: CheckContext, spec: dict[str, Any]) -> list[ValidationError]:
    """Each of ``columns`` (timestamps, in process order) at or after the latest earlier
    non-empty one of the same row. One error per offending cell, reported at that cell and
    naming the earlier column it precedes; empty cells are skipped (the suite's business)."""
    columns = [c for c in spec["columns"] if c not in ctx.skip_columns]
    errors: list[ValidationError] = []
    if len(columns) < 2:
        return errors
    values = ctx.frame[columns].apply(lambda s: s.astype("datetime64[us]"))
    # Latest earlier non-empty timestamp and the column it came from, column by column.
    latest = values[columns[0]].copy()
    latest_col = pd.Series(columns[0], index=values.index, dtype=object).where(latest.notna())
    for column in columns[1:]:
        current = values[column]
        bad_mask = (current < latest).fillna(False).to_numpy(dtype=bool)
        bad = np.flatnonzero(bad_mask)
        if len(bad):
            before_cols = latest_col.to_numpy()
            raw_before = {c: ctx.raw[c].to_numpy() for c in set(before_cols[bad])}
            header = ctx.headers[column]

            def message(
                i: int,
                value: str,
                before_cols: np.ndarray = before_cols,
                raw_before: dict[str, np.ndarray] = raw_before,
                header: str = header,
            ) -> str:
                before = str(before_cols[i])
                return spec["message"].format(
                    header=header,
                    value=value,
                    header_before=ctx.headers[before],
                    value_before=str(raw_before[before][i]).strip(),
                )

            errors.extend(ctx.cell_errors(bad, column, spec["rule"], message))
        later = current.notna() & ~(current < latest).fillna(False)
        latest = current.where(later, latest)
        latest_col = latest_col.where(~later, column)
    return errors


# --- a cell empty exactly when another column has a value ----------------------------


@register("blank_exactly_when")
def check_blank_exactly_when(ctx: CheckContext, spec: dict[str, Any]) -> list[ValidationError]:
    """``column`` must be empty exactly in the rows where ``when_column`` equals
    ``when_value`` (e.g. 申报时间 empty exactly for 免申即享). Rows with an empty
    ``when_column`` are left to the suite's required rule."""
    column, when_column, when_value = spec["column"], spec["when_column"], spec["when_value"]
    if {column, when_column} & ctx.skip_columns:
        return []
    blank = (ctx.raw[column].fillna("").str.strip() == "").to_numpy(dtype=bool)
    when = ctx.frame[when_column]
    known = when.notna().to_numpy(dtype=bool)
    matches = (when == when_value).fillna(False).to_numpy(dtype=bool)
    filled_bad = np.flatnonzero(known & matches & ~blank)
    blank_bad = np.flatnonzero(known & ~matches & blank)
    header, when_header = ctx.headers[column], ctx.headers[when_column]
    when_values = when.to_numpy()
    errors = ctx.cell_errors(
        filled_bad,
        column,
        spec["rule"],
        lambda _i, value: spec["message_filled"].format(
            header=header, value=value, when_header=when_header, when_value=when_value
        ),
    )
    errors += ctx.cell_errors(
        blank_bad,
        column,
        spec["rule"],
        lambda i, value: spec["message_blank"].format(
            header=header,
            value=value,
            when_header=when_header,
            when_value=when_value,
            when_value_actual=when_values[i],
        ),
    )
    return errors


# --- 整改进展台账 (rectification_progress): rows against the tasks in the warehouse ---------


def _ledger_tasks(ctx: CheckContext, rule: str) -> pd.DataFrame | list[ValidationError]:
    """All tasks in the warehouse, or the file-level error saying why they cannot be read."""
    from pipelines.rectification.store import all_tasks, table_exists

    if ctx.warehouse is None or ctx.quarter is None:
        why = "未连接数据仓库" if ctx.warehouse is None else "无法确定台账所属季度"
        return [
            ValidationError(
                row=None,
                column=None,
                value=None,
                rule="ledger_unverifiable",
                message=f"无法核对整改任务（{why}）；请在工作目录的数据仓库上校验整改进展台账",
            )
        ]
    if not table_exists(ctx.warehouse, "scores", "rectification_tasks"):
        return pd.DataFrame(columns=["task_id", "opened_quarter", "lead_department"])
    return all_tasks(ctx.warehouse)


@register("ledger_tasks")
def check_ledger_tasks(ctx: CheckContext, spec: dict[str, Any]) -> list[ValidationError]:
    """Every task id exists, is open in the ledger's quarter and belongs to the row's
    牵头单位 (the department column)."""
    from pipelines.rectification.config import CLOSED
    from pipelines.rectification.store import open_tasks

    task_col, dept_col = spec["task"], spec["department"]
    if {task_col, dept_col} & ctx.skip_columns:
        return []
    tasks = _ledger_tasks(ctx, spec["rule"])
    if isinstance(tasks, list):
        return tasks
    assert ctx.warehouse is not None and ctx.quarter is not None
    opened = open_tasks(ctx.warehouse, ctx.quarter)
    owner = dict(zip(opened["task_id"], opened["lead_department"], strict=True))
    known = dict(zip(tasks["task_id"], tasks["opened_quarter"], strict=True))
    rules, messages = spec["rules"], spec["messages"]
    ids = ctx.frame[task_col].to_numpy(dtype=object)
    departments = ctx.frame[dept_col].to_numpy(dtype=object)
    quarter = ctx.quarter
    errors: list[ValidationError] = []

    def at(positions: list[int], kind: str, fields: Callable[[int], dict[str, str]]) -> None:
        errors.extend(
            ctx.cell_errors(
                np.asarray(positions, dtype=np.int64),
                task_col if kind != "department" else dept_col,
                rules[kind],
                lambda i, value: messages[kind].format(value=ids[i], **fields(i)),
            )
        )

    present = [i for i, t in enumerate(ids) if isinstance(t, str) and t]
    unknown = [i for i in present if ids[i] not in known]
    closed = [i for i in present if ids[i] in known and ids[i] not in owner]
    foreign = [
        i
        for i in present
        if ids[i] in owner and isinstance(departments[i], str) and departments[i] != owner[ids[i]]
    ]
    at(unknown, "unknown", lambda _i: {})
    at(
        closed,
        "closed",
        lambda i: {
            "quarter": quarter.label_zh,
            "state": f"{known[ids[i]]}立项，尚未下达"
            if known[ids[i]] >= str(quarter)
            else f"已{CLOSED}",
        },
    )
    at(
        foreign,
        "department",
        lambda i: {"owner": owner[ids[i]], "department": str(departments[i])},
    )
    return errors


@register("ledger_locked_columns")
def check_ledger_locked_columns(ctx: CheckContext, spec: dict[str, Any]) -> list[ValidationError]:
    """The pre-filled (locked) columns equal the task's values as exported (scores to 2
    decimals)."""
    from pipelines.rectification.ledger import locked_values

    task_col = spec["task"]
    if task_col in ctx.skip_columns:
        return []
    tasks = _ledger_tasks(ctx, spec["rule"])
    if isinstance(tasks, list):
        return []  # reported once by ledger_tasks
    expected = locked_values(tasks).set_index("task_id")
    ids = ctx.frame[task_col]
    known = ids.isin(expected.index).to_numpy()
    errors: list[ValidationError] = []
    for column in spec["columns"]:
        if column in ctx.skip_columns:
            continue
        want = ids.map(expected[column]).to_numpy(dtype=object)
        got = ctx.frame[column].to_numpy(dtype=object)
        differs = np.array(
            [k and not _same_locked(g, w) for k, g, w in zip(known, got, want, strict=True)],
            dtype=bool,
        )
        header = ctx.headers[column]
        errors.extend(
            ctx.cell_errors(
                np.flatnonzero(differs),
                column,
                spec["rule"],
                lambda i, value, header=header, want=want: spec["message"].format(
                    header=header, expected=_locked_text(want[i]), value=value
                ),
            )
        )
    return errors


def _same_locked(got: object, want: object) -> bool:
    if want is None or (isinstance(want, float) and np.isnan(want)):
        return got is None or (isinstance(got, float) and np.isnan(got)) or got is pd.NA
    if got is None or got is pd.NA or (isinstance(got, float) and np.isnan(got)):
        return False
    if isinstance(want, float):
        return abs(float(got) - want) < 0.005  # type: ignore[arg-type]
    if isinstance(want, int):
        return int(got) == want  # type: ignore[call-overload]
    return str(got).strip() == str(want).strip()


def _locked_text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


@register("done_needs_date")
def check_done_needs_date(ctx: CheckContext, spec: dict[str, Any]) -> list[ValidationError]:
    """完成日期 is given exactly when the status is 已完成."""
    status_col, date_col = spec["status"], spec["date"]
    if {status_col, date_col} & ctx.skip_columns:
        return []
    status = ctx.frame[status_col]
    has_date = ctx.frame[date_col].notna()
    done = status.eq(spec["done"]).fillna(False).astype(bool)
    header = ctx.headers[date_col]
    missing = np.flatnonzero((done & ~has_date).to_numpy())
    extra = np.flatnonzero((~done & status.notna() & has_date).to_numpy())
    statuses = status.to_numpy(dtype=object)
    return [
        *ctx.cell_errors(
            missing,
            date_col,
            spec["rule"],
            lambda _i, _v: spec["message_missing"].format(header=header),
        ),
        *ctx.cell_errors(
            extra,
            date_col,
            spec["rule"],
            lambda i, value: spec["message_extra"].format(
                header=header, status=statuses[i], value=value
            ),
        ),
    ]
