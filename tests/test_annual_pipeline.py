"""The annual evaluation from a real (small) pipeline run of a copy of the demo project set to
``annual.score: recomputed_from_cases``: generated demo data for 2024Q1–2025Q1 loaded into
the warehouse → indicator values → scores → rankings → rectification tasks per quarter, then
annual/annual_rankings and annual/annual_report for 2024 materialised in process; the report
opened in headless Chromium for its chapter 八 (the year's rectification ledger)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import AssetKey, DagsterInstance, materialize
from openpyxl import load_workbook

from pipelines.env import Workdir
from pipelines.indicators.demo import DEMO_SEED, load_demo_quarters
from pipelines.project import PROJECT_ENV, demo_project_dir
from pipelines.quarters import Quarter, quarter_range

pytestmark = [pytest.mark.slow, pytest.mark.browser]

YEAR = 2024
QUARTERS = quarter_range(Quarter(YEAR, 1), Quarter(YEAR + 1, 1))
SCALE = 0.05  # of the demo's volumes


def recomputed_project(root: Path) -> Path:
    """A copy of the demo project whose bulletin.yaml sets annual.score: recomputed_from_cases."""
    project = root / "示例市"
    shutil.copytree(demo_project_dir(), project, ignore=shutil.ignore_patterns(".bizenv"))
    bulletin = project / "bulletin.yaml"
    text = bulletin.read_text(encoding="utf-8")
    assert "  score: mean_of_quarters\n" in text
    bulletin.write_text(
        text.replace("  score: mean_of_quarters\n", "  score: recomputed_from_cases\n"),
        encoding="utf-8",
    )
    return project


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    root = tmp_path_factory.mktemp("annual_pipeline")
    project = recomputed_project(root)
    layout = Workdir(root / "work").ensure()
    mp = pytest.MonkeyPatch()
    mp.setenv(PROJECT_ENV, str(project))
    mp.setenv("BIZENV_HOME", str(layout.root))
    mp.setenv("BIZENV_DUCKDB", str(layout.warehouse))
    mp.setenv("DAGSTER_HOME", str(layout.dagster_home))
    from demo_defs import asset, run_resources  # the project in force

    quarterly = [
        asset("indicators", "indicator_values"),
        asset("scoring", "indicator_scores"),
        asset("scoring", "rankings"),
        asset("rectification", "rectification_tasks"),
    ]
    annual = [
        asset("annual", "annual_rankings"),
        asset("annual", "annual_report"),
    ]
    with duckdb.connect(str(layout.warehouse)) as con:
        load_demo_quarters(con, QUARTERS, seed=DEMO_SEED, scale=SCALE)
    resources = run_resources(layout)  # the real resources, the project's framework
    with DagsterInstance.ephemeral() as instance:
        for quarter in QUARTERS:
            materialize(
                quarterly,
                partition_key=quarter.partition_key,
                resources=resources,
                instance=instance,
                raise_on_error=True,
            )
        result = materialize(
            annual,
            partition_key=str(YEAR),
            resources=resources,
            instance=instance,
            raise_on_error=True,
        )
    yield {"layout": layout, "result": result}
    mp.undo()


def _con(run: dict[str, object]) -> duckdb.DuckDBPyConnection:
    layout: Workdir = run["layout"]  # type: ignore[assignment]
    return duckdb.connect(str(layout.warehouse), read_only=True)


def _in_year(con: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame:
    """``query`` with its two ``?`` bound to the year's first and last quarters."""
    return con.execute(query, [f"{YEAR}Q1", f"{YEAR}Q4"]).df()


def _report(run: dict[str, object]) -> Path:
    layout: Workdir = run["layout"]  # type: ignore[assignment]
    return layout.reports / f"{YEAR}年度" / f"示例市营商环境评价_{YEAR}年度报告.html"


def test_recomputed_annual_scores_are_stored_with_their_mode(run: dict[str, object]) -> None:
    result = run["result"]
    (materialization,) = [
        m
        for m in result.get_asset_materialization_events()  # type: ignore[attr-defined]
        if m.asset_key == AssetKey(["annual", "annual_rankings"])
    ]
    metadata = materialization.materialization.metadata
    assert metadata["score_mode"].value == "recomputed_from_cases"
    assert all(e.passed for e in result.get_asset_check_evaluations())  # type: ignore[attr-defined]
    with _con(run) as con:
        table = con.execute(
            "select * from scores.annual_rankings where year = ? order by annual_rank", [YEAR]
        ).df()
        means = _in_year(
            con,
            "select unit_code, avg(total_score) as mean, count(*) as n from scores.rankings "
            "where quarter between ? and ? group by unit_code",
        )
    assert len(table) == 10 and table["complete"].all()
    merged = table.merge(means, on="unit_code")
    assert (merged["n"] == 4).all()
    # Not the mean of the quarters: the year's cases scored as one period.
    gaps = (merged["annual_score"] - merged["mean"]).abs()
    assert gaps.max() > 0.05
    scores = table["annual_score"].to_numpy()
    expected_ranks = [1 + int((scores > s).sum()) for s in scores]
    assert table["annual_rank"].tolist() == expected_ranks


def test_stored_scores_are_the_year_s_leaves_scored_by_the_engine(
    run: dict[str, object], tmp_path: Path
) -> None:
    """The stored totals equal an independent recomputation on a copy of the warehouse, whose
    E07_01 (网办率) is, unit by unit, the share computed by hand from the year's rows."""
    from pipelines.indicators import load_default_framework
    from pipelines.indicators.annual import recompute_year
    from pipelines.scoring import units_from_registry

    layout: Workdir = run["layout"]  # type: ignore[assignment]
    copy = tmp_path / "copy.duckdb"
    shutil.copyfile(layout.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        framework = load_default_framework()
        year = recompute_year(con, framework, YEAR, units_from_registry())
        by_hand = _in_year(
            con,
            "select region_code as unit_code, 100.0 * avg(case when is_online then 1 else 0 end)"
            " as online from warehouse.approval_cases where quarter between ? and ? "
            "and category = '其他政务服务' and is_online is not null group by region_code",
        )
        quarterly = _in_year(
            con,
            "select unit_code, avg(value) as mean from scores.indicator_values "
            "where indicator = 'E07_01' and quarter between ? and ? group by unit_code",
        )
        stored = con.execute(
            "select unit_code, annual_score from scores.annual_rankings where year = ?", [YEAR]
        ).df()
    values = year.values[year.values["indicator"] == "E07_01"]
    merged = values.merge(by_hand, on="unit_code").merge(quarterly, on="unit_code")
    assert len(merged) == 10
    assert merged["value"].to_numpy() == pytest.approx(merged["online"].to_numpy())
    assert (merged["value"] - merged["mean"]).abs().max() > 1e-9  # pooled ≠ mean of quarters
    assert set(stored["unit_code"]) == set(year.totals)
    for unit, score in zip(stored["unit_code"], stored["annual_score"], strict=True):
        assert score == pytest.approx(year.totals[unit])


def test_report_and_workbook_state_the_mode(run: dict[str, object]) -> None:
    html = _report(run).read_text(encoding="utf-8")
    assert 'id="method-annual-score" data-mode="recomputed_from_cases"' in html
    assert "年度得分按全年数据重新计算" in html and "取年末值" in html
    book = load_workbook(_report(run).with_name(f"示例市营商环境评价_{YEAR}年度数据表.xlsx"))
    about = {r[0]: r[1] for r in book["说明"].iter_rows(values_only=True)}
    assert "recomputed_from_cases" in about["年度得分"]
    assert book.sheetnames[-2:] == ["整改年度汇总", "整改台账"]


def test_cli_report_year_reads_the_stored_recomputed_scores(
    run: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    """``bizenv report --year`` (a read-only warehouse) shows what the asset stored."""
    from pipelines.cli import main

    layout: Workdir = run["layout"]  # type: ignore[assignment]
    assert main(["report", "--year", str(YEAR), "--workdir", str(layout.root)]) == 0
    assert f"{YEAR}年度报告已生成" in capsys.readouterr().out
    book = load_workbook(_report(run).with_name(f"示例市营商环境评价_{YEAR}年度数据表.xlsx"))
    sheet = list(book["年度排名"].iter_rows(min_row=2, values_only=True))
    with _con(run) as con:
        stored = dict(
            con.execute(
                "select unit_code, annual_score from scores.annual_rankings where year = ?",
                [YEAR],
            ).fetchall()
        )
    assert {r[1]: r[3] for r in sheet} == pytest.approx(stored)
    # 2025 has only its first quarter: flagged, never scored.
    assert main(["report", "--year", str(YEAR + 1), "--workdir", str(layout.root)]) == 2
    assert "年度评价不完整" in capsys.readouterr().err


# --- 八、整改台账年度情况 -------------------------------------------------------------------


def _ledger_truth(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """The year's ledger straight from the rectification tables."""
    tasks = _in_year(
        con,
        "select task_id, opened_quarter, lead_department, unit_name, baseline_score "
        "from scores.rectification_tasks where opened_quarter between ? and ?",
    )
    events = con.execute(
        "select task_id, quarter, outcome, measured_score from scores.rectification_events_current"
    ).df()
    year_end = f"{YEAR}Q4"
    in_year = events[events["quarter"] <= year_end]
    closed = set(in_year.loc[in_year["outcome"] == "销号", "task_id"])
    last = in_year.sort_values("quarter").groupby("task_id")["outcome"].last()
    overdue = {t for t, o in last.items() if o == "逾期" and t not in closed}
    improved = 0
    for t in tasks.itertuples(index=False):
        following = str(Quarter.parse(t.opened_quarter).next())
        hit = events[(events["task_id"] == t.task_id) & (events["quarter"] == following)]
        if len(hit) and pd.notna(hit["measured_score"].iloc[0]):
            improved += int(hit["measured_score"].iloc[0] > t.baseline_score)
    ids = set(tasks["task_id"])
    return {
        "per_quarter": tasks.groupby("opened_quarter").size().to_dict(),
        "raised": len(tasks),
        "done": len(ids & closed),
        "overdue": len(ids & overdue),
        "improved": improved,
        "per_department": tasks.groupby("lead_department").size().to_dict(),
        "history_rows": int(in_year["task_id"].isin(ids).sum()),
    }


def test_ledger_chapter_in_chromium(run: dict[str, object], tmp_path: Path) -> None:
    from test_bulletin_browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    with _con(run) as con:
        truth = _ledger_truth(con)
    assert truth["raised"] > 0 and truth["done"] > 0  # the demo closes some tasks in the year
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            locale="zh-CN",
        )
        try:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(_report(run).as_uri())
            page.wait_for_selector("html[data-charts-ready]", timeout=60_000)
            heading = page.locator("section#rectification h2").inner_text()
            overview = page.locator("#ledger-overview").inner_text()
            quarters = page.eval_on_selector_all(
                "#table-ledger-quarters tbody tr",
                """rows => rows.map(r => [r.dataset.quarter,
                    ...[...r.querySelectorAll('td.num')].map(t => Number(t.textContent))])""",
            )
            departments = page.eval_on_selector_all(
                "#table-ledger-departments tbody tr",
                "rows => rows.map(r => [r.dataset.department,"
                " Number(r.querySelector('td.raised').textContent)])",
            )
            units = page.eval_on_selector_all(
                "#table-ledger-units tbody tr",
                "rows => rows.map(r => Number(r.querySelector('td.raised').textContent))",
            )
            chart = page.locator("#chart-annual-ledger-on-time svg.main-svg").count()
            empty_note = page.locator("#ledger-note").count()
        finally:
            context.close()
    assert errors == []
    assert heading == "八、整改台账年度情况" and empty_note == 0
    by_quarter = {r[0]: r[1:] for r in quarters}
    for q in range(1, 5):
        label = f"{YEAR}Q{q}"
        assert by_quarter[label][0] == truth["per_quarter"].get(label, 0), label
    # raised, done, overdue, in progress, improved, not improved, not measured
    total = by_quarter["total"]
    assert total[0] == truth["raised"] == sum(by_quarter[f"{YEAR}Q{q}"][0] for q in range(1, 5))
    assert (total[1], total[2]) == (truth["done"], truth["overdue"])
    assert total[1] + total[2] + total[3] == total[0] == total[4] + total[5] + total[6]
    assert total[4] == truth["improved"]
    assert dict(departments) == truth["per_department"]
    assert sum(units) == truth["raised"]
    assert chart >= 1
    # The sentence gives the table's numbers.
    numbers = re.search(
        r"共形成整改任务(\d+)项.*已销号(\d+)项，逾期(\d+)项，整改中(\d+)项.*?(\d+)项得分提高，"
        r"(\d+)项未提高，(\d+)项尚未复测",
        overview,
    )
    assert numbers is not None, overview
    assert [int(x) for x in numbers.groups()] == total
    book = load_workbook(_report(run).with_name(f"示例市营商环境评价_{YEAR}年度数据表.xlsx"))
    assert len(list(book["整改台账"].iter_rows(min_row=2))) == truth["history_rows"]
    summary = list(book["整改年度汇总"].iter_rows(min_row=2, values_only=True))
    (total_row,) = [r for r in summary if r[0] == "合计"]
    assert list(total_row[2:9]) == total
