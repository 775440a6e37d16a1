"""The overview's key indicators (bulletin.yaml ``key_indicators``): the mean raw value or
score this quarter and the previous one, and whether it improved."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.reports.config import BulletinConfig
from pipelines.reports.data import BulletinData
from pipelines.reports.model.formatting import change_of_means, mean_of
from pipelines.reports.model.rankings import RankRow
from pipelines.scoring import Framework


@dataclass(frozen=True)
class KeyIndicator:
    code: str
    name: str
    kind: str  # "value" (raw mean in `unit`) or "score"
    unit: str
    direction: str | None
    mean: float | None
    previous_mean: float | None

    @property
    def change(self) -> float | None:
        return change_of_means(self.mean, self.previous_mean)

    @property
    def improved(self) -> bool | None:
        change = self.change
        if change is None or change == 0:
            return None
        if self.kind == "value" and self.direction == "lower_is_better":
            return change < 0
        return change > 0


def key_indicators(
    data: BulletinData, framework: Framework, config: BulletinConfig, rows: list[RankRow]
) -> list[KeyIndicator]:
    codes = [c for c in config.key_indicators if c in framework]
    if not codes:
        codes = [n.code for n in framework.nodes() if n.level == 1]
    units = {r.unit_code for r in rows}
    out = []
    for code in codes:
        node = framework.node(code)
        if node.is_leaf:
            cur, prev = data.values_of(data.quarter), data.values_of(data.quarter.previous())
            col, key, kind = "value", "indicator", "value"
        else:
            cur, prev = data.scores_of(data.quarter), data.scores_of(data.quarter.previous())
            col, key, kind = "score", "node", "score"
        cur = cur[(cur[key] == code) & cur["unit_code"].isin(units)]
        prev = prev[(prev[key] == code) & prev["unit_code"].isin(units)]
        out.append(
            KeyIndicator(
                code=code,
                name=node.name,
                kind=kind,
                unit=(node.unit or "") if kind == "value" else "分",
                direction=node.direction,
                mean=mean_of(cur[col]),
                previous_mean=mean_of(prev[col]),
            )
        )
    return out
