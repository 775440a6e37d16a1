"""名次稳健性: the quarter's rank uncertainty (scores.rank_uncertainty) and sensitivity
drivers aligned with the ranking, and the 红/黑榜 places that do not hold."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.reports.data import BulletinData
from pipelines.reports.model.formatting import to_float, to_int
from pipelines.reports.model.lists import ListEntry, RedBlackLists
from pipelines.reports.model.rankings import RankRow


@dataclass(frozen=True)
class RankInterval:
    unit: RankRow
    median: int
    low: int  # 5th percentile rank
    high: int  # 95th percentile rank
    share_rank: float  # of simulations keeping the nominal rank
    place: str  # nominal 红/黑榜 place in the analysis: red, black or ""
    share_place: float

    def overlaps(self, other: RankInterval) -> bool:
        return self.low <= other.high and other.low <= self.high


@dataclass(frozen=True)
class Driver:
    factor: str
    label: str
    s1: float | None
    st: float | None


@dataclass(frozen=True)
class ListNote:
    entry: ListEntry
    kind: str  # red / black
    share: float


@dataclass(frozen=True)
class Robustness:
    """The quarter's rank uncertainty (scores.rank_uncertainty) aligned with the ranking."""

    intervals: tuple[RankInterval, ...]  # in the ranking's order
    replications: int
    seed: int
    design: str
    drivers: tuple[Driver, ...]  # largest total index first
    base_samples: int

    @property
    def leader(self) -> RankInterval | None:
        return self.intervals[0] if self.intervals else None

    def overlapping_pairs(self) -> list[tuple[RankInterval, RankInterval]]:
        """Units next to each other in the ranking whose 5–95 % rank intervals overlap."""
        return [
            (a, b)
            for a, b in zip(self.intervals, self.intervals[1:], strict=False)
            if a.overlaps(b)
        ]

    def list_notes(self, lists: RedBlackLists, below: float) -> list[ListNote]:
        """红/黑榜 entries whose place holds in fewer than ``below`` of the simulations."""
        by_code = {i.unit.unit_code: i for i in self.intervals}
        notes = []
        for kind, entries in (("red", lists.red), ("black", lists.black)):
            for entry in entries:
                interval = by_code.get(entry.unit.unit_code)
                if interval is None or interval.place != kind:
                    continue
                if interval.share_place < below:
                    notes.append(ListNote(entry, kind, interval.share_place))
        return notes


def rank_robustness(data: BulletinData, rows: list[RankRow]) -> Robustness | None:
    """None when the quarter's robustness analysis has not run (or ranked other units)."""
    frame = data.rank_uncertainty
    if frame is None or frame.empty:
        return None
    by_code = {str(r.unit_code): r for r in frame.itertuples(index=False)}
    intervals = []
    for row in rows:
        r = by_code.get(row.unit_code)
        if r is None or to_int(r.nominal_rank) != row.rank:
            continue  # analysed before the ranking changed: not shown for this unit
        intervals.append(
            RankInterval(
                unit=row,
                median=int(r.median_rank),
                low=int(r.rank_p05),
                high=int(r.rank_p95),
                share_rank=float(r.share_nominal_rank),
                place=str(r.list_place or ""),
                share_place=float(r.share_list_place),
            )
        )
    if not intervals:
        return None
    first = frame.iloc[0]
    sens = data.rank_sensitivity
    drivers = tuple(
        Driver(str(s.factor), str(s.factor_label), to_float(s.s1), to_float(s.st))
        for s in sens.itertuples(index=False)
    )
    return Robustness(
        intervals=tuple(intervals),
        replications=int(first["replications"]),
        seed=int(first["seed"]),
        design=str(first["design"]),
        drivers=drivers,
        base_samples=int(sens["base_samples"].iloc[0]) if len(sens) else 0,
    )
