"""The bulletin in a real browser (Debian's /usr/bin/chromium driven by Playwright).

Loads the rendered file from disk, as an official opens an e-mail attachment: no console
error, no request other than ``file:``, every chart drawn, tables and narrative consistent,
hostile department text inert, a full-page screenshot and an A4 PDF.

Skipped only when chromium is absent outside CI (``CI=true`` turns the skip into a failure);
``scripts/ensure_browser.sh`` installs it.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from test_bulletin_data import (
    FIXTURE_FRAMEWORK,
    LATEST,
    PWNED_COMMENT,
    PWNED_DEPARTMENT,
    PWNED_FILE,
    PWNED_MESSAGE,
    fixture_config,
    make_bulletin_db,
)

from pipelines.env import SHANGHAI
from pipelines.reports import build_bulletin

# Opens the bulletin in headless Chromium.
pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
GENERATED_AT = datetime(2025, 10, 15, 9, 30, tzinfo=SHANGHAI)


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} 不存在：请运行 scripts/ensure_browser.sh 安装 chromium 与 fonts-noto-cjk"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class LoadedPage:
    page: object  # playwright.sync_api.Page
    html: Path
    size_bytes: int
    render_seconds: float
    load_seconds: float
    console: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedPage]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    root = tmp_path_factory.mktemp("bulletin_browser")
    db = make_bulletin_db(root / "bizenv.duckdb")
    config = fixture_config(root)
    started = time.perf_counter()
    with duckdb.connect(str(db), read_only=True) as con:
        paths = build_bulletin(
            con,
            LATEST,
            root / "reports",
            config=config,
            framework=FIXTURE_FRAMEWORK,
            generated_at=GENERATED_AT,
        )
    render_seconds = time.perf_counter() - started
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
            result = LoadedPage(page, paths.html, paths.html.stat().st_size, render_seconds, 0.0)
            page.on("console", lambda m: result.console.append((m.type, m.text)))
            page.on("pageerror", lambda e: result.console.append(("pageerror", str(e))))
            page.on("request", lambda r: result.requests.append(r.url))
            t0 = time.perf_counter()
            page.goto(paths.html.as_uri())
            page.wait_for_selector("html[data-charts-ready]", timeout=60_000)
            result.load_seconds = time.perf_counter() - t0
            print(
                f"\nbulletin: {result.size_bytes / 1e6:.2f} MB, rendered in "
                f"{render_seconds:.2f} s, loaded and drawn in {result.load_seconds:.2f} s"
            )
            yield result
        finally:
            context.close()


def test_loads_offline_without_errors(loaded: LoadedPage) -> None:
    errors = [(kind, text) for kind, text in loaded.console if kind in ("error", "pageerror")]
    assert errors == []
    assert loaded.requests, "the page itself is a request"
    assert [u for u in loaded.requests if not u.startswith("file:")] == []


def test_every_chart_is_drawn(loaded: LoadedPage) -> None:
    page = loaded.page
    plots = page.eval_on_selector_all(
        "div.plot", "els => els.map(e => [e.id, e.querySelectorAll('svg.main-svg').length])"
    )
    assert len(plots) >= 10
    assert [pid for pid, svgs in plots if svgs == 0] == []
    ready = page.evaluate("document.documentElement.getAttribute('data-charts-ready')")
    assert int(ready) == len(plots)
    units = page.locator("#table-ranking tbody tr").count()
    bars = page.locator("#chart-ranking g.trace.bars g.point path").count()
    assert units == 10
    assert bars == units
    # Each first-level indicator's chart has one bar per unit too.
    assert page.locator("#chart-indicator-01 g.trace.bars g.point path").count() == units


def _ranking_table(page: object) -> list[dict[str, str]]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#table-ranking tbody tr",
        """rows => rows.map(r => ({
            unit: r.dataset.unit,
            rank: r.querySelector('td.rank').textContent.trim(),
            name: r.querySelector('td.unit').textContent.trim(),
            score: r.querySelector('td.score').textContent.trim(),
            change: r.children[4].textContent.trim(),
            scoreChange: r.children[6].textContent.trim(),
        }))""",
    )


def test_ranking_table_lists_every_unit_in_rank_order(loaded: LoadedPage, tmp_path: Path) -> None:
    rows = _ranking_table(loaded.page)
    ranks = [int(r["rank"]) for r in rows]
    assert ranks == sorted(ranks) and ranks[0] == 1
    scores = [float(r["score"]) for r in rows]
    assert scores == sorted(scores, reverse=True)
    from pipelines.registry import default_registry

    assert {r["unit"] for r in rows} == {u.code for u in default_registry().units}


def test_narrative_numbers_equal_the_tables(loaded: LoadedPage) -> None:
    page = loaded.page
    text = "".join(page.locator("p.narrative").all_inner_texts())
    rows = _ranking_table(page)
    by_name = {r["name"]: r for r in rows}

    assert int(re.search(r"全市共(\d+)个县", text).group(1)) == len(rows)
    leader, leader_score = re.search(r"综合得分第一的是(.+?)（([\d.]+)分）", text).groups()
    assert (leader, leader_score) == (rows[0]["name"], rows[0]["score"])
    last, last_score = re.search(r"排名末位的是(.+?)（([\d.]+)分）", text).groups()
    assert (last, last_score) == (rows[-1]["name"], rows[-1]["score"])
    mean = float(re.search(r"全市平均综合得分([\d.]+)分", text).group(1))
    assert mean == pytest.approx(sum(float(r["score"]) for r in rows) / len(rows), abs=0.006)

    up, down, same = map(
        int, re.search(r"(\d+)个单位排名上升，(\d+)个下降，(\d+)个持平", text).groups()
    )
    changes = [r["change"] for r in rows]
    assert up == sum(c.startswith("↑") for c in changes)
    assert down == sum(c.startswith("↓") for c in changes)
    assert same == len(rows) - up - down

    riser, places, was, now, delta = re.search(
        r"进步最大的是(.+?)，排名上升(\d+)位（由第(\d+)位升至第(\d+)位），综合得分提高([\d.]+)分",
        text,
    ).groups()
    assert by_name[riser]["change"] == f"↑{places}"
    assert by_name[riser]["rank"] == now and int(was) - int(now) == int(places)
    assert by_name[riser]["scoreChange"] == f"↑{delta}"
    assert int(places) == max(int(c[1:]) for c in changes if c.startswith("↑"))
    faller, places = re.search(r"退步最大的是(.+?)，排名下降(\d+)位", text).groups()
    assert by_name[faller]["change"] == f"↓{places}"

    red_n, black_n = map(
        int, re.search(r"列入红榜的(\d+)个单位.*列入黑榜的(\d+)个单位", text).groups()
    )
    assert red_n == page.locator("#table-red tbody tr").count()
    assert black_n == page.locator("#table-black tbody tr").count()

    depts, top, top_score = re.search(
        r"涉及(\d+)个部门，满意度最高的是(.+?)（([\d.]+)分）", text
    ).groups()
    first = page.locator("#table-satisfaction tbody tr").first.locator("td").all_inner_texts()
    assert (top, top_score) == (first[1], first[3])
    assert int(depts) == page.locator("#table-satisfaction tbody tr").count()


def test_injected_markup_is_text_not_code(loaded: LoadedPage) -> None:
    page = loaded.page
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert (
        page.locator("#table-comments img, #table-rejected img, #table-satisfaction img").count()
        == 0
    )
    comments = page.locator("#table-comments td.comment").all_inner_texts()
    assert PWNED_COMMENT in comments
    assert PWNED_FILE in page.locator("#table-rejected td.file").all_inner_texts()
    assert any(
        PWNED_MESSAGE in t for t in page.locator("#table-rejected td.message").all_inner_texts()
    )
    assert PWNED_DEPARTMENT in page.locator("#table-satisfaction td.dept").all_inner_texts()
    # Plotly shows the department's name as text in the chart, never as an element.
    ticks = page.locator("#chart-satisfaction g.ytick text").all_text_contents()
    assert PWNED_DEPARTMENT in ticks
    assert page.locator("#chart-satisfaction img").count() == 0


def test_full_page_screenshot(loaded: LoadedPage, tmp_path: Path) -> None:
    target = tmp_path / "bulletin.png"
    loaded.page.screenshot(path=str(target), full_page=True)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 50_000


def test_prints_on_a4_with_page_breaks(loaded: LoadedPage, tmp_path: Path) -> None:
    page = loaded.page
    page.emulate_media(media="print")
    try:
        breaks = page.eval_on_selector_all(
            "section.chapter", "els => els.map(e => getComputedStyle(e).breakBefore)"
        )
        watermark = page.eval_on_selector(".watermark", "e => getComputedStyle(e).position")
    finally:
        page.emulate_media(media="screen")
    assert breaks[0] != "page" and set(breaks[1:]) == {"page"}
    assert watermark == "fixed"
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    (tmp_path / "bulletin.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= len(breaks)
    # A4 is 595 × 842 points.
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert boxes and all(
        abs(float(w) - 595.28) < 1 and abs(float(h) - 841.89) < 1 for w, h in boxes
    )


def _interval_table(page: object) -> list[dict[str, str]]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined]
        "#table-intervals tbody tr",
        """rows => rows.map(r => ({
            unit: r.dataset.unit,
            rank: r.querySelector('td.rank').textContent.trim(),
            name: r.querySelector('td.unit').textContent.trim(),
            median: r.querySelector('td.median').textContent.trim(),
            interval: r.querySelector('td.interval').textContent.trim(),
            shareRank: r.querySelector('td.share-rank').textContent.trim(),
            sharePlace: r.querySelector('td.share-place').textContent.trim(),
        }))""",
    )


def test_rank_interval_chart_is_drawn(loaded: LoadedPage) -> None:
    page = loaded.page
    units = page.locator("#table-ranking tbody tr").count()
    chart = page.locator("#chart-rank-intervals")
    assert chart.locator("svg.main-svg").count() > 0
    # Two traces (median with its 5–95 % bar, and the published rank), one point per unit.
    assert chart.locator("g.trace.scatter").count() == 2
    assert chart.locator("g.trace.scatter").nth(0).locator("path.point").count() == units
    assert chart.locator("g.trace.scatter").nth(1).locator("path.point").count() == units
    assert chart.locator("g.errorbar").count() == units
    legend = chart.locator("g.legend text").all_text_contents()
    assert "通报名次" in legend
    # The interval table follows the ranking: same units, same ranks.
    ranking = [(r["unit"], r["rank"]) for r in _ranking_table(page)]
    intervals = [(r["unit"], r["rank"]) for r in _interval_table(page)]
    assert intervals == ranking
    for r in _interval_table(page):
        low, high = (int(x) for x in r["interval"].split("—"))
        assert low <= int(r["median"]) <= high


def test_robustness_sentence_numbers_equal_the_table(loaded: LoadedPage) -> None:
    page = loaded.page
    text = page.locator("#robustness-sentence").inner_text()
    rows = _interval_table(page)
    leader, share, rank = re.search(r"^(.+?)在(\d+%)的模拟中保持第(\d+)名", text).groups()
    assert (leader, share, rank) == (rows[0]["name"], rows[0]["shareRank"], rows[0]["rank"])
    spans = [tuple(int(x) for x in r["interval"].split("—")) for r in rows]
    overlapping = [
        (rows[i]["name"], rows[i + 1]["name"])
        for i in range(len(rows) - 1)
        if spans[i][0] <= spans[i + 1][1] and spans[i + 1][0] <= spans[i][1]
    ]
    match = re.search(r"；(.+?)与(.+?)的名次区间重叠，名次差异不显著", text)
    if overlapping:
        assert match is not None and match.groups() == overlapping[0]
        count = re.search(r"共有(\d+)对单位", text)
        assert (int(count.group(1)) if count else 1) == len(overlapping)
    else:
        assert match is None and "均不重叠" in text


def test_list_notes_and_method_appendix(loaded: LoadedPage) -> None:
    page = loaded.page
    rows = {r["unit"]: r for r in _interval_table(page)}
    listed = page.eval_on_selector_all(
        "#table-red tbody tr[data-unit], #table-black tbody tr[data-unit]",
        "rows => rows.map(r => r.dataset.unit)",
    )
    below = 80  # bulletin.yaml list_place_note_below: 0.8
    expected = {u for u in listed if int(rows[u]["sharePlace"].rstrip("%")) < below}
    notes = page.eval_on_selector_all(
        "#list-notes li", "els => els.map(e => [e.dataset.unit, e.dataset.share])"
    )
    assert {u for u, _ in notes} == expected
    for unit, share in notes:
        assert share == rows[unit]["sharePlace"]
    assert "80%" in page.locator("#list-notes").first.inner_text()
    # The method appendix names the input that moves the ranks most: the table's first row.
    appendix = page.locator("#appendix").inner_text()
    assert "名次稳健性分析" in appendix
    first = page.locator("#table-sensitivity tbody tr").first.locator("td").all_inner_texts()
    driver, st = re.search(r"对名次影响最大的是(.+?)（总效应指数 ([\d.]+)）", appendix).groups()
    assert (driver, st) == (first[0], first[2])
    totals = [
        float(r.locator("td").nth(2).inner_text())
        for r in page.locator("#table-sensitivity tbody tr").all()
    ]
    assert totals == sorted(totals, reverse=True)
