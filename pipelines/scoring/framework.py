"""The indicator framework (指标体系): a YAML tree an analyst edits, validated on load.

The file is checked against ``framework.schema.json`` and then against the rules a schema
cannot express (unique codes, frontier bounds consistent with the direction, …). Every error
is a :class:`FrameworkError` whose Chinese message names the node code and the field, e.g.
``指标 E01_01 的字段 normalize.best：应为数值``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, Literal

import jsonschema
import yaml

SCHEMA_PATH = Path(__file__).with_name("framework.schema.json")

Aggregate = Literal["arithmetic", "geometric", "harmonic"]
Direction = Literal["lower_is_better", "higher_is_better"]

DEFAULT_ROOT_CODE = "TOTAL"
DEFAULT_SCALE = (0.0, 100.0)
DEFAULT_MIN_COVERAGE = 0.5
DEFAULT_WORST_PERCENTILE = 5.0
DEFAULT_WINDOW = 1

_TYPE_ZH = {
    "number": "数值",
    "integer": "整数",
    "string": "字符串",
    "array": "列表",
    "object": "映射（键: 值）",
    "boolean": "布尔值（true/false）",
}


class FrameworkError(ValueError):
    """An invalid framework file; the message (Chinese) names the node and the field."""


@dataclass(frozen=True)
class Normalize:
    """How a leaf's raw value becomes a score. ``params`` holds the method's own fields."""

    method: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass(frozen=True)
class Node:
    code: str
    name: str
    parent: str | None
    level: int
    weight: float = 1.0
    lead: str | None = None
    unit: str | None = None
    direction: Direction | None = None
    normalize: Normalize | None = None
    sql: str | None = None
    # Settings of the leaf's SQL bound as ``$name`` (e.g. same_day_workdays), name → number.
    sql_parameters: tuple[tuple[str, float], ...] = ()
    aggregate: Aggregate = "arithmetic"
    min_coverage: float = DEFAULT_MIN_COVERAGE
    children: tuple[str, ...] = ()
    description: str | None = None

    @property
    def is_leaf(self) -> bool:
        return not self.children


@dataclass(frozen=True)
class Framework:
    name: str
    root: str
    scale: tuple[float, float]
    _nodes: Mapping[str, Node] = field(repr=False)
    source: Path | None = None
    # Named numbers the leaves' SQL may bind as $name (e.g. 亮灯 thresholds, a payout time
    # limit): part of the framework because they change values and scores, like bounds.
    parameters: Mapping[str, float] = field(default_factory=dict, compare=False, hash=False)

    def nodes(self) -> Iterator[Node]:
        """All nodes, root first, depth-first in file order."""
        stack = [self.root]
        while stack:
            node = self._nodes[stack.pop()]
            yield node
            stack.extend(reversed(node.children))

    def node(self, code: str) -> Node:
        return self._nodes[code]

    def __contains__(self, code: object) -> bool:
        return code in self._nodes

    def leaves(self) -> list[Node]:
        return [n for n in self.nodes() if n.is_leaf]

    @property
    def leaf_codes(self) -> list[str]:
        return [n.code for n in self.leaves()]

    def postorder(self) -> list[Node]:
        """Parents after their children (the order in which scores are aggregated)."""
        return sorted(self.nodes(), key=lambda n: -n.level)

    @property
    def depth(self) -> int:
        return max(n.level for n in self.nodes())


@cache
def framework_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def load_framework(path: Path | str) -> Framework:
    """Read, validate and build a framework from a YAML file. The built framework (frozen) is
    kept per file content: a run's steps, checks and tags read the same file a dozen times
    (≈ 0.15 s each, most of it schema validation; reading the text is cheap and, unlike the
    modification time, always tells an edit)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise FrameworkError(f"找不到指标体系文件：{path}") from exc
    except UnicodeDecodeError as exc:
        raise FrameworkError(f"指标体系文件 {path} 不是 UTF-8 编码") from exc
    return _cached_framework(path, text)


@lru_cache(maxsize=32)
def _cached_framework(path: Path, text: str) -> Framework:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise FrameworkError(f"指标体系文件 {path.name} {where}不是合法的 YAML：{exc}") from exc
    return framework_from_dict(doc, source=path)


def framework_from_dict(doc: Any, *, source: Path | None = None) -> Framework:
    """Validate a parsed framework document (dict) and build the :class:`Framework`."""
    if not isinstance(doc, dict):
        raise FrameworkError("指标体系文件的顶层应为映射（name、indicators 等字段）")
    _validate_schema(doc)
    root_code = str(doc.get("code", DEFAULT_ROOT_CODE))
    scale_raw = doc.get("scale", list(DEFAULT_SCALE))
    scale = (float(scale_raw[0]), float(scale_raw[1]))
    if not scale[0] < scale[1]:
        raise FrameworkError("指标体系根节点的字段 scale：下限应小于上限，如 [0, 100]")
    default_agg: Aggregate = doc.get("aggregate", "arithmetic")
    default_cov = float(doc.get("min_coverage", DEFAULT_MIN_COVERAGE))

    nodes: dict[str, Node] = {}

    def build(raw: dict[str, Any], parent: str, level: int) -> str:
        code = str(raw["code"])
        if code in nodes or code == root_code:
            raise FrameworkError(f"指标 {code} 的字段 code：编码重复，指标编码必须唯一")
        children_raw = raw.get("children") or []
        # Reserve the code before the children so that a child repeating it is caught.
        nodes[code] = None  # type: ignore[assignment]
        children = tuple(build(c, code, level + 1) for c in children_raw)
        if children:
            _check_sibling_weights(code, [nodes[c] for c in children])
        normalize = None
        direction = raw.get("direction")
        if not children:
            normalize = Normalize(
                method=raw["normalize"]["method"],
                params={k: v for k, v in raw["normalize"].items() if k != "method"},
            )
            _check_leaf(code, direction, normalize)
        nodes[code] = Node(
            code=code,
            name=str(raw["name"]),
            parent=parent,
            level=level,
            weight=float(raw.get("weight", 1.0)),
            lead=raw.get("lead"),
            unit=raw.get("unit"),
            direction=direction,
            normalize=normalize,
            sql=raw.get("sql"),
            sql_parameters=tuple(
                (str(k), float(v)) for k, v in (raw.get("sql_parameters") or {}).items()
            ),
            aggregate=raw.get("aggregate", default_agg),
            min_coverage=float(raw.get("min_coverage", default_cov)),
            children=children,
            description=raw.get("description"),
        )
        return code

    top = tuple(build(raw, root_code, 1) for raw in doc["indicators"])
    _check_sibling_weights(root_code, [nodes[c] for c in top])
    nodes[root_code] = Node(
        code=root_code,
        name=str(doc["name"]),
        parent=None,
        level=0,
        aggregate=default_agg,
        min_coverage=default_cov,
        children=top,
        description=doc.get("description"),
    )
    return Framework(
        name=str(doc["name"]),
        root=root_code,
        scale=scale,
        _nodes=nodes,
        source=source,
        parameters=dict(doc.get("parameters") or {}),
    )


# --- validation helpers -------------------------------------------------------------------


def _validate_schema(doc: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(framework_schema())
    errors = sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    messages: list[str] = []
    for err in errors:
        for leaf_err in _leaf_errors(err):
            msg = _describe(doc, leaf_err)
            if msg not in messages:
                messages.append(msg)
    head = messages[0]
    if len(messages) > 1:
        more = "\n".join(f"  - {m}" for m in messages[1:6])
        head = f"{head}\n另有问题：\n{more}"
    raise FrameworkError(head)


def _leaf_errors(err: jsonschema.ValidationError) -> list[jsonschema.ValidationError]:
    """Descend into if/then/allOf wrappers to the errors that say what is wrong."""
    if err.context and err.validator in ("allOf", "anyOf", "oneOf"):
        out: list[jsonschema.ValidationError] = []
        for sub in err.context:
            out.extend(_leaf_errors(sub))
        return out
    return [err]


def _describe(doc: dict[str, Any], err: jsonschema.ValidationError) -> str:
    path = list(err.absolute_path)
    # Walk down the document to find the deepest node (a dict with `code` under indicators).
    owner = "指标体系根节点"  # no space before 的字段 (see below)
    field_parts: list[str] = []
    cursor: Any = doc
    node_depth_index = 0
    for i, part in enumerate(path):
        try:
            cursor = cursor[part]
        except (KeyError, IndexError, TypeError):
            break
        if isinstance(part, int) and i > 0 and path[i - 1] in ("indicators", "children"):
            if isinstance(cursor, dict) and "code" in cursor:
                owner = f"指标 {cursor['code']}"
            else:
                owner = f"第 {part + 1} 个指标（{'/'.join(str(p) for p in path[: i + 1])}）"
            node_depth_index = i + 1
    field_parts = [str(p) for p in path[node_depth_index:]]
    field_name = ".".join(field_parts)
    reason = _reason(err)
    if err.validator == "not" and isinstance(err.instance, dict):
        present = [k for k in ("normalize", "direction", "sql") if k in err.instance]
        if present:
            field_name = present[0]
    if err.validator == "required" or err.validator == "additionalProperties":
        # The message names the missing/unknown field; report it as the field.
        extra = _missing_or_extra(err)
        if extra:
            field_name = f"{field_name}.{extra}" if field_name else extra
    if field_name:
        sep = " " if owner.startswith("指标 ") else ""
        return f"{owner}{sep}的字段 {field_name}：{reason}"
    return f"{owner}：{reason}"


def _missing_or_extra(err: jsonschema.ValidationError) -> str | None:
    if err.validator == "required":
        missing = [k for k in err.validator_value if k not in (err.instance or {})]
        return missing[0] if missing else None
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = set((err.schema.get("properties") or {}).keys())
        extra = [k for k in err.instance if k not in allowed]
        return extra[0] if extra else None
    return None


def _reason(err: jsonschema.ValidationError) -> str:
    v = err.validator
    if v == "type":
        types = (
            err.validator_value if isinstance(err.validator_value, list) else [err.validator_value]
        )
        return "应为" + "或".join(_TYPE_ZH.get(t, t) for t in types)
    if v == "required":
        return "缺少必需字段"
    if v == "additionalProperties":
        return "未知字段（请检查拼写）"
    if v == "enum":
        return "取值应为以下之一：" + "、".join(str(x) for x in err.validator_value)
    if v == "const":
        return f"取值应为 {err.validator_value}"
    if v == "minimum":
        return f"应不小于 {err.validator_value}"
    if v == "maximum":
        return f"应不大于 {err.validator_value}"
    if v == "exclusiveMinimum":
        return f"应大于 {err.validator_value}"
    if v == "minItems":
        return f"至少应有 {err.validator_value} 项"
    if v == "maxItems":
        return f"至多应有 {err.validator_value} 项"
    if v == "minLength":
        return "不能为空"
    if v == "pattern":
        return "只能包含字母、数字、下划线、点和连字符"
    if v == "not":
        return "有下级指标（children）的上级指标不能设置 normalize、direction 或 sql"
    return err.message


def _check_sibling_weights(parent: str, children: list[Node]) -> None:
    if sum(c.weight for c in children) <= 0:
        raise FrameworkError(f"指标 {parent} 的字段 children：下级指标的权重之和应大于 0")


def _check_leaf(code: str, direction: str | None, norm: Normalize) -> None:
    method = norm.method
    if method != "none" and direction is None:
        raise FrameworkError(
            f"指标 {code} 的字段 direction：缺少必需字段（lower_is_better 或 higher_is_better）"
        )
    if method == "frontier":
        best, worst = float(norm.params["best"]), float(norm.params["worst"])
        if best == worst:
            raise FrameworkError(f"指标 {code} 的字段 normalize.worst：不能等于 best")
        if direction == "lower_is_better" and not best < worst:
            raise FrameworkError(
                f"指标 {code} 的字段 normalize.best：方向为 lower_is_better（越小越好）时 "
                f"best 应小于 worst（现为 best={best:g}，worst={worst:g}）"
            )
        if direction == "higher_is_better" and not best > worst:
            raise FrameworkError(
                f"指标 {code} 的字段 normalize.best：方向为 higher_is_better（越大越好）时 "
                f"best 应大于 worst（现为 best={best:g}，worst={worst:g}）"
            )
    if method == "goalposts":
        lower, upper = float(norm.params["lower"]), float(norm.params["upper"])
        if not lower < upper:
            raise FrameworkError(f"指标 {code} 的字段 normalize.upper：应大于 lower")
        if "target" in norm.params:
            target = float(norm.params["target"])
            if not lower <= target <= upper:
                raise FrameworkError(
                    f"指标 {code} 的字段 normalize.target：应在 lower 与 upper 之间"
                )
            worst = upper if direction == "lower_is_better" else lower
            if target == worst:
                raise FrameworkError(
                    f"指标 {code} 的字段 normalize.target：不能等于最差端点（"
                    f"{'upper' if direction == 'lower_is_better' else 'lower'}）"
                )
