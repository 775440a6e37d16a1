"""Human-readable rules per column, derived from the suite and check files (template's
填报说明 sheet and ``docs/contracts.md`` are generated from here, so they cannot drift)."""

from __future__ import annotations

import re
from typing import Any

from pipelines.contracts import Contract, contract, enabled_sources
from pipelines.registry import Registry, default_registry
from pipelines.validation.checks import load_checks
from pipelines.validation.coerce import TYPE_LABELS
from pipelines.validation.gx_suites import load_suite_json
from pipelines.validation.model import rule_label

_CONDITION_COLUMNS = {"utility_type": "报装类型"}
_PARAM_TEXT = {
    "region_codes": "须在区划名录中",
    "department_names": "须在部门名录中（全称或登记的简称）",
    "quarter_months": "须为本季度的月份",
}


def _num(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return f"{v:,}" if isinstance(v, int) and abs(v) >= 10_000 else str(v)


def _when(kwargs: dict[str, Any]) -> str:
    cond = kwargs.get("row_condition")
    if not cond:
        return ""
    match = re.fullmatch(r"\s*(\w+)\s*(==|!=|in)\s*(.+?)\s*", str(cond))
    if not match:
        return f"{cond} 时"
    column, op, rhs = match.groups()
    values = "或".join(re.findall(r'"([^"]*)"', rhs))
    name = _CONDITION_COLUMNS.get(column, column)
    return f"{name}{'不为' if op == '!=' else '为'}{values}时"


def describe(expectation: dict[str, Any], c: Contract) -> tuple[str, str]:
    """(canonical column the rule is about, Chinese description)."""
    t, kw, meta = expectation["type"], expectation["kwargs"], expectation.get("meta", {})
    header = {col.column: col.header for col in c.columns}
    column = meta.get("report_column") or kw.get("column") or kw.get("column_A") or ""
    when = _when(kw)
    if t == "expect_column_values_to_not_be_null":
        text = f"{when}必填"
    elif t == "expect_column_values_to_be_null":
        text = f"{when}须为空"
    elif t in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        cols = kw.get("column_list") or [kw["column"]]
        text = "不得重复" if len(cols) == 1 else "、".join(header[x] for x in cols) + "组合不得重复"
    elif t == "expect_column_values_to_be_in_set":
        vs = kw["value_set"]
        if isinstance(vs, dict):
            text = _PARAM_TEXT.get(vs["$PARAMETER"], f"须在 {vs['$PARAMETER']} 中")
        elif all(isinstance(v, bool) for v in vs):
            text = "填“是”或“否”"
        else:
            text = f"{when}可选值：" + "、".join(str(v) for v in vs)
    elif t == "expect_column_values_to_be_between":
        lo, hi = kw.get("min_value"), kw.get("max_value")
        if isinstance(lo, dict) or isinstance(hi, dict):
            text = "须在本季度内"
        else:
            lo_op = ">" if kw.get("strict_min") else "≥"
            hi_op = "<" if kw.get("strict_max") else "≤"
            text = f"{lo_op} {_num(lo)} 且 {hi_op} {_num(hi)}"
    elif t == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = kw["column_A"], kw["column_B"]
        op = "≥" if kw.get("or_equal") else ">"
        text = f"{header[a]} {op} {header[b]}"
        if column == b:
            text = f"≤ {header[a]}" if kw.get("or_equal") else f"< {header[a]}"
        else:
            text = f"{op} {header[b]}"
    else:
        text = t
    return column, f"{text}〔{meta.get('rule', '')}〕"


def describe_check(spec: dict[str, Any], c: Contract) -> tuple[str | None, str]:
    header = {col.column: col.header for col in c.columns}
    rule = spec.get("rule", spec["check"])
    if spec["check"] == "credit_code":
        return spec["column"], f"GB 32100-2015 校验码正确〔{rule}〕"
    if spec["check"] == "duration_max_days":
        limits = "，".join(f"{k} {v} 天" for k, v in spec["max_days"].items())
        return spec["end"], (
            f"{header[spec['end']]} − {header[spec['start']]} 不超过按"
            f"{header[spec['by']]}的上限（自然日：{limits}）〔{rule}〕"
        )
    if spec["check"] == "months_complete":
        return spec["month"], f"每个{header[spec['unit']]}须有本季度三个月各一行〔{rule}〕"
    if spec["check"] == "volume":
        return None, (
            f"行数须在上一已接收季度行数的 1/倍数 至 倍数 之间"
            f"（倍数见项目的 bizenv.yaml volume_check.factor）〔{rule}〕"
        )
    return None, f"{spec['check']}〔{rule}〕"


def column_rules(source: str) -> dict[str, list[str]]:
    """Canonical column -> descriptions of the rules about it (key "" = whole file)."""
    c = contract(source)
    out: dict[str, list[str]] = {col.column: [] for col in c.columns}
    out[""] = []
    for e in load_suite_json(source)["expectations"]:
        column, text = describe(e, c)
        if (
            e["type"] == "expect_column_values_to_not_be_null"
            and "row_condition" not in e["kwargs"]
        ):
            continue  # shown in the 是否必填 column
        out.setdefault(column, []).append(text)
    for spec in load_checks(source):
        column, text = describe_check(spec, c)
        out.setdefault(column or "", []).append(text)
    return out


def enumerations(source: str, registry: Registry | None = None) -> dict[str, list[str]]:
    """Canonical column -> allowed values (union over row conditions), for drop-down lists."""
    registry = registry or default_registry()
    c = contract(source)
    params = {
        "region_codes": list(registry.region_codes),
        "department_names": [d.name for d in registry.departments],
    }
    out: dict[str, list[str]] = {}
    for e in load_suite_json(source)["expectations"]:
        if e["type"] != "expect_column_values_to_be_in_set":
            continue
        vs = e["kwargs"]["value_set"]
        if isinstance(vs, dict):
            values = params.get(vs["$PARAMETER"])
            if values is None:
                continue
        elif all(isinstance(v, bool) for v in vs):
            values = ["是", "否"]
        else:
            values = [str(v) for v in vs]
        current = out.setdefault(e["kwargs"]["column"], [])
        current.extend(v for v in values if v not in current)
    for col in c.columns:
        if col.type == "yes_no":
            out[col.column] = ["是", "否"]
    return out


def render_contracts_md() -> str:
    """``docs/contracts.md``: every source's columns, types and rules (generated)."""
    lines = [
        "# Data contracts / 数据规范",
        "",
        "<!-- Generated by `uv run python -m pipelines.validation.rules_doc > docs/contracts.md`"
        " from the source declarations expectations/<source>/ (contract, suite, checks);"
        " tests/test_validation_docs.py fails when it is out of date. -->",
        "",
        "Each departmental file must have exactly these headers (surrounding spaces and"
        " full-width/half-width differences are ignored). Rule ids in 〔〕 are the `rule` of a"
        " validation error. 每个报送文件须且只须包含下列表头（忽略首尾空格和全角/半角差异）；"
        "〔〕内为校验错误的规则编号。",
        "",
        "Types / 类型: " + "; ".join(f"`{k}` {v}" for k, v in TYPE_LABELS.items()) + ".",
        "",
        "File-level and structural rules (all sources) / 文件级规则（所有数据源）: "
        + "; ".join(
            f"`{r}` {rule_label(r)}"
            for r in (
                "encoding",
                "file_format",
                "empty_file",
                "header_only",
                "multiple_sheets",
                "title_row",
                "csv_quote",
                "truncated_row",
                "file_limit",
                "field_size",
                "missing_column",
                "unknown_column",
                "duplicate_column",
                "type",
            )
        )
        + ".",
        "",
    ]
    for source in enabled_sources():
        c = contract(source)
        suite_meta = load_suite_json(source).get("meta", {})
        rules = column_rules(source)
        lines += [
            f"## {c.title} (`{source}`)",
            "",
            f"{c.description} "
            f"Quarter column / 归属季度列: `{c.quarter_column}`. "
            f"Declaration: `expectations/{source}/` (`contract.yaml`, `suite.json`, "
            "`checks.yaml`); submitters are set by each project's `sources.yaml`.",
            "",
            "| 表头 Header | 列 Column | 类型 Type | 必填 Required | 规则 Rules |",
            "|---|---|---|---|---|",
        ]
        for col in c.columns:
            text = "；".join(rules.get(col.column, [])) or "—"
            lines.append(
                f"| {col.header} | `{col.column}` | {TYPE_LABELS[col.type]} | "
                f"{'是' if col.required else '否'} | {col.description}。{text} |"
            )
        if rules.get(""):
            lines += ["", "Whole file / 整个文件: " + "；".join(rules[""])]
        bounds = [
            f"- `{e['kwargs'].get('column')}`: {e['meta']['bounds']}"
            for e in load_suite_json(source)["expectations"]
            if "bounds" in e.get("meta", {})
        ]
        if bounds:
            lines += ["", "Plausible bounds / 合理范围:", "", *bounds]
        if suite_meta.get("parameters"):
            lines += [
                "",
                "Suite parameters / 运行时参数: "
                + ", ".join(f"`{p}`" for p in suite_meta["parameters"]),
            ]
        lines.append("")
    return "\n".join(lines)


def _main() -> None:
    print(render_contracts_md(), end="")


if __name__ == "__main__":
    _main()
