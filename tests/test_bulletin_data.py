"""Bulletin data layer and content rules, on a small fixture warehouse.

``make_bulletin_db`` (also used by the other bulletin and workbook tests) writes a DuckDB file
with the tables the bulletin reads — ``scores.rankings``, ``scores.indicator_scores``,
``scores.indicator_values`` (scored by the real engine from a small framework),
``warehouse.satisfaction_responses`` and ``intake.submissions`` / ``validation_errors`` — for
the demo city's 10 units over 2025Q1–2025Q3, including hostile department text.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from pipelines.env import SHANGHAI
from pipelines.indicators import ensure_scores_schema
from pipelines.indicators.robustness import analyse_quarter, replace_rank_uncertainty
from pipelines.indicators.scoring import unit_names
from pipelines.quarters import Quarter
from pipelines.registry import default_registry
from pipelines.reports.config import BulletinConfig, ListRules, load_bulletin_config
from pipelines.reports.content import BulletinContent, build_content
from pipelines.reports.data import NoScoresError, scored_quarters
from pipelines.reports.model.data_quality import submission_deadline
from pipelines.reports.model.lists import red_black_lists
from pipelines.reports.model.rankings import RankRow, method_change_notes, rank_rows
from pipelines.reports.render import render_bulletin
from pipelines.scoring import framework_from_dict, score, units_from_registry
from pipelines.scoring.robustness import RobustnessSettings
from pipelines.warehouse.store import ensure_schema

# Tier slow: builds a fixture warehouse for the module and reads or renders it.
pytestmark = pytest.mark.slow

QUARTERS = (Quarter(2025, 1), Quarter(2025, 2), Quarter(2025, 3))
LATEST = QUARTERS[-1]
ROBUSTNESS = RobustnessSettings(replications=200, seed=7)
PWNED_COMMENT = '<script>window.__pwned = "comment"</script>办事窗口太少'
PWNED_FILE = '<script>window.__pwned="file"</script>贷款_更正版.xlsx'
PWNED_MESSAGE = "<img src=x onerror=\"window.__pwned='message'\">金额应为非负数"
PWNED_DEPARTMENT = "<img src=x onerror=\"window.__pwned='dept'\">市某某局"
FORMULA_COMMENT = '=HYPERLINK("http://example.invalid","点我")'


def _leaf(code: str, name: str, unit: str, direction: str, best: float, worst: float) -> dict:
    return {
        "code": code,
        "name": name,
        "unit": unit,
        "direction": direction,
        "normalize": {"method": "frontier", "best": best, "worst": worst},
    }


FRAMEWORK = {
    "name": "示例市营商环境评价指标体系（测试）",
    "indicators": [
        {
            "code": "E01",
            "name": "开办企业",
            "lead": "市市场监管局",
            "weight": 1,
            "children": [
                _leaf("E01_01", "开办企业时间", "工作日", "lower_is_better", 0.5, 5),
                _leaf("E01_02", "开办企业环节", "个", "lower_is_better", 1, 6),
            ],
        },
        {
            "code": "E02",
            "name": "获得电力",
            "lead": "国网示例供电公司",
            "weight": 1,
            "children": [
                _leaf("E02_01", "高压接电时间", "工作日", "lower_is_better", 10, 60),
                _leaf("E02_02", "低压接入费用", "元", "lower_is_better", 0, 20000),
            ],
        },
        {
            "code": "E03",
            "name": "获得信贷",
            "lead": "人民银行示例市分行",
            "weight": 1,
            "children": [
                _leaf("E03_01", "普惠小微贷款增速", "%", "higher_is_better", 30, 0),
                _leaf("E03_02", "首贷户数", "户", "higher_is_better", 500, 0),
            ],
        },
        {
            "code": "E04",
            "name": "政务服务",
            "lead": "市数据局",
            "weight": 2,
            "children": [
                _leaf("E04_01", "网上可办率", "%", "higher_is_better", 100, 60),
                _leaf("E04_02", "平均跑动次数", "次", "lower_is_better", 0, 3),
                _leaf("E04_03", "承诺时限压缩率", "%", "higher_is_better", 80, 0),
            ],
        },
    ],
}

# Unit quality by quarter (0 = worst … 1 = best): chosen so that ranks move, some by ≥ 3.
QUALITY = {
    "990102": (0.90, 0.88, 0.86),
    "990103": (0.80, 0.82, 0.55),
    "990104": (0.70, 0.50, 0.93),
    "990105": (0.60, 0.62, 0.64),
    "990121": (0.50, 0.72, 0.75),
    "990122": (0.40, 0.42, 0.30),
    "990181": (0.30, 0.28, 0.48),
    "990182": (0.20, 0.22, 0.20),
    "990171": (0.85, 0.86, 0.84),
    "990172": (0.10, 0.12, 0.10),
}


def write_framework(path: Path) -> Path:
    path.write_text(yaml.safe_dump(FRAMEWORK, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def fixture_config(tmp: Path) -> BulletinConfig:
    """The demo's bulletin settings with key indicators of the fixture framework (``tmp`` is
    kept for the callers' signature)."""
    return replace(load_bulletin_config(), key_indicators=("E01_01", "E02_01", "E04"))


# The fixture framework the bulletin content is built with (passed explicitly, as the
# pipeline passes its FrameworkResource's).
FIXTURE_FRAMEWORK = framework_from_dict(FRAMEWORK)


def _values(quarters: tuple[Quarter, ...] = QUARTERS) -> pd.DataFrame:
    framework = framework_from_dict(FRAMEWORK)
    rng = np.random.default_rng(20250701)
    rows = []
    for qi, quarter in enumerate(quarters):
        for unit, quality in QUALITY.items():
            for leaf in framework.leaves():
                best, worst = leaf.normalize.params["best"], leaf.normalize.params["worst"]
                level = quality[qi % len(quality)]
                share = float(np.clip(level + rng.normal(0, 0.08), 0.02, 0.98))
                value = worst + (best - worst) * share
                rows.append(
                    (str(quarter), unit, leaf.code, round(value, 3), int(rng.integers(20, 400)))
                )
    return pd.DataFrame(rows, columns=["quarter", "unit_code", "indicator", "value", "n_cases"])


def _satisfaction(quarter: Quarter, seed: int) -> pd.DataFrame:
    registry = default_registry()
    rng = np.random.default_rng(seed)
    rows = []
    n = 0
    for i, dept in enumerate(registry.departments):
        mean = 4.6 - 0.08 * i  # departments later in the registry are rated lower
        for _ in range(12 + i % 5):
            n += 1
            overall = int(np.clip(round(rng.normal(mean, 0.7)), 1, 5))
            comment = ""
            if overall <= 3 and n % 3 == 0:
                comment = "材料要求不够清晰，希望一次告知"
            rows.append(
                [
                    str(quarter),
                    "h" * 64,
                    n + 1,
                    f"Q{quarter}{n:05d}",
                    "91000000MA0000000X",
                    "990102",
                    dept.name,
                    datetime(quarter.year, quarter.start.month, 15),
                    overall,
                    overall,
                    overall,
                    overall,
                    overall,
                    comment,
                ]
            )
    frame = pd.DataFrame(
        rows,
        columns=[
            "quarter",
            "submission_hash",
            "source_row",
            "response_id",
            "credit_code",
            "region_code",
            "rated_dept",
            "submitted_at",
            "score_attitude",
            "score_efficiency",
            "score_policy",
            "score_integrity",
            "score_overall",
            "comment",
        ],
    )
    # Hostile text on the lowest-rated department (its comments are quoted in the bulletin).
    last = registry.departments[-1].name
    # A department name that is not in the registry (the survey file is department text too).
    n += 1
    frame.loc[len(frame)] = [
        str(quarter),
        "h" * 64,
        n + 1,
        f"Q{quarter}{n:05d}",
        "91000000MA0000000X",
        "990102",
        PWNED_DEPARTMENT,
        datetime(quarter.year, quarter.start.month, 16),
        4,
        4,
        4,
        4,
        4,
        "",
    ]
    for text in (PWNED_COMMENT, FORMULA_COMMENT):
        n += 1
        frame.loc[len(frame)] = [
            str(quarter),
            "h" * 64,
            n + 1,
            f"Q{quarter}{n:05d}",
            "91000000MA0000000X",
            "990102",
            last,
            datetime(quarter.year, quarter.start.month, 16),
            1,
            1,
            1,
            1,
            1,
            text,
        ]
    return frame


def _submissions(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> None:
    sources = ("approval_cases", "utility_connections", "loan_balances", "satisfaction_responses")
    end = quarter.end
    for i, source in enumerate(sources):
        late = source == "utility_connections"
        day = end + timedelta(days=12 if late else 3 + i)
        received = f"{day.isoformat()} 10:0{i}:00+08"
        h = f"{source[:4]}{quarter}".ljust(64, "0")
        con.execute(
            "insert into intake.submissions values (?, ?, ?, ?, ?, ?, ?::timestamptz, ?, ?, "
            "'accepted', 0, 0, null, null, ?::timestamptz, ?::timestamptz, ?)",
            [
                h,
                source,
                str(quarter),
                f"{source}_{quarter}.xlsx",
                "/landing/x",
                "/archive/x",
                received,
                1000,
                100 + i,
                received,
                received,
                "shuju" if source == "approval_cases" else None,  # sent through the portal
            ],
        )
    # loan_balances: a rejected correction (hostile file name and message) and a superseded one.
    rej = f"rej{quarter}".ljust(64, "1")
    con.execute(
        "insert into intake.submissions values (?, 'loan_balances', ?, ?, '/l', '/a', "
        "?::timestamptz, 10, 50, 'rejected', 3, 2, '/r.html', '/r.csv', ?::timestamptz, "
        "null, null)",
        [
            rej,
            str(quarter),
            PWNED_FILE,
            f"{end.isoformat()} 09:00:00+08",
            f"{end.isoformat()} 09:00:00+08",
        ],
    )
    sup = f"sup{quarter}".ljust(64, "2")
    con.execute(
        "insert into intake.submissions values (?, 'loan_balances', ?, 'old.csv', '/l', '/a', "
        "?::timestamptz, 10, 50, 'superseded', null, null, null, null, null, null, null)",
        [sup, str(quarter), f"{end.isoformat()} 08:00:00+08"],
    )
    for row, rule, message in (
        (2, "range", PWNED_MESSAGE),
        (3, "range", "金额应为非负数"),
        (5, "region", "区划代码不在名录中"),
    ):
        con.execute(
            "insert into intake.validation_errors values (?, 'loan_balances', ?, 'contract', ?, "
            "'各项贷款余额', '-1', ?, ?)",
            [rej, str(quarter), row, rule, message],
        )


def make_bulletin_db(path: Path, quarters: tuple[Quarter, ...] = QUARTERS) -> Path:
    """A warehouse with every table the bulletin reads, for ``quarters`` (10 units each)."""
    framework = framework_from_dict(FRAMEWORK)
    registry = default_registry()
    values = _values(quarters)
    result = score(
        framework,
        values.rename(columns={"quarter": "period", "unit_code": "unit"}),
        units_from_registry(registry),
    )
    nodes = result.node_scores.rename(columns={"period": "quarter", "unit": "unit_code"})
    totals = nodes[nodes["level"] == 0].copy()
    names = unit_names(units_from_registry(registry)).set_index("unit_code")["unit_name"]
    totals["unit_name"] = totals["unit_code"].map(names)
    totals = totals.sort_values(["unit_code", "quarter"])
    totals["previous_rank"] = totals.groupby("unit_code")["rank"].shift(1)
    totals["previous_score"] = totals.groupby("unit_code")["score"].shift(1)
    rankings = pd.DataFrame(
        {
            "quarter": totals["quarter"],
            "unit_code": totals["unit_code"],
            "unit_name": totals["unit_name"],
            "total_score": totals["score"],
            "rank": totals["rank"].astype("Int64"),
            "previous_rank": totals["previous_rank"].astype("Int64"),
            "previous_score": totals["previous_score"],
            "rank_change": (totals["previous_rank"] - totals["rank"]).astype("Int64"),
            "score_change": totals["score"] - totals["previous_score"],
        }
    )
    scores = nodes[["quarter", "unit_code", "node", "level", "parent", "score", "rank", "flags"]]
    with duckdb.connect(str(path)) as con:
        ensure_schema(con)
        ensure_scores_schema(con)
        for table, frame in (
            ("rankings", rankings),
            ("indicator_scores", scores),
            ("indicator_values", values),
        ):
            con.register("v_frame", frame)
            columns = ", ".join(frame.columns)
            schema = "indicators" if table == "indicator_values" else "scores"
            exists = con.execute(
                "select count(*) from information_schema.tables "
                "where table_schema = ? and table_name = ?",
                [schema, table],
            ).fetchone()[0]
            target = f"{schema}.{table}" if exists else f"scores.{table}"
            con.execute(f"insert into {target} ({columns}) select {columns} from v_frame")
            con.unregister("v_frame")
        # How sure each rank is (scores.rank_uncertainty), by the real analysis.
        for quarter in quarters:
            result = analyse_quarter(
                con,
                framework,
                quarter,
                units_from_registry(registry),
                ROBUSTNESS,
                load_bulletin_config().rules,
            )
            replace_rank_uncertainty(con, quarter, result)
        for i, quarter in enumerate(quarters):
            con.register("v_sat", _satisfaction(quarter, seed=100 + i))
            con.execute("insert into warehouse.satisfaction_responses select * from v_sat")
            con.unregister("v_sat")
            _submissions(con, quarter)
    return path


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bulletin_db(tmp_path_factory.mktemp("bulletin") / "bizenv.duckdb")


@pytest.fixture(scope="module")
def content(fixture_db: Path, tmp_path_factory: pytest.TempPathFactory) -> BulletinContent:
    config = fixture_config(tmp_path_factory.mktemp("config"))
    with duckdb.connect(str(fixture_db), read_only=True) as con:
        return build_content(con, LATEST, config=config, framework=FIXTURE_FRAMEWORK)


def test_scored_quarters_and_missing_quarter(fixture_db: Path) -> None:
    with duckdb.connect(str(fixture_db), read_only=True) as con:
        assert scored_quarters(con) == list(QUARTERS)
        with pytest.raises(NoScoresError, match="2024Q4"):
            build_content(con, Quarter(2024, 4))


def test_content_covers_every_unit_and_indicator(content: BulletinContent) -> None:
    assert [r.rank for r in content.rows] == sorted(r.rank for r in content.rows)
    assert len(content.rows) == 10
    assert [s.code for s in content.first_level] == ["E01", "E02", "E03", "E04"]
    assert all(len(p.weak_points) == 3 for p in content.profiles)
    # Weak points are a unit's worst-ranked second-level indicators.
    p = content.profiles[0]
    ranks = content.data.scores_of(LATEST)
    mine = ranks[(ranks["unit_code"] == p.unit.unit_code) & (ranks["level"] == 2)]
    assert p.weak_points[0].rank == int(mine["rank"].max())


def test_rank_changes_follow_previous_quarter(content: BulletinContent) -> None:
    by_code = {r.unit_code: r for r in content.rows}
    # 南湖区 jumps from a weak Q2 to the top in Q3; 西城区 drops.
    assert by_code["990104"].rank_change >= 3
    assert by_code["990103"].rank_change <= -3


def test_ranking_changes_are_the_stored_changes(
    fixture_db: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The bulletin shows scores.rankings' rank_change / score_change (insert_rankings.sql),
    not a recomputation: stored values that no recomputation gives show as stored."""
    db = tmp_path / "stored.duckdb"
    db.write_bytes(fixture_db.read_bytes())
    with duckdb.connect(str(db)) as con:
        unit = con.execute(
            "select unit_code from scores.rankings where quarter = ? and previous_rank is not null "
            "order by rank limit 1",
            [str(LATEST)],
        ).fetchone()[0]
        con.execute(
            "update scores.rankings set rank_change = 7, score_change = 12.345 "
            "where quarter = ? and unit_code = ?",
            [str(LATEST), unit],
        )
    config = fixture_config(tmp_path_factory.mktemp("config"))
    with duckdb.connect(str(db), read_only=True) as con:
        stored = build_content(con, LATEST, config=config, framework=FIXTURE_FRAMEWORK)
    row = next(r for r in stored.rows if r.unit_code == unit)
    assert (row.rank_change, row.score_change) == (7, 12.35)
    assert row.previous_rank is not None and row.previous_rank - row.rank != 7
    html = render_bulletin(stored, datetime(2025, 10, 15, 9, 30, tzinfo=SHANGHAI))
    table = re.search(r'<table id="table-ranking".*?</table>', html, re.S).group(0)
    cells = re.search(rf'<tr data-unit="{unit}".*?</tr>', table, re.S).group(0)
    assert '<td class="c up">↑7' in cells and '<td class="c up">↑12.35' in cells


def test_same_leaf_set_is_not_flagged(content: BulletinContent) -> None:
    assert not any(r.method_changed for r in content.rows) and content.method_changes == []


def test_rank_change_with_a_different_leaf_set_is_flagged(content: BulletinContent) -> None:
    # E03_02 had no value (missing → score null) for 南湖区 last quarter, and E04_01 has none
    # this quarter: its rank and score changes compare different leaf sets.
    scores = content.data.node_scores
    unit = "990104"
    gone = (
        (scores["quarter"] == str(LATEST.previous()))
        & (scores["unit_code"] == unit)
        & (scores["node"] == "E03_02")
    ) | (
        (scores["quarter"] == str(LATEST))
        & (scores["unit_code"] == unit)
        & (scores["node"] == "E04_01")
    )
    data = replace(content.data, node_scores=scores.assign(score=scores["score"].mask(gone)))
    rows = rank_rows(data, default_registry())
    flagged = {r.unit_code: r for r in rows if r.method_changed}
    assert list(flagged) == [unit]
    assert flagged[unit].leaves_added == ("E03_02",)
    assert flagged[unit].leaves_dropped == ("E04_01",)
    (note,) = method_change_notes(rows, content.framework)
    assert note == "南湖区：新增E03_02 首贷户数；不再计入E04_01 网上可办率"


def _row(code: str, rank: int, previous: int | None, score: float = 50.0) -> RankRow:
    return RankRow.compared(
        rank, code, f"单位{code}", code, score, previous, None if previous is None else score
    )


@pytest.mark.parametrize(
    ("ranks", "red", "black"),
    [
        # (code, rank, previous rank)
        (
            [
                ("a", 1, 1),
                ("b", 2, 6),
                ("c", 3, 2),
                ("d", 4, 3),
                ("e", 5, 4),
                ("f", 6, 5),
                ("g", 7, 7),
                ("h", 8, 8),
            ],
            {"a", "b", "c"},  # top 3 (b also rose 4 places)
            {"f", "g", "h"},  # bottom 3; nobody else fell >= 3
        ),
        (
            [
                ("a", 1, 4),
                ("b", 2, 1),
                ("c", 3, 2),
                ("d", 4, 8),
                ("e", 5, 3),
                ("f", 6, 5),
                ("g", 7, 7),
                ("h", 8, 6),
            ],
            {"a", "b", "c", "d"},  # top 3 + riser d (4 places); a rose too but is top
            {"f", "g", "h"},
        ),
        (
            [
                ("a", 1, 1),
                ("b", 2, 2),
                ("c", 3, 3),
                ("d", 4, 4),
                ("e", 5, 1),
                ("f", 6, 6),
                ("g", 7, 8),
                ("h", 8, 7),
            ],
            {"a", "b", "c"},  # g is the only riser, but it is in the bottom 3
            {"e", "f", "g", "h"},  # e fell 4 places; g rose one place: still black
        ),
        (
            [("a", 1, None), ("b", 2, None), ("c", 3, None), ("d", 4, None)],
            {"a", "b", "c"},  # first quarter: top 3 only
            {"d"},  # bottom 3 minus the top 3
        ),
    ],
)
def test_red_black_rules(ranks: list[tuple], red: set[str], black: set[str]) -> None:
    rows = [_row(*r) for r in ranks]
    lists = red_black_lists(rows, ListRules(top=3, risers=3, bottom=3, fall_places=3))
    assert {e.unit.unit_code for e in lists.red} == red
    assert {e.unit.unit_code for e in lists.black} == black
    assert not {e.unit.unit_code for e in lists.red} & {e.unit.unit_code for e in lists.black}
    assert all(e.reasons for e in (*lists.red, *lists.black))


def test_red_black_reasons_name_the_rule() -> None:
    rows = [
        _row("a", 1, 1),
        _row("b", 2, 2),
        _row("c", 3, 7),
        _row("d", 4, 3),
        _row("e", 5, 5),
        _row("f", 6, 6),
        _row("g", 7, 4),
    ]
    lists = red_black_lists(rows, ListRules())
    red = {e.unit.unit_code: e.reasons for e in lists.red}
    black = {e.unit.unit_code: e.reasons for e in lists.black}
    assert red["c"] == ("综合排名第3位", "排名较上季度上升4位")
    assert black["g"] == ("综合排名第7位（倒数第1位）", "排名较上季度下降3位")


@pytest.mark.parametrize(
    ("quarter", "days", "expected"),
    [
        (Quarter(2025, 2), 7, "2025-07-07 23:59:59+08:00"),
        (Quarter(2024, 4), 10, "2025-01-10 23:59:59+08:00"),
    ],
)
def test_submission_deadline(quarter: Quarter, days: int, expected: str) -> None:
    assert submission_deadline(quarter, days).isoformat(sep=" ") == expected


def test_data_quality_marks_late_and_rejected(content: BulletinContent) -> None:
    by_source = {q.source: q for q in content.quality}
    assert by_source["utility_connections"].on_time is False
    assert by_source["approval_cases"].on_time is True
    # The portal's sender of the version in force; unknown for files landed otherwise.
    assert by_source["approval_cases"].sender == "shuju"
    assert by_source["utility_connections"].sender is None
    loans = by_source["loan_balances"]
    assert loans.versions == 3 and loans.superseded == 1
    (rejected,) = loans.rejected
    assert rejected.file_name == PWNED_FILE
    assert rejected.rules == (("range", 2), ("region", 1))  # ids; labels when shown
    assert rejected.messages[0] == f"第2行 各项贷款余额：{PWNED_MESSAGE}"


def test_narrative_numbers_are_the_tables_numbers(content: BulletinContent) -> None:
    text = "".join(content.narrative)
    leader = content.rows[0]
    assert f"综合得分第一的是{leader.unit_name}（{leader.score:.2f}分）" in text
    assert re.search(r"全市共(\d+)个县", text).group(1) == "10"
    riser = max(
        (r for r in content.rows if (r.rank_change or 0) > 0),
        key=lambda r: (r.rank_change, r.score_change),
    )
    assert f"进步最大的是{riser.unit_name}，排名上升{riser.rank_change}位" in text
    assert "4个一级指标、9个二级指标" in text


def test_satisfaction_scaled_and_sorted(content: BulletinContent) -> None:
    rows = content.satisfaction
    assert [r.score for r in rows] == sorted((r.score for r in rows), reverse=True)
    frame = content.data.satisfaction
    top = frame[frame["department"] == rows[0].department].iloc[0]
    assert rows[0].score == pytest.approx(round(float(top["mean_overall"]) * 20, 2))
    # The four sub-scores (服务态度, 办事效率, 政策落实, 廉洁自律), on the same 100 scale.
    assert len(rows[0].sub_scores) == 4
    assert rows[0].sub_scores[0] == pytest.approx(round(float(top["mean_attitude"]) * 20, 2))
    assert rows[0].sub_scores[3] == pytest.approx(round(float(top["mean_integrity"]) * 20, 2))
    assert any(c.text == PWNED_COMMENT for c in content.comments)
