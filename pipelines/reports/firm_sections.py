"""The bulletin's and workbook's sections on the firm-level sources: 涉企诉求办理 ("123"
funnel, units, 承办单位), 执法检查 (亮灯 by unit and department, 亮灯清单) and 惠企政策兑现
(免申即享, days to payment).

Kept apart from :mod:`pipelines.reports.model` (one module, one template include each for the
chapters and the appendix). A section appears when the framework has its first-level
indicator (found by name) and the warehouse has its table. Every number of the narratives is
computed here from the same records the tables and charts show. Firm names and credit codes
are masked when ``bulletin.yaml`` sets ``mask_firms: true`` (an edition for outside the office).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from pipelines.quarters import Quarter
from pipelines.registry import Registry
from pipelines.reports.data import BulletinData, existing_tables, report_sql
from pipelines.scoring import Framework, Node

REQUESTS_NAME, INSPECTIONS_NAME, PAYOUTS_NAME = "涉企诉求办理", "包容审慎监管", "惠企政策兑现"
# Leaves by the stem of their SQL file (a city may renumber its codes).
FUNNEL_STEMS = (
    ("request_contact_rate", "1个工作日内联系企业"),
    ("request_assign_rate", "2个工作日内交办"),
    ("request_feedback_rate", "3个工作日内反馈"),
)
YELLOW_STEM, AUTO_STEM, DAYS_STEM, FIRMS_STEM = (
    "inspection_yellow_share",
    "auto_payout_rate",
    "payout_days",
    "firms_benefited",
)


def mask_firm_name(name: str) -> str:
    """江海恒泰科技有限公司 → 江海**科技有限公司: the first two characters and the last six
    (industry and legal form) stay, the trade name in between is hidden."""
    text = str(name)
    if len(text) <= 4:
        return text[:1] + "**"
    keep_tail = min(6, len(text) - 3)
    return text[:2] + "**" + text[-keep_tail:]


def mask_credit_code(code: str) -> str:
    """91320100MA1234X234 → 9132****X234."""
    text = str(code)
    return text[:4] + "****" + text[-4:] if len(text) > 8 else "****"


def _num(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


@dataclass(frozen=True)
class UnitRow:
    """One unit in a section's table: the first-level score and rank and its leaves' values."""

    rank: int | None
    unit_code: str
    short_name: str
    score: float | None
    values: tuple[float | None, ...]
    n_cases: tuple[int | None, ...]


@dataclass(frozen=True)
class Section:
    code: str
    name: str
    lead: str | None
    leaves: tuple[Node, ...]
    rows: tuple[UnitRow, ...]  # rank order, unscored units last

    def leaf(self, stem: str) -> int | None:
        for i, node in enumerate(self.leaves):
            if node.sql and node.sql.rstrip().removesuffix(".sql").endswith(stem):
                return i
        return None

    def total_cases(self, i: int) -> int:
        return sum(r.n_cases[i] or 0 for r in self.rows)

    def counted(self, i: int) -> int:
        """Cases behind a percentage leaf: Σ round(value × n / 100) over units."""
        return sum(
            round((r.values[i] or 0.0) * (r.n_cases[i] or 0) / 100.0)
            for r in self.rows
            if r.values[i] is not None
        )


@dataclass(frozen=True)
class DepartmentRow:
    rank: int
    department: str
    requests: int
    rates: tuple[float | None, ...]  # contact, assign, feedback, complex, satisfaction, repeat


@dataclass(frozen=True)
class LitFirm:
    firm_name: str
    credit_code: str
    unit_name: str
    inspections: int
    light: str
    departments: str
    dates: str


@dataclass(frozen=True)
class FirmSections:
    quarter: Quarter
    masked: bool
    yellow_at: float
    red_at: float
    payout_limit: float | None
    requests: Section | None = None
    funnel: tuple[tuple[str, int], ...] = ()
    departments: tuple[DepartmentRow, ...] = ()
    inspections: Section | None = None
    lit: tuple[LitFirm, ...] = ()
    lit_by_unit: tuple[tuple[str, int, int], ...] = ()  # short name, yellow, red
    by_department: tuple[tuple[str, int, int, int], ...] = ()
    payouts: Section | None = None
    narratives: dict[str, str] = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return any(s is not None for s in (self.requests, self.inspections, self.payouts))


def _section(
    framework: Framework, name: str, data: BulletinData, registry: Registry
) -> Section | None:
    node = next((n for n in framework.nodes() if n.level == 1 and n.name == name), None)
    if node is None:
        return None
    leaves = tuple(framework.node(c) for c in node.children if framework.node(c).is_leaf)
    quarter = data.quarter
    scores = data.scores_of(quarter)
    scores = scores[scores["node"] == node.code].set_index("unit_code")
    values = data.values_of(quarter)
    values = values[values["indicator"].isin([leaf.code for leaf in leaves])]
    by_key = {(str(r.unit_code), str(r.indicator)): r for r in values.itertuples(index=False)}
    rows = []
    for unit in registry.units:
        has_values = any((unit.code, leaf.code) in by_key for leaf in leaves)
        score = _num(scores["score"].get(unit.code)) if unit.code in scores.index else None
        if not has_values and score is None:
            continue
        rank = scores["rank"].get(unit.code) if unit.code in scores.index else None
        rows.append(
            UnitRow(
                rank=None if rank is None or pd.isna(rank) else int(rank),
                unit_code=unit.code,
                short_name=unit.display_name,
                score=score,
                values=tuple(
                    _num(by_key[(unit.code, leaf.code)].value)
                    if (unit.code, leaf.code) in by_key
                    else None
                    for leaf in leaves
                ),
                n_cases=tuple(
                    int(by_key[(unit.code, leaf.code)].n_cases)
                    if (unit.code, leaf.code) in by_key
                    else None
                    for leaf in leaves
                ),
            )
        )
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.unit_code))
    return Section(node.code, node.name, node.lead, leaves, tuple(rows))


def _calendar(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> None:
    """Register ``work_calendar`` (previous and current year) for the departments view; the
    bulletin's connection is read-only, so a registered frame, not a table."""
    from pipelines.workdays import covered_years, work_calendar

    first, last = covered_years()
    start = max(quarter.year - 1, first)
    end = min(quarter.year, last)
    con.register("work_calendar", work_calendar(date(start, 1, 1), date(end, 12, 31)))


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def build_firm_sections(
    con: duckdb.DuckDBPyConnection,
    data: BulletinData,
    framework: Framework,
    registry: Registry,
    *,
    masked: bool = False,
) -> FirmSections:
    quarter = data.quarter
    tables = existing_tables(con)
    params = framework.parameters
    yellow_at = float(params.get("inspection_yellow_at", 2))
    red_at = float(params.get("inspection_red_at", 3))
    limit = _num(params.get("payout_limit_workdays"))
    names = {u.code: u.display_name for u in registry.units}
    narratives: dict[str, str] = {}
    result: dict[str, object] = {}

    requests = _section(framework, REQUESTS_NAME, data, registry)
    if requests is not None and "warehouse.enterprise_requests" in tables:
        idx = [requests.leaf(stem) for stem, _label in FUNNEL_STEMS]
        total = requests.total_cases(idx[0]) if idx[0] is not None else 0
        funnel = [("受理并办结", total)] + [
            (label, requests.counted(i))
            for (_s, label), i in zip(FUNNEL_STEMS, idx, strict=True)
            if i is not None
        ]
        result["funnel"] = tuple(funnel)
        _calendar(con, quarter)
        try:
            frame = con.execute(
                report_sql("request_departments"),
                {
                    "quarter": str(quarter),
                    "year_ago_quarter": str(quarter.same_quarter_last_year()),
                },
            ).df()
        finally:
            con.unregister("work_calendar")
        result["departments"] = tuple(
            DepartmentRow(
                rank=int(r.overall_rank),
                department=str(r.department),
                requests=int(r.requests),
                rates=tuple(
                    _num(getattr(r, c))
                    for c in (
                        "contact_rate",
                        "assign_rate",
                        "feedback_rate",
                        "complex_rate",
                        "satisfaction",
                        "repeat_rate",
                    )
                ),
            )
            for r in frame.itertuples(index=False)
        )
        parts = [f"本季度全市办结涉企诉求{total}件"]
        parts += [
            f"{label}{count}件（{_pct(100.0 * count / total if total else None)}）"
            for label, count in funnel[1:]
        ]
        text = "，其中".join(parts[:2]) + ("，" + "，".join(parts[2:]) if len(parts) > 2 else "")
        scored = [r for r in requests.rows if r.score is not None]
        if scored:
            text += (
                f"。{REQUESTS_NAME}得分{scored[0].short_name}最高（{scored[0].score:.2f}分），"
                f"{scored[-1].short_name}最低（{scored[-1].score:.2f}分）"
            )
        narratives["requests"] = text + "。"
        result["requests"] = requests

    inspections = _section(framework, INSPECTIONS_NAME, data, registry)
    if inspections is not None and "warehouse.inspections" in tables:
        q = {
            "quarter": str(quarter),
            "year_start_quarter": f"{quarter.year}Q1",
            "yellow_at": yellow_at,
            "red_at": red_at,
        }
        lit_frame = con.execute(report_sql("inspection_lights"), q).df()
        lit = tuple(
            LitFirm(
                firm_name=mask_firm_name(r.firm_name) if masked else str(r.firm_name),
                credit_code=mask_credit_code(r.credit_code) if masked else str(r.credit_code),
                unit_name=names.get(str(r.unit_code), str(r.unit_code)),
                inspections=int(r.inspections),
                light=str(r.light),
                departments=str(r.departments),
                dates=str(r.dates),
            )
            for r in lit_frame.itertuples(index=False)
        )
        by_unit = []
        for row in inspections.rows:
            unit_name = row.short_name
            yellow = sum(1 for f in lit if f.unit_name == unit_name and f.light == "黄灯")
            red = sum(1 for f in lit if f.unit_name == unit_name and f.light == "红灯")
            by_unit.append((unit_name, yellow, red))
        dept_frame = con.execute(
            report_sql("inspections_by_department"),
            {k: v for k, v in q.items() if k != "red_at"},
        ).df()
        result["lit"] = lit
        result["lit_by_unit"] = tuple(by_unit)
        result["by_department"] = tuple(
            (str(r.department), int(r.inspections), int(r.lit_inspections), int(r.lit_firms))
            for r in dept_frame.itertuples(index=False)
        )
        yi = inspections.leaf(YELLOW_STEM)
        firms = inspections.total_cases(yi) if yi is not None else 0
        n_yellow = sum(1 for f in lit if f.light == "黄灯")
        n_red = sum(1 for f in lit if f.light == "红灯")
        text = (
            f"{quarter.year}年初至本季度末，全市受检企业{firms}家，其中亮黄灯{n_yellow}家、"
            f"亮红灯{n_red}家（同一企业年内被检查{yellow_at:g}次亮黄灯、{red_at:g}次及以上亮红灯，"
            "名单见附录三）"
        )
        if result["by_department"]:
            top = result["by_department"][0]  # type: ignore[index]
            text += f"；涉及亮灯企业最多的执法部门为{top[0]}（{top[3]}家）"
        narratives["inspections"] = text + "。"
        result["inspections"] = inspections

    payouts = _section(framework, PAYOUTS_NAME, data, registry)
    if payouts is not None and "warehouse.policy_payouts" in tables:
        ai, di, fi = (payouts.leaf(s) for s in (AUTO_STEM, DAYS_STEM, FIRMS_STEM))
        parts = []
        if di is not None:
            n = payouts.total_cases(di)
            days = sum((r.values[di] or 0.0) * (r.n_cases[di] or 0) for r in payouts.rows)
            parts.append(f"本季度全市兑现惠企政策资金{n}笔")
            if fi is not None:
                parts.append(
                    f"惠及企业{int(sum(r.values[fi] or 0 for r in payouts.rows))}家（各地合计）"
                )
            if n:
                parts.append(f"审核通过至拨付平均{days / n:.1f}个工作日")
        if ai is not None:
            recognised = payouts.total_cases(ai)
            auto = payouts.counted(ai)
            share = 100.0 * auto / recognised if recognised else None
            parts.append(f"认定类政策兑现{recognised}笔，其中免申即享{auto}笔（{_pct(share)}）")
        scored = [r for r in payouts.rows if r.score is not None]
        text = "，".join(parts)
        if scored:
            text += (
                f"。{PAYOUTS_NAME}得分{scored[0].short_name}最高（{scored[0].score:.2f}分），"
                f"{scored[-1].short_name}最低（{scored[-1].score:.2f}分）"
            )
        narratives["payouts"] = text + "。"
        result["payouts"] = payouts

    return FirmSections(
        quarter=quarter,
        masked=masked,
        yellow_at=yellow_at,
        red_at=red_at,
        payout_limit=limit,
        narratives=narratives,
        **result,  # type: ignore[arg-type]
    )
