"""The annual evaluation (年度综合评价) and its report (《…营商环境评价 X年度报告》).

The annual score of a unit is the weighted mean of the year's four quarterly totals
(``bulletin.yaml`` ``annual.score: mean_of_quarters``; equal weights by default), or
(``recomputed_from_cases``) its total when every leaf is recomputed over the year's cases
and scored like a quarter (:mod:`pipelines.indicators.annual`). A unit without a total in one of
the four quarters, or a year with a quarter not scored at all, is flagged and gets no annual
score: a year is never averaged over three quarters. Annual ranks are competition ranks of
the unrounded annual score; the change is on the previous year's annual rank (computed the
same way from that year's quarters); the annual 红黑榜 follows the bulletin's rules
(:func:`pipelines.reports.model.lists.red_black_lists`); the 三挂钩 grade comes from configurable
bands by rank or score.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from pipelines.indicators.annual import year_end_leaves
from pipelines.quarters import Quarter
from pipelines.registry import Registry, default_registry
from pipelines.reports.config import AnnualConfig, BulletinConfig, ListRules, load_bulletin_config
from pipelines.reports.content import load_project_framework
from pipelines.reports.data import existing_tables
from pipelines.reports.model.formatting import fmt_number, round2
from pipelines.reports.model.lists import RedBlackLists, red_black_lists
from pipelines.reports.model.method import MethodRow, lead_of, method_rows
from pipelines.reports.model.rankings import RankRow
from pipelines.reports.model.satisfaction import SatisfactionRow
from pipelines.reports.model.trends import TrendSeries
from pipelines.reports.model.weak_points import UnitProfile
from pipelines.reports.rectification import LedgerYear, ledger_year_overview, load_ledger_year
from pipelines.scoring import Framework
from pipelines.sqlfiles import sql

QUARTERS_PER_YEAR = 4


class IncompleteYearError(LookupError):
    """The year has a quarter without scores (Chinese message): no annual evaluation."""


def year_quarters(year: int) -> list[Quarter]:
    return [Quarter(year, q) for q in range(1, QUARTERS_PER_YEAR + 1)]


def _cn_quarters(quarters: list[Quarter]) -> str:
    return "、".join(f"第{'一二三四'[q.q - 1]}季度" for q in quarters)


@dataclass(frozen=True)
class AnnualRow:
    unit_code: str
    unit_name: str
    short_name: str
    quarter_scores: tuple[float | None, ...]  # Q1..Q4 totals
    quarter_ranks: tuple[int | None, ...]
    score: float | None
    rank: int | None
    previous_rank: int | None
    previous_score: float | None
    grade: str | None
    list_place: str = ""

    @property
    def quarters_scored(self) -> int:
        return sum(s is not None for s in self.quarter_scores)

    @property
    def complete(self) -> bool:
        return self.quarters_scored == QUARTERS_PER_YEAR

    @property
    def rank_change(self) -> int | None:
        if self.rank is None or self.previous_rank is None:
            return None
        return self.previous_rank - self.rank


@dataclass(frozen=True)
class AnnualResult:
    year: int
    missing_quarters: tuple[Quarter, ...]  # quarters of the year with no scores at all
    rows: tuple[AnnualRow, ...]  # ranked first (best first), then flagged units
    lists: RedBlackLists
    has_previous: bool

    @property
    def complete(self) -> bool:
        return not self.missing_quarters

    @property
    def ranked(self) -> list[AnnualRow]:
        return [r for r in self.rows if r.rank is not None]

    @property
    def flagged(self) -> list[AnnualRow]:
        return [r for r in self.rows if not r.complete]

    def rank_rows(self) -> list[RankRow]:
        """The ranked units as the bulletin's rows (for its list rules and charts)."""
        return [_rank_row(r) for r in self.ranked]

    def frame(self) -> pd.DataFrame:
        """Columns of scores.annual_rankings (without ``year``)."""
        return pd.DataFrame(
            {
                "unit_code": [r.unit_code for r in self.rows],
                "unit_name": [r.unit_name for r in self.rows],
                "quarters_scored": [r.quarters_scored for r in self.rows],
                "complete": [r.complete for r in self.rows],
                "annual_score": [r.score for r in self.rows],
                "annual_rank": pd.array([r.rank for r in self.rows], dtype="Int64"),
                "previous_rank": pd.array([r.previous_rank for r in self.rows], dtype="Int64"),
                "rank_change": pd.array([r.rank_change for r in self.rows], dtype="Int64"),
                "list_place": [r.list_place for r in self.rows],
                "grade": [r.grade for r in self.rows],
            }
        )


def _rank_row(r: AnnualRow) -> RankRow:
    assert r.rank is not None and r.score is not None
    return RankRow.compared(
        rank=r.rank,
        unit_code=r.unit_code,
        unit_name=r.unit_name,
        short_name=r.short_name,
        score=r.score,
        previous_rank=r.previous_rank,
        previous_score=r.previous_score,
    )


def _annual_scores(
    totals: pd.DataFrame, year: int, weights: tuple[float, ...]
) -> tuple[dict[str, tuple[float | None, ...]], dict[str, tuple[int | None, ...]], list[Quarter]]:
    """Per unit: the four quarters' totals and ranks; and the quarters nobody was scored in."""
    quarters = year_quarters(year)
    mine = totals[totals["quarter"].isin([str(q) for q in quarters])]
    missing = [q for q in quarters if str(q) not in set(mine["quarter"])]
    scores: dict[str, tuple[float | None, ...]] = {}
    ranks: dict[str, tuple[int | None, ...]] = {}
    for unit, group in mine.groupby("unit_code", sort=True):
        by_q = group.set_index("quarter")
        scores[str(unit)] = tuple(
            _num(by_q.at[str(q), "total_score"]) if str(q) in by_q.index else None for q in quarters
        )
        ranks[str(unit)] = tuple(
            _int(by_q.at[str(q), "rank"]) if str(q) in by_q.index else None for q in quarters
        )
    return scores, ranks, missing


def _num(value: object) -> float | None:
    if value is None or value is pd.NA or pd.isna(value):  # type: ignore[arg-type]
        return None
    return float(value)  # type: ignore[arg-type]


def _int(value: object) -> int | None:
    number = _num(value)
    return None if number is None else int(number)


def _weighted(values: tuple[float | None, ...], weights: tuple[float, ...]) -> float | None:
    if any(v is None for v in values):
        return None
    total = sum(weights)
    return sum(w * v for w, v in zip(weights, values, strict=True)) / total  # type: ignore[misc]


def _competition(scores: dict[str, float]) -> dict[str, int]:
    return {u: 1 + sum(1 for o in scores.values() if o > s) for u, s in scores.items()}


def _year_scores(
    totals: pd.DataFrame,
    year: int,
    weights: tuple[float, ...],
    recomputed: Mapping[int, Mapping[str, float]] | None = None,
) -> tuple[dict[str, float], list[Quarter]]:
    """The year's score of each unit with all four quarterly totals: their weighted mean, or
    (``recomputed``: year → unit → total recomputed from the year's cases) the
    recomputed total; none when a quarter of the year is not scored at all."""
    per_unit, _, missing = _annual_scores(totals, year, weights)
    if missing:
        return {}, missing
    out = {}
    for unit, values in per_unit.items():
        if recomputed is not None:
            complete = all(v is not None for v in values)
            value = recomputed.get(year, {}).get(unit) if complete else None
        else:
            value = _weighted(values, weights)
        if value is not None:
            out[unit] = value
    return out, missing


def compute_annual(
    totals: pd.DataFrame,
    year: int,
    config: AnnualConfig,
    rules: ListRules,
    names: dict[str, tuple[str, str]],
    *,
    recomputed: Mapping[int, Mapping[str, float]] | None = None,
) -> AnnualResult:
    """``totals``: columns ``quarter, unit_code, total_score, rank`` for (at least) the year and
    the year before; ``names``: unit_code → (name, short name), in registry order.
    ``recomputed`` (``annual.score: recomputed_from_cases``): year → unit code → the total
    recomputed from that year's cases (:func:`pipelines.indicators.annual.recompute_year`),
    for the year and the year before; the completeness rules are the same (a unit or year
    missing a quarterly total gets no annual score)."""
    weights = config.quarter_weights
    per_unit, per_rank, missing = _annual_scores(totals, year, weights)
    current, _ = _year_scores(totals, year, weights, recomputed)
    ranks = _competition(current)
    previous, prev_missing = _year_scores(totals, year - 1, weights, recomputed)
    prev_ranks = _competition(previous) if previous and not prev_missing else {}
    rows = []
    empty: tuple[None, ...] = (None,) * QUARTERS_PER_YEAR
    for unit, (name, short) in names.items():
        score = current.get(unit) if not missing else None
        rank = ranks.get(unit) if score is not None else None
        rows.append(
            AnnualRow(
                unit_code=unit,
                unit_name=name,
                short_name=short,
                quarter_scores=per_unit.get(unit, empty),
                quarter_ranks=per_rank.get(unit, empty),
                score=score,
                rank=rank,
                previous_rank=prev_ranks.get(unit),
                previous_score=previous.get(unit) if prev_ranks else None,
                grade=config.grade_of(rank, score) if rank is not None else None,
            )
        )
    ranked = sorted((r for r in rows if r.rank is not None), key=lambda r: (r.rank, r.unit_code))
    lists = red_black_lists([_rank_row(r) for r in ranked], rules, "上年度")
    place = {e.unit.unit_code: "red" for e in lists.red}
    place.update({e.unit.unit_code: "black" for e in lists.black})
    ordered = ranked + [r for r in rows if r.rank is None]
    final = tuple(
        AnnualRow(**{**r.__dict__, "list_place": place.get(r.unit_code, "")}) for r in ordered
    )
    return AnnualResult(
        year=year,
        missing_quarters=tuple(missing),
        rows=final,
        lists=lists,
        has_previous=bool(prev_ranks),
    )


# --- the report ------------------------------------------------------------------------------


def _frame(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, object]) -> pd.DataFrame:
    return con.execute(sql(f"annual/{name}"), params).df()


@dataclass(frozen=True)
class IndicatorYear:
    code: str
    name: str
    lead: str
    quarter_means: tuple[float | None, ...]
    year_mean: float | None
    best: tuple[str, float] | None  # (short name, year mean score)
    worst: tuple[str, float] | None


@dataclass(frozen=True)
class DepartmentYear:
    department: str
    responses: int
    quarter_scores: tuple[float | None, ...]  # mean 总体满意度 × 20 per quarter
    score: float  # over all the year's responses
    dissatisfied_share: float


@dataclass(frozen=True)
class AnnualContent:
    year: int
    city: str
    synthetic: bool
    config: BulletinConfig
    framework: Framework
    result: AnnualResult
    rows: list[RankRow]  # ranked units
    trend: list[TrendSeries]
    profiles: list[UnitProfile]  # first-level year means per unit (heatmap)
    indicators: list[IndicatorYear]
    departments: list[DepartmentYear]
    satisfaction: list[SatisfactionRow]  # the departments' year, as the bulletin's rows
    method: list[MethodRow]
    narrative: list[str]
    # recomputed_from_cases: the leaves taken at the year's end (stock, year to date)
    year_end_leaves: tuple[str, ...] = ()
    # The year's rectification ledger (None: no ledger data for the year)
    ledger: LedgerYear | None = None
    ledger_overview: str = ""

    @property
    def score_method(self) -> str:
        """How the annual score was made (one Chinese sentence, without the full stop)."""
        annual = self.config.annual
        if annual.recomputed:
            names = {n.code: n.name for n in self.framework.leaves()}
            stock = "、".join(names.get(c, c) for c in self.year_end_leaves)
            return (
                f"年度得分按全年数据重新计算：各末级指标以{self.year}年四个季度的全部办件、"
                "报装、问卷等记录（各季度以现行有效的报送版本为准）按季度评价的同一口径"
                "计算全年指标值（比率、满意度等均按全年记录计算，不是季度值的平均），"
                "再按季度评价的计分方法计分、汇总并排名"
                + (f"；{stock}为存量或年内累计指标，取年末值" if stock else "")
            )
        weights = annual.quarter_weights
        if len(set(weights)) == 1:
            return f"年度得分为{self.year}年四个季度综合得分的平均值"
        return (
            f"年度得分为{self.year}年四个季度综合得分的加权平均值（权重依次为"
            + "、".join(f"{w:g}" for w in weights)
            + "）"
        )

    @property
    def quarters(self) -> list[Quarter]:
        return year_quarters(self.year)

    @property
    def title(self) -> str:
        return f"{self.city}营商环境评价{self.year}年度报告"


def _mean(values: list[float | None]) -> float | None:
    clean = [v for v in values if v is not None]
    return sum(clean) / len(clean) if clean else None


def build_annual_content(
    con: duckdb.DuckDBPyConnection,
    year: int,
    *,
    config: BulletinConfig | None = None,
    registry: Registry | None = None,
    framework: Framework | None = None,
) -> AnnualContent:
    """Everything the annual report and workbook show. Raises :class:`IncompleteYearError`
    when a quarter of the year has no scores (the year is flagged, never averaged)."""
    config = config or load_bulletin_config()
    registry = registry or default_registry()
    framework = framework or load_project_framework()
    quarters = year_quarters(year)
    tables = existing_tables(con)
    if "scores.rankings" not in tables:
        raise IncompleteYearError(f"仓库中没有评分排名结果，无法进行{year}年度综合评价")
    result = annual_result(con, year, config, registry)
    if result.missing_quarters:
        raise IncompleteYearError(
            f"{year}年{_cn_quarters(list(result.missing_quarters))}尚无评分排名结果，"
            "年度评价不完整：年度得分须由四个季度计算，不以不足四个季度的平均代替"
        )
    rows = result.rank_rows()
    trend = [
        TrendSeries(
            unit_code=r.unit_code,
            short_name=r.short_name,
            quarters=tuple(str(q) for q in quarters),
            scores=r.quarter_scores,
            ranks=r.quarter_ranks,
        )
        for r in result.ranked
    ]

    year_span = {"first_quarter": f"{year}Q1", "last_quarter": f"{year}Q4"}
    first = _frame(con, "first_level_scores", year_span)
    level1 = [n for n in framework.nodes() if n.level == 1]
    short = {r.unit_code: r.short_name for r in rows}
    unit_means: dict[tuple[str, str], float | None] = {}
    for (unit, node), group in first.groupby(["unit_code", "node"], sort=True):
        unit_means[(str(unit), str(node))] = _mean([_num(v) for v in group["score"]])
    indicators = []
    for node in level1:
        mine = first[(first["node"] == node.code) & first["unit_code"].isin(short)]
        q_means = tuple(
            _mean([_num(v) for v in mine[mine["quarter"] == str(q)]["score"]]) for q in quarters
        )
        per_unit = [
            (short[u], v) for u in short if (v := unit_means.get((u, node.code))) is not None
        ]
        per_unit.sort(key=lambda t: (-t[1], t[0]))
        indicators.append(
            IndicatorYear(
                code=node.code,
                name=node.name,
                lead=lead_of(framework, node),
                quarter_means=q_means,
                year_mean=_mean([v for _, v in per_unit]),
                best=per_unit[0] if per_unit else None,
                worst=per_unit[-1] if per_unit else None,
            )
        )
    profiles = [
        UnitProfile(
            unit=r,
            weak_points=(),
            first_level=tuple((n.name, unit_means.get((r.unit_code, n.code))) for n in level1),
        )
        for r in rows
    ]

    departments: list[DepartmentYear] = []
    if "warehouse.satisfaction_responses" in tables:
        sat = _frame(
            con,
            "satisfaction_by_department",
            {**year_span, "dissatisfied_at_most": config.dissatisfied_at_most},
        )
        for dept, group in sat.groupby("department", sort=True):
            by_q = group.set_index("quarter")
            n = int(group["responses"].sum())
            if not n:
                continue
            overall = float((group["mean_overall"] * group["responses"]).sum()) / n
            departments.append(
                DepartmentYear(
                    department=str(dept),
                    responses=n,
                    quarter_scores=tuple(
                        round2(float(by_q.at[str(q), "mean_overall"]) * 20.0)
                        if str(q) in by_q.index
                        else None
                        for q in quarters
                    ),
                    score=round2(overall * 20.0) or 0.0,
                    dissatisfied_share=float(group["dissatisfied"].sum()) / n,
                )
            )
        departments.sort(key=lambda d: (-d.score, -d.responses, d.department))
    satisfaction: list[SatisfactionRow] = []
    for i, d in enumerate(departments):
        rank = (
            satisfaction[-1].rank if satisfaction and satisfaction[-1].score == d.score else i + 1
        )
        satisfaction.append(
            SatisfactionRow(rank, d.department, d.responses, d.score, d.dissatisfied_share)
        )

    ledger = load_ledger_year(con, year)
    content = AnnualContent(
        year=year,
        city=registry.city_name,
        synthetic=registry.synthetic,
        config=config,
        framework=framework,
        result=result,
        rows=rows,
        trend=trend,
        profiles=profiles,
        indicators=indicators,
        departments=departments,
        satisfaction=satisfaction,
        method=method_rows(framework),
        narrative=[],
        year_end_leaves=tuple(year_end_leaves(framework)) if config.annual.recomputed else (),
        ledger=ledger,
        ledger_overview=ledger_year_overview(ledger) if ledger is not None else "",
    )
    return AnnualContent(**{**content.__dict__, "narrative": annual_overview(content)})


def annual_overview(c: AnnualContent) -> list[str]:
    """一、总体情况 of the annual report, from the computed records."""
    r = c.result
    paragraphs = [
        f"{c.year}年，全市{len(r.rows)}个县（市、区）和开发区参加营商环境年度综合评价。"
        + (
            "年度得分以全年四个季度的数据重新计算各指标值后计分"
            if c.config.annual.recomputed
            else f"年度得分为{c.year}年四个季度综合得分的"
            + ("平均值" if len(set(c.config.annual.quarter_weights)) == 1 else "加权平均值")
        )
        + f"，共有{len(r.ranked)}个单位四个季度均有得分并参加年度排名"
        + (f"，{len(r.flagged)}个单位因缺少季度得分未参加排名" if r.flagged else "")
        + "。"
    ]
    if c.rows:
        leader = [x for x in c.rows if x.rank == c.rows[0].rank]
        last = [x for x in c.rows if x.rank == c.rows[-1].rank]
        mean = round2(sum(x.score for x in c.rows) / len(c.rows))
        paragraphs.append(
            f"年度得分第一的是{'、'.join(x.unit_name for x in leader)}"
            f"（{fmt_number(round2(leader[0].score))}分），"
            f"末位的是{'、'.join(x.unit_name for x in last)}"
            f"（{fmt_number(round2(last[0].score))}分）；全市平均年度得分{fmt_number(mean)}分。"
        )
    if r.has_previous:
        moved = [x for x in r.ranked if x.rank_change is not None]
        up = sum(1 for x in moved if (x.rank_change or 0) > 0)
        down = sum(1 for x in moved if (x.rank_change or 0) < 0)
        paragraphs.append(
            f"与{c.year - 1}年度相比，{up}个单位排名上升，{down}个下降，"
            f"{len(moved) - up - down}个持平。"
        )
    else:
        paragraphs.append(f"{c.year - 1}年度没有完整的四个季度评分，暂无与上年度的比较。")
    counts = {band.grade: 0 for band in c.config.annual.grades}
    for x in r.ranked:
        if x.grade is not None:
            counts[x.grade] = counts.get(x.grade, 0) + 1
    paragraphs.append(
        "“三挂钩”年度等次："
        + "，".join(f"{grade}{n}个" for grade, n in counts.items())
        + f"。列入年度红榜的{len(r.lists.red)}个单位："
        + ("、".join(e.unit.unit_name for e in r.lists.red) or "无")
        + f"；列入年度黑榜的{len(r.lists.black)}个单位："
        + ("、".join(e.unit.unit_name for e in r.lists.black) or "无")
        + "。"
    )
    return paragraphs


def annual_dir_name(year: int) -> str:
    return f"{year}年度"


def annual_report_name(city: str, year: int) -> str:
    return f"{city}营商环境评价_{year}年度报告.html"


def annual_workbook_name(city: str, year: int) -> str:
    return f"{city}营商环境评价_{year}年度数据表.xlsx"


def generated_now() -> datetime:
    from pipelines.reports.build import now_shanghai

    return now_shanghai()


def replace_annual_rankings(
    con: duckdb.DuckDBPyConnection, year: int, result: AnnualResult
) -> None:
    """Replace the year's partition of scores.annual_rankings (one transaction)."""
    from pipelines.warehouse.store import transaction

    frame = result.frame()
    with transaction(con):
        con.execute(sql("annual/delete_annual_rankings"), {"year": year})
        con.register("annual_rows", frame)
        try:
            if len(frame):
                con.execute(sql("annual/insert_annual_rankings"), {"year": year})
        finally:
            con.unregister("annual_rows")


def annual_result(
    con: duckdb.DuckDBPyConnection,
    year: int,
    config: BulletinConfig,
    registry: Registry | None = None,
    *,
    recomputed_year: Mapping[str, float] | None = None,
) -> AnnualResult:
    """The year's evaluation from the stored quarterly rankings (flagged if incomplete).

    ``annual.score: recomputed_from_cases``: the year's scores are ``recomputed_year`` (unit
    → total recomputed from the year's cases, :func:`evaluate_year`) or, when not given (the
    report, read-only), those stored in scores.annual_rankings; the year before is compared
    through its stored annual scores (materialise the years in order). Raises
    :class:`IncompleteYearError` when the year is complete but has no stored scores."""
    registry = registry or default_registry()
    span = {"first_quarter": f"{year - 1}Q1", "last_quarter": f"{year}Q4"}
    totals = _frame(con, "quarter_totals", span)
    names = {u.code: (u.display_name, u.display_name) for u in registry.units}
    recomputed: dict[int, Mapping[str, float]] | None = None
    if config.annual.recomputed:
        _, _, missing = _annual_scores(totals, year, config.annual.quarter_weights)
        current = recomputed_year
        if current is None:
            current = _stored_scores(con, year)
            if not current and not missing:
                raise IncompleteYearError(
                    f"{year}年度尚无按全年办件重新计算的年度得分（annual.score: "
                    "recomputed_from_cases）：请先运行年度评价资产 annual/annual_rankings"
                )
        recomputed = {year: current, year - 1: _stored_scores(con, year - 1)}
    return compute_annual(totals, year, config.annual, config.rules, names, recomputed=recomputed)


def _stored_scores(con: duckdb.DuckDBPyConnection, year: int) -> dict[str, float]:
    """Unit → stored annual score of the year (complete units; empty if not stored)."""
    if "scores.annual_rankings" not in existing_tables(con):
        return {}
    table = read_annual_rankings(con, year)
    table = table[table["annual_score"].notna()]
    return {
        str(u): float(v) for u, v in zip(table["unit_code"], table["annual_score"], strict=True)
    }


def evaluate_year(
    con: duckdb.DuckDBPyConnection,
    year: int,
    config: BulletinConfig,
    framework: Framework,
    registry: Registry | None = None,
) -> AnnualResult:
    """What asset annual/annual_rankings stores. ``mean_of_quarters``: :func:`annual_result`.
    ``recomputed_from_cases``: when the four quarters are scored, every leaf is recomputed
    over the year's warehouse rows and scored like a quarter
    (:func:`pipelines.indicators.annual.recompute_year`; needs write access for the working
    day calendar)."""
    if not config.annual.recomputed:
        return annual_result(con, year, config, registry)
    from pipelines.indicators.annual import recompute_year
    from pipelines.scoring import units_from_registry

    registry = registry or default_registry()
    totals = _frame(
        con, "quarter_totals", {"first_quarter": f"{year}Q1", "last_quarter": f"{year}Q4"}
    )
    _, _, missing = _annual_scores(totals, year, config.annual.quarter_weights)
    scores: Mapping[str, float] = {}
    if not missing:
        scores = recompute_year(con, framework, year, units_from_registry(registry)).totals
    return annual_result(con, year, config, registry, recomputed_year=scores)


def read_annual_rankings(con: duckdb.DuckDBPyConnection, year: int) -> pd.DataFrame:
    return con.execute(sql("annual/select_annual_rankings"), {"year": year}).df()
