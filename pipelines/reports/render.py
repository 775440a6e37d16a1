"""HTML rendering of the bulletin and the index of all quarters.

One self-contained file: CSS inlined, plotly.js inlined once, every chart a JSON spec drawn
by ``Plotly.newPlot`` into a div with a fixed id. Jinja2 autoescape is on: department text
(file names, rejection messages, comments) is escaped wherever it appears.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from pipelines.env import REPORTS_DIR
from pipelines.quarters import Quarter
from pipelines.reports import charts, firm_charts
from pipelines.reports.content import BulletinContent
from pipelines.reports.model.formatting import fmt_number, fmt_share, fmt_value, round2
from pipelines.reports.model.satisfaction import SUB_SCORES
from pipelines.reports.narrative import change_words, cn_ordinal, indicator_sentence
from pipelines.reports.rectification import on_time_chart
from pipelines.tempfiles import write_atomic
from pipelines.validation.model import rule_label

TEMPLATES_DIR = REPORTS_DIR / "templates"
SUMMARY_FILE = "summary.json"


def bulletin_file_name(city: str, quarter: Quarter) -> str:
    return f"{city}营商环境评价_{quarter}_季通报.html"


def workbook_file_name(city: str, quarter: Quarter) -> str:
    return f"{city}营商环境评价_{quarter}_数据表.xlsx"


@cache
def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@cache
def _environment() -> jinja2.Environment:
    """The process's one Jinja environment, built on first use: it keeps its compiled templates,
    so a process that renders several reports (a backfill, the annual and quarterly bulletins,
    the index) compiles each template once (auto_reload still recompiles an edited file)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = lambda v, d=2: fmt_number(round2(v) if d == 2 else v, d)
    env.filters["value"] = fmt_value
    env.filters["pct"] = lambda v, d=1: "—" if v is None else f"{v * 100:.{d}f}%"
    env.filters["share"] = fmt_share
    env.filters["change"] = lambda v, unit="分": change_words(v, unit)
    env.filters["cn"] = cn_ordinal
    env.filters["dt"] = lambda v, f="%Y-%m-%d %H:%M": "—" if v is None else v.strftime(f)
    env.filters["date_zh"] = lambda v: f"{v.year}年{v.month}月{v.day}日"
    env.filters["rule_label"] = rule_label
    return env


class Numbering:
    """图N / 表N in document order, as Chinese government reports number them."""

    def __init__(self) -> None:
        self.figures = 0
        self.tables = 0

    def figure(self) -> str:
        self.figures += 1
        return f"图{self.figures}"

    def table(self) -> str:
        self.tables += 1
        return f"表{self.tables}"


@dataclass
class Page:
    """Labels and charts in document order (the template prints them in this order)."""

    tables: dict[str, str] = field(default_factory=dict)
    charts: dict[str, charts.Chart] = field(default_factory=dict)
    indicator_charts: list[charts.Chart] = field(default_factory=list)
    radar_charts: list[charts.Chart] = field(default_factory=list)
    firm: firm_charts.FirmPage | None = None  # 九至十一 and 附录三 (firm_charts)


def _page(content: BulletinContent) -> Page:
    n = Numbering()
    page = Page()
    q = content.quarter.label_zh
    page.tables["ranking"] = n.table()
    page.charts["ranking"] = charts.ranking_bars(
        content.rows, content.lists, "chart-ranking", n.figure(), f"{q}综合得分排名"
    )
    if content.robustness is not None:
        page.charts["intervals"] = charts.rank_intervals(
            content.robustness, "chart-rank-intervals", n.figure(), f"{q}综合排名的名次区间"
        )
        page.tables["intervals"] = n.table()
    page.tables["red"] = n.table()
    page.tables["black"] = n.table()
    page.tables["first_level"] = n.table()
    page.charts["heatmap"] = charts.first_level_heatmap(
        content.profiles, "chart-heatmap", n.figure(), "各地一级指标得分"
    )
    for i, summary in enumerate(content.first_level, start=1):
        page.indicator_charts.append(
            charts.indicator_bars(
                summary, f"chart-indicator-{i:02d}", n.figure(), f"{summary.name}得分排名"
            )
        )
    page.tables["weak"] = n.table()
    means = [s.mean for s in content.first_level]
    for i, profile in enumerate(content.profiles, start=1):
        page.radar_charts.append(
            charts.unit_radar(
                profile,
                means,
                f"chart-radar-{i:02d}",
                n.figure(),
                f"{profile.unit.short_name}一级指标得分与全市平均",
            )
        )
    page.charts["trend_score"] = charts.trend_lines(
        content.trend, "score", "chart-trend-score", n.figure(), "各地综合得分走势"
    )
    page.charts["trend_rank"] = charts.trend_lines(
        content.trend, "rank", "chart-trend-rank", n.figure(), "各地综合排名走势"
    )
    page.tables["satisfaction"] = n.table()
    if content.satisfaction:
        page.charts["satisfaction"] = charts.satisfaction_bars(
            content.satisfaction, "chart-satisfaction", n.figure(), "部门企业满意度"
        )
    page.tables["comments"] = n.table()
    # --- 八、整改落实情况 (issue 10) ---
    if content.rectification is not None:
        page.tables["rect_outcomes"] = n.table()
        chart = on_time_chart(
            content.rectification.departments,
            "chart-rect-on-time",
            n.figure,
            "各牵头单位整改按期完成率",
        )
        if chart is not None:
            page.charts["rect_on_time"] = chart
        page.tables["rect_duties"] = n.table()
        page.tables["rect_rework"] = n.table()
        page.tables["rect_overdue"] = n.table()
        page.tables["rect_opened"] = n.table()
    # --- end 整改落实情况 ---
    if content.firms is not None:
        page.firm = firm_charts.number_chapters(content.firms, n)
    page.tables["quality"] = n.table()
    page.tables["rejected"] = n.table()
    page.tables["method"] = n.table()
    if content.robustness is not None and content.robustness.drivers:
        page.tables["sensitivity"] = n.table()
    if content.firms is not None and page.firm is not None:
        firm_charts.number_appendix(content.firms, n, page.firm)
    return page


def document_number(content: BulletinContent) -> str:
    return f"{content.quarter.year}年第{content.quarter.q}期"


def render_bulletin(content: BulletinContent, generated_at: datetime) -> str:
    page = _page(content)
    all_charts = [
        page.charts["ranking"],
        *([page.charts["intervals"]] if "intervals" in page.charts else []),
        page.charts["heatmap"],
        *page.indicator_charts,
        *page.radar_charts,
        page.charts["trend_score"],
        page.charts["trend_rank"],
    ]
    if "satisfaction" in page.charts:
        all_charts.append(page.charts["satisfaction"])
    if page.firm is not None:
        all_charts.extend(page.firm.all_charts)
    if "rect_on_time" in page.charts:
        all_charts.append(page.charts["rect_on_time"])
    chart_data = Markup(
        "[" + ",".join(f'{{"id":{json.dumps(c.div_id)},"spec":{c.spec}}}' for c in all_charts) + "]"
    )
    template = _environment().get_template("bulletin.html.j2")
    return template.render(
        c=content,
        page=page,
        title=f"{content.city}营商环境评价{content.quarter.label_zh}通报",
        doc_number=document_number(content),
        generated_at=generated_at,
        indicator_sentence=indicator_sentence,
        css=Markup((TEMPLATES_DIR / "bulletin.css").read_text(encoding="utf-8")),
        plotly_js=Markup(plotly_js()),
        chart_data=chart_data,
        zip=zip,
        sub_scores=SUB_SCORES,
    )


def write_summary(content: BulletinContent, directory: Path, generated_at: datetime) -> Path:
    """A small sidecar the index reads (leader, unit count, generation time)."""
    leader = content.rows[0] if content.rows else None
    summary = {
        "quarter": str(content.quarter),
        "label": content.quarter.label_zh,
        "city": content.city,
        "synthetic": content.synthetic,
        "units": len(content.rows),
        "leader": leader.unit_name if leader else None,
        "leader_score": fmt_number(round2(leader.score)) if leader else None,
        "red": [e.unit.unit_name for e in content.lists.red],
        "black": [e.unit.unit_name for e in content.lists.black],
        "generated_at": generated_at.isoformat(timespec="seconds"),
        # The bulletin's data version; the workbook's is recorded when it is written.
        "data_version": content.data_version,
        "workbook_data_version": _read_summary(directory).get("workbook_data_version"),
    }
    return _write_summary_file(directory, summary)


def record_workbook_version(content: BulletinContent, directory: Path) -> Path:
    """Note in the summary which data version the workbook just written shows."""
    summary = _read_summary(directory)
    summary["workbook_data_version"] = content.data_version
    return _write_summary_file(directory, summary)


def versions_agree(summary: dict[str, object]) -> bool:
    """Whether the quarter's bulletin and workbook show the same data (unknown: agree)."""
    bulletin, workbook = summary.get("data_version"), summary.get("workbook_data_version")
    return bulletin is None or workbook is None or bulletin == workbook


def _read_summary(directory: Path) -> dict[str, object]:
    try:
        return json.loads((directory / SUMMARY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_summary_file(directory: Path, summary: dict[str, object]) -> Path:
    target = directory / SUMMARY_FILE
    write_atomic(target, (json.dumps(summary, ensure_ascii=False, indent=1) + "\n").encode())
    return target


_QUARTER_DIR = re.compile(r"^\d{4}Q[1-4]$")


@dataclass(frozen=True)
class IndexEntry:
    quarter: Quarter
    bulletin: str  # relative link
    workbook: str | None
    summary: dict[str, object]

    @property
    def consistent(self) -> bool:
        """The bulletin and the workbook show the same data version."""
        return versions_agree(self.summary)


def index_entries(reports_dir: Path) -> list[IndexEntry]:
    entries = []
    if not reports_dir.is_dir():
        return entries
    for sub in sorted(reports_dir.iterdir()):
        if not (sub.is_dir() and _QUARTER_DIR.match(sub.name)):
            continue
        html_files = sorted(sub.glob("*_季通报.html"))
        if not html_files:
            continue
        xlsx = sorted(sub.glob("*_数据表.xlsx"))
        summary_path = sub / SUMMARY_FILE
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            summary = {}
        entries.append(
            IndexEntry(
                quarter=Quarter.parse(sub.name),
                bulletin=f"{sub.name}/{html_files[0].name}",
                workbook=f"{sub.name}/{xlsx[0].name}" if xlsx else None,
                summary=summary,
            )
        )
    return sorted(entries, key=lambda e: e.quarter, reverse=True)


def render_index(reports_dir: Path, city: str, synthetic: bool, generated_at: datetime) -> Path:
    entries = index_entries(reports_dir)
    template = _environment().get_template("index.html.j2")
    text = template.render(
        city=city,
        synthetic=synthetic or any(e.summary.get("synthetic") for e in entries),
        entries=entries,
        generated_at=generated_at,
        css=Markup((TEMPLATES_DIR / "bulletin.css").read_text(encoding="utf-8")),
    )
    target = reports_dir / "index.html"
    write_atomic(target, text.encode("utf-8"))
    return target
