"""Bulletin chapters 八至十 and 附录三 亮灯清单, and the matching workbook sheets, on a warehouse
loaded with generated demo data (2025Q1–Q2, all seven sources, scale 0.05), indicators and
scores computed by the real code; the HTML opened in headless Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
from openpyxl import load_workbook
from test_bulletin_browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

from pipelines.env import SHANGHAI
from pipelines.indicators import (
    ensure_scores_schema,
    load_default_framework,
    prepare_calendar,
    refresh_indicator_values,
)
from pipelines.indicators.demo import load_demo_quarters
from pipelines.indicators.scoring import score_quarter, unit_names
from pipelines.indicators.store import replace_indicator_scores, replace_rankings
from pipelines.quarters import Quarter
from pipelines.reports import build_bulletin
from pipelines.reports.config import load_bulletin_config
from pipelines.reports.content import build_content
from pipelines.reports.firm_sections import mask_credit_code, mask_firm_name
from pipelines.scoring import units_from_registry

# Tier slow: builds a fixture warehouse for the module and reads or renders it.
pytestmark = pytest.mark.slow

Q1, Q2 = Quarter(2025, 1), Quarter(2025, 2)
GENERATED_AT = datetime(2025, 7, 15, 9, 30, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("firm_bulletin") / "bizenv.duckdb"
    framework = load_default_framework()
    units = units_from_registry()
    with duckdb.connect(str(path)) as con:
        ensure_scores_schema(con)
        load_demo_quarters(con, [Q1, Q2], scale=0.05)
        for quarter in (Q1, Q2):
            prepare_calendar(con, quarter)
            refresh_indicator_values(con, framework, quarter)
            result = score_quarter(con, framework, quarter, units)
            nodes = result.node_scores[result.node_scores["period"] == str(quarter)]
            replace_indicator_scores(con, quarter, nodes)
            replace_rankings(con, quarter, framework.root, unit_names(units))
    return path


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("江海恒泰科技有限公司", "江海**科技有限公司"),
        ("东城华创环保科技有限公司", "东城**科技有限公司"),
        ("示例公司", "示**"),
    ],
)
def test_mask_firm_name(name: str, masked: str) -> None:
    assert mask_firm_name(name) == masked


def test_mask_credit_code() -> None:
    assert mask_credit_code("91320100MA1XYZ1234") == "9132****1234"


def test_content_numbers_agree_with_the_warehouse(warehouse: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        content = build_content(con, Q2)
        closed = con.execute(
            "select count(*) from warehouse.enterprise_requests where quarter = '2025Q2'"
        ).fetchone()[0]
        twice = con.execute(
            "select count(*) from (select credit_code from warehouse.inspections "
            "where quarter between '2025Q1' and '2025Q2' group by credit_code "
            "having count(*) >= 2)"
        ).fetchone()[0]
        recognised = con.execute(
            "select count(*), count(*) filter (where payout_mode = '免申即享') "
            "from warehouse.policy_payouts where quarter = '2025Q2' and policy_type = '认定类'"
        ).fetchone()
    firms = content.firms
    assert firms is not None and firms.requests and firms.inspections and firms.payouts
    assert firms.funnel[0] == ("受理并办结", closed)
    # Each stage counts from 受理 on its own (a late contact may still be assigned in time).
    assert len(firms.funnel) == 4 and all(0 < n <= closed for _s, n in firms.funnel[1:])
    assert f"本季度全市办结涉企诉求{closed}件" in firms.narratives["requests"]
    assert len(firms.lit) == twice > 0
    assert sum(y + r for _u, y, r in firms.lit_by_unit) == twice
    assert (
        f"认定类政策兑现{recognised[0]}笔，其中免申即享{recognised[1]}笔"
        in (firms.narratives["payouts"])
    )
    ranks = [r.rank for r in firms.requests.rows]
    assert ranks == sorted(ranks)
    assert [d.rank for d in firms.departments] == sorted(d.rank for d in firms.departments)
    # Thresholds come from the framework: a stricter yellow empties nothing but narrows.
    assert firms.yellow_at == 2 and firms.red_at == 3


def test_masked_edition_hides_firms(warehouse: Path, tmp_path: Path) -> None:
    config = replace(load_bulletin_config(), mask_firms=True)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        paths = build_bulletin(con, Q2, tmp_path, config=config, generated_at=GENERATED_AT)
        codes = {
            r[0]
            for r in con.execute(
                "select distinct credit_code from warehouse.inspections where quarter <= '2025Q2'"
            ).fetchall()
        }
    html = paths.html.read_text(encoding="utf-8")
    assert "亮灯清单" in html and "已脱敏" in html
    assert not [c for c in codes if c in html]
    assert re.search(r"\d{2}[0-9A-Z]{2}\*\*\*\*[0-9A-Z]{4}", html)
    assert paths.workbook is not None
    wb = load_workbook(paths.workbook)
    sheet = wb["亮灯清单"]
    assert all("**" in str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True))


def test_workbook_sheets(warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        paths = build_bulletin(con, Q2, tmp_path, generated_at=GENERATED_AT)
        content = build_content(con, Q2)
    assert paths.workbook is not None
    wb = load_workbook(paths.workbook)
    for name in ("涉企诉求办理", "承办单位排名", "执法检查", "亮灯清单", "惠企政策兑现"):
        assert name in wb.sheetnames
    firms = content.firms
    assert firms is not None and firms.requests is not None
    rows = list(wb["涉企诉求办理"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == [r.short_name for r in firms.requests.rows]
    lit = list(wb["亮灯清单"].iter_rows(min_row=2, values_only=True))
    assert len(lit) == len(firms.lit)
    assert lit[0][0] == firms.lit[0].firm_name and lit[0][3] == firms.lit[0].inspections


@pytest.fixture(scope="module")
def page(warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    root = tmp_path_factory.mktemp("firm_browser")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        paths = build_bulletin(con, Q2, root / "reports", generated_at=GENERATED_AT)
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
            errors: list[str] = []
            pg = context.new_page()
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.goto(paths.html.as_uri())
            pg.wait_for_selector("html[data-charts-ready]", timeout=60_000)
            assert errors == []
            yield pg
        finally:
            context.close()


def _texts(page: object, selector: str) -> list[str]:
    return page.eval_on_selector_all(  # type: ignore[attr-defined]
        selector, "els => els.map(e => e.textContent.trim())"
    )


def test_firm_charts_drawn(page: object) -> None:
    for div in (
        "chart-request-funnel",
        "chart-requests",
        "chart-lights-unit",
        "chart-lights-department",
        "chart-payout-auto",
        "chart-payout-days",
    ):
        assert page.locator(f"#{div} svg.main-svg").count() > 0, div  # type: ignore[attr-defined]
    units = page.locator("#table-payouts tbody tr").count()  # type: ignore[attr-defined]
    bars = page.locator("#chart-payout-auto g.trace.bars g.point path").count()  # type: ignore[attr-defined]
    assert units == bars == 10
    captions = _texts(page, "#requests figcaption, #inspections figcaption, #payouts figcaption")
    numbers = [int(re.match(r"图(\d+)", c).group(1)) for c in captions]  # type: ignore[union-attr]
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))


@pytest.mark.parametrize("table", ["table-requests", "table-inspections", "table-payouts"])
def test_unit_tables_in_rank_order(page: object, table: str) -> None:
    ranks = [int(t) for t in _texts(page, f"#{table} tbody td.rank")]
    scores = [float(t) for t in _texts(page, f"#{table} tbody td.score")]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert scores == sorted(scores, reverse=True)
    dept_ranks = [int(t) for t in _texts(page, "#table-request-departments tbody td.rank")]
    assert dept_ranks == sorted(dept_ranks)


def test_narrative_numbers_equal_the_tables(page: object) -> None:
    text = _texts(page, "#narrative-requests")[0]
    counts = [int(t) for t in _texts(page, "#table-request-funnel tbody td.count")]
    said = [int(n) for n in re.findall(r"(\d+)件", text)]
    assert said == counts
    first_unit = _texts(page, "#table-requests tbody td.unit")[0]
    first_score = _texts(page, "#table-requests tbody td.score")[0]
    assert f"{first_unit}最高（{first_score}分）" in text
    text = _texts(page, "#narrative-inspections")[0]
    lights = _texts(page, "#table-lit tbody td.light")
    yellow = int(re.search(r"亮黄灯(\d+)家", text).group(1))  # type: ignore[union-attr]
    red = int(re.search(r"亮红灯(\d+)家", text).group(1))  # type: ignore[union-attr]
    assert (yellow, red) == (lights.count("黄灯"), lights.count("红灯"))
    assert yellow == sum(int(t) for t in _texts(page, "#table-lights-unit tbody td.yellow"))
    text = _texts(page, "#narrative-payouts")[0]
    first_unit = _texts(page, "#table-payouts tbody td.unit")[0]
    first_score = _texts(page, "#table-payouts tbody td.score")[0]
    assert f"{first_unit}最高（{first_score}分）" in text


def test_mask_firms_setting_is_a_boolean(tmp_path: Path) -> None:
    from pipelines.reports.config import BulletinConfigError

    path = tmp_path / "bulletin.yaml"
    path.write_text("mask_firms: true\n", encoding="utf-8")
    assert load_bulletin_config(path).mask_firms is True
    assert load_bulletin_config().mask_firms is False  # the demo project's internal edition
    path.write_text("mask_firms: 是\n", encoding="utf-8")
    with pytest.raises(BulletinConfigError, match="mask_firms 应为 true 或 false"):
        load_bulletin_config(path)
