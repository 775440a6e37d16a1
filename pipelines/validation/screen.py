"""A conservative SQL screen that proves a batch clean, so that clean batches skip the
pandas typing and the Great Expectations run.

The screen is one DuckDB statement generated from the source's contract and the row-level
expectations of its suite. It reads the batch's raw strings and returns, per row, the typed
values and ``screen_ok``: true only when

- every cell is in a canonical form whose typed value is certain to equal the one
  ``coerce.coerce_frame`` gives (no surrounding whitespace, ``YYYY-MM-DD HH:MM:SS``
  timestamps, plain integers and decimals, six-digit codes, ``YYYY-MM`` months, 是/否), and
- every row-level expectation holds on the typed values, evaluated the strict way (a row the
  screen is unsure of counts as failing).

When every row of a batch passes, its typed frame is used as it is: the exact path would have
found no type error and no failing expectation on it, and would have produced the same frame
(``tests/test_validation_screen.py`` pins both on generated and mutated batches). When any row
fails the screen, the batch goes through the exact path (``coerce_frame`` + Great
Expectations), which alone writes rejection messages. So the screen never decides a message;
a wrong "unsure" costs time, never a missed error.

A suite with an expectation the screen cannot express (another type, ``mostly``, a row
condition outside ``col == "x"`` / ``col != "x"`` / ``col in [...]``) has no screen: every
batch of that source takes the exact path.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipelines.contracts import Contract, ContractColumn
from pipelines.registry import Registry

# The characters ``str.strip()`` removes, taken from Python itself: a cell starting or ending
# with one is not in canonical form (the exact path strips it; the screen does not).
_WHITESPACE = "".join(ch for ch in map(chr, range(0x110000)) if ch.isspace())

# Canonical forms per contract type (anything else goes to the exact path). Years 1900-2099
# keep timestamps inside pandas' nanosecond range.
_DATETIME_FORMS = (
    (
        r"^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2} ([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
        "%Y-%m-%d %H:%M:%S",
    ),
    (r"^(19|20)[0-9]{2}-[0-9]{2}-[0-9]{2}$", "%Y-%m-%d"),
)
_INTEGER = r"^-?[0-9]{1,15}$"
_DECIMAL = r"^-?[0-9]{1,15}(\.[0-9]{1,15})?$"
_REGION_CODE = r"^[0-9]{6}$"
_MONTH = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

_SUPPORTED = frozenset(
    {
        "expect_column_values_to_not_be_null",
        "expect_column_values_to_be_null",
        "expect_column_values_to_be_in_set",
        "expect_column_values_to_be_between",
        "expect_column_pair_values_a_to_be_greater_than_b",
    }
)
_KNOWN_KWARGS = frozenset(
    {
        "column",
        "column_A",
        "column_B",
        "value_set",
        "min_value",
        "max_value",
        "strict_min",
        "strict_max",
        "or_equal",
        "ignore_row_if",
        "row_condition",
        "condition_parser",
    }
)
_CONDITION = re.compile(
    r'^\s*(?P<column>[A-Za-z_][A-Za-z0-9_]*)\s*(?:(?P<op>==|!=)\s*"(?P<value>[^"\\]*)"'
    r'|in\s*\[(?P<values>\s*"[^"\\]*"\s*(?:,\s*"[^"\\]*"\s*)*)\])\s*$'
)

RELATION = "screened_batch"

# Types whose typed value is the canonical cell itself (empty = NULL): not read back from SQL.
_PASSTHROUGH = frozenset({"string", "text", "region_code", "month"})
_NULL_TEXT = pa.scalar(None, type=pa.string())


class Unscreenable(ValueError):
    """The suite or contract has something the screen cannot express."""


@dataclass(frozen=True)
class Screen:
    """The generated statement (over the registered relation ``screened_batch``: the raw
    string columns plus ``source_row``) and its bound parameters."""

    source: str
    sql: str
    parameters: dict[str, Any]
    columns: tuple[ContractColumn, ...]
    free_text: tuple[int, ...]  # positions of the columns whose SQL form check is "true"

    def verdicts(
        self, con: duckdb.DuckDBPyConnection, raw: pd.DataFrame, rows: Any
    ) -> tuple[pa.Table, pa.ChunkedArray]:
        """(typed values in row order, per row: does it pass the screen)."""
        # Raw cells as r0, r1, ... so that no typed alias shadows a raw column.
        arrays = [pa.array(raw[c.column], type=pa.string()) for c in self.columns]
        arrays.append(pa.array(rows, type=pa.int64()))
        names = [f"r{i}" for i in range(len(self.columns))] + ["source_row"]
        con.register(RELATION, pa.Table.from_arrays(arrays, names=names))
        try:
            result = con.sql(self.sql, params=self.parameters).to_arrow_table()
        finally:
            con.unregister(RELATION)
        # DuckDB's parallel scan may reorder rows; the batch's row numbers are increasing.
        order = result.column("source_row")
        if len(order) > 1 and not pc.all(pc.greater(order[1:], order[:-1])).as_py():
            result = result.take(pc.sort_indices(order))
        ok = pc.fill_null(result.column("screen_ok"), False)
        # The other columns' canonical forms admit no whitespace and no NULL (a short row).
        for i in self.free_text:
            ok = pc.and_(ok, _canonical_text(arrays[i]))
        # Text columns are typed as they are read (empty = NULL) without a round trip through
        # DuckDB: converting strings in and out costs more than the whole screen.
        typed = [result.column("source_row")]
        for i, col in enumerate(self.columns):
            if col.type in _PASSTHROUGH:
                typed.append(pc.if_else(pc.equal(arrays[i], ""), _NULL_TEXT, arrays[i]))
            else:
                typed.append(result.column(col.column))
        names = ["source_row", *(col.column for col in self.columns)]
        return pa.Table.from_arrays(typed, names=names), ok

    def run(
        self, con: duckdb.DuckDBPyConnection, raw: pd.DataFrame, rows: Any
    ) -> pd.DataFrame | None:
        """The typed frame of the batch when every row passes, else None."""
        typed, ok = self.verdicts(con, raw, rows)
        if not pc.all(ok).as_py():
            return None
        return typed_frame(typed, self.columns)


def _canonical_text(cells: pa.Array) -> pa.Array:
    """Per cell: not NULL (a short row) and without surrounding whitespace."""
    trimmed = pc.utf8_trim(cells, characters=_WHITESPACE)
    return pc.fill_null(pc.equal(trimmed, cells), False)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(pattern: str) -> str:
    """A pattern or format of this module (code, not data) as a SQL literal: DuckDB compiles a
    constant regular expression once per statement, a bound one once per row."""
    return "'" + pattern.replace("'", "''") + "'"


class _Params:
    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def bind(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def _typed_expression(
    col: ContractColumn, cell: str, p: _Params, registry: Registry
) -> tuple[str, str]:
    """(typed value, "cell is canonical") expressions for one column over ``cell`` (the raw
    string, '' or NULL for an empty cell)."""
    empty = f"{cell} = ''"
    kind = col.type
    if kind in ("string", "text"):
        return f"nullif({cell}, '')", "true"
    if kind == "department":
        names = sorted(registry.department_names)
        canonical = [registry.canonical_department(n) for n in names]
        position = f"list_position({p.bind(names)}, {cell})"
        return (
            f"case when {empty} then null "
            f"else coalesce(list_extract({p.bind(canonical)}, {position}), {cell}) end",
            "true",
        )
    if kind == "region_code":
        pattern = _literal(_REGION_CODE)
        return f"nullif({cell}, '')", f"({empty} or regexp_full_match({cell}, {pattern}))"
    if kind == "month":
        pattern = _literal(_MONTH)
        return f"nullif({cell}, '')", f"({empty} or regexp_full_match({cell}, {pattern}))"
    if kind == "integer":
        pattern = _literal(_INTEGER)
        ok = f"regexp_full_match({cell}, {pattern})"
        return f"case when {ok} then cast({cell} as bigint) end", f"({empty} or {ok})"
    if kind == "decimal":
        pattern = _literal(_DECIMAL)
        ok = f"regexp_full_match({cell}, {pattern})"
        # "+ 0.0": negative zero typed as zero, as coerce._decimal does.
        return f"case when {ok} then cast({cell} as double) + 0.0 end", f"({empty} or {ok})"
    if kind == "yes_no":
        return (
            f"case {cell} when '是' then true when '否' then false end",
            f"({empty} or {cell} in ('是', '否'))",
        )
    if kind == "datetime":
        parts = []
        for pattern, fmt in _DATETIME_FORMS:
            parts.append(
                f"when regexp_full_match({cell}, {_literal(pattern)}) "
                f"then try_strptime({cell}, {_literal(fmt)})"
            )
        value = f"case {' '.join(parts)} end"
        return value, f"({empty} or {value} is not null)"
    raise Unscreenable(f"column type {kind}")


def _value(value: Any, params: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        if set(value) != {"$PARAMETER"}:
            raise Unscreenable(f"value {value}")
        value = params.get(value["$PARAMETER"])
        if value is None:
            raise Unscreenable("unbound parameter")
    return value


def _sql_value(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _condition(kwargs: dict[str, Any], columns: dict[str, ContractColumn], p: _Params) -> str:
    """The row condition as SQL: NULL (unknown) counts as applying, the strict way."""
    text = kwargs.get("row_condition")
    if not text:
        return "true"
    if kwargs.get("condition_parser") not in (None, "pandas"):
        raise Unscreenable(f"condition parser {kwargs.get('condition_parser')}")
    m = _CONDITION.match(str(text))
    text_column = m is not None and m["column"] in columns
    if not text_column or columns[m["column"]].type not in ("string", "text"):
        raise Unscreenable(f"row condition {text}")
    column = _quote(m["column"])
    if m["op"] == "==":
        return f"coalesce({column} = {p.bind(m['value'])}, true)"
    if m["op"] == "!=":
        return f"coalesce({column} != {p.bind(m['value'])}, true)"
    values = json.loads("[" + m["values"] + "]")
    return f"coalesce(list_contains({p.bind(values)}, {column}), true)"


def _predicate(
    expectation: dict[str, Any],
    columns: dict[str, ContractColumn],
    params: dict[str, Any],
    p: _Params,
) -> str:
    """SQL that is true only for rows the expectation certainly accepts."""
    kind = expectation["type"]
    kwargs = expectation.get("kwargs") or {}
    if kind not in _SUPPORTED or set(kwargs) - _KNOWN_KWARGS:
        raise Unscreenable(f"{kind} {sorted(kwargs)}")
    for name in ("column", "column_A", "column_B"):
        if name in kwargs and kwargs[name] not in columns:
            raise Unscreenable(f"unknown column {kwargs[name]}")
    applies = _condition(kwargs, columns, p)
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = _quote(kwargs["column_A"]), _quote(kwargs["column_B"])
        op = ">=" if kwargs.get("or_equal") else ">"
        compared = f"({a} is not null and {b} is not null and {a} {op} {b})"
        if kwargs.get("ignore_row_if") == "either_value_is_missing":
            holds = f"({a} is null or {b} is null or {a} {op} {b})"
        elif kwargs.get("ignore_row_if", "both_values_are_missing") == "both_values_are_missing":
            holds = f"(({a} is null and {b} is null) or {compared})"
        else:
            holds = compared
        return f"(not {applies} or {holds})"
    column = _quote(kwargs["column"])
    if kind == "expect_column_values_to_not_be_null":
        holds = f"{column} is not null"
    elif kind == "expect_column_values_to_be_null":
        holds = f"{column} is null"
    elif kind == "expect_column_values_to_be_in_set":
        values = _value(kwargs["value_set"], params)
        if not isinstance(values, list | tuple | set | frozenset) or not values:
            raise Unscreenable("value set")
        values = list(values)
        typ = columns[kwargs["column"]].type
        if typ == "yes_no":
            if any(not isinstance(v, bool) for v in values):
                raise Unscreenable("value set of a yes/no column")
        elif any(not isinstance(v, str) for v in values) or typ not in (
            "string",
            "text",
            "region_code",
            "department",
            "month",
        ):
            raise Unscreenable("value set")
        holds = f"({column} is null or list_contains({p.bind(values)}, {column}))"
    else:  # between
        typ = columns[kwargs["column"]].type
        bounds = []
        for key, strict, op in (("min_value", "strict_min", ">"), ("max_value", "strict_max", "<")):
            if kwargs.get(key) is None:
                continue
            bound = _sql_value(_value(kwargs[key], params))
            if typ == "datetime":
                if not isinstance(bound, datetime | date):
                    raise Unscreenable("datetime bound")
                bound_sql = f"cast({p.bind(bound)} as timestamp)"
            elif typ in ("integer", "decimal"):
                if isinstance(bound, bool) or not isinstance(bound, int | float):
                    raise Unscreenable("numeric bound")
                bound_sql = f"cast({p.bind(float(bound))} as double)"
            else:
                raise Unscreenable(f"between on {typ}")
            bounds.append(f"{column} {op if kwargs.get(strict) else op + '='} {bound_sql}")
        if not bounds:
            raise Unscreenable("between without bounds")
        holds = f"({column} is null or ({' and '.join(bounds)}))"
    return f"(not {applies} or {holds})"


def compile_screen(
    c: Contract,
    row_level: list[dict[str, Any]],
    params: dict[str, Any],
    registry: Registry,
) -> Screen:
    """The screen of ``c`` for these row-level expectations. Raises Unscreenable."""
    p = _Params()
    columns = {col.column: col for col in c.columns}
    typed, checks, free_text = [], [], []
    for i, col in enumerate(c.columns):
        cell = f"r{i}"
        value, canonical = _typed_expression(col, cell, p, registry)
        typed.append(f"{value} as {_quote(col.column)}")
        if canonical != "true":
            checks.append(canonical)
        else:
            free_text.append(i)
    predicates = [_predicate(e, columns, params, p) for e in row_level]
    sql = (
        "-- generated by pipelines/validation/screen.py\n"
        "with batch as (\n"
        f"    select * from {RELATION}\n"
        "),\n\n"
        "typed as (\n"
        "    select\n"
        "        source_row,\n"
        + ",\n".join(f"        {t}" for t in typed)
        + ",\n        "
        + "\n        and ".join(checks or ["true"])
        + " as cells_ok\n"
        "    from batch\n"
        "),\n\n"
        "final as (\n"
        "    select\n"
        "        source_row,\n"
        + "".join(
            f"        {_quote(col.column)},\n" for col in c.columns if col.type not in _PASSTHROUGH
        )
        + "        cells_ok and "
        + "\n        and ".join(predicates or ["true"])
        + " as screen_ok\n"
        "    from typed\n"
        ")\n\n"
        "select * from final\n"
    )
    return Screen(
        source=c.source,
        sql=sql,
        parameters=p.values,
        columns=tuple(c.columns),
        free_text=tuple(free_text),
    )


def try_compile_screen(
    c: Contract,
    row_level: list[dict[str, Any]],
    params: dict[str, Any],
    registry: Registry,
) -> Screen | None:
    try:
        return compile_screen(c, row_level, params, registry)
    except Unscreenable:
        return None


# The dtypes ``coerce_frame`` gives each contract type.
_DTYPES: dict[str, Any] = {
    "string": "str",
    "text": "str",
    "region_code": "str",
    "department": "str",
    "month": "str",
    "datetime": "datetime64[us]",
    "integer": "Int64",
    "decimal": "Float64",
    "yes_no": "boolean",
}


def typed_frame(table: pa.Table, columns: tuple[ContractColumn, ...]) -> pd.DataFrame:
    """An Arrow table of typed values as the frame ``coerce_frame`` would build."""
    out: dict[str, pd.Series] = {
        "source_row": pd.Series(table.column("source_row").to_numpy(), dtype="int64")
    }
    for col in columns:
        values = table.column(col.column)
        if col.type == "datetime":
            series = pd.Series(values.cast(pa.timestamp("us")).to_pandas(), dtype="datetime64[us]")
        elif _DTYPES[col.type] == "str":
            series = pd.Series(values.to_pandas(), dtype="str")
        elif col.type == "yes_no":
            # Straight into pandas' masked boolean: through ArrowDtype it costs 100x more.
            series = values.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get)
        else:
            series = values.to_pandas(types_mapper=pd.ArrowDtype).astype(_DTYPES[col.type])
        out[col.column] = series.reset_index(drop=True)
    return pd.DataFrame(out)
