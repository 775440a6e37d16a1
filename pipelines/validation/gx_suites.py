"""Great Expectations suites (``suite.json`` of each source's declaration folder) run on a
typed frame.

Great Expectations is imported lazily and once per process (the import costs seconds). One
ephemeral context with a pandas datasource and a whole-dataframe batch definition serves every
validation. Each expectation carries ``meta.rule`` (a stable rule id) and ``meta.message`` (a
Chinese message template); failing rows come from ``unexpected_index_list`` (result format
COMPLETE) and the frame's index is the Excel row number.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import warnings
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

import pipelines.env  # noqa: F401  (sets GX_ANALYTICS_ENABLED=False before GE is imported)
from pipelines.quarters import Quarter
from pipelines.registry import Registry

# Row-level expectations run in chunks of this many rows; uniqueness always on the whole frame.
CHUNK_ROWS = 200_000
_GLOBAL_TYPES = frozenset(
    {
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
        "expect_select_column_values_to_be_unique_within_record",
    }
)
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Failure:
    """Rows failing one expectation."""

    type: str
    kwargs: dict[str, Any]
    meta: dict[str, Any]
    rows: list[int]


class SuiteError(RuntimeError):
    """An expectation raised instead of evaluating (a bug in a suite, not in the data)."""


def suite_path(source: str) -> Path:
    from pipelines.contracts import contract

    return contract(source).suite_path


def load_suite_json(source: str) -> dict[str, Any]:
    """The suite of ``source`` in the project in force, with the project's rule overrides
    (``sources.yaml`` ``rules: {<rule>: {<kwarg>: <value>}}``) merged into the kwargs of the
    expectations carrying that ``meta.rule``."""
    from pipelines.contracts import contract

    c = contract(source)
    return _load_suite(c.suite_path, json.dumps(c.rules, sort_keys=True, default=str))


@cache
def _load_suite(path: Path, overrides: str) -> dict[str, Any]:
    suite = json.loads(path.read_text(encoding="utf-8"))
    rules = json.loads(overrides)
    for expectation in suite.get("expectations", ()):
        rule = (expectation.get("meta") or {}).get("rule")
        if rule in rules:
            expectation["kwargs"] = {**expectation.get("kwargs", {}), **rules[rule]}
    return suite


def suite_parameters(quarter: Quarter | None, registry: Registry) -> dict[str, Any]:
    """Run-dependent values referenced by ``{"$PARAMETER": ...}`` in the suites."""
    params: dict[str, Any] = {
        "region_codes": sorted(registry.region_codes),
        "department_names": sorted({d.name for d in registry.departments}),
    }
    if quarter is not None:
        start = datetime.combine(quarter.start, time())
        end = datetime.combine(quarter.end, time()) + timedelta(days=1) - timedelta(microseconds=1)
        params.update(
            quarter_start=pd.Timestamp(start),
            quarter_end=pd.Timestamp(end),
            quarter_months=quarter.months,
        )
    return params


@cache
def _gx() -> tuple[Any, Any]:
    """(great_expectations module, whole-dataframe batch definition), created once."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    for name in ("great_expectations", "great_expectations.core", "tqdm"):
        logging.getLogger(name).setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    asset = context.data_sources.add_pandas("bizenv").add_dataframe_asset("submission")
    return gx, asset.add_batch_definition_whole_dataframe("whole_dataframe")


def _suite(gx: Any, source: str, expectations: list[dict[str, Any]]) -> Any:
    # Built once per source and set of expectations: a file's batches share one suite (GE
    # builds the expectation objects, a fixed cost per call, from the JSON).
    return _cached_suite(gx, source, json.dumps(expectations, sort_keys=True, ensure_ascii=False))


@cache
def _cached_suite(gx: Any, source: str, expectations_json: str) -> Any:
    raw = copy.deepcopy(load_suite_json(source))
    raw["expectations"] = json.loads(expectations_json)
    return gx.ExpectationSuite(**raw)


def _native(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with numpy dtypes GE evaluates vectorised: nullable integers as float64 (NaN
    for empty; values are below 2**53) and timestamps as datetime64[ns]. GE's pandas
    ``column_values_between`` falls back to a Python call per cell for any other dtype."""
    out = {}
    for name, col in frame.items():
        if isinstance(col.dtype, pd.Int64Dtype):
            out[name] = pd.Series(
                col.to_numpy(dtype="float64", na_value=float("nan")), index=frame.index
            )
        elif pd.api.types.is_datetime64_dtype(col.dtype) and str(col.dtype) != "datetime64[ns]":
            try:
                out[name] = col.astype("datetime64[ns]")
            except pd.errors.OutOfBoundsDatetime:
                # A year outside 1677-2262 (a typo such as 0202): evaluated as it is, slower.
                out[name] = col
        else:
            out[name] = col
    return pd.DataFrame(out, index=frame.index)


def _validate(
    source: str, frame: pd.DataFrame, expectations: list[dict[str, Any]], params: dict[str, Any]
) -> list[Failure]:
    if not expectations or frame.empty:
        return []
    frame = _native(frame)
    gx, batch_definition = _gx()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        suite = _suite(gx, source, expectations)
    with _LOCK, warnings.catch_warnings():
        # String row conditions with the pandas parser are deprecated in GX 1.9+ (still
        # supported in 1.x); the suites keep them as JSON-serialisable conditions.
        warnings.simplefilter("ignore", DeprecationWarning)
        batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(
            suite, expectation_parameters=params, result_format={"result_format": "COMPLETE"}
        )
    failures: list[Failure] = []
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        info = r.exception_info or {}
        if info.get("raised_exception"):
            raise SuiteError(
                f"{source}: {config.type} {config.kwargs} raised: {info.get('exception_message')}"
            )
        rows = [int(i) for i in (r.result.get("unexpected_index_list") or [])]
        failures.append(
            Failure(
                type=config.type,
                kwargs=dict(config.kwargs),
                meta=dict(config.meta or {}),
                rows=rows,
            )
        )
    return failures


def split_suite(
    source: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(whole-file expectations, row-level expectations) usable with ``params``."""
    expectations = list(load_suite_json(source)["expectations"])
    needed = {p for p, v in params.items() if v is not None}
    usable = [e for e in expectations if _parameters_of(e) <= needed]
    whole = [e for e in usable if e["type"] in _GLOBAL_TYPES]
    row_level = [e for e in usable if e["type"] not in _GLOBAL_TYPES]
    return whole, row_level


def columns_of(expectation: dict[str, Any]) -> set[str]:
    """Columns an expectation reads (and reports on)."""
    kwargs = expectation.get("kwargs", {})
    found = {kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)}
    found.update(kwargs.get("column_list") or [])
    report = (expectation.get("meta") or {}).get("report_column")
    if report:
        found.add(report)
    return found


def validate_expectations(
    source: str, frame: pd.DataFrame, expectations: list[dict[str, Any]], params: dict[str, Any]
) -> list[Failure]:
    """Failures of ``expectations`` on ``frame`` (index = Excel row number), one GE run."""
    return _validate(source, frame, expectations, params)


def run_suite(
    source: str, frame: pd.DataFrame, params: dict[str, Any], *, chunk_rows: int = CHUNK_ROWS
) -> list[Failure]:
    """Validate ``frame`` (index = Excel row number) against the source's suite."""
    whole, row_level = split_suite(source, params)
    if len(frame) <= chunk_rows:
        return _validate(source, frame, whole + row_level, params)
    failures = _validate(source, frame, whole, params)
    merged: dict[str, Failure] = {}
    for start in range(0, len(frame), chunk_rows):
        chunk = frame.iloc[start : start + chunk_rows]
        for f in _validate(source, chunk, row_level, params):
            key = _key(f.type, f.kwargs, f.meta)
            if key in merged:
                merged[key].rows.extend(f.rows)
            else:
                merged[key] = f
    return failures + list(merged.values())


def _key(type_: str, kwargs: dict[str, Any], meta: dict[str, Any]) -> str:
    """Identity of an expectation across chunks."""
    return json.dumps(
        [
            type_,
            kwargs.get("column"),
            kwargs.get("column_A"),
            kwargs.get("column_B"),
            kwargs.get("row_condition"),
            meta,
        ],
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )


def _parameters_of(expectation: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if "$PARAMETER" in value:
                found.add(str(value["$PARAMETER"]))
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(expectation.get("kwargs", {}))
    return found
