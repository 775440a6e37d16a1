"""综合排名: the quarter's ranking rows with their changes since the previous quarter, and the
leaf-set changes (method changes) behind them."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.quarters import Quarter
from pipelines.registry import Registry
from pipelines.reports.data import BulletinData
from pipelines.reports.model.formatting import round2, to_float, to_int
from pipelines.scoring import Framework


@dataclass(frozen=True)
class RankRow:
    rank: int
    unit_code: str
    unit_name: str
    short_name: str
    score: float
    previous_rank: int | None
    previous_score: float | None
    # Places moved up (positive) or down (negative) and the score change (rounded as shown)
    # since the previous quarter, as scores.rankings stores them (None in a first quarter).
    rank_change: int | None
    score_change: float | None
    # Leaves scored for the unit this quarter and not the previous one, and the reverse: a
    # change of the leaf set is a method change mixed into the rank and score changes.
    leaves_added: tuple[str, ...] = ()
    leaves_dropped: tuple[str, ...] = ()

    @property
    def method_changed(self) -> bool:
        """The rank / score change compares different leaf sets (flag it in the bulletin)."""
        return self.previous_rank is not None and bool(self.leaves_added or self.leaves_dropped)

    @classmethod
    def compared(
        cls,
        rank: int,
        unit_code: str,
        unit_name: str,
        short_name: str,
        score: float,
        previous_rank: int | None,
        previous_score: float | None,
    ) -> RankRow:
        """A row for a ranking the warehouse does not store with its changes (a year, a
        simulated ranking): the changes as ``insert_rankings.sql`` computes them."""
        return cls(
            rank=rank,
            unit_code=unit_code,
            unit_name=unit_name,
            short_name=short_name,
            score=score,
            previous_rank=previous_rank,
            previous_score=previous_score,
            rank_change=None if previous_rank is None else previous_rank - rank,
            score_change=None if previous_score is None else round2(score - previous_score),
        )


def scored_leaves(data: BulletinData, quarter: Quarter) -> dict[str, frozenset[str]]:
    """Per unit, the leaves (nodes that are no node's parent) with a score in ``quarter``."""
    frame = data.scores_of(quarter)
    leaves = frame[~frame["node"].isin(set(frame["parent"].dropna()))]
    leaves = leaves[leaves["score"].notna()]
    return {
        str(unit): frozenset(map(str, group["node"]))
        for unit, group in leaves.groupby("unit_code", sort=False)
    }


def rank_rows(data: BulletinData, registry: Registry) -> list[RankRow]:
    names = {u.code: u for u in registry.units}
    now = scored_leaves(data, data.quarter)
    before = scored_leaves(data, data.quarter.previous())
    rows = []
    for r in data.rankings.itertuples(index=False):
        unit = names.get(str(r.unit_code))
        this, last = now.get(str(r.unit_code), frozenset()), before.get(str(r.unit_code))
        rows.append(
            RankRow(
                rank=int(r.rank),
                unit_code=str(r.unit_code),
                unit_name=str(r.unit_name),
                short_name=unit.display_name if unit else str(r.unit_name),
                score=float(r.total_score),
                previous_rank=to_int(r.previous_rank),
                previous_score=to_float(r.previous_score),
                rank_change=to_int(r.rank_change),
                score_change=round2(to_float(r.score_change)),
                leaves_added=tuple(sorted(this - last)) if last is not None else (),
                leaves_dropped=tuple(sorted(last - this)) if last is not None else (),
            )
        )
    return rows


def method_change_notes(rows: list[RankRow], framework: Framework) -> list[str]:
    """One line per distinct leaf-set change: which units, which leaves came in or went out
    (Chinese, for the note under the ranking table)."""

    def named(codes: tuple[str, ...]) -> str:
        return "、".join(f"{c} {framework.node(c).name}" if c in framework else c for c in codes)

    groups: dict[tuple[tuple[str, ...], tuple[str, ...]], list[str]] = {}
    for r in rows:
        if r.method_changed:
            groups.setdefault((r.leaves_added, r.leaves_dropped), []).append(r.short_name)
    notes = []
    for (added, dropped), units in groups.items():
        parts = [
            f"新增{named(added)}" if added else "",
            f"不再计入{named(dropped)}" if dropped else "",
        ]
        notes.append(f"{'、'.join(units)}：{'；'.join(p for p in parts if p)}")
    return notes
