"""The bulletin's content as plain records, computed from :class:`BulletinData`.

Pure functions (frames in, dataclasses out): rankings with their changes, 红黑榜, first-level
summaries, weak points (短板), satisfaction, data quality and the method table. The narrative
(:mod:`pipelines.reports.narrative`), the HTML and the workbook all read these records, so a
number is computed once and shown the same everywhere.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from pipelines.contracts import contract, enabled_sources
from pipelines.env import TIMEZONE
from pipelines.quarters import Quarter
from pipelines.registry import Registry
from pipelines.reports.config import BulletinConfig, ListRules
from pipelines.reports.data import BulletinData
from pipelines.scoring import Framework, Node

SHANGHAI = ZoneInfo(TIMEZONE)


def _num(value: object) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _int(value: object) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def round2(value: float | None) -> float | None:
    """Rounding used for every displayed score: the narrative and tables agree to the digit."""
    return None if value is None else round(value + 0.0, 2)


# --- rankings --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    rank: int
    unit_code: str
    unit_name: str
    short_name: str
    score: float
    previous_rank: int | None
    previous_score: float | None
    # Leaves scored for the unit this quarter and not the previous one, and the reverse: a
    # change of the leaf set is a method change mixed into the rank and score changes.
    leaves_added: tuple[str, ...] = ()
    leaves_dropped: tuple[str, ...] = ()

    @property
    def method_changed(self) -> bool:
        """The rank / score change compares different leaf sets (flag it in the bulletin)."""
        return self.previous_rank is not None and bool(self.leaves_added or self.leaves_dropped)

    @property
    def rank_change(self) -> int | None:
        """Places moved up (positive) or down (negative) since the previous quarter."""
        return None if self.previous_rank is None else self.previous_rank - self.rank

    @property
    def score_change(self) -> float | None:
        if self.previous_score is None:
            return None
        return round2(self.score - self.previous_score)


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
                previous_rank=_int(r.previous_rank),
                previous_score=_num(r.previous_score),
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


# --- 红黑榜 ----------------------------------------------------------------------------------


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


# --- framework -------------------------------------------------------------------------------

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


def fmt_number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return "0" if text in ("-0", "0") else text


def fmt_value(value: float | None) -> str:
    """A raw indicator value: fewer decimals as the magnitude grows (18,445 元, 3.94 个)."""
    if value is None:
        return "—"
    size = abs(value)
    return fmt_number(value, 0 if size >= 1000 else 1 if size >= 100 else 2)


def fmt_bound(value: object) -> str:
    number = _num(value)
    if number is None:
        return "—"
    return f"{number:g}"


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


# --- first-level indicators ------------------------------------------------------------------


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
        if self.mean is None or self.previous_mean is None:
            return None
        return round2(round2(self.mean) - round2(self.previous_mean))  # type: ignore[operator]

    @property
    def best(self) -> UnitScore | None:
        return self.units[0] if self.units and self.units[0].score is not None else None

    @property
    def worst(self) -> UnitScore | None:
        scored = [u for u in self.units if u.score is not None]
        return scored[-1] if scored else None


def _mean(series: pd.Series) -> float | None:
    clean = pd.to_numeric(series, errors="coerce").dropna()
    return float(clean.mean()) if len(clean) else None


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
                score=_num(r.score),
                rank=_int(r.rank),
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
                mean=_mean(cur["score"]),
                previous_mean=_mean(previous[previous["node"] == node.code]["score"]),
                units=tuple(units),
            )
        )
    return out


# --- key indicators (narrative) --------------------------------------------------------------


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
        if self.mean is None or self.previous_mean is None:
            return None
        return round2(round2(self.mean) - round2(self.previous_mean))  # type: ignore[operator]

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
                mean=_mean(cur[col]),
                previous_mean=_mean(prev[col]),
            )
        )
    return out


# --- 短板 -------------------------------------------------------------------------------------


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
        (str(r.unit_code), str(r.indicator)): _num(r.value) for r in values.itertuples(index=False)
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
    l1_score = {(str(r.unit_code), str(r.node)): _num(r.score) for r in l1.itertuples(index=False)}

    profiles = []
    for row in rows:
        mine = s2[(s2["unit_code"] == row.unit_code) & s2["rank"].notna()]
        ordered = sorted(
            mine.itertuples(index=False),
            key=lambda r: (-int(r.rank), _num(r.score) or 0.0, str(r.node)),
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
                    score=_num(r.score),
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


# --- satisfaction ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SatisfactionRow:
    rank: int
    department: str
    responses: int
    score: float  # mean 总体满意度 (1-5) × 20, on 100
    dissatisfied_share: float  # 0-1
    # 服务态度, 办事效率, 政策落实, 廉洁自律: mean (1-5) × 20 (None when none answered)
    sub_scores: tuple[float | None, ...] = (None, None, None, None)


SUB_SCORES = ("服务态度", "办事效率", "政策落实", "廉洁自律")
_SUB_SCORE_COLUMNS = ("mean_attitude", "mean_efficiency", "mean_policy", "mean_integrity")


@dataclass(frozen=True)
class Comment:
    department: str
    score_overall: int | None
    text: str


def satisfaction_rows(data: BulletinData) -> list[SatisfactionRow]:
    frame = data.satisfaction
    items = [
        (
            str(r.department),
            int(r.responses),
            round2(float(r.mean_overall) * 20.0) or 0.0,
            float(r.dissatisfied) / float(r.responses) if r.responses else 0.0,
            tuple(
                None if (v := _num(getattr(r, c, None))) is None else round2(v * 20.0)
                for c in _SUB_SCORE_COLUMNS
            ),
        )
        for r in frame.itertuples(index=False)
        if r.responses
    ]
    items.sort(key=lambda t: (-t[2], -t[1], t[0]))
    out: list[SatisfactionRow] = []
    for i, (dept, n, score, share, subs) in enumerate(items):
        rank = out[-1].rank if out and out[-1].score == score else i + 1
        out.append(SatisfactionRow(rank, dept, n, score, share, subs))
    return out


def selected_comments(
    data: BulletinData, rows: list[SatisfactionRow], departments: int, per_department: int
) -> list[Comment]:
    """Comments on the lowest-rated departments, lowest ratings first."""
    lowest = [r.department for r in reversed(rows)][:departments]
    out = []
    for dept in lowest:
        sub = data.comments[data.comments["department"] == dept]
        for r in sub.head(per_department).itertuples(index=False):
            out.append(Comment(dept, _int(r.score_overall), str(r.comment)))
    return out


# --- data quality ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RejectedVersion:
    file_name: str
    received_at: datetime
    error_count: int
    rules: tuple[tuple[str, int], ...]
    messages: tuple[str, ...]


@dataclass(frozen=True)
class SourceQuality:
    source: str
    title: str
    submitters: str
    file_name: str | None
    received_at: datetime | None
    deadline: datetime
    rows: int | None
    versions: int
    superseded: int
    rejected: tuple[RejectedVersion, ...] = field(default_factory=tuple)
    required: bool = True
    sender: str | None = None  # who sent the version in force (portal user), when known

    @property
    def status(self) -> str:
        """未报送 (nothing received), 未入库 (received, nothing in force) or the file name."""
        if self.file_name is not None:
            return self.file_name
        return "未报送" if self.versions == 0 else "未入库"

    @property
    def on_time(self) -> bool | None:
        if self.received_at is None:
            return None
        return self.received_at <= self.deadline


def submission_deadline(quarter: Quarter, days: int) -> datetime:
    """End of the day ``days`` calendar days after the quarter ends, Asia/Shanghai."""
    day = quarter.end + timedelta(days=days)
    return datetime.combine(day, time(23, 59, 59), tzinfo=SHANGHAI)


def _shanghai(value: object) -> datetime:
    stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize(SHANGHAI)
    return stamp.tz_convert(SHANGHAI).to_pydatetime()


def data_quality(data: BulletinData, deadline_days: int) -> list[SourceQuality]:
    deadline = submission_deadline(data.quarter, deadline_days)
    subs = data.submissions
    out = []
    for source in enabled_sources():
        spec = contract(source)
        mine = subs[subs["source"] == source]
        force = mine[mine["in_force"].astype(bool)]
        rejected = []
        for r in mine[mine["status"] == "rejected"].itertuples(index=False):
            rules = data.rejection_rules[
                (data.rejection_rules["source"] == source)
                & (data.rejection_rules["submission_hash"] == r.submission_hash)
            ]
            messages = data.rejection_messages[
                (data.rejection_messages["source"] == source)
                & (data.rejection_messages["submission_hash"] == r.submission_hash)
            ]
            rejected.append(
                RejectedVersion(
                    file_name=str(r.file_name),
                    received_at=_shanghai(r.received_at),
                    error_count=_int(r.error_count) or 0,
                    rules=tuple((str(x.rule), int(x.errors)) for x in rules.itertuples()),
                    messages=tuple(
                        (f"第{int(m.row_number)}行 " if _num(m.row_number) is not None else "")
                        + (f"{m.column_header}：" if isinstance(m.column_header, str) else "")
                        + str(m.message)
                        for m in messages.itertuples()
                    ),
                )
            )
        current = force.iloc[-1] if len(force) else None
        out.append(
            SourceQuality(
                source=source,
                title=spec.title,
                submitters="、".join(spec.submitters),
                file_name=str(current["file_name"]) if current is not None else None,
                received_at=_shanghai(current["received_at"]) if current is not None else None,
                deadline=deadline,
                rows=_int(current["data_rows"]) if current is not None else None,
                versions=len(mine),
                superseded=int((mine["status"] == "superseded").sum()),
                rejected=tuple(rejected),
                required=spec.required,
                sender=_sender(current),
            )
        )
    return out


def _sender(current: object) -> str | None:
    if current is None:
        return None
    value = current.get("submitted_by")  # type: ignore[attr-defined]
    return value if isinstance(value, str) and value else None


def data_cutoff(quality: list[SourceQuality]) -> datetime | None:
    """When the last version in force was received (the data the bulletin rests on)."""
    stamps = [q.received_at for q in quality if q.received_at is not None]
    return max(stamps) if stamps else None


# --- trend -----------------------------------------------------------------------------------


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
                    _num(mine.at[q, "total_score"]) if q in mine.index else None for q in quarters
                ),
                ranks=tuple(
                    _int(mine.at[q, "rank"]) if q in mine.index else None for q in quarters
                ),
            )
        )
    return out


# --- 名次稳健性 --------------------------------------------------------------------------------


def fmt_share(share: float | None) -> str:
    """A share of simulations as a whole percentage (half up): 0.925 → 93%."""
    if share is None:
        return "—"
    return f"{math.floor(share * 100 + 0.5)}%"


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
        if r is None or _int(r.nominal_rank) != row.rank:
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
        Driver(str(s.factor), str(s.factor_label), _num(s.s1), _num(s.st))
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
