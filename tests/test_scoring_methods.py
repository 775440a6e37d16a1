"""Hand-computed normalisations and aggregations."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from pipelines.scoring import framework_from_dict, score
from pipelines.scoring.aggregate import weighted_mean
from pipelines.scoring.normalize import period_positions


def one_leaf(
    normalize: dict[str, Any],
    direction: str | None = "higher_is_better",
    scale: list[float] | None = None,
) -> Any:
    leaf: dict[str, Any] = {"code": "X", "name": "指标", "normalize": normalize}
    if direction is not None:
        leaf["direction"] = direction
    doc: dict[str, Any] = {"name": "测试", "indicators": [leaf]}
    if scale is not None:
        doc["scale"] = scale
    return framework_from_dict(doc)


def leaf_scores(
    framework: Any,
    values: list[float | None],
    periods: list[str] | None = None,
    history: pd.DataFrame | None = None,
) -> pd.DataFrame:
    df = pd.DataFrame(
        {
            "unit": [f"U{i + 1}" for i in range(len(values))],
            "indicator": "X",
            "value": [np.nan if v is None else v for v in values],
        }
    )
    if periods is not None:
        df.insert(0, "period", periods)
    result = score(framework, df, history=history)
    return (
        result.leaf_scores.set_index(["period", "unit"])
        if periods
        else result.leaf_scores.set_index("unit")
    )


@pytest.mark.parametrize(
    ("direction", "best", "worst", "x", "expected", "clipped"),
    [
        ("lower_is_better", 0.5, 5, 1.0, (5 - 1) / 4.5 * 100, False),
        ("lower_is_better", 0.5, 5, 0.5, 100.0, False),
        ("lower_is_better", 0.5, 5, 5.0, 0.0, False),
        ("lower_is_better", 0.5, 5, 0.2, 100.0, True),
        ("lower_is_better", 0.5, 5, 6.0, 0.0, True),
        ("higher_is_better", 100, 0, 80.0, 80.0, False),
        ("higher_is_better", 100, 50, 40.0, 0.0, True),
    ],
)
def test_frontier(
    direction: str, best: float, worst: float, x: float, expected: float, clipped: bool
) -> None:
    fw = one_leaf({"method": "frontier", "best": best, "worst": worst}, direction)
    row = leaf_scores(fw, [x]).loc["U1"]
    assert row["score"] == pytest.approx(expected, abs=1e-12)
    assert ("clipped" in row["flags"]) is clipped


def test_frontier_exponent_world_bank_total_tax_rate() -> None:
    # DB total tax and contribution rate: 100·((84 − x)/57.9)^0.8, best 26.1, worst 84.
    fw = one_leaf(
        {"method": "frontier", "best": 26.1, "worst": 84, "exponent": 0.8}, "lower_is_better"
    )
    got = leaf_scores(fw, [40.0, 20.0, 90.0])
    assert got.loc["U1", "score"] == pytest.approx(100 * (44 / 57.9) ** 0.8, rel=1e-12)
    assert got.loc["U1", "score"] == pytest.approx(80.28, abs=0.01)
    assert got.loc["U2", "score"] == 100.0 and got.loc["U2", "flags"] == "clipped"
    assert got.loc["U3", "score"] == 0.0 and got.loc["U3", "flags"] == "clipped"


def test_scale_other_than_0_100() -> None:
    fw = one_leaf({"method": "frontier", "best": 10, "worst": 0}, scale=[1, 5])
    assert leaf_scores(fw, [5.0]).loc["U1", "score"] == pytest.approx(3.0)


@pytest.mark.parametrize(
    ("direction", "expected"),
    [("higher_is_better", [0, 25, 50, 100]), ("lower_is_better", [100, 75, 50, 0])],
)
def test_minmax(direction: str, expected: list[float]) -> None:
    got = leaf_scores(one_leaf({"method": "minmax"}, direction), [2, 4, 6, 10])
    assert got["score"].tolist() == pytest.approx(expected)


def test_minmax_no_spread_gives_top_score() -> None:
    got = leaf_scores(one_leaf({"method": "minmax"}), [3, 3])
    assert got["score"].tolist() == [100.0, 100.0]
    assert got["flags"].tolist() == ["no_spread", "no_spread"]


@pytest.mark.parametrize(
    ("direction", "params", "expected", "clipped"),
    [
        # mean 2, sample sd 1 → z = −1, 0, 1; default 50 + 10z.
        ("higher_is_better", {}, [40, 50, 60], [False] * 3),
        ("lower_is_better", {}, [60, 50, 40], [False] * 3),
        ("higher_is_better", {"center": 50, "spread": 60}, [0, 50, 100], [True, False, True]),
        (
            "higher_is_better",
            {"center": 50, "spread": 60, "clip": False},
            [-10, 50, 110],
            [False] * 3,
        ),
    ],
)
def test_zscore(
    direction: str, params: dict[str, Any], expected: list[float], clipped: list[bool]
) -> None:
    got = leaf_scores(one_leaf({"method": "zscore", **params}, direction), [1, 2, 3])
    assert got["score"].tolist() == pytest.approx(expected)
    assert [("clipped" in f) for f in got["flags"]] == clipped


def test_rank_percentile_with_ties_and_missing() -> None:
    got = leaf_scores(one_leaf({"method": "rank"}), [10, 20, 20, 30, None])
    # Average goodness ranks 1, 2.5, 2.5, 4 of n = 4 → (r − 1)/(n − 1).
    assert got["score"].iloc[:4].tolist() == pytest.approx([0, 50, 50, 100])
    assert math.isnan(got.loc["U5", "score"]) and got.loc["U5", "flags"] == "missing_value"
    low = leaf_scores(one_leaf({"method": "rank"}, "lower_is_better"), [10, 20, 30])
    assert low["score"].tolist() == pytest.approx([100, 50, 0])


@pytest.mark.parametrize(
    ("direction", "params", "x", "expected", "clipped"),
    [
        ("higher_is_better", {"lower": 0, "upper": 100, "target": 80}, 40, 50.0, False),
        ("higher_is_better", {"lower": 0, "upper": 100, "target": 80}, 90, 100.0, True),
        ("higher_is_better", {"lower": 20, "upper": 100}, 60, 50.0, False),
        ("higher_is_better", {"lower": 20, "upper": 100}, 10, 0.0, True),
        ("lower_is_better", {"lower": 1, "upper": 10}, 4, 6 / 9 * 100, False),
        ("lower_is_better", {"lower": 1, "upper": 10, "target": 4}, 2, 100.0, True),
    ],
)
def test_goalposts(
    direction: str, params: dict[str, Any], x: float, expected: float, clipped: bool
) -> None:
    got = leaf_scores(one_leaf({"method": "goalposts", **params}, direction), [x])
    assert got.loc["U1", "score"] == pytest.approx(expected)
    assert ("clipped" in got.loc["U1", "flags"]) is clipped


def test_none_is_already_a_score() -> None:
    got = leaf_scores(one_leaf({"method": "none"}, direction=None), [55.5, 120, -3, None])
    assert got["score"].tolist()[:3] == [55.5, 100.0, 0.0]
    assert got["flags"].tolist() == ["", "clipped", "clipped", "missing_value"]


class TestFrontierObserved:
    """Bounds from the data: best observed, worst = worst_percentile (from the worst end)
    over the last `window` periods up to and including the current one."""

    def test_window_uses_history(self) -> None:
        fw = one_leaf({"method": "frontier_observed", "window": 2, "worst_percentile": 0})
        history = pd.DataFrame(
            {
                "period": ["2025Q1", "2025Q1"],
                "unit": ["U1", "U2"],
                "indicator": "X",
                "value": [10.0, 50.0],
            }
        )
        got = leaf_scores(fw, [20, 40], periods=["2025Q2"] * 2, history=history)
        # Pool {10, 50, 20, 40}: best 50, worst 10.
        assert got["score"].tolist() == pytest.approx([25, 75])
        assert got["best"].tolist() == [50, 50] and got["worst"].tolist() == [10, 10]

    def test_window_of_one_ignores_history(self) -> None:
        fw = one_leaf({"method": "frontier_observed", "window": 1, "worst_percentile": 0})
        history = pd.DataFrame(
            {"period": ["2025Q1"], "unit": ["U1"], "indicator": "X", "value": [1000.0]}
        )
        got = leaf_scores(fw, [20, 40], periods=["2025Q2"] * 2, history=history)
        assert got["score"].tolist() == pytest.approx([0, 100])

    def test_window_slides_over_the_scored_periods(self) -> None:
        fw = one_leaf({"method": "frontier_observed", "window": 2, "worst_percentile": 0})
        got = leaf_scores(fw, [10, 20, 30, 60, 15], periods=["P1", "P1", "P2", "P2", "P3"])
        # P1 pool {10, 20}; P2 pool {10, 20, 30, 60}; P3 pool {30, 60, 15} (P1 left the window).
        assert got.loc[("P1", "U2"), "score"] == pytest.approx(100)
        assert got.loc[("P2", "U3"), "score"] == pytest.approx((30 - 10) / 50 * 100)
        assert got.loc[("P3", "U5"), "score"] == pytest.approx(0)
        assert got.loc[("P3", "U5"), "best"] == 60 and got.loc[("P3", "U5"), "worst"] == 15

    def test_window_counts_calendar_quarters_not_quarters_with_data(self) -> None:
        # Window 2 at 2025Q2 = {2025Q1, 2025Q2}. 2024Q3 has data but lies outside, even though
        # 2024Q4 and 2025Q1 have none (a window over quarters with data would reach it).
        fw = one_leaf({"method": "frontier_observed", "window": 2, "worst_percentile": 0})
        history = pd.DataFrame(
            {"period": ["2024Q3"], "unit": ["U1"], "indicator": "X", "value": [1000.0]}
        )
        got = leaf_scores(fw, [20, 40], periods=["2025Q2"] * 2, history=history)
        assert got["best"].tolist() == [40, 40] and got["worst"].tolist() == [20, 20]
        assert got["score"].tolist() == pytest.approx([0, 100])
        wide = one_leaf({"method": "frontier_observed", "window": 4, "worst_percentile": 0})
        got = leaf_scores(wide, [20, 40], periods=["2025Q2"] * 2, history=history)
        assert got["best"].tolist() == [1000, 1000]  # 2024Q3 is within 4 calendar quarters

    @pytest.mark.parametrize(
        ("periods", "expected"),
        [
            (["2024Q3", "2025Q2"], {"2024Q3": 8098, "2025Q2": 8101}),
            ([2023, 2025], {2023: 2023, 2025: 2025}),
            (["P1", "P3"], {"P1": 0, "P3": 1}),
        ],
    )
    def test_period_positions(self, periods: list[object], expected: dict) -> None:
        assert period_positions(periods) == expected

    def test_worst_percentile_lower_is_better(self) -> None:
        fw = one_leaf({"method": "frontier_observed", "worst_percentile": 25}, "lower_is_better")
        got = leaf_scores(fw, [1, 2, 3, 4, 5])
        # best = min 1; worst = 75th percentile of {1..5} = 4 (linear interpolation).
        assert got["worst"].tolist() == [4.0] * 5
        assert got.loc["U2", "score"] == pytest.approx((4 - 2) / 3 * 100)
        assert got.loc["U5", "score"] == 0.0 and got.loc["U5", "flags"] == "clipped"


# --- aggregation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "scores", "weights", "expected"),
    [
        ("arithmetic", [40, 80], [1, 3], 70.0),
        ("geometric", [25, 100], [1, 1], 50.0),
        ("geometric", [4, 32], [1, 2], 16.0),  # (4·32²)^(1/3) = 4096^(1/3)
        ("geometric", [0, 100], [1, 1], 0.0),
        ("harmonic", [40, 60], [1, 1], 48.0),
        ("harmonic", [0, 60], [1, 1], 0.0),
        ("arithmetic", [60, np.nan, 90], [1, 1, 2], 80.0),  # renormalised: (60 + 2·90)/3
    ],
)
def test_weighted_means(
    method: str, scores: list[float], weights: list[float], expected: float
) -> None:
    agg = weighted_mean(np.array([scores]), np.array(weights, dtype=float), method, 0.5)
    assert agg.score[0] == pytest.approx(expected)


def test_coverage_threshold() -> None:
    scores = np.array([[60, 70, np.nan], [60, np.nan, np.nan]])
    weights = np.array([1.0, 1.0, 2.0])
    ok = weighted_mean(scores, weights, "arithmetic", 0.5)
    assert ok.score[0] == pytest.approx(65.0)  # coverage exactly 0.5 is enough
    assert ok.flags["partial"][0] and not ok.flags["low_coverage"][0]
    assert math.isnan(ok.score[1]) and ok.flags["low_coverage"][1]  # coverage 0.25
    strict = weighted_mean(scores, weights, "arithmetic", 0.6)
    assert math.isnan(strict.score[0]) and strict.flags["low_coverage"][0]


def test_geometric_with_negative_child_is_missing() -> None:
    agg = weighted_mean(np.array([[-5.0, 50.0]]), np.array([1.0, 1.0]), "geometric", 0.5)
    assert math.isnan(agg.score[0]) and agg.flags["negative_score"][0]


def test_framework_aggregation_and_min_coverage_override() -> None:
    doc = {
        "name": "测试",
        "aggregate": "geometric",
        "indicators": [
            {
                "code": "A",
                "name": "甲",
                "aggregate": "harmonic",
                "min_coverage": 1.0,
                "children": [
                    {"code": "A1", "name": "甲1", "normalize": {"method": "none"}},
                    {"code": "A2", "name": "甲2", "normalize": {"method": "none"}},
                ],
            },
            {
                "code": "B",
                "name": "乙",
                "weight": 3,
                "children": [
                    {"code": "B1", "name": "乙1", "normalize": {"method": "none"}},
                    {"code": "B2", "name": "乙2", "normalize": {"method": "none"}},
                ],
            },
        ],
    }
    fw = framework_from_dict(doc)
    values = pd.DataFrame(
        {
            "unit": ["u"] * 4 + ["v"] * 3,
            "indicator": ["A1", "A2", "B1", "B2", "A1", "B1", "B2"],
            "value": [40, 60, 25, 100, 40, 16, 100],
        }
    )
    res = score(fw, values).node_scores.set_index(["unit", "node"])
    assert res.loc[("u", "A"), "score"] == pytest.approx(48.0)  # harmonic
    assert res.loc[("u", "B"), "score"] == pytest.approx(50.0)  # geometric (root default)
    assert res.loc[("u", "TOTAL"), "score"] == pytest.approx((48.0 * 50.0**3) ** 0.25)
    # v lacks A2 and A requires full coverage: A missing; the root renormalises over B
    # (coverage 3/4 ≥ 0.5) → TOTAL = B = √(16·100) = 40.
    assert math.isnan(res.loc[("v", "A"), "score"])
    assert res.loc[("v", "A"), "flags"] == "low_coverage"
    assert res.loc[("v", "TOTAL"), "score"] == pytest.approx(40.0)
    assert res.loc[("v", "TOTAL"), "flags"] == "partial"
