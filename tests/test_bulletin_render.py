"""The bulletin's HTML as bytes: self-contained, escaped, deterministic; the index; the CLI."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from test_bulletin_data import (
    FIXTURE_FRAMEWORK,
    LATEST,
    PWNED_COMMENT,
    PWNED_FILE,
    QUARTERS,
    fixture_config,
    make_bulletin_db,
    write_framework,
)

from pipelines.cli import main
from pipelines.env import SHANGHAI, Workdir
from pipelines.registry import default_registry
from pipelines.reports import build_bulletin, latest_bulletin_paths
from pipelines.reports.config import BulletinConfig
from pipelines.reports.render import plotly_js

# Tier slow: builds a fixture warehouse for the module and reads or renders it.
pytestmark = pytest.mark.slow

T1 = datetime(2025, 10, 15, 9, 30, 0, tzinfo=SHANGHAI)
T2 = datetime(2025, 10, 16, 17, 45, 12, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Workdir:
    layout = Workdir(tmp_path_factory.mktemp("bulletin_render")).ensure()
    make_bulletin_db(layout.warehouse)
    return layout


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> BulletinConfig:
    return fixture_config(tmp_path_factory.mktemp("config"))


@pytest.fixture(scope="module")
def html(workdir: Workdir, config: BulletinConfig) -> str:
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        paths = build_bulletin(
            con,
            LATEST,
            workdir.reports,
            config=config,
            framework=FIXTURE_FRAMEWORK,
            generated_at=T1,
        )
    return paths.html.read_text(encoding="utf-8")


def test_paths_and_names(workdir: Workdir, html: str) -> None:
    folder = workdir.reports / str(LATEST)
    assert (folder / f"示例市营商环境评价_{LATEST}_季通报.html").is_file()
    assert (folder / f"示例市营商环境评价_{LATEST}_数据表.xlsx").is_file()
    assert (workdir.reports / "index.html").is_file()
    leftovers = [*workdir.reports.rglob("*.tmp"), *workdir.reports.rglob(".tmp-*")]
    assert not leftovers, "atomic writes leave no temp files"


def test_plotly_inlined_once_and_nothing_remote(html: str) -> None:
    js = plotly_js()
    assert html.count(js[:500]) == 1
    assert html.count("<script") == 3  # plotly.js, the chart JSON, the drawing code
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    assert "cdn.plot.ly" not in html.replace(js, "")
    assert "Content-Security-Policy" in html


def test_title_block_and_sections(html: str) -> None:
    assert "<title>示例市营商环境评价2025年第三季度通报（示例数据）</title>" in html
    assert "示例市营商环境评价<br>2025年第三季度通报" in html
    assert "示例市优化营商环境工作领导小组办公室" in html
    for heading in (
        "一、总体情况",
        "二、综合排名",
        "三、红黑榜",
        "四、分项指标",
        "五、各地短板",
        "六、趋势",
        "七、部门满意度",
        "附录一",
        "附录二",
    ):
        assert f"<h2>{heading}" in html
    assert "@page { size: A4" in html
    assert "Noto Sans CJK SC" in html


def test_figures_and_tables_numbered_in_order(html: str) -> None:
    figures = [int(n) for n in re.findall(r"<figcaption>图(\d+)　", html)]
    tables = [int(n) for n in re.findall(r"<caption[^>]*>表(\d+)　", html)]
    assert figures == list(range(1, len(figures) + 1)) and len(figures) >= 19
    assert tables == list(range(1, len(tables) + 1)) and len(tables) >= 10
    chart_divs = re.findall(r'<div class="plot" id="([^"]+)"', html)
    assert len(chart_divs) == len(figures) == len(set(chart_divs))


def test_department_text_is_escaped(html: str) -> None:
    page = html.replace(plotly_js(), "")
    assert "<script>window.__pwned" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;window.__pwned = &#34;comment&#34;&lt;/script&gt;" in page
    # In the chart JSON, markup characters are \u escapes (cannot close the <script> element).
    data = re.search(r'<script type="application/json" id="chart-data">(.*?)</script>', page, re.S)
    assert data and "<" not in data.group(1) and "\\u003cimg" not in data.group(1)
    assert "&lt;img src=x" in data.group(1).replace("\\u0026", "&")
    assert PWNED_COMMENT not in page and PWNED_FILE not in page


def test_rejected_versions_show_chinese_rule_names(html: str) -> None:
    table = re.search(r'<table id="table-rejected".*?</table>', html, re.S)
    assert table is not None
    assert "超出合理范围：2；区划代码不在名录中：1" in table.group(0)
    assert "range：" not in table.group(0) and "region：" not in table.group(0)


def test_quality_table_names_the_portal_sender(html: str) -> None:
    table = re.search(r'<table id="table-quality".*?</table>', html, re.S)
    assert table is not None
    rows = dict(re.findall(r'<tr data-source="(\w+)">(.*?)</tr>', table.group(0), re.S))
    assert "报送人：shuju" in rows["approval_cases"]
    assert "报送人" not in rows["utility_connections"]


def test_written_files_are_world_readable(workdir: Workdir, html: str) -> None:
    folder = workdir.reports / str(LATEST)
    for path in [*folder.iterdir(), workdir.reports / "index.html"]:
        assert path.stat().st_mode & 0o777 == 0o644, path


def test_watermark_only_for_demo_data(
    workdir: Workdir, config: BulletinConfig, tmp_path: Path, html: str
) -> None:
    assert '<div class="watermark"' in html and "示例数据" in html
    real = replace(default_registry(), synthetic=False)
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        paths = build_bulletin(
            con,
            LATEST,
            tmp_path,
            config=config,
            framework=FIXTURE_FRAMEWORK,
            registry=real,
            generated_at=T1,
            workbook=False,
        )
    text = paths.html.read_text(encoding="utf-8")
    assert '<div class="watermark"' not in text and "示例数据" not in text


def test_deterministic_except_generation_time(
    workdir: Workdir, config: BulletinConfig, tmp_path: Path, html: str
) -> None:
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        again = build_bulletin(
            con,
            LATEST,
            tmp_path / "a",
            config=config,
            framework=FIXTURE_FRAMEWORK,
            generated_at=T1,
            workbook=False,
        )
        later = build_bulletin(
            con,
            LATEST,
            tmp_path / "b",
            config=config,
            framework=FIXTURE_FRAMEWORK,
            generated_at=T2,
            workbook=False,
        )
    assert again.html.read_text(encoding="utf-8") == html
    lines_t1 = html.splitlines()
    lines_t2 = later.html.read_text(encoding="utf-8").splitlines()
    assert len(lines_t1) == len(lines_t2)
    differing = [(a, b) for a, b in zip(lines_t1, lines_t2, strict=True) if a != b]
    assert differing and len(differing) <= 2
    for a, b in differing:
        assert re.sub(r"\d", "", a) == re.sub(r"\d", "", b)  # only the timestamp's digits


def test_index_lists_every_quarter_newest_first(
    workdir: Workdir, config: BulletinConfig, html: str
) -> None:
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        for quarter in QUARTERS[:-1]:
            build_bulletin(
                con,
                quarter,
                workdir.reports,
                config=config,
                framework=FIXTURE_FRAMEWORK,
                generated_at=T1,
                workbook=False,
            )
    assert html  # the latest quarter is rendered (module fixture)
    index = (workdir.reports / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'<tr data-quarter="(\d{4}Q\d)">', index)
    assert listed == [str(q) for q in reversed(QUARTERS)]
    for q in QUARTERS:
        assert f'href="{q}/示例市营商环境评价_{q}_季通报.html"' in index
    latest = latest_bulletin_paths(workdir)
    assert latest is not None
    assert latest.html == workdir.reports / str(LATEST) / f"示例市营商环境评价_{LATEST}_季通报.html"
    assert latest.workbook is not None and latest.workbook.is_file()
    assert latest.index == workdir.reports / "index.html"


def test_latest_bulletin_paths_none_without_reports(tmp_path: Path) -> None:
    assert latest_bulletin_paths(tmp_path) is None


@pytest.mark.parametrize(
    ("quarter", "message"),
    [
        ("2025Q5", "无法识别的季度"),
        ("二季度", "无法识别的季度"),
        ("2024Q4", "没有 2024Q4（2024年第四季度）的评分排名结果"),
    ],
)
def test_cli_rejects_bad_or_unscored_quarter(
    workdir: Workdir, quarter: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--quarter", quarter, "--workdir", str(workdir.root)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and message in err and "Traceback" not in err


def test_cli_without_warehouse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--quarter", "2025Q2", "--workdir", str(tmp_path)]) == 2
    assert "没有数据仓库" in capsys.readouterr().err


def test_cli_builds_one_quarter(
    workdir: Workdir,
    config: BulletinConfig,
    project_copy: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_framework(project_copy / "framework.yaml")
    target = workdir.reports / "2025Q2" / "示例市营商环境评价_2025Q2_数据表.xlsx"
    target.unlink(missing_ok=True)
    assert main(["report", "--quarter", "2025q2", "--workdir", str(workdir.root)]) == 0
    out = capsys.readouterr().out
    assert "2025年第二季度季通报已生成" in out and str(target) in out
    assert target.is_file()


def test_bulletin_workbook_and_summary_carry_one_data_version(
    workdir: Workdir, config: BulletinConfig, tmp_path: Path
) -> None:
    """Issue 16: outputs of one quarter tell whether they come from the same data; a bulletin
    rewritten from other data next to the old workbook is flagged in the index."""
    import json

    from openpyxl import load_workbook

    from pipelines.reports.build import write_bulletin_html
    from pipelines.reports.content import build_content
    from pipelines.reports.render import index_entries, render_index

    out = tmp_path / "reports"
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        paths = build_bulletin(
            con, LATEST, out, config=config, framework=FIXTURE_FRAMEWORK, generated_at=T1
        )
        content = build_content(con, LATEST, config=config, framework=FIXTURE_FRAMEWORK)
    folder = out / str(LATEST)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    version = summary["data_version"]
    assert re.fullmatch(r"[0-9a-f]{12}", version)
    assert summary["workbook_data_version"] == version
    assert f'<span id="data-version">{version}</span>' in paths.html.read_text(encoding="utf-8")
    assert paths.workbook is not None
    about = load_workbook(paths.workbook)["说明"]
    assert [row[1] for row in about.iter_rows(values_only=True) if row[0] == "数据版本"] == [
        version
    ]
    (entry,) = index_entries(out)
    assert entry.consistent

    # New data for the bulletin only (the run died before the workbook): readers can tell.
    changed = replace(content, narrative=[*content.narrative, "新的一句"])
    assert changed.data_version != version
    write_bulletin_html(changed, out, T2)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    assert summary["data_version"] == changed.data_version
    assert summary["workbook_data_version"] == version
    (entry,) = index_entries(out)
    assert not entry.consistent
    index = render_index(out, "示例市", True, T2).read_text(encoding="utf-8")
    assert "与通报不是同一批数据" in index
