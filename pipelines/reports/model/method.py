"""评价方法附录: the framework as a table (weights, 牵头单位, direction, normalisation)."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.reports.model.formatting import fmt_bound
from pipelines.scoring import Framework, Node

_METHOD_ZH = {
    "frontier": "前沿距离法（固定最优值、最差值）",
    "frontier_observed": "前沿距离法（最优值、最差值取观测值）",
    "minmax": "极差标准化",
    "zscore": "标准分（Z分数）",
    "rank": "位次法",
    "goalposts": "目标值法",
    "none": "不标准化（原值即得分）",
}
_DIRECTION_ZH = {"lower_is_better": "越小越好", "higher_is_better": "越大越好"}


@dataclass(frozen=True)
class MethodRow:
    code: str
    name: str
    level: int
    weight: float
    weight_share: float  # of its parent
    lead: str
    unit: str
    direction: str
    method: str
    bounds: str
    aggregate: str


def lead_of(framework: Framework, node: Node) -> str:
    """The node's 牵头单位, inherited from its nearest ancestor that names one."""
    current: Node | None = node
    while current is not None:
        if current.lead:
            return current.lead
        current = framework.node(current.parent) if current.parent else None
    return "—"


def _bounds(node: Node) -> str:
    if node.normalize is None:
        return ""
    p = node.normalize
    if p.method == "frontier":
        return f"最优 {fmt_bound(p.get('best'))}，最差 {fmt_bound(p.get('worst'))}"
    if p.method == "goalposts":
        text = f"下限 {fmt_bound(p.get('lower'))}，上限 {fmt_bound(p.get('upper'))}"
        if p.get("target") is not None:
            text += f"，目标 {fmt_bound(p.get('target'))}"
        return text
    if p.method == "frontier_observed":
        pct = p.get("worst_percentile", 5)
        window = p.get("window", 1)
        return f"最优取观测最优值，最差取第{fmt_bound(pct)}百分位（近{window}期）"
    return ""


def method_rows(framework: Framework) -> list[MethodRow]:
    rows = []
    for node in framework.nodes():
        if node.level == 0:
            continue
        parent = framework.node(node.parent) if node.parent else None
        total = sum(framework.node(c).weight for c in parent.children) if parent else 1.0
        rows.append(
            MethodRow(
                code=node.code,
                name=node.name,
                level=node.level,
                weight=node.weight,
                weight_share=node.weight / total if total else 0.0,
                lead=lead_of(framework, node),
                unit=node.unit or "",
                direction=_DIRECTION_ZH.get(node.direction or "", ""),
                method=_METHOD_ZH.get(node.normalize.method, node.normalize.method)
                if node.normalize
                else "下级指标加权平均",
                bounds=_bounds(node),
                aggregate={"geometric": "几何平均", "harmonic": "调和平均"}.get(
                    node.aggregate, "算术平均"
                ),
            )
        )
    return rows
