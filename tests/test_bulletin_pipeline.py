"""The bulletin from a real (small) pipeline run: generated demo data loaded into the
warehouse → indicator values → scores → rankings → reports/bulletin and reports/workbook
materialised in process for two quarters; then the page opened in chromium."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance, materialize
from demo_defs import asset, run_resources
from openpyxl import load_workbook

from pipelines.env import Workdir
from pipelines.indicators.demo import DEMO_SEED, load_demo_quarters
from pipelines.quarters import Quarter
from pipelines.reports import latest_bulletin_paths

indicator_values = asset("indicators", "indicator_values")
indicator_scores = asset("scoring", "indicator_scores")
rankings = asset("scoring", "rankings")
# One multi-asset writes reports/bulletin and reports/workbook.
reports = asset("reports", "bulletin")
rank_uncertainty = asset("scoring", "rank_uncertainty")
rectification = asset("rectification", "rectification_tasks")

Q1, Q2 = Quarter(2025, 1), Quarter(2025, 2)
SCALE = 0.05


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(module_workdir: Workdir) -> dict[str, object]:
    layout = module_workdir
    with duckdb.connect(str(layout.warehouse)) as con:
        load_demo_quarters(con, [Q1, Q2], seed=DEMO_SEED, scale=SCALE)
    resources = run_resources(layout)
    results = {}
    with DagsterInstance.ephemeral() as instance:
        for quarter in (Q1, Q2):
            results[quarter] = materialize(
                [
                    indicator_values,
                    indicator_scores,
                    rankings,
                    rank_uncertainty,
                    rectification,
                    reports,
                ],
                partition_key=quarter.partition_key,
                resources=resources,
                instance=instance,
                run_config={
                    "ops": {"scoring__rank_uncertainty": {"config": {"replications": 200}}}
                },
                raise_on_error=True,
            )
    return {"layout": layout, "results": results}


def _metadata(run: dict[str, object], quarter: Quarter, key: AssetKey) -> dict[str, object]:
    result = run["results"][quarter]  # type: ignore[index]
    events = {m.asset_key: m for m in result.get_asset_materialization_events()}
    return events[key].materialization.metadata


def test_assets_write_bulletin_workbook_and_index(run: dict[str, object]) -> None:
    layout: Workdir = run["layout"]  # type: ignore[assignment]
    for quarter in (Q1, Q2):
        meta = _metadata(run, quarter, AssetKey(["reports", "bulletin"]))
        html = Path(meta["bulletin"].value)
        assert html == layout.reports / str(quarter) / f"示例市营商环境评价_{quarter}_季通报.html"
        assert html.is_file() and meta["bulletin_url"].value == html.as_uri()
        assert meta["units"].value == 10
        book = Path(_metadata(run, quarter, AssetKey(["reports", "workbook"]))["workbook"].value)
        assert book.is_file()
    latest = latest_bulletin_paths(layout)
    assert latest is not None and str(Q2) in latest.html.name
    index = latest.index.read_text(encoding="utf-8")
    assert re.findall(r'data-quarter="(\d{4}Q\d)"', index) == [str(Q2), str(Q1)]


def test_reports_build_the_content_once(
    run: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bulletin and workbook are one multi-asset: one content build writes both, and a run
    that selects the workbook alone writes the workbook alone."""
    import pipelines.defs.reports.assets as report_assets

    layout: Workdir = run["layout"]  # type: ignore[assignment]
    built: list[Quarter] = []
    real = report_assets.build_content

    def counting(con: duckdb.DuckDBPyConnection, quarter: Quarter, **kwargs: object) -> object:
        built.append(quarter)
        return real(con, quarter, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(report_assets, "build_content", counting)
    resources = run_resources(layout)
    both = materialize([reports], partition_key=Q2.partition_key, resources=resources)
    written = {e.asset_key for e in both.get_asset_materialization_events()}
    assert written == {AssetKey(["reports", "bulletin"]), AssetKey(["reports", "workbook"])}
    assert built == [Q2]
    html = layout.reports / str(Q2) / f"示例市营商环境评价_{Q2}_季通报.html"
    before = html.stat().st_mtime_ns
    alone = materialize(
        [reports],
        selection=[AssetKey(["reports", "workbook"])],
        partition_key=Q2.partition_key,
        resources=resources,
    )
    assert {e.asset_key for e in alone.get_asset_materialization_events()} == {
        AssetKey(["reports", "workbook"])
    }
    assert built == [Q2, Q2] and html.stat().st_mtime_ns == before


def test_bulletin_shows_the_warehouse_rankings(run: dict[str, object]) -> None:
    layout: Workdir = run["layout"]  # type: ignore[assignment]
    with duckdb.connect(str(layout.warehouse), read_only=True) as con:
        ranking = con.execute(
            "select unit_name, total_score, rank, rank_change, score_change, previous_rank, "
            "previous_score from scores.rankings where quarter = ? order by rank, unit_code",
            [str(Q2)],
        ).fetchall()
    html = (layout.reports / str(Q2) / f"示例市营商环境评价_{Q2}_季通报.html").read_text("utf-8")
    table = re.search(r'<table id="table-ranking".*?</table>', html, re.S).group(0)
    names = re.findall(r'<td class="unit">(.*?)</td>', table)
    scores = re.findall(r'<td class="num score">(.*?)</td>', table)
    assert names == [r[0] for r in ranking]
    assert scores == [f"{r[1]:.2f}" for r in ranking]
    # 排名变化 / 得分变化 are the stored changes, the same as computed from the previous
    # quarter's rank and score (what the bulletin computed before it read them).
    assert all(r[3] == r[5] - r[2] and round(r[4], 2) == round(r[1] - r[6], 2) for r in ranking)
    shown = [
        [re.sub(r"<sup.*?</sup>|<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr data-unit=.*?</tr>", table, re.S)
    ]
    assert [(row[4], row[6]) for row in shown] == [
        (_arrow(r[3], f"{abs(r[3])}"), _arrow(r[4], f"{abs(r[4]):.2f}")) for r in ranking
    ]
    leader = ranking[0]
    assert f"综合得分第一的是{leader[0]}（{leader[1]:.2f}分）" in html
    wb = load_workbook(layout.reports / str(Q2) / f"示例市营商环境评价_{Q2}_数据表.xlsx")
    assert [r[2] for r in wb["综合排名"].iter_rows(min_row=2, values_only=True)] == names


def _arrow(change: float, text: str) -> str:
    """A change cell's text: ↑ up, ↓ down, — for none."""
    return "—" if round(change, 2) == 0 else ("↑" if change > 0 else "↓") + text


def test_real_bulletin_in_chromium(run: dict[str, object], tmp_path: Path) -> None:
    from test_bulletin_browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    layout: Workdir = run["layout"]  # type: ignore[assignment]
    html = layout.reports / str(Q2) / f"示例市营商环境评价_{Q2}_季通报.html"
    errors: list[str] = []
    remote: list[str] = []
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1000, "height": 1400},
        )
        try:
            page = context.new_page()
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("request", lambda r: r.url.startswith("file:") or remote.append(r.url))
            page.goto(html.as_uri())
            page.wait_for_selector("html[data-charts-ready]", timeout=60_000)
            empty = page.eval_on_selector_all(
                "div.plot", "els => els.filter(e => !e.querySelector('svg.main-svg')).length"
            )
            bars = page.locator("#chart-ranking g.trace.bars g.point path").count()
            intervals = page.locator("#chart-rank-intervals g.errorbar").count()
            sentence = page.locator("#robustness-sentence").inner_text()
            page.screenshot(path=str(tmp_path / "real.png"), full_page=True)
        finally:
            context.close()
    assert errors == [] and remote == []
    assert empty == 0 and bars == 10
    # The pipeline's rank_uncertainty feeds 综合排名's interval chart and sentence.
    assert intervals == 10
    assert re.match(r".+在\d+%的模拟中保持第1名；", sentence)
    assert (tmp_path / "real.png").stat().st_size > 50_000


# --- 八、整改落实情况 (issue 10) ---------------------------------------------------------------


def test_rectification_chapter_in_chromium(run: dict[str, object], tmp_path: Path) -> None:
    """Chapter 八 lists the tasks the events table says, its chart draws, and the 短板 table
    names the task of each weak indicator that has one."""
    from test_bulletin_browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    layout: Workdir = run["layout"]  # type: ignore[assignment]
    with duckdb.connect(str(layout.warehouse), read_only=True) as con:
        outcomes = dict(
            con.execute(
                "select outcome, count(*) from scores.rectification_events_current "
                "where quarter = ? group by outcome",
                [str(Q2)],
            ).fetchall()
        )
        opened = [
            r[0]
            for r in con.execute(
                "select task_id from scores.rectification_tasks where opened_quarter = ? "
                "order by lead_department, task_id",
                [str(Q2)],
            ).fetchall()
        ]
    assert outcomes.get("新立", 0) == len(opened) > 0
    assert sum(v for k, v in outcomes.items() if k != "新立") > 0  # 2025Q1 tasks measured
    html = layout.reports / str(Q2) / f"示例市营商环境评价_{Q2}_季通报.html"
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
        )
        try:
            page = context.new_page()
            page.goto(html.as_uri())
            page.wait_for_selector("html[data-charts-ready]", timeout=60_000)
            heading = page.locator("#rectification h2").inner_text()
            listed = page.locator("#table-rect-opened tbody td.task-id").all_inner_texts()
            rework = page.locator("#table-rect-rework tbody td.task-id").count()
            overdue = page.locator("#table-rect-overdue tbody td.task-id").count()
            chart = page.locator("#chart-rect-on-time svg.main-svg").count()
            weak_ids = page.locator("#table-weak span.task-id").all_inner_texts()
            duties = page.locator("#table-rect-duties tbody tr").count()
        finally:
            context.close()
    assert heading == "八、整改落实情况"
    assert listed == opened
    assert (rework, overdue) == (outcomes.get("回炉", 0), outcomes.get("逾期", 0))
    assert chart >= 1
    assert weak_ids and all(t.startswith("ZG-") for t in weak_ids)
    assert duties > 0
    wb = load_workbook(layout.reports / str(Q2) / f"示例市营商环境评价_{Q2}_数据表.xlsx")
    sheet = list(wb["整改台账"].iter_rows(min_row=2, values_only=True))
    with duckdb.connect(str(layout.warehouse), read_only=True) as con:
        ((history,),) = con.execute(
            "select count(*) from scores.rectification_events_current where quarter <= ?",
            [str(Q2)],
        ).fetchall()
    assert len(sheet) == history
    assert {r[7] for r in sheet} == {str(Q1), str(Q2)}
