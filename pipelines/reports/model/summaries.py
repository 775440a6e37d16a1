"""分项指标: per first- (or second-) level indicator, the mean score, its change and the
units best first."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.reports.data import BulletinData
from pipelines.reports.model.formatting import change_of_means, mean_of, to_float, to_int
from pipelines.reports.model.method import lead_of
from pipelines.reports.model.rankings import RankRow
from pipelines.scoring import Framework


@dataclass(frozen=True)
class UnitScore:
    unit_code: str
    short_name: str
    score: float | None
    rank: int | None


@dataclass(frozen=True)
class IndicatorSummary:
    code: str
    name: str
    lead: str
    weight_share: float
    mean: float | None
    previous_mean: float | None
    units: tuple[UnitScore, ...]  # best first

    @property
    def change(self) -> float | None:
        return change_of_means(self.mean, self.previous_mean)

    @property
    def best(self) -> UnitScore | None:
        return self.units[0] if self.units and self.units[0].score is not None else None

    @property
    def worst(self) -> UnitScore | None:
        scored = [u for u in self.units if u.score is not None]
        return scored[-1] if scored else None


def indicator_summaries(
    data: BulletinData, framework: Framework, rows: list[RankRow], level: int = 1
) -> list[IndicatorSummary]:
    current = data.scores_of(data.quarter)
    previous = data.scores_of(data.quarter.previous())
    short = {r.unit_code: r.short_name for r in rows}
    out = []
    for node in framework.nodes():
        if node.level != level:
            continue
        parent = framework.node(node.parent) if node.parent else None
        total = sum(framework.node(c).weight for c in parent.children) if parent else 1.0
        cur = current[current["node"] == node.code]
        units = [
            UnitScore(
                unit_code=str(r.unit_code),
                short_name=short.get(str(r.unit_code), str(r.unit_code)),
                score=to_float(r.score),
                rank=to_int(r.rank),
            )
            for r in cur.itertuples(index=False)
            if str(r.unit_code) in short
        ]
        units.sort(key=lambda u: (u.score is None, -(u.score or 0.0), u.unit_code))
        out.append(
            IndicatorSummary(
                code=node.code,
                name=node.name,
                lead=lead_of(framework, node),
                weight_share=node.weight / total if total else 0.0,
                mean=mean_of(cur["score"]),
                previous_mean=mean_of(previous[previous["node"] == node.code]["score"]),
                units=tuple(units),
            )
        )
    return out
