"""红黑榜: the red list (top and biggest risers) and the black list (bottom and big fallers)
by the bulletin's list rules."""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.reports.config import ListRules
from pipelines.reports.model.rankings import RankRow


@dataclass(frozen=True)
class ListEntry:
    unit: RankRow
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class RedBlackLists:
    red: tuple[ListEntry, ...]
    black: tuple[ListEntry, ...]


def _with_ties(rows: list[RankRow], n: int, values: dict[str, float]) -> set[str]:
    """Codes of the first ``n`` rows (sorted best first by ``values``) plus any tied with the
    n-th."""
    if n <= 0 or not rows:
        return set()
    cut = values[rows[min(n, len(rows)) - 1].unit_code]
    return {r.unit_code for r in rows if values[r.unit_code] >= cut}


def red_black_lists(
    rows: list[RankRow], rules: ListRules, previous_label: str = "上季度"
) -> RedBlackLists:
    """红榜: top N and the N biggest risers; 黑榜: bottom N and every unit that fell
    ≥ ``fall_places`` places. Ties at a boundary are included; a unit is on one list only.
    ``previous_label`` names the period compared with in the reasons (上年度 for the year)."""
    n = len(rows)
    by_rank = sorted(rows, key=lambda r: (r.rank, r.unit_code))
    top = {r.unit_code for r in by_rank if r.rank <= rules.top} if rules.top else set()
    bottom_cut = by_rank[max(n - rules.bottom, 0)].rank if rules.bottom and n else None
    bottom = (
        {r.unit_code for r in by_rank if r.rank >= bottom_cut} if bottom_cut is not None else set()
    )
    bottom -= top
    risers_sorted = sorted(
        (r for r in rows if (r.rank_change or 0) > 0),
        key=lambda r: (-(r.rank_change or 0), -(r.score_change or 0.0), r.rank, r.unit_code),
    )
    risers = _with_ties(
        risers_sorted, rules.risers, {r.unit_code: float(r.rank_change or 0) for r in rows}
    )
    fallers = (
        {
            r.unit_code
            for r in rows
            if r.rank_change is not None and -r.rank_change >= rules.fall_places
        }
        if rules.fall_places
        else set()
    )

    red: list[ListEntry] = []
    black: list[ListEntry] = []
    for r in by_rank:
        reasons: list[str] = []
        if r.unit_code in top:
            reasons.append(f"综合排名第{r.rank}位")
        if r.unit_code in risers:
            reasons.append(f"排名较{previous_label}上升{r.rank_change}位")
        if reasons and r.unit_code not in bottom:
            red.append(ListEntry(r, tuple(reasons)))
            continue
        reasons = []
        if r.unit_code in bottom:
            from_bottom = n - r.rank + 1
            reasons.append(f"综合排名第{r.rank}位（倒数第{from_bottom}位）")
        if r.unit_code in fallers and r.unit_code not in top:
            reasons.append(f"排名较{previous_label}下降{-(r.rank_change or 0)}位")
        if r.unit_code in bottom and r.unit_code in risers:
            reasons.append(f"虽较{previous_label}上升{r.rank_change}位，仍处末位区间")
        if reasons:
            black.append(ListEntry(r, tuple(reasons)))
    return RedBlackLists(tuple(red), tuple(black))
