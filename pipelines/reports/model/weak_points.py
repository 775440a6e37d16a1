"""各地短板: per unit, its worst-ranked second-level indicators with the best unit's value,
and its first-level scores."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.reports.data import BulletinData
from pipelines.reports.model.formatting import to_float
from pipelines.reports.model.method import lead_of
from pipelines.reports.model.rankings import RankRow
from pipelines.scoring import Framework


@dataclass(frozen=True)
class WeakPoint:
    code: str
    name: str
    parent_name: str
    rank: int
    n_units: int
    score: float | None
    value: float | None
    best_value: float | None
    best_unit: str
    measure: str
    lead: str


@dataclass(frozen=True)
class UnitProfile:
    unit: RankRow
    weak_points: tuple[WeakPoint, ...]
    first_level: tuple[tuple[str, float | None], ...]  # (name, score) in framework order


def unit_profiles(
    data: BulletinData, framework: Framework, rows: list[RankRow], per_unit: int
) -> list[UnitProfile]:
    scores = data.scores_of(data.quarter)
    values = data.values_of(data.quarter)
    short = {r.unit_code: r.short_name for r in rows}
    level2 = [n for n in framework.nodes() if n.level == 2]
    level1 = [n for n in framework.nodes() if n.level == 1]
    s2 = scores[scores["node"].isin([n.code for n in level2]) & scores["unit_code"].isin(short)]
    value_of = {
        (str(r.unit_code), str(r.indicator)): to_float(r.value)
        for r in values.itertuples(index=False)
    }
    best: dict[str, tuple[float | None, str]] = {}
    for node in level2:
        candidates = [
            (v, u)
            for (u, i), v in value_of.items()
            if i == node.code and v is not None and u in short
        ]
        if not candidates:
            best[node.code] = (None, "")
            continue
        lower = node.direction == "lower_is_better"
        v, u = sorted(candidates, key=lambda c: (c[0] if lower else -c[0], c[1]))[0]
        best[node.code] = (v, short[u])
    n_ranked = {
        code: int(group["rank"].notna().sum()) for code, group in s2.groupby("node", sort=True)
    }
    l1 = scores[scores["node"].isin([n.code for n in level1])]
    l1_score = {
        (str(r.unit_code), str(r.node)): to_float(r.score) for r in l1.itertuples(index=False)
    }

    profiles = []
    for row in rows:
        mine = s2[(s2["unit_code"] == row.unit_code) & s2["rank"].notna()]
        ordered = sorted(
            mine.itertuples(index=False),
            key=lambda r: (-int(r.rank), to_float(r.score) or 0.0, str(r.node)),
        )
        points = []
        for r in ordered[:per_unit]:
            node = framework.node(str(r.node))
            parent = framework.node(node.parent) if node.parent else None
            best_value, best_unit = best.get(node.code, (None, ""))
            points.append(
                WeakPoint(
                    code=node.code,
                    name=node.name,
                    parent_name=parent.name if parent else "",
                    rank=int(r.rank),
                    n_units=n_ranked.get(node.code, len(rows)),
                    score=to_float(r.score),
                    value=value_of.get((row.unit_code, node.code)),
                    best_value=best_value,
                    best_unit=best_unit,
                    measure=node.unit or "",
                    lead=lead_of(framework, node),
                )
            )
        profiles.append(
            UnitProfile(
                unit=row,
                weak_points=tuple(points),
                first_level=tuple((n.name, l1_score.get((row.unit_code, n.code))) for n in level1),
            )
        )
    return profiles
