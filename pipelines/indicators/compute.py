"""Running the leaves' SQL files: one statement per leaf, bound parameters, set-based.

Each file (named by the leaf's ``sql`` field, e.g. ``indicators/e01_01_startup_days.sql``,
resolved against the project folder first, then against the package's ``sql/``) returns
``unit_code, value, n_cases`` for one period: a quarter, or (the annual evaluation's
recomputation) the four quarters of a year. The parameters a file may use are those of
:func:`period_parameters`; only those that occur in the file are bound
(DuckDB rejects unused named parameters).

Leaves read the shared layer: schema ``shared``, one view per warehouse source
(``sql/indicators/shared/<source>.sql``, created by :func:`ensure_shared_views`), which
carries durations in working days, so that a leaf is a filter and an aggregate; a few views
carry a source at another grain (``shared.inspected_firms``: firms, year to date).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.env import SQL_DIR
from pipelines.quarters import Quarter
from pipelines.scoring import Framework, Node
from pipelines.sqlfiles import sql

OUTPUT_COLUMNS = ["unit_code", "value", "n_cases"]
VALUE_COLUMNS = ["unit_code", "indicator", "value", "n_cases"]
SOURCE_COLUMNS = ["indicator", "sql_file", "source_table", "input_quarter"]

_PARAM_RE = re.compile(r"\$([a-z_][a-z0-9_]*)")
_TABLE_RE = re.compile(r"\bwarehouse\.([a-z_][a-z0-9_]*)")
_VIEW_RE = re.compile(r"\bshared\.([a-z_][a-z0-9_]*)")
SHARED_DIR = "indicators/shared"
_SHARED_SCHEMA = "create_schema_shared"
_COMMENT_RE = re.compile(r"--[^\n]*")


class IndicatorSqlError(ValueError):
    """A leaf's SQL file is missing, fails, or returns the wrong columns (Chinese message)."""


# Leaf settings a file may use, with their defaults; a leaf's ``sql_parameters`` overrides
# them. same_day_workdays: what a case of 0 working days (受理 and 办结 the same day) counts
# for in a mean duration (0 = the legal count, a lower bound; 0.5 = half a day).
LEAF_PARAMETER_DEFAULTS: dict[str, float] = {"same_day_workdays": 0.0}


def quarter_parameters(quarter: Quarter) -> dict[str, str]:
    """The quarter parameters an indicator SQL file may use (``year_start_quarter``: Q1 of
    the quarter's year, for year-to-date figures); with ``first_quarter`` (the quarter
    itself), see :func:`period_parameters`."""
    return {
        "quarter": str(quarter),
        "previous_quarter": str(quarter.previous()),
        "year_ago_quarter": str(quarter.same_quarter_last_year()),
        "year_start_quarter": f"{quarter.year}Q1",
    }


def period_parameters(first: Quarter, last: Quarter) -> dict[str, str]:
    """The parameters an indicator SQL file may use, for the period of the quarters
    ``first`` to ``last``: one quarter (``first == last``, every quarterly run) or a year
    (``first`` = Q1, ``last`` = Q4: the annual evaluation's recomputation from the year's
    cases). Flow leaves read the period's rows (``quarter between $first_quarter and
    $quarter``); stock leaves (balances) read the period's end (``$quarter``);
    ``previous_quarter`` is the quarter before the period (growth on the previous period);
    ``year_ago_quarter`` the period's end a year before; ``year_start_quarter`` Q1 of the
    period end's year (year-to-date figures)."""
    if first > last:
        raise IndicatorSqlError(f"计算期间有误：{first} 在 {last} 之后")
    return {
        "first_quarter": str(first),
        **quarter_parameters(last),
        "previous_quarter": str(first.previous()),
    }


def leaf_sql_name(node: Node) -> str:
    """``indicators/e01_01_startup_days.sql`` → ``indicators/e01_01_startup_days`` (the name
    :func:`pipelines.sqlfiles.sql` reads)."""
    if not node.sql:
        raise IndicatorSqlError(f"指标 {node.code}（{node.name}）未设置 sql 字段，无法计算")
    name = node.sql.strip()
    return name[: -len(".sql")] if name.endswith(".sql") else name


def leaf_sql_text(node: Node) -> str:
    name = leaf_sql_name(node)
    path = Path(name + ".sql")
    if path.is_absolute():
        if not path.is_file():
            raise IndicatorSqlError(f"指标 {node.code} 的 SQL 文件不存在：{path}")
        return path.read_text(encoding="utf-8")
    from pipelines.project import current_project

    project = current_project()
    own = project.root / (name + ".sql")
    if own.is_file():
        return own.read_text(encoding="utf-8")
    try:
        return sql(name)
    except FileNotFoundError as exc:
        raise IndicatorSqlError(
            f"指标 {node.code} 的 SQL 文件不存在：项目目录 {own} 与 bizenv 指标库 "
            f"{SQL_DIR / (name + '.sql')} 中都没有"
        ) from exc


def _code(text: str) -> str:
    return _COMMENT_RE.sub("", text)


def used_parameters(text: str) -> list[str]:
    return list(dict.fromkeys(_PARAM_RE.findall(_code(text))))


def leaf_parameters(node: Node) -> dict[str, float]:
    """The leaf's SQL settings: the defaults, overridden by its ``sql_parameters``."""
    unknown = [k for k, _ in node.sql_parameters if k not in LEAF_PARAMETER_DEFAULTS]
    if unknown:
        raise IndicatorSqlError(
            f"指标 {node.code} 的 sql_parameters 含未知设置 {'、'.join(unknown)}；"
            f"可用设置：{'、'.join(LEAF_PARAMETER_DEFAULTS)}"
        )
    return {**LEAF_PARAMETER_DEFAULTS, **dict(node.sql_parameters)}


def bind(
    text: str,
    quarter: Quarter,
    parameters: Mapping[str, float] | None = None,
    *,
    first: Quarter | None = None,
) -> dict[str, str | float]:
    """The values of the parameters ``text`` uses: the period's (``first`` to ``quarter``;
    default: the quarter alone), the framework's and the leaf's settings."""
    period = period_parameters(first or quarter, quarter)
    available: dict[str, str | float] = {**(parameters or {}), **period}
    params = used_parameters(text)
    unknown = [p for p in params if p not in available]
    if unknown:
        raise IndicatorSqlError(
            f"SQL 使用了未知参数 {'、'.join('$' + p for p in unknown)}；"
            f"可用参数：{'、'.join('$' + p for p in available)}"
        )
    return {p: available[p] for p in params}


def shared_view_names(sources: Iterable[str] | None = None) -> list[str]:
    """The shared layer's views over ``sources`` (default: the enabled sources): each
    ``sql/indicators/shared/<view>.sql`` whose warehouse tables are all of those sources. A
    source's own view is named after it (``shared.approval_cases``); a view over a source's
    rows at another grain has its own name (``shared.inspected_firms``). A view over a source
    the project does not enable is not created. The ``create_*`` files make the schema and
    the macros."""
    from pipelines.contracts import enabled_sources

    wanted = set(enabled_sources() if sources is None else sources)
    return [
        view
        for view in _shared_view_files()
        if (tables := shared_view_tables(view)) and set(tables) <= wanted
    ]


def _shared_view_files() -> list[str]:
    folder = SQL_DIR / SHARED_DIR
    return sorted(p.stem for p in folder.glob("*.sql") if not p.stem.startswith("create_"))


def shared_view_tables(view: str) -> list[str] | None:
    """The warehouse tables the shared view ``shared.<view>`` reads; None when the shared
    layer has no such view."""
    if view not in _shared_view_files():
        return None
    return list(dict.fromkeys(_TABLE_RE.findall(_code(sql(f"{SHARED_DIR}/{view}")))))


def ensure_shared_views(
    con: duckdb.DuckDBPyConnection, sources: Iterable[str] | None = None
) -> None:
    """(Re)create schema ``shared``, the leaves' macros and the views of ``sources`` (default:
    the enabled ones). The views read the warehouse tables and table ``work_calendar``, so call
    after both exist (``prepare_calendar`` does)."""
    con.execute(sql(f"{SHARED_DIR}/{_SHARED_SCHEMA}"))
    for macro in sorted((SQL_DIR / SHARED_DIR).glob("create_macro_*.sql")):
        con.execute(sql(f"{SHARED_DIR}/{macro.stem}"))
    for view in shared_view_names(sources):
        con.execute(sql(f"{SHARED_DIR}/{view}"))


def source_tables(text: str) -> list[str]:
    """Warehouse tables a statement reads: ``warehouse.<t>`` named in it, and those named in
    each shared view ``shared.<v>`` it reads (in order of first mention)."""
    code = _code(text)
    tables: list[str] = []
    for match in re.finditer(f"{_TABLE_RE.pattern}|{_VIEW_RE.pattern}", code):
        table, view = match.groups()
        if table:
            tables.append(table)
        else:
            tables.extend(shared_view_tables(view) or ())
    return list(dict.fromkeys(tables))


def run_indicator(
    con: duckdb.DuckDBPyConnection,
    node: Node,
    quarter: Quarter,
    parameters: Mapping[str, float] | None = None,
    *,
    first: Quarter | None = None,
) -> pd.DataFrame:
    """The leaf's values for one quarter (or the period ``first`` to ``quarter``): columns
    ``unit_code, value, n_cases``. ``parameters``: the framework's named numbers
    (``Framework.parameters``); the leaf's own settings (``sql_parameters``) are added."""
    text = leaf_sql_text(node)
    settings = {**(parameters or {}), **leaf_parameters(node)}
    try:
        frame = con.execute(text, bind(text, quarter, settings, first=first)).df()
    except duckdb.Error as exc:
        raise IndicatorSqlError(f"指标 {node.code}（{node.sql}）计算失败：{exc}") from exc
    if list(frame.columns) != OUTPUT_COLUMNS:
        raise IndicatorSqlError(
            f"指标 {node.code}（{node.sql}）应返回列 {', '.join(OUTPUT_COLUMNS)}，"
            f"实际为 {', '.join(map(str, frame.columns))}"
        )
    if frame["unit_code"].isna().any():
        frame = frame[frame["unit_code"].notna()]
    if frame["unit_code"].duplicated().any():
        dup = frame.loc[frame["unit_code"].duplicated(), "unit_code"].iloc[0]
        raise IndicatorSqlError(f"指标 {node.code}（{node.sql}）对单位 {dup} 返回了多行")
    return frame.sort_values("unit_code").reset_index(drop=True)


def compute_indicator_values(
    con: duckdb.DuckDBPyConnection,
    framework: Framework,
    quarter: Quarter,
    *,
    first: Quarter | None = None,
) -> pd.DataFrame:
    """Every leaf's values for one quarter (or the period ``first`` to ``quarter``):
    ``unit_code, indicator, value, n_cases``.

    Duration indicators join table ``work_calendar``: call
    :func:`pipelines.indicators.store.prepare_calendar` first.
    """
    parts = []
    for leaf in framework.leaves():
        frame = run_indicator(con, leaf, quarter, framework.parameters, first=first)
        frame.insert(1, "indicator", leaf.code)
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["value"] = out["value"].astype("float64")
    out["n_cases"] = out["n_cases"].astype("int64")
    return out[VALUE_COLUMNS]


def indicator_sources(framework: Framework, quarter: Quarter) -> pd.DataFrame:
    """Which warehouse partitions each leaf reads: ``indicator, sql_file, source_table,
    input_quarter`` (tables named ``warehouse.<table>`` in the file or in the shared views
    ``shared.<view>`` it reads, × the quarter parameters it binds)."""
    available = quarter_parameters(quarter)
    rows = []
    for leaf in framework.leaves():
        text = _code(leaf_sql_text(leaf))
        tables = source_tables(text)
        quarters = [available[p] for p in used_parameters(text) if p in available]
        if "year_start_quarter" in used_parameters(text):  # year to date: every quarter
            quarters += [f"{quarter.year}Q{q}" for q in range(1, quarter.q + 1)]
        for table in tables:
            for input_quarter in dict.fromkeys(quarters):
                rows.append((leaf.code, leaf.sql or "", table, input_quarter))
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)
