"""Indicator and scoring assets end to end (in-process ``dagster.materialize``): generated
demo data loaded straight into the warehouse → indicator_values → indicator_scores →
rankings for two quarters, then the trace from a total back to warehouse rows."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from dagster import AssetCheckSeverity, AssetKey, DagsterInstance, materialize
from demo_defs import asset, run_resources

from pipelines.env import Workdir
from pipelines.failures import run_failure_messages
from pipelines.indicators import (
    ensure_scores_schema,
    load_default_framework,
    replace_indicator_scores,
    replace_rankings,
)
from pipelines.indicators.demo import DEMO_SEED, demo_hash, load_demo_quarters
from pipelines.indicators.scoring import score_quarter, unit_names
from pipelines.indicators.store import replace_indicator_values
from pipelines.quarters import Quarter
from pipelines.scoring import Units, units_from_registry
from pipelines.workdays import work_calendar

# Tier slow: materialises a chain of assets on a fixture warehouse.
pytestmark = pytest.mark.slow

indicator_values = asset("indicators", "indicator_values")
indicator_scores = asset("scoring", "indicator_scores")
rankings = asset("scoring", "rankings")
rank_uncertainty = asset("scoring", "rank_uncertainty")

Q1, Q2 = Quarter(2025, 1), Quarter(2025, 2)
SCALE = 0.1
# Each asset's checks run in its own step (in-asset checks): materializing it runs them.
ASSETS = [indicator_values, indicator_scores, rankings, rank_uncertainty]
ROBUSTNESS_RUN = {"ops": {"scoring__rank_uncertainty": {"config": {"replications": 200}}}}


@pytest.fixture(scope="module")
def pipeline_db(module_workdir: Workdir) -> dict[str, object]:
    """Two quarters materialised once for the module."""
    layout = module_workdir
    with duckdb.connect(str(layout.warehouse)) as con:
        # 2024Q1 is the year-ago quarter 2025Q1's loan growth needs; 2024Q2 is left out, so
        # 2025Q2's year-on-year growth (E06_01) is missing for every unit.
        load_demo_quarters(con, [Quarter(2024, 1), Q1, Q2], seed=DEMO_SEED, scale=SCALE)
    resources = run_resources(layout)
    results = {}
    with DagsterInstance.ephemeral() as instance:
        for quarter in (Q1, Q2):
            results[str(quarter)] = materialize(
                ASSETS,
                partition_key=quarter.partition_key,
                resources=resources,
                instance=instance,
                run_config=ROBUSTNESS_RUN,
                raise_on_error=True,
            )
    return {"path": str(layout.warehouse), "results": results}


def read(path: str, query: str, params: list[object] | None = None) -> pd.DataFrame:
    with duckdb.connect(path, read_only=True) as con:
        return con.execute(query, params or []).df()


def test_runs_succeed_and_checks_pass(pipeline_db) -> None:
    for quarter, result in pipeline_db["results"].items():
        assert result.success, quarter
        checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
        assert checks["scores_within_range"].passed
        assert checks["every_unit_has_total"].passed
        assert checks["ranks_follow_scores"].passed
        assert checks["nominal_equals_rankings"].passed
        mats = {m.asset_key: m for m in result.get_asset_materialization_events()}
        meta = mats[AssetKey(["indicators", "indicator_values"])].materialization.metadata
        assert meta["dagster/row_count"].value > 0
        assert "E01_01" in meta["preview"].value
    # 2025Q2 has no year-ago loans (2024Q2 not loaded): the warning check says so, and being
    # non-blocking it stops nothing (the run succeeded, everything downstream materialized).
    q2 = pipeline_db["results"]["2025Q2"]
    q2_checks = {e.check_name: e for e in q2.get_asset_check_evaluations()}
    warning = q2_checks["every_indicator_has_values"]
    assert not warning.passed and warning.severity is AssetCheckSeverity.WARN
    assert "E06_01" in warning.description
    assert {m.asset_key for m in q2.get_asset_materialization_events()} == {a.key for a in ASSETS}


def test_checks_keep_their_keys_and_flags() -> None:
    """Each check is declared by the asset it checks, with the AssetCheckKey and blocking flag
    it had as a step of its own."""
    specs = {
        (spec.asset_key.to_user_string(), spec.name): spec.blocking
        for a in ASSETS
        for spec in a.check_specs
    }
    assert specs == {
        ("indicators/indicator_values", "every_indicator_has_values"): False,
        ("scoring/indicator_scores", "scores_within_range"): True,
        ("scoring/indicator_scores", "every_unit_has_total"): False,
        ("scoring/rankings", "ranks_follow_scores"): False,
        ("scoring/rank_uncertainty", "nominal_equals_rankings"): False,
    }


def test_failing_blocking_check_stops_the_rankings(
    workdir: Workdir, monkeypatch: pytest.MonkeyPatch
) -> None:
    """scores_within_range fails (the allowed range forced down to [0, 1]): indicator_scores
    is written and judged, but its step fails, so rankings and the robustness analysis do
    not run in that run."""
    from pipelines.defs.scoring import assets as scoring_assets

    with duckdb.connect(str(workdir.warehouse)) as con:
        load_demo_quarters(con, [Q1], seed=DEMO_SEED, scale=SCALE)
    monkeypatch.setattr(scoring_assets, "SCORE_RANGE", (0.0, 1.0))
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            ASSETS,
            partition_key=Q1.partition_key,
            resources=run_resources(workdir),
            instance=instance,
            run_config=ROBUSTNESS_RUN,
            raise_on_error=False,
        )
        # The command line's reason names the check (Dagster's own error, as bizenv reads it).
        assert run_failure_messages(instance, result.run_id) == [
            "scoring/indicator_scores：未通过阻断性检查 scores_within_range，下游未运行；"
            "检查结果见 Dagster 运行记录"
        ]
    assert not result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    failed = checks["scores_within_range"]
    assert not failed.passed and failed.severity is AssetCheckSeverity.ERROR
    assert failed.metadata["out_of_range"].value > 0
    assert "every_unit_has_total" in checks  # the asset's other check still reports
    assert {m.asset_key for m in result.get_asset_materialization_events()} == {
        indicator_values.key,
        indicator_scores.key,
    }
    assert "ranks_follow_scores" not in checks and "nominal_equals_rankings" not in checks
    with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
        scored = con.execute("select count(*) from scores.indicator_scores").fetchone()
        ranked = con.execute("select count(*) from scores.rankings").fetchone()
    assert scored is not None and scored[0] > 0
    assert ranked == (0,)


def test_rankings_sorted_with_previous_quarter(pipeline_db) -> None:
    path = pipeline_db["path"]
    q1 = read(path, "select * from scores.rankings where quarter = ? order by rank", [str(Q1)])
    q2 = read(path, "select * from scores.rankings where quarter = ? order by rank", [str(Q2)])
    units = units_from_registry()
    assert len(q1) == len(q2) == len(units.units)
    # Ranks follow the unrounded score, best first; ties share the best rank.
    expected = q2["total_score"].rank(method="min", ascending=False).astype("int64")
    assert q2["rank"].astype("int64").tolist() == expected.tolist()
    assert q2["total_score"].is_monotonic_decreasing
    # The first quarter scored has no previous quarter; the second reads it from the table.
    assert q1["previous_rank"].isna().all() and q1["score_change"].isna().all()
    merged = q2.merge(q1, on="unit_code", suffixes=("", "_q1"))
    assert (merged["previous_rank"] == merged["rank_q1"]).all()
    assert np.allclose(merged["previous_score"], merged["total_score_q1"])
    assert (merged["rank_change"] == merged["rank_q1"] - merged["rank"]).all()
    assert np.allclose(merged["score_change"], merged["total_score"] - merged["total_score_q1"])
    names = {u.code: u.name for u in units.units}
    assert q2.set_index("unit_code")["unit_name"].to_dict() == names


def test_missing_indicator_is_missing_not_zero(pipeline_db) -> None:
    path = pipeline_db["path"]
    values = read(
        path,
        "select * from scores.indicator_values where quarter = ? and indicator = 'E06_01'",
        [str(Q2)],
    )
    assert values.empty
    leaf = read(
        path,
        "select * from scores.indicator_scores where quarter = ? and node = 'E06_01'",
        [str(Q2)],
    )
    assert leaf["score"].isna().all()
    assert leaf["flags"].str.contains("missing_value").all()
    parent = read(
        path, "select * from scores.indicator_scores where quarter = ? and node = 'E06'", [str(Q2)]
    )
    assert parent["score"].notna().all()
    assert parent["flags"].str.contains("partial").all()


def _workdays(frame: pd.DataFrame, start: str, end: str) -> pd.Series:
    first = min(frame[start].min(), frame[end].min()).date()
    last = max(frame[start].max(), frame[end].max()).date()
    seq = work_calendar(first, last).set_index("day")["workday_seq"]
    return frame[end].dt.date.map(seq) - frame[start].dt.date.map(seq)


def test_trace_total_to_warehouse_rows(pipeline_db) -> None:
    path = pipeline_db["path"]
    framework = load_default_framework()
    unit = "990102"
    trace = read(
        path,
        "select * from scores.score_trace where quarter = ? and unit_code = ?",
        [str(Q2), unit],
    )
    assert set(trace["indicator"]) == set(framework.leaf_codes)

    # Leaf E01_01 (企业开办平均用时): the lineage names the approval partition by its hash…
    row = trace[trace["indicator"] == "E01_01"].iloc[0]
    assert row["source_table"] == "approval_cases"
    assert row["submission_hash"] == demo_hash("approval_cases", Q2, DEMO_SEED, SCALE)
    # …and the value recomputed from those warehouse rows equals the stored value.
    cases = read(
        path,
        "select * from warehouse.approval_cases where quarter = ? and region_code = ? "
        "and submission_hash = ?",
        [row["input_quarter"], unit, row["submission_hash"]],
    )
    startups = cases[cases["category"] == "企业开办"]
    durations = _workdays(startups, "accepted_at", "completed_at")
    assert row["n_cases"] == len(startups)
    assert row["value"] == pytest.approx(durations.mean(), rel=1e-12)

    # Leaf E07_03 (按承诺时限办结率) from the same rows: 其他政务服务 only.
    other = cases[cases["category"] == "其他政务服务"]
    on_time = _workdays(other, "accepted_at", "completed_at") <= other["promised_limit_days"]
    stored = trace[trace["indicator"] == "E07_03"].iloc[0]
    assert stored["value"] == pytest.approx(100 * on_time.mean(), rel=1e-12)
    assert stored["n_cases"] == len(other)

    # Leaf E02_02 (工程建设项目按承诺时限办结率): net of 特殊环节用时 (empty = 0).
    building = cases[cases["category"] == "工程建设项目审批"]
    suspended = building["suspended_days"].fillna(0)
    assert (suspended > 0).any()  # the demo fills it for 工程建设项目审批
    net = (_workdays(building, "accepted_at", "completed_at") - suspended).clip(lower=0)
    stored = trace[trace["indicator"] == "E02_02"].iloc[0]
    assert stored["value"] == pytest.approx(
        100 * (net <= building["promised_limit_days"]).mean(), rel=1e-12
    )

    # Leaf E06_03 (普惠小微环比增速) reads two loan partitions, each named by its hash.
    growth = trace[trace["indicator"] == "E06_03"].sort_values("input_quarter")
    assert growth["input_quarter"].tolist() == [str(Q1), str(Q2)]
    balances = {}
    for quarter, hash_ in zip(growth["input_quarter"], growth["submission_hash"], strict=True):
        loans = read(
            path,
            "select * from warehouse.loan_balances where quarter = ? and "
            "region_code = ? and submission_hash = ?",
            [quarter, unit, hash_],
        )
        month_end = loans[loans["stat_month"].str[-2:].astype(int) % 3 == 0]
        balances[quarter] = float(month_end["inclusive_sme_loans_100m"].iloc[0])
    expected_growth = 100 * (balances[str(Q2)] / balances[str(Q1)] - 1)
    assert growth["value"].iloc[0] == pytest.approx(expected_growth, rel=1e-12)

    # Total = weighted mean (weights 1) of the first-level scores; first level = mean of leaves.
    first_level = trace.drop_duplicates("first_level")
    assert row["total_score"] == pytest.approx(first_level["first_level_score"].mean())
    e07 = trace[trace["first_level"] == "E07"].drop_duplicates("indicator")
    assert e07["first_level_score"].iloc[0] == pytest.approx(e07["indicator_score"].mean())


def test_ties_share_the_best_rank(tmp_path) -> None:
    """Two units with identical values tie on every node and share the best rank."""
    framework = load_default_framework()
    units = Units.plain(["990102", "990103", "990104"])
    quarter = Quarter(2025, 2)
    leaves = framework.leaf_codes
    values = pd.DataFrame(
        [
            (unit, code, value)
            for unit, value in (("990102", 1.0), ("990103", 1.0), ("990104", 2.0))
            for code in leaves
        ],
        columns=["unit_code", "indicator", "value"],
    ).assign(n_cases=1)
    with duckdb.connect(str(tmp_path / "t.duckdb")) as con:
        ensure_scores_schema(con)
        replace_indicator_values(
            con,
            quarter,
            values,
            pd.DataFrame(columns=["indicator", "sql_file", "source_table", "input_quarter"]),
        )
        result = score_quarter(con, framework, quarter, units)
        replace_indicator_scores(con, quarter, result.node_scores)
        replace_rankings(con, quarter, framework.root, unit_names(units))
        table = con.execute(
            "select unit_code, total_score, rank from scores.rankings where quarter = ? "
            "order by unit_code",
            [str(quarter)],
        ).df()
    assert table["total_score"].iloc[0] == table["total_score"].iloc[1]
    assert table["total_score"].iloc[0] != table["total_score"].iloc[2]
    ranks = dict(zip(table["unit_code"], table["rank"], strict=True))
    better_tied = table["total_score"].iloc[0] > table["total_score"].iloc[2]
    assert ranks == (
        {"990102": 1, "990103": 1, "990104": 3}
        if better_tied
        else {"990102": 2, "990103": 2, "990104": 1}
    )


def test_rank_uncertainty_stored_per_quarter(pipeline_db) -> None:
    path = pipeline_db["path"]
    table = read(path, "select * from scores.rank_uncertainty where quarter = ?", [str(Q2)])
    ranking = read(path, "select * from scores.rankings where quarter = ?", [str(Q2)])
    merged = table.merge(ranking, on="unit_code")
    assert len(merged) == len(ranking) == len(units_from_registry().units)
    assert (merged["nominal_rank"] == merged["rank"]).all()
    assert np.allclose(merged["nominal_score"], merged["total_score"])
    assert (merged["rank_p05"] <= merged["median_rank"]).all()
    assert (merged["median_rank"] <= merged["rank_p95"]).all()
    assert merged["share_nominal_rank"].between(0, 1).all()
    assert (table["replications"] == 200).all()
    sens = read(path, "select * from scores.rank_sensitivity where quarter = ?", [str(Q2)])
    assert set(sens["output"]) == {*ranking["unit_code"], "mean_abs_rank_shift"}
    assert {"weights_level1", "normalisation", "aggregation"} <= set(sens["factor"])
    # A second run replaces the partition (no duplicate keys, same seed → same result).
    mats = pipeline_db["results"]["2025Q2"].get_asset_materialization_events()
    meta = {m.asset_key: m for m in mats}[AssetKey(["scoring", "rank_uncertainty"])]
    assert meta.materialization.metadata["replications"].value == 200
