"""``bizenv config check``: every file of a city project validated before anything runs.

Each file is checked against a JSON Schema shipped with bizenv (``pipelines/schemas/``; the
framework keeps its own ``pipelines/scoring/framework.schema.json``), then across files:

- YAML syntax (with the line), duplicate keys, unknown keys, types and value shapes;
- region codes 6 digits and unique (the city's code too), unit names unique; department
  codes unique, names and aliases unique across all departments;
- every framework ``lead``/``support`` and every ``sources.yaml`` submitter is a known
  department (name or alias);
- every enabled source's declaration exists and is valid (``contract.yaml``, ``checks.yaml``,
  ``suite.json``), its rule overrides name rules of the source;
- every leaf's ``sql:`` file exists, reads only enabled sources, and binds (``EXPLAIN``) on an
  empty in-memory DuckDB whose warehouse tables are generated from the declared contracts, so a
  misspelt column fails here and not mid-run;
- the framework loader's own checks (:class:`pipelines.scoring.framework.FrameworkError`).

Every problem is a :class:`ConfigIssue` (file, line, node path, Chinese message).
"""

from __future__ import annotations

import contextlib
import difflib
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pipelines.env import PACKAGE_ROOT, SQL_DIR
from pipelines.project import PROJECT_FILES, ProjectError

SCHEMAS_DIR = Path(__file__).resolve().parent / "schemas"
# libyaml's parser when installed (same nodes and marks, several times faster).
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
PathPart = str | int

# Arguments of a contract-level check (checks.yaml) that name a column of the contract.
CHECK_COLUMN_ARGUMENTS = ("column", "start", "end", "by", "unit", "month")
# Keys of an expectation's kwargs that name columns.
SUITE_COLUMN_KWARGS = ("column", "column_A", "column_B")
# Run-time values a suite may reference as {"$PARAMETER": name}
# (pipelines.validation.gx_suites.suite_parameters).
SUITE_PARAMETERS = (
    "region_codes",
    "department_names",
    "quarter_start",
    "quarter_end",
    "quarter_months",
)
QUARTER_COLUMN_TYPES = ("datetime", "month")
# Great Expectations kwargs a project may add to any expectation through a rule override.
GE_KWARGS = ("mostly",)

_TYPE_ZH = {
    "object": "键值映射",
    "array": "列表",
    "string": "字符串",
    "integer": "整数",
    "number": "数字",
    "boolean": "true 或 false",
    "null": "空值",
}
_YAML_PROBLEMS = (
    (
        "mapping values are not allowed",
        "此处不能出现“键: 值”（常见原因：缩进不对，或值中含冒号须加引号）",
    ),
    ("could not find expected ':'", "缺少冒号“:”"),
    ("did not find expected key", "缩进不一致或缺少“-”"),
    ("did not find expected node content", "缺少取值"),
    ("found character '\\t'", "含有制表符（请用空格缩进）"),
    (
        "found character that cannot start any token",
        "含有无法识别的字符（常见原因：用制表符缩进，请改用空格）",
    ),
    ("found undefined alias", "引用了未定义的别名（*）"),
    ("while scanning a quoted scalar", "引号未闭合"),
    ("found unexpected end of stream", "文件意外结束（引号或括号未闭合）"),
    ("expected ',' or ']'", "方括号列表未闭合或缺少逗号"),
    ("expected ',' or '}'", "花括号映射未闭合或缺少逗号"),
    ("expected <block end>", "缩进不一致"),
    ("expected a single document", "一个文件只能有一个 YAML 文档（去掉多余的“---”）"),
)
_DUCKDB_LEAD_INS = (
    (
        "BinderException",
        "列名或表名无法解析（常见原因：列名拼错，或数据源声明 contract.yaml 中没有该列）",
    ),
    ("CatalogException", "引用的表、函数或宏不存在"),
    ("ParserException", "SQL 语法错误"),
    ("ConversionException", "取值类型不匹配"),
    ("InvalidInputException", "SQL 输入无效"),
)


# --- issues ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfigIssue:
    """One problem of a project: the file (relative to the project, or ``expectations/…`` /
    ``sql/…`` of bizenv's library), the 1-based line (None when the file has no usable line),
    the node path (``units[3].code``; list indexes count from 0) and the Chinese message."""

    file: str
    line: int | None
    node: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" 第 {self.line} 行"
        if self.node:
            where += f" {self.node}"
        return f"{where}：{self.message}"


def format_report(issues: Sequence[ConfigIssue]) -> str:
    lines = [f"项目配置有 {len(issues)} 处错误："]
    lines += [f"  {issue}" for issue in issues]
    lines.append("请逐条修改后运行 bizenv config check 复查。")
    return "\n".join(lines)


class ProjectConfigError(ProjectError):
    """A project whose configuration check found issues; ``str()`` is the Chinese report."""

    def __init__(self, issues: Sequence[ConfigIssue]) -> None:
        self.issues = tuple(issues)
        super().__init__(format_report(self.issues))

    def __str__(self) -> str:
        return format_report(self.issues)


def ensure_valid_project(root: Path) -> None:
    """Raise :class:`ProjectConfigError` unless :func:`check_project` finds nothing. Checked
    once per process and state of the project's files (runs, the code location)."""
    from pipelines.project import _stamp

    root = Path(root).resolve()
    issues = _checked(root, _stamp(root))
    if issues:
        raise ProjectConfigError(list(issues))


@cache
def _checked(root: Path, stamp: tuple[float, ...]) -> tuple[ConfigIssue, ...]:
    return tuple(check_project(root))


def node_path(path: Sequence[PathPart]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


# --- documents with lines ----------------------------------------------------------------


@dataclass
class Document:
    """A parsed YAML (or JSON) file and its node tree, to map data paths to lines."""

    file: str
    data: Any
    root: yaml.Node | None
    issues: list[ConfigIssue] = field(default_factory=list)  # the file could not be read
    findings: list[ConfigIssue] = field(default_factory=list)  # read, but e.g. duplicate keys
    lazy_text: str | None = None  # JSON: composed only when a line is asked for

    def locate(self, path: Sequence[PathPart]) -> tuple[yaml.Node | None, yaml.Node | None]:
        """(key node, value node) of the deepest node on ``path`` that exists."""
        if self.root is None and self.lazy_text is not None:
            with contextlib.suppress(yaml.YAMLError):  # JSON is YAML: its nodes have lines
                self.root = yaml.compose(self.lazy_text, Loader=_LOADER)
            self.lazy_text = None
        node, key = self.root, None
        for part in path:
            if isinstance(node, yaml.MappingNode):
                for k, v in node.value:
                    if isinstance(k, yaml.ScalarNode) and k.value == str(part):
                        key, node = k, v
                        break
                else:
                    break
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and 0 <= part < len(node.value)
            ):
                key, node = None, node.value[part]
            else:
                break
        return key, node

    def line(self, path: Sequence[PathPart], *, key: bool = False) -> int | None:
        key_node, node = self.locate(path)
        target = key_node if key and key_node is not None else node
        return target.start_mark.line + 1 if target is not None else None

    def issue(self, path: Sequence[PathPart], message: str, *, key: bool = False) -> ConfigIssue:
        return ConfigIssue(self.file, self.line(path, key=key), node_path(path), message)

    def get(self, path: Sequence[PathPart]) -> Any:
        cursor = self.data
        for part in path:
            in_dict = isinstance(cursor, dict) and part in cursor
            in_list = isinstance(cursor, list) and isinstance(part, int) and 0 <= part < len(cursor)
            if in_dict or in_list:
                cursor = cursor[part]
            else:
                return None
        return cursor


def _yaml_problem(exc: yaml.YAMLError) -> str:
    problem = str(getattr(exc, "problem", "") or "")
    context = str(getattr(exc, "context", "") or "")
    for needle, zh in _YAML_PROBLEMS:
        if needle in problem or needle in context:
            return zh
    return problem or str(exc).splitlines()[0]


def _compose(text: str, file: str) -> Document:
    loader = _LOADER(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        quoted = "quoted scalar" in str(exc.context or "")
        mark = (exc.context_mark if quoted else None) or exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return Document(
            file, None, None, [ConfigIssue(file, line, "", f"YAML 语法错误：{_yaml_problem(exc)}")]
        )
    except yaml.YAMLError as exc:
        return Document(file, None, None, [ConfigIssue(file, None, "", f"YAML 语法错误：{exc}")])
    finally:
        loader.dispose()
    doc = Document(file, data, root)
    doc.findings.extend(_duplicate_keys(doc, root, []))
    return doc


def _duplicate_keys(
    doc: Document, node: yaml.Node | None, path: list[PathPart]
) -> Iterator[ConfigIssue]:
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for k, v in node.value:
            name = str(k.value) if isinstance(k, yaml.ScalarNode) else ""
            if name in seen and name != "<<":
                yield ConfigIssue(
                    doc.file,
                    k.start_mark.line + 1,
                    node_path([*path, name]),
                    f"键“{name}”重复出现（第 {seen[name]} 行已有），后出现的会覆盖前一个",
                )
            seen.setdefault(name, k.start_mark.line + 1)
            yield from _duplicate_keys(doc, v, [*path, name])
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _duplicate_keys(doc, item, [*path, i])


def _read_text(path: Path, file: str) -> tuple[str | None, list[ConfigIssue]]:
    try:
        return path.read_text(encoding="utf-8-sig"), []
    except FileNotFoundError:
        return None, [ConfigIssue(file, None, "", "缺少该文件")]
    except IsADirectoryError:
        return None, [ConfigIssue(file, None, "", "应为文件，实际是文件夹")]
    except UnicodeDecodeError:
        return None, [ConfigIssue(file, None, "", "不是 UTF-8 编码的文本文件（请以 UTF-8 保存）")]


def load_yaml_document(path: Path, file: str) -> Document:
    text, issues = _read_text(path, file)
    if text is None:
        return Document(file, None, None, issues)
    return _compose(text, file)


def load_json_document(path: Path, file: str) -> Document:
    text, issues = _read_text(path, file)
    if text is None:
        return Document(file, None, None, issues)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Document(
            file, None, None, [ConfigIssue(file, exc.lineno, "", f"不是合法的 JSON：{exc.msg}")]
        )
    return Document(file, data, None, lazy_text=text)


# --- JSON Schema → Chinese ---------------------------------------------------------------


@cache
def load_schema(name: str) -> dict[str, Any]:
    if name == "framework":
        from pipelines.scoring.framework import framework_schema

        return framework_schema()
    return json.loads((SCHEMAS_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))


def _value(instance: Any) -> str:
    if isinstance(instance, (dict, list)):
        return _TYPE_ZH["object" if isinstance(instance, dict) else "array"]
    if instance is None:
        return "空值"
    if isinstance(instance, bool):
        return "true" if instance else "false"
    return f"“{instance}”"


def _actual_type(instance: Any) -> str:
    if isinstance(instance, bool):
        return "true/false"
    if isinstance(instance, int):
        return "整数"
    if isinstance(instance, float):
        return "数字"
    if isinstance(instance, str):
        return "字符串"
    return _value(instance)


def _leaf_errors(err: Any) -> list[Any]:
    from jsonschema.exceptions import best_match

    if err.validator in ("anyOf", "oneOf") and err.context:
        best = best_match(err.context)
        return _leaf_errors(best) if best is not None else [err]
    return [err]


def _framework_owner(doc: Document, path: Sequence[PathPart]) -> str:
    owner = ""
    for i, part in enumerate(path):
        if isinstance(part, int) and i > 0 and path[i - 1] in ("indicators", "children"):
            node = doc.get(path[: i + 1])
            if isinstance(node, dict) and node.get("code"):
                owner = f"指标 {node['code']}："
    return owner


def _translate(doc: Document, err: Any, schema_name: str) -> list[ConfigIssue]:
    path: list[PathPart] = list(err.absolute_path)
    schema = err.schema if isinstance(err.schema, dict) else {}
    custom = (schema.get("x-zh") or {}).get(err.validator)
    owner = _framework_owner(doc, path) if schema_name == "framework" else ""
    v, instance, expected = err.validator, err.instance, err.validator_value

    def one(message: str, at: Sequence[PathPart] = path, *, key: bool = False) -> list[ConfigIssue]:
        return [doc.issue(at, owner + message, key=key)]

    if v == "required":
        missing = [k for k in expected if isinstance(instance, dict) and k not in instance]
        return [
            ConfigIssue(doc.file, doc.line(path), node_path([*path, k]), owner + "缺少必填字段")
            for k in missing
        ]
    if v == "additionalProperties":
        allowed = list((schema.get("properties") or {}).keys())
        extra = [k for k in instance if k not in allowed] if isinstance(instance, dict) else []
        out = []
        for k in extra:
            close = difflib.get_close_matches(str(k), allowed, n=1)
            hint = f"，是否应为“{close[0]}”？" if close else ""
            known = f"（此处可用的字段：{'、'.join(allowed)}）" if allowed else ""
            out += one(f"未知字段“{k}”{hint}{known}", [*path, k], key=True)
        return out
    if "propertyNames" in err.schema_path:
        return one(f"键“{instance}”不合法：{custom or err.message}", [*path, instance], key=True)
    if v == "type":
        types = expected if isinstance(expected, list) else [expected]
        wanted = "或".join(_TYPE_ZH.get(t, t) for t in types if t != "null") or "空值"
        return one(custom or f"应为{wanted}（当前为{_actual_type(instance)}）")
    if v == "pattern":
        return one(f"{custom or f'格式不对（应符合 {expected}）'}（当前为{_value(instance)}）")
    if v == "enum":
        return one(f"取值应为以下之一：{'、'.join(map(str, expected))}（当前为{_value(instance)}）")
    if v == "const":
        return one(f"取值应为 {expected}（当前为{_value(instance)}）")
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        word = {
            "minimum": "不小于",
            "maximum": "不大于",
            "exclusiveMinimum": "大于",
            "exclusiveMaximum": "小于",
        }[v]
        return one(f"应{word} {expected}（当前为 {instance}）")
    if v == "minItems":
        return one(f"至少应有 {expected} 项（当前 {len(instance)} 项）")
    if v == "maxItems":
        return one(f"至多应有 {expected} 项（当前 {len(instance)} 项）")
    if v == "minProperties":
        return one(f"不能为空，至少应有 {expected} 项")
    if v == "minLength":
        return one("不能为空")
    if v == "uniqueItems":
        dup = next((x for i, x in enumerate(instance) if x in instance[:i]), None)
        return one(f"列表中有重复项{_value(dup)}")
    if v == "not" and schema_name == "framework":
        return one("有下级指标（children）的上级指标不能设置 normalize、direction 或 sql")
    if err.message.startswith("False schema"):
        return one("此处不允许该字段")
    return one(custom or f"不符合规范（{err.message}）")


def schema_issues(doc: Document, schema_name: str) -> list[ConfigIssue]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema(schema_name))
    errors = sorted(
        validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path]
    )
    out: list[ConfigIssue] = []
    for err in errors:
        for leaf in _leaf_errors(err):
            for issue in _translate(doc, leaf, schema_name):
                if issue not in out:
                    out.append(issue)
    return out


# --- cross checks ------------------------------------------------------------------------


def _items(doc: Document, key: str) -> list[tuple[int, dict[str, Any]]]:
    items = doc.get([key])
    if not isinstance(items, list):
        return []
    return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]


def _unique(
    doc: Document, entries: Sequence[tuple[Sequence[PathPart], Any]], what: str, rule: str
) -> list[ConfigIssue]:
    """An issue for each later occurrence of a value already seen in ``entries``."""
    seen: dict[str, Sequence[PathPart]] = {}
    out = []
    for path, value in entries:
        if not isinstance(value, (str, int)) or isinstance(value, bool):
            continue
        first = seen.get(str(value))
        if first is not None:
            line = doc.line(first)
            at = f"（第 {line} 行）" if line else ""
            out.append(
                doc.issue(path, f"{what}“{value}”重复，与 {node_path(first)}{at}相同；{rule}")
            )
        else:
            seen[str(value)] = path
    return out


def region_issues(doc: Document) -> list[ConfigIssue]:
    units = _items(doc, "units")
    codes: list[tuple[Sequence[PathPart], Any]] = []
    city = doc.get(["city"])
    if isinstance(city, dict) and "code" in city:
        codes.append((["city", "code"], city["code"]))
    codes += [(["units", i, "code"], u.get("code")) for i, u in units]
    out = _unique(doc, codes, "区划代码", "城市和各单位的区划代码必须各不相同")
    out += _unique(
        doc,
        [(["units", i, "name"], u.get("name")) for i, u in units],
        "单位名称",
        "单位名称必须唯一",
    )
    shown = [(["units", i, "short_name"], u["short_name"]) for i, u in units if u.get("short_name")]
    out += _unique(
        doc,
        shown
        + [(["units", i, "name"], u.get("name")) for i, u in units if not u.get("short_name")],
        "单位简称",
        "通报中显示的单位名称（short_name，未设置时为 name）必须唯一",
    )
    return out


def department_issues(doc: Document) -> tuple[list[ConfigIssue], dict[str, str]]:
    """Issues and the accepted spellings (name or alias → name)."""
    depts = _items(doc, "departments")
    out = _unique(
        doc,
        [(["departments", i, "code"], d.get("code")) for i, d in depts],
        "部门编码",
        "部门编码必须唯一",
    )
    spellings: list[tuple[Sequence[PathPart], Any]] = []
    known: dict[str, str] = {}
    for i, d in depts:
        name = d.get("name")
        spellings.append((["departments", i, "name"], name))
        aliases = d.get("aliases") if isinstance(d.get("aliases"), list) else []
        for j, alias in enumerate(aliases):
            if alias != name:
                spellings.append((["departments", i, "aliases", j], alias))
        if isinstance(name, str):
            known.setdefault(name, name)
            for alias in aliases:
                if isinstance(alias, str):
                    known.setdefault(alias, name)
    out += _unique(doc, spellings, "部门名称", "部门的名称和别名在全部部门中必须唯一")
    return out, known


def _unknown_department(
    doc: Document, path: Sequence[PathPart], name: Any, role: str, known: dict[str, str]
) -> list[ConfigIssue]:
    if not isinstance(name, str) or name in known:
        return []
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    hint = (
        f"，是否应为“{close[0]}”？"
        if close
        else "；请先在 departments.yaml 中登记该部门，或改用已登记的名称或别名"
    )
    return [doc.issue(path, f"{role}“{name}”不在部门名录 departments.yaml 中{hint}")]


def _framework_nodes(doc: Document) -> Iterator[tuple[list[PathPart], dict[str, Any]]]:
    def walk(path: list[PathPart], nodes: Any) -> Iterator[tuple[list[PathPart], dict[str, Any]]]:
        if not isinstance(nodes, list):
            return
        for i, node in enumerate(nodes):
            if isinstance(node, dict):
                here = [*path, i]
                yield here, node
                yield from walk([*here, "children"], node.get("children"))

    yield from walk(["indicators"], doc.get(["indicators"]))


def framework_department_issues(doc: Document, known: dict[str, str]) -> list[ConfigIssue]:
    out = []
    for path, node in _framework_nodes(doc):
        out += _unknown_department(doc, [*path, "lead"], node.get("lead"), "牵头单位", known)
        support = node.get("support")
        for j, name in enumerate(support if isinstance(support, list) else []):
            out += _unknown_department(doc, [*path, "support", j], name, "配合单位", known)
    return out


def framework_loader_issues(doc: Document, path: Path) -> list[ConfigIssue]:
    from pipelines.scoring.framework import FrameworkError, framework_from_dict

    try:
        framework_from_dict(doc.data, source=path)
    except FrameworkError as exc:
        message = str(exc)
        match = re.match(r"指标 (\S+) 的字段 ([\w.]+)：", message)
        where: list[PathPart] = []
        if match:
            for node_at, node in _framework_nodes(doc):
                if str(node.get("code")) == match.group(1):
                    where = [*node_at, *match.group(2).split(".")]
        return [
            ConfigIssue(doc.file, doc.line(where) if where else None, node_path(where), message)
        ]
    return []


# --- source declarations -----------------------------------------------------------------


@dataclass
class Declaration:
    """What the checks of one enabled source found: its columns and its rules (rule id → the
    parameters ``sources.yaml`` may override)."""

    source: str
    folder: Path
    builtin: bool
    valid: bool = False
    columns: tuple[str, ...] = ()
    rules: dict[str, set[str]] = field(default_factory=dict)


def _display(path: Path, root: Path) -> str:
    for base in (root, PACKAGE_ROOT):
        try:
            return path.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


def contract_issues(doc: Document, source: str) -> list[ConfigIssue]:
    from pipelines.contracts import normalize_header

    data = doc.data if isinstance(doc.data, dict) else {}
    out = []
    if "source" in data and data["source"] != source:
        out.append(
            doc.issue(
                ["source"], f"应与数据源目录名“{source}”一致（当前为{_value(data['source'])}）"
            )
        )
    cols = _items(doc, "columns")
    out += _unique(
        doc,
        [(["columns", i, "column"], c.get("column")) for i, c in cols],
        "列名",
        "同一数据源的列名必须唯一",
    )
    out += _unique(
        doc,
        [
            (["columns", i, "header"], normalize_header(c["header"]))
            for i, c in cols
            if isinstance(c.get("header"), str)
        ],
        "表头",
        "同一数据源的表头必须唯一（比较时忽略空格和全角半角差异）",
    )
    quarter = data.get("quarter_column")
    types = {c.get("column"): c.get("type") for _, c in cols}
    if isinstance(quarter, str) and cols:
        if quarter not in types:
            out.append(
                doc.issue(
                    ["quarter_column"],
                    f"归属季度列“{quarter}”不在 columns 中（可选：{'、'.join(map(str, types))}）",
                )
            )
        elif types[quarter] not in QUARTER_COLUMN_TYPES:
            out.append(
                doc.issue(
                    ["quarter_column"],
                    f"归属季度列“{quarter}”的类型应为 datetime 或 month（当前为 {types[quarter]}）",
                )
            )
        # An optional quarter column is allowed (e.g. 完成日期 of a progress ledger): the file's
        # quarter then comes from its folder, and only filled cells are checked against it.
    return out


def checks_issues(doc: Document, columns: Sequence[str]) -> list[ConfigIssue]:
    from pipelines.validation.checks import CHECKS

    out = []
    for i, spec in _items(doc, "checks"):
        name = spec.get("check")
        if isinstance(name, str) and name not in CHECKS:
            close = difflib.get_close_matches(name, list(CHECKS), n=1)
            hint = f"，是否应为“{close[0]}”？" if close else ""
            out.append(
                doc.issue(
                    ["checks", i, "check"],
                    f"未知的规则函数“{name}”{hint}（可用：{'、'.join(sorted(CHECKS))}）",
                )
            )
        for arg in CHECK_COLUMN_ARGUMENTS:
            value = spec.get(arg)
            if value is not None and value not in columns:
                out.append(
                    doc.issue(["checks", i, arg], f"列“{value}”不在该数据源的 contract.yaml 中")
                )
    return out


def _parameters(value: Any, path: list[PathPart]) -> Iterator[tuple[list[PathPart], Any]]:
    if isinstance(value, dict):
        if "$PARAMETER" in value:
            yield [*path, "$PARAMETER"], value["$PARAMETER"]
        for k, v in value.items():
            yield from _parameters(v, [*path, k])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _parameters(v, [*path, i])


def suite_issues(doc: Document, columns: Sequence[str]) -> list[ConfigIssue]:
    out = []
    for i, expectation in _items(doc, "expectations"):
        kwargs = expectation.get("kwargs") if isinstance(expectation.get("kwargs"), dict) else {}
        meta = expectation.get("meta") if isinstance(expectation.get("meta"), dict) else {}
        named: list[tuple[list[PathPart], Any]] = [
            (["expectations", i, "kwargs", k], kwargs[k])
            for k in SUITE_COLUMN_KWARGS
            if k in kwargs
        ]
        if isinstance(kwargs.get("column_list"), list):
            named += [
                (["expectations", i, "kwargs", "column_list", j], c)
                for j, c in enumerate(kwargs["column_list"])
            ]
        if "report_column" in meta:
            named.append((["expectations", i, "meta", "report_column"], meta["report_column"]))
        for at, column in named:
            if column not in columns:
                out.append(doc.issue(at, f"列“{column}”不在该数据源的 contract.yaml 中"))
        for at, name in _parameters(kwargs, ["expectations", i, "kwargs"]):
            if name not in SUITE_PARAMETERS:
                out.append(
                    doc.issue(at, f"未知的运行参数“{name}”（可用：{'、'.join(SUITE_PARAMETERS)}）")
                )
    return out


def declaration_issues(root: Path, decl: Declaration) -> list[ConfigIssue]:
    contract_path = decl.folder / "contract.yaml"
    contract_doc = load_yaml_document(contract_path, _display(contract_path, root))
    out = [*contract_doc.issues, *contract_doc.findings]
    if not contract_doc.issues:
        out += schema_issues(contract_doc, "contract")
        out += contract_issues(contract_doc, decl.source)
    columns = tuple(str(c.get("column")) for _, c in _items(contract_doc, "columns"))
    contract_ok = not out

    checks_path = decl.folder / "checks.yaml"
    if checks_path.exists():
        doc = load_yaml_document(checks_path, _display(checks_path, root))
        out += [*doc.issues, *doc.findings]
        if not doc.issues:
            out += schema_issues(doc, "checks")
            out += checks_issues(doc, columns) if contract_ok else []
            for _, spec in _items(doc, "checks"):
                if spec.get("rule"):
                    params = set(map(str, spec)) - {"check", "rule"}
                    decl.rules.setdefault(str(spec["rule"]), set()).update(params)

    suite_path = decl.folder / "suite.json"
    doc = load_json_document(suite_path, _display(suite_path, root))
    if doc.issues and not suite_path.exists():
        doc.issues = [
            ConfigIssue(
                doc.file,
                None,
                "",
                '缺少取值规则文件 suite.json（没有取值规则时写 {"expectations": []}）',
            )
        ]
    out += doc.issues
    if not doc.issues:
        out += schema_issues(doc, "suite")
        out += suite_issues(doc, columns) if contract_ok else []
        for _, e in _items(doc, "expectations"):
            meta, kwargs = e.get("meta"), e.get("kwargs")
            if isinstance(meta, dict) and meta.get("rule"):
                params = set(map(str, kwargs)) if isinstance(kwargs, dict) else set()
                decl.rules.setdefault(str(meta["rule"]), set()).update(params, GE_KWARGS)
    decl.valid = contract_ok
    decl.columns = columns
    return out


def sources_issues(
    root: Path, doc: Document, known: dict[str, str] | None
) -> tuple[list[ConfigIssue], dict[str, Declaration]]:
    from pipelines.project import builtin_sources, source_folder

    out: list[ConfigIssue] = []
    decls: dict[str, Declaration] = {}
    entries = doc.get(["sources"])
    if not isinstance(entries, dict):
        return out, decls
    for source, spec in entries.items():
        source = str(source)
        spec = spec if isinstance(spec, dict) else {}
        if known is not None:
            submitters = spec.get("submitters")
            for j, name in enumerate(submitters if isinstance(submitters, list) else []):
                out += _unknown_department(
                    doc, ["sources", source, "submitters", j], name, "报送部门", known
                )
        found = source_folder(root, source)
        if found is None:
            out.append(
                doc.issue(
                    ["sources", source],
                    f"数据源“{source}”既不是内置数据源（{'、'.join(builtin_sources())}），"
                    f"也没有项目自定义的声明 sources/{source}/contract.yaml",
                    key=True,
                )
            )
            continue
        decl = Declaration(source, found[0], found[1])
        out += declaration_issues(root, decl)
        decls[source] = decl
        if decl.valid:
            out += _override_issues(doc, source, spec.get("rules"), decl)
    return out, decls


def _override_issues(
    doc: Document, source: str, rules: Any, decl: Declaration
) -> list[ConfigIssue]:
    """``rules: {<rule>: {<parameter>: value}}`` names rules and parameters of the source."""
    out: list[ConfigIssue] = []
    for rule, params in rules.items() if isinstance(rules, dict) else ():
        at: list[PathPart] = ["sources", source, "rules", rule]
        if str(rule) not in decl.rules:
            known = "、".join(sorted(decl.rules))
            out.append(
                doc.issue(
                    at, f"数据源“{source}”没有规则“{rule}”（可覆盖参数的规则：{known}）", key=True
                )
            )
            continue
        allowed = decl.rules[str(rule)]
        for name in params if isinstance(params, dict) else ():
            if str(name) not in allowed:
                close = difflib.get_close_matches(str(name), sorted(allowed), n=1)
                hint = f"，是否应为“{close[0]}”？" if close else ""
                out.append(
                    doc.issue(
                        [*at, name],
                        f"规则“{rule}”没有参数“{name}”{hint}（可覆盖的参数：{'、'.join(sorted(allowed))}）",
                        key=True,
                    )
                )
    return out


# --- indicator SQL -----------------------------------------------------------------------

_COMMENT_RE = re.compile(r"--[^\n]*")
_TABLE_RE = re.compile(r"\bwarehouse\s*\.\s*\"?([A-Za-z_][A-Za-z0-9_]*)")
# A leaf may read a source through its shared view (sql/indicators/shared/<source>.sql).
_VIEW_RE = re.compile(r"\bshared\s*\.\s*\"?([A-Za-z_][A-Za-z0-9_]*)")
_STAGING_RE = re.compile(r"\bstaging\s*\.\s*\"?([A-Za-z_][A-Za-z0-9_]*)")
_LINE_RE = re.compile(r"^LINE (\d+):(.*)$", re.MULTILINE)


def _resolve_sql(root: Path, name: str) -> tuple[Path, Path | None]:
    """(the file that would be read, the package fallback or None for an absolute path)."""
    stem = name.strip()
    stem = stem[: -len(".sql")] if stem.endswith(".sql") else stem
    path = Path(stem + ".sql")
    if path.is_absolute():
        return path, None
    own, library = root / path, SQL_DIR / path
    if own.is_file():
        return own, None
    if library.is_file():
        return library, None
    return own, library


def _line_of(text: str, needle: str) -> int | None:
    for n, line in enumerate(text.splitlines(), start=1):
        if needle in _COMMENT_RE.sub("", line):
            return n
    return None


def _duckdb_issue(exc: Exception, file: str, code: str, text: str) -> ConfigIssue:
    kind = type(exc).__name__
    lead = next((zh for name, zh in _DUCKDB_LEAD_INS if name == kind), "SQL 无法执行")
    message = str(exc)
    line = None
    match = _LINE_RE.search(message)
    if match:
        snippet = match.group(2).strip()
        line = next(
            (
                n
                for n, src in enumerate(text.splitlines(), start=1)
                if snippet and src.strip() == snippet
            ),
            int(match.group(1)),
        )
        message = message[: match.start()]
    detail = "；".join(part.strip() for part in message.strip().splitlines() if part.strip())
    return ConfigIssue(
        file,
        line,
        code,
        f"指标 {code} 的 SQL 在由数据源声明生成的仓库表结构上无法执行——{lead}。DuckDB：{detail}",
    )


def _binding_database(decls: dict[str, Declaration]) -> Any:
    """An in-memory DuckDB with the intake schema, the staging and warehouse tables generated
    from the valid declarations, the scores tables, an empty work_calendar and its macro."""
    import duckdb
    import pandas as pd

    from pipelines.contracts import load_contract
    from pipelines.indicators.compute import ensure_shared_views
    from pipelines.indicators.store import _SCORES_SCHEMA_FILES
    from pipelines.project import SourceSettings
    from pipelines.sqlfiles import sql
    from pipelines.warehouse.store import ensure_schema
    from pipelines.warehouse.tables import SCHEMAS, source_tables

    con = duckdb.connect(":memory:")
    ensure_schema(con, sources=[])  # the intake schema only: the sources follow
    for decl in decls.values():
        if not decl.valid:
            continue
        settings = SourceSettings(decl.source, (), True, decl.folder, decl.builtin)
        generated = source_tables(load_contract(settings))
        for schema in SCHEMAS:
            con.execute(generated.create[schema])
    for name in _SCORES_SCHEMA_FILES:
        con.execute(sql(name))
    shared = [decl.source for decl in decls.values() if decl.valid]
    empty = pd.DataFrame(
        {
            "day": pd.Series(dtype="datetime64[ns]"),
            "is_workday": pd.Series(dtype="bool"),
            "workday_seq": pd.Series(dtype="int64"),
        }
    )
    con.register("work_calendar_source", empty)
    con.execute(sql("calendar/replace_work_calendar"))
    con.execute(sql("calendar/create_macro_workdays_between"))
    con.unregister("work_calendar_source")
    # The shared layer's macros and views over the declared sources (they read work_calendar).
    ensure_shared_views(con, shared)
    return con


def _tables_read(code: str) -> dict[str, str]:
    """The source tables a leaf's SQL (without comments) reads, each with what it names to
    read it: ``warehouse.<table>``, or the shared view ``shared.<view>`` over it (a view that
    is not in the shared layer stands for the source of its name)."""
    from pipelines.indicators.compute import shared_view_tables

    reads: dict[str, str] = {}
    for match in re.finditer(f"{_TABLE_RE.pattern}|{_VIEW_RE.pattern}", code):
        table, view = match.groups()
        if table:
            reads.setdefault(table, f"warehouse.{table}")
            continue
        for source in shared_view_tables(view) or [view]:
            reads.setdefault(source, f"shared.{view}")
    return reads


def indicator_issues(
    root: Path, doc: Document, decls: dict[str, Declaration], quarter: Any
) -> list[ConfigIssue]:
    import duckdb

    from pipelines.indicators.compute import (
        LEAF_PARAMETER_DEFAULTS,
        OUTPUT_COLUMNS,
        period_parameters,
        used_parameters,
    )
    from pipelines.project import builtin_sources

    quarter_available: dict[str, Any] = period_parameters(quarter, quarter)
    out: list[ConfigIssue] = []
    con = None
    try:
        for path, node in _framework_nodes(doc):
            if node.get("children"):
                continue
            code = str(node.get("code", node_path(path)))
            name = node.get("sql")
            if not isinstance(name, str) or not name.strip():
                out.append(
                    doc.issue(
                        path,
                        f"叶子指标 {code} 缺少 sql 字段"
                        f"（计算该指标的 SQL 文件，如 indicators/{code.lower()}.sql）",
                    )
                )
                continue
            sql_path, fallback = _resolve_sql(root, name)
            if not sql_path.is_file():
                where = (
                    f"项目目录中没有 {_display(sql_path, root)}，"
                    f"bizenv 指标库中也没有 {_display(fallback, root)}"
                    if fallback is not None
                    else f"{sql_path} 不存在"
                )
                out.append(doc.issue([*path, "sql"], f"指标 {code} 的 SQL 文件不存在：{where}"))
                continue
            file = _display(sql_path, root)
            try:
                text = sql_path.read_text(encoding="utf-8-sig")
            except UnicodeDecodeError:
                out.append(ConfigIssue(file, None, code, "不是 UTF-8 编码的文本文件"))
                continue
            code_only = _COMMENT_RE.sub("", text)
            reads = _tables_read(code_only)
            blocked = False
            for table in dict.fromkeys(_STAGING_RE.findall(code_only)):
                out.append(
                    ConfigIssue(
                        file,
                        _line_of(text, f"staging.{table}"),
                        code,
                        f"指标 {code} 读取 staging.{table}：staging 中是尚未通过校验的版本，"
                        f"指标只能读取 warehouse.{table}",
                    )
                )
                blocked = True
            for table, read in reads.items():
                decl = decls.get(table)
                if decl is None:
                    if table in builtin_sources():
                        why = (
                            "它是 bizenv 内置数据源，如需使用请在 sources.yaml 中启用并填写报送部门"
                        )
                    elif (root / "sources" / table / "contract.yaml").is_file():
                        why = f"项目目录 sources/{table}/ 中有它的声明，请在 sources.yaml 中启用"
                    else:
                        why = (
                            "它既不是内置数据源，也没有项目自定义的声明 "
                            f"sources/{table}/contract.yaml"
                        )
                    out.append(
                        ConfigIssue(
                            file,
                            _line_of(text, read),
                            code,
                            f"指标 {code} 读取 {read}，"
                            f"但本项目的 sources.yaml 没有启用数据源“{table}”（{why}）",
                        )
                    )
                    blocked = True
                elif not decl.valid:
                    blocked = True  # its declaration's own issues are reported above
            params = used_parameters(text)
            # Quarter parameters and the leaf settings (defaults overridden by sql_parameters).
            leaf_settings = {**LEAF_PARAMETER_DEFAULTS}
            overrides = node.get("sql_parameters")
            if isinstance(overrides, dict):
                leaf_settings.update(
                    {str(k): v for k, v in overrides.items() if k in LEAF_PARAMETER_DEFAULTS}
                )
            framework_parameters = doc.get(["parameters"])
            if not isinstance(framework_parameters, dict):
                framework_parameters = {}
            available = {**quarter_available, **framework_parameters, **leaf_settings}
            unknown = [p for p in params if p not in available]
            if unknown:
                out.append(
                    ConfigIssue(
                        file,
                        _line_of(text, "$" + unknown[0]),
                        code,
                        f"指标 {code} 的 SQL 使用了未知参数 {'、'.join('$' + p for p in unknown)}"
                        f"（可用：{'、'.join('$' + p for p in available)}）",
                    )
                )
                blocked = True
            if blocked:
                continue
            if con is None:
                con = _binding_database(decls)
            bound = {p: available[p] for p in params}
            try:
                con.execute("explain " + text, bound)
                columns = [d[0] for d in con.execute(text, bound).description or []]
            except duckdb.Error as exc:
                out.append(_duckdb_issue(exc, file, code, text))
                continue
            if columns != OUTPUT_COLUMNS:
                out.append(
                    ConfigIssue(
                        file,
                        None,
                        code,
                        f"指标 {code} 的 SQL 应返回列 {', '.join(OUTPUT_COLUMNS)}，"
                        f"实际为 {', '.join(columns)}",
                    )
                )
    finally:
        if con is not None:
            con.close()
    return out


# --- the project -------------------------------------------------------------------------


def _first_quarter(doc: Document) -> Any:
    from pipelines.quarters import Quarter, QuarterError, current_quarter

    try:
        return Quarter.parse(str(doc.get(["first_quarter"])))
    except QuarterError:
        return current_quarter()


def check_project(root: Path) -> list[ConfigIssue]:
    """Every issue of the project folder ``root`` (empty: the project is valid)."""
    root = Path(root).resolve()
    if not root.is_dir():
        return [ConfigIssue(str(root), None, "", "项目目录不存在")]
    docs: dict[str, Document] = {}
    issues: list[ConfigIssue] = []
    for name in PROJECT_FILES:
        doc = load_yaml_document(root / name, name)
        docs[name] = doc
        issues += [*doc.issues, *doc.findings]
        if not doc.issues:
            issues += schema_issues(doc, name.removesuffix(".yaml"))
    ok = {name for name, doc in docs.items() if not doc.issues}

    if "regions.yaml" in ok:
        issues += region_issues(docs["regions.yaml"])
    known: dict[str, str] | None = None
    if "departments.yaml" in ok:
        dept_issues, known = department_issues(docs["departments.yaml"])
        issues += dept_issues
        known = known or None  # no usable registry: its own issues say why
    framework = docs["framework.yaml"]
    framework_valid = "framework.yaml" in ok and not any(i.file == "framework.yaml" for i in issues)
    if "framework.yaml" in ok and known is not None:
        issues += framework_department_issues(framework, known)
    if framework_valid:
        issues += framework_loader_issues(framework, root / "framework.yaml")
    decls: dict[str, Declaration] = {}
    if "sources.yaml" in ok:
        source_issues, decls = sources_issues(root, docs["sources.yaml"], known)
        issues += source_issues
    if "framework.yaml" in ok and isinstance(docs["sources.yaml"].get(["sources"]), dict):
        quarter = _first_quarter(docs["bizenv.yaml"])
        issues += indicator_issues(root, framework, decls, quarter)
    return sort_issues(issues)


def sort_issues(issues: Sequence[ConfigIssue]) -> list[ConfigIssue]:
    """By file (the project files in ``PROJECT_FILES`` order, then the others as found), then
    by line."""
    rank = {name: i for i, name in enumerate(PROJECT_FILES)}
    for issue in issues:
        rank.setdefault(issue.file, len(rank))
    return sorted(issues, key=lambda i: (rank[i.file], i.line or 0))
