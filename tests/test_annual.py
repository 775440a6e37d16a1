"""The annual evaluation (年度综合评价): annual scores, ranks, lists and grades; the assets;
``bizenv report --year``; the report in headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dagster import DagsterInstance, materialize
from test_bulletin_browser import CHROMIUM, CHROMIUM_ARGS, require_chromium
from test_bulletin_data import FIXTURE_FRAMEWORK, make_bulletin_db, write_framework

from pipelines.cli import main
from pipelines.env import SHANGHAI, Workdir
from pipelines.quarters import Quarter, quarter_range
from pipelines.reports.annual import IncompleteYearError, build_annual_content, compute_annual
from pipelines.reports.annual_render import write_annual
from pipelines.reports.config import (
    AnnualConfig,
    BulletinConfigError,
    GradeBand,
    ListRules,
    _annual,
    load_bulletin_config,
)

# Tier slow: builds a fixture warehouse for the module and reads or renders it.
pytestmark = pytest.mark.slow

YEAR = 2024
QUARTERS = tuple(quarter_range(Quarter(2023, 1), Quarter(2024, 4)))
GENERATED_AT = datetime(2025, 1, 11, 8, 0, tzinfo=SHANGHAI)
NAMES = {u: (f"单位{u}", f"单位{u}") for u in ("A", "B", "C", "D")}


def _totals(scores: dict[str, list[float | None]], year: int = YEAR) -> pd.DataFrame:
    rows = []
    for unit, values in scores.items():
        for q, value in enumerate(values, start=1):
            if value is not None:
                rows.append((f"{year}Q{q}", unit, value))
    frame = pd.DataFrame(rows, columns=["quarter", "unit_code", "total_score"])
    frame["rank"] = frame.groupby("quarter")["total_score"].rank(method="min", ascending=False)
    return frame


def test_annual_score_is_the_mean_of_four_quarters_and_ranked() -> None:
    totals = _totals(
        {"A": [80, 82, 84, 86], "B": [70, 90, 70, 90], "C": [60, 61, 62, 63], "D": [50] * 4}
    )
    result = compute_annual(totals, YEAR, AnnualConfig(), ListRules(1, 0, 1, 0), NAMES)
    by = {r.unit_code: r for r in result.rows}
    assert by["A"].score == pytest.approx(83.0) and by["B"].score == pytest.approx(80.0)
    assert [r.unit_code for r in result.ranked] == ["A", "B", "C", "D"]
    assert [r.rank for r in result.ranked] == [1, 2, 3, 4]
    assert [e.unit.unit_code for e in result.lists.red] == ["A"]
    assert [e.unit.unit_code for e in result.lists.black] == ["D"]
    assert by["A"].list_place == "red" and by["C"].list_place == ""
    assert not result.has_previous and by["A"].previous_rank is None


def test_quarter_weights() -> None:
    totals = _totals({"A": [80, 80, 80, 100], "B": [90, 90, 90, 70]})
    names = {k: NAMES[k] for k in ("A", "B")}
    weighted = AnnualConfig(quarter_weights=(1, 1, 1, 3))
    result = compute_annual(totals, YEAR, weighted, ListRules(), names)
    by = {r.unit_code: r for r in result.rows}
    assert by["A"].score == pytest.approx(540 / 6) and by["B"].score == pytest.approx(480 / 6)
    assert by["A"].rank == 1


def test_unit_missing_a_quarter_is_flagged_not_averaged_over_three() -> None:
    totals = _totals({"A": [80, 80, None, 80], "B": [70] * 4, "C": [60] * 4, "D": [50] * 4})
    result = compute_annual(totals, YEAR, AnnualConfig(), ListRules(), NAMES)
    a = next(r for r in result.rows if r.unit_code == "A")
    assert a.score is None and a.rank is None and a.grade is None and not a.complete
    assert a.quarters_scored == 3
    assert [r.unit_code for r in result.flagged] == ["A"]
    assert [r.rank for r in result.ranked] == [1, 2, 3]
    assert result.rows[-1].unit_code == "A"  # flagged units after the ranked ones


def test_year_missing_a_quarter_has_no_annual_scores() -> None:
    totals = _totals({u: [70, 71, 72, None] for u in NAMES})
    result = compute_annual(totals, YEAR, AnnualConfig(), ListRules(), NAMES)
    assert [str(q) for q in result.missing_quarters] == ["2024Q4"]
    assert not result.complete and result.ranked == []
    assert all(r.score is None for r in result.rows)


def test_change_on_previous_year_and_list_reasons() -> None:
    this = _totals({"A": [60] * 4, "B": [70] * 4, "C": [80] * 4, "D": [50] * 4})
    last = _totals({"A": [90] * 4, "B": [80] * 4, "C": [70] * 4, "D": [60] * 4}, YEAR - 1)
    result = compute_annual(
        pd.concat([last, this]), YEAR, AnnualConfig(), ListRules(1, 1, 1, 2), NAMES
    )
    by = {r.unit_code: r for r in result.rows}
    assert result.has_previous
    assert (by["C"].previous_rank, by["C"].rank, by["C"].rank_change) == (3, 1, 2)
    assert by["A"].rank_change == -2
    red = {e.unit.unit_code: e.reasons for e in result.lists.red}
    black = {e.unit.unit_code: e.reasons for e in result.lists.black}
    assert "C" in red and "排名较上年度上升2位" in red["C"]
    assert "A" in black and "排名较上年度下降2位" in black["A"]


@pytest.mark.parametrize(
    ("by", "bands", "expected"),
    [
        ("rank", [GradeBand("好", 1), GradeBand("较好", 3), GradeBand("较差")], "好较好较好较差"),
        (
            "score",
            [GradeBand("好", 80), GradeBand("一般", 55), GradeBand("较差")],
            "好一般一般较差",
        ),
    ],
)
def test_grade_bands(by: str, bands: list[GradeBand], expected: str) -> None:
    totals = _totals({"A": [85] * 4, "B": [70] * 4, "C": [60] * 4, "D": [50] * 4})
    config = AnnualConfig(grade_by=by, grades=tuple(bands))
    result = compute_annual(totals, YEAR, config, ListRules(), NAMES)
    assert "".join(r.grade or "" for r in result.ranked) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"score": "recompute"}, "annual.score"),
        ({"quarter_weights": [1, 1, 1]}, "quarter_weights"),
        ({"grades": {"by": "median"}}, "grades.by"),
        ({"grades": {"by": "score"}}, "按得分分等时须列出各等次"),
        ({"grades": {"bands": [{"grade": "好"}, {"grade": "差"}]}}, "只有最后一项"),
        (
            {
                "grades": {
                    "bands": [
                        {"grade": "好", "at_most_rank": 5},
                        {"grade": "中", "at_most_rank": 2},
                    ]
                }
            },
            "递增",
        ),
    ],
)
def test_annual_config_errors(raw: dict, message: str) -> None:
    with pytest.raises(BulletinConfigError, match=message):
        _annual(raw)


def test_project_config_has_annual_bands() -> None:
    annual = load_bulletin_config().annual
    assert [b.grade for b in annual.grades] == ["好", "较好", "一般", "较差"]
    assert annual.grade_of(3, None) == "好" and annual.grade_of(9, None) == "较差"


# --- assets, CLI and the report -----------------------------------------------------------


@pytest.fixture(scope="module")
def annual_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bulletin_db(tmp_path_factory.mktemp("annual") / "bizenv.duckdb", QUARTERS)


@pytest.fixture
def project(annual_db: Path, workdir: Workdir, project_copy: Path) -> Workdir:
    """The demo project with the bulletin tests' small framework, on a copy of their
    warehouse."""
    import shutil

    write_framework(project_copy / "framework.yaml")
    shutil.copyfile(annual_db, workdir.warehouse)
    return workdir


def test_assets_store_the_year_and_write_the_report(project: Workdir) -> None:
    from demo_defs import asset, run_resources

    annual_rankings = asset("annual", "annual_rankings")
    annual_report = asset("annual", "annual_report")

    resources = run_resources(project)
    with DagsterInstance.ephemeral() as instance:
        ok = materialize(
            [annual_rankings, annual_report],
            partition_key=str(YEAR),
            resources=resources,
            instance=instance,
        )
        assert ok.success
        assert all(e.passed for e in ok.get_asset_check_evaluations())
        bad = materialize(
            [annual_rankings, annual_report],
            partition_key="2025",
            resources=resources,
            instance=instance,
            raise_on_error=False,
        )
    assert not bad.success
    (check,) = bad.get_asset_check_evaluations()
    assert not check.passed and check.check_name == "year_complete"
    # The blocking check fails the annual_rankings step: the report does not run.
    assert [m.asset_key for m in bad.get_asset_materialization_events()] == [annual_rankings.key]
    with duckdb.connect(str(project.warehouse), read_only=True) as con:
        table = con.execute(
            "select * from scores.annual_rankings where year = ? order by annual_rank", [YEAR]
        ).df()
        flagged = con.execute(
            "select count(*) from scores.annual_rankings where year = 2025 and not complete"
        ).fetchone()[0]
        totals = con.execute(
            "select unit_code, avg(total_score) as mean, count(*) as n from scores.rankings "
            "where quarter like '2024Q%' group by unit_code"
        ).df()
    assert len(table) == 10 and table["complete"].all() and flagged == 10
    merged = table.merge(totals, on="unit_code")
    assert (merged["n"] == 4).all()
    assert merged["annual_score"].to_numpy() == pytest.approx(merged["mean"].to_numpy())
    assert table["previous_rank"].notna().all()  # 2023 has four quarters too
    report = project.reports / "2024年度" / "示例市营商环境评价_2024年度报告.html"
    assert report.is_file() and (report.parent / "示例市营商环境评价_2024年度数据表.xlsx").is_file()
    assert not (project.reports / "2025年度").exists()


def test_cli_report_year(project: Workdir, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--year", "2024", "--workdir", str(project.root)]) == 0
    out = capsys.readouterr().out
    assert "2024年度报告已生成" in out
    from openpyxl import load_workbook

    book = load_workbook(project.reports / "2024年度" / "示例市营商环境评价_2024年度数据表.xlsx")
    assert book.sheetnames == ["说明", "年度排名", "一级指标", "部门满意度"]
    ranking = list(book["年度排名"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in ranking] == sorted(r[0] for r in ranking)
    for r in ranking:  # 年度得分 = mean of the four quarter columns
        assert r[3] == pytest.approx(sum(r[4:8]) / 4)
    assert main(["report", "--year", "2025", "--workdir", str(project.root)]) == 2
    assert "年度评价不完整" in capsys.readouterr().err
    assert main(["report", "--year", "24", "--workdir", str(project.root)]) == 2
    with pytest.raises(SystemExit) as exc:
        main(["report", "--year", "2024", "--quarter", "2024Q4", "--workdir", str(project.root)])
    assert exc.value.code == 2


def test_incomplete_year_raises(annual_db: Path) -> None:
    with (
        duckdb.connect(str(annual_db), read_only=True) as con,
        pytest.raises(IncompleteYearError, match="2025年第一季度、第二季度、第三季度、第四季度"),
    ):
        build_annual_content(con, 2025)


@pytest.fixture(scope="module")
def annual_page(annual_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    root = tmp_path_factory.mktemp("annual_browser")
    config = load_bulletin_config()
    with duckdb.connect(str(annual_db), read_only=True) as con:
        content = build_annual_content(con, YEAR, config=config, framework=FIXTURE_FRAMEWORK)
    paths = write_annual(content, root / "reports", GENERATED_AT)
    with sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(root / "profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1000, "height": 1400},
            locale="zh-CN",
        )
        try:
            page = context.new_page()
            errors: list[str] = []
            requests: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("request", lambda r: requests.append(r.url))
            page.goto(paths.html.as_uri())
            page.wait_for_selector("html[data-charts-ready]", timeout=60_000)
            page.errors = errors  # type: ignore[attr-defined]
            page.requests = requests  # type: ignore[attr-defined]
            yield page
        finally:
            context.close()


def test_annual_report_renders_every_section(annual_page: object) -> None:
    page = annual_page
    assert page.errors == []  # type: ignore[attr-defined]
    assert [u for u in page.requests if not u.startswith("file:")] == []  # type: ignore[attr-defined]
    assert "示例市营商环境评价" in page.title() and "2024年度报告" in page.title()
    for section in (
        "overview",
        "ranking",
        "lists",
        "grades",
        "trend",
        "indicators",
        "departments",
        "appendix",
    ):
        assert page.locator(f"section#{section} h2").count() == 1, section
    assert "示例数据" in page.locator("header").inner_text()
    plots = page.eval_on_selector_all(
        "div.plot", "els => els.map(e => [e.id, e.querySelectorAll('svg.main-svg').length])"
    )
    assert len(plots) >= 5 and [pid for pid, n in plots if n == 0] == []
    ready = page.evaluate("document.documentElement.getAttribute('data-charts-ready')")
    assert int(ready) == len(plots)
    rows = page.locator("#table-annual-ranking tbody tr").count()
    assert rows == 10
    assert page.locator("#chart-annual-ranking g.trace.bars g.point path").count() == rows
    assert page.locator("#chart-annual-trend-score g.trace.scatter").count() == rows
    assert "整改台账" in page.locator("#ledger-note").inner_text()


def test_annual_narrative_numbers_equal_the_tables(annual_page: object) -> None:
    page = annual_page
    text = "".join(page.locator("p.narrative").all_inner_texts())
    rows = page.eval_on_selector_all(
        "#table-annual-ranking tbody tr",
        """rows => rows.map(r => ({
            rank: r.querySelector('td.rank').textContent.trim(),
            name: r.querySelector('td.unit').textContent.trim(),
            score: r.querySelector('td.score').textContent.trim(),
            quarters: [...r.querySelectorAll('td.quarter')].map(t => t.textContent.trim()),
            grade: r.querySelector('td.grade').textContent.trim(),
        }))""",
    )
    leader, score = re.search(r"年度得分第一的是(.+?)（([\d.]+)分）", text).groups()
    assert (leader, score) == (rows[0]["name"], rows[0]["score"])
    last, last_score = re.search(r"末位的是(.+?)（([\d.]+)分）", text).groups()
    assert (last, last_score) == (rows[-1]["name"], rows[-1]["score"])
    for r in rows:  # the annual score is the mean of the four quarters shown
        mean = sum(float(q) for q in r["quarters"]) / 4
        assert float(r["score"]) == pytest.approx(mean, abs=0.011)
    grades = dict(re.findall(r"(好|较好|一般|较差)(\d+)个", text))
    for grade, n in grades.items():
        assert int(n) == sum(r["grade"] == grade for r in rows)
        listed = page.locator(f'#table-grades tr[data-grade="{grade}"] td.units').inner_text()
        assert len([x for x in listed.split("、") if x and x != "—"]) == int(n)
    red_n = int(re.search(r"列入年度红榜的(\d+)个单位", text).group(1))
    assert red_n == page.locator("#table-annual-red tbody tr[data-unit]").count()
    up, down, same = map(
        int, re.search(r"(\d+)个单位排名上升，(\d+)个下降，(\d+)个持平", text).groups()
    )
    assert up + down + same == len(rows)
