"""趋势: each unit's total score and rank over every quarter scored so far."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.reports.data import BulletinData
from pipelines.reports.model.formatting import to_float, to_int
from pipelines.reports.model.rankings import RankRow


@dataclass(frozen=True)
class TrendSeries:
    unit_code: str
    short_name: str
    quarters: tuple[str, ...]
    scores: tuple[float | None, ...]
    ranks: tuple[int | None, ...]


def trend(data: BulletinData, rows: list[RankRow]) -> list[TrendSeries]:
    quarters = data.quarters
    frame = data.rankings_all
    out = []
    for row in rows:
        mine = frame[frame["unit_code"] == row.unit_code].set_index("quarter")
        out.append(
            TrendSeries(
                unit_code=row.unit_code,
                short_name=row.short_name,
                quarters=tuple(quarters),
                scores=tuple(
                    to_float(mine.at[q, "total_score"]) if q in mine.index else None
                    for q in quarters
                ),
                ranks=tuple(
                    to_int(mine.at[q, "rank"]) if q in mine.index else None for q in quarters
                ),
            )
        )
    return out
