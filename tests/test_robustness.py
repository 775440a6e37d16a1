"""Uncertainty and sensitivity of a ranking (pipelines.scoring.robustness)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.reports.config import ListRules
from pipelines.scoring import UnitDef, Units, framework_from_dict, score
from pipelines.scoring.robustness import (
    MEAN_SHIFT,
    RobustnessConfigError,
    RobustnessSettings,
    analyse,
    competition_ranks,
    load_robustness_settings,
    settings_from_dict,
    sobol_base_size,
)


def _leaf(code: str, direction: str = "higher_is_better", method: str = "frontier") -> dict:
    normalize: dict = {"method": method}
    if method == "frontier":
        best, worst = (100, 0) if direction == "higher_is_better" else (0, 100)
        normalize.update(best=best, worst=worst)
    return {"code": code, "name": code, "direction": direction, "normalize": normalize}


FRAMEWORK = framework_from_dict(
    {
        "name": "测试体系",
        "indicators": [
            {
                "code": "A",
                "name": "甲",
                "weight": 2,
                "children": [_leaf("A1"), _leaf("A2", "lower_is_better"), _leaf("A3")],
            },
            {"code": "B", "name": "乙", "children": [_leaf("B1"), _leaf("B2")]},
            {"code": "C", "name": "丙", "children": [_leaf("C1", method="frontier_observed")]},
        ],
    }
)
UNITS = [f"U{i:02d}" for i in range(8)]


def _values(seed: int = 7, missing: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [(u, leaf, float(rng.uniform(5, 95))) for u in UNITS for leaf in FRAMEWORK.leaf_codes]
    frame = pd.DataFrame(rows, columns=["unit", "indicator", "value"])
    # A few missing values (rows left out), so that the missing-value choice matters.
    return frame.drop(index=frame.index[3 : 3 + missing * 7 : 7]).reset_index(drop=True)


def _units() -> Units:
    return Units(tuple(UnitDef(code=u, name=f"单位{u}") for u in UNITS))


SMALL = RobustnessSettings(replications=200, seed=11)


@pytest.mark.slow
def test_nominal_design_reproduces_the_engine() -> None:
    values = _values()
    result = analyse(FRAMEWORK, values, _units(), SMALL)
    engine = score(FRAMEWORK, values, _units()).totals.set_index("unit")
    table = result.units.set_index("unit_code")
    assert np.allclose(table["nominal_score"], engine.loc[table.index, "score"], atol=1e-12)
    assert (table["nominal_rank"] == engine.loc[table.index, "rank"].astype(int)).all()


def test_zero_uncertainty_every_replication_is_nominal() -> None:
    result = analyse(FRAMEWORK, _values(), _units(), RobustnessSettings.none().with_run(100, 3))
    nominal = result.units.set_index("unit_code").loc[list(result.codes), "nominal_rank"]
    assert (result.ranks == nominal.to_numpy()[None, :]).all()
    assert (result.units["share_nominal_rank"] == 1.0).all()
    assert (result.units["share_list_place"] == 1.0).all()
    assert (result.units["rank_p05"] == result.units["nominal_rank"]).all()
    assert (result.units["rank_p95"] == result.units["nominal_rank"]).all()
    assert result.sensitivity.empty  # nothing varies: no factor to analyse


def test_uncertainty_moves_ranks() -> None:
    result = analyse(FRAMEWORK, _values(), _units(), SMALL)
    assert result.ranks.shape == (200, len(UNITS))
    assert (result.units["rank_p05"] <= result.units["median_rank"]).all()
    assert (result.units["median_rank"] <= result.units["rank_p95"]).all()
    assert (result.units["share_nominal_rank"] < 1.0).any()
    # Every factor is analysed for every unit and for the mean absolute rank shift.
    outputs = set(result.sensitivity["output"])
    assert outputs == {*UNITS, MEAN_SHIFT}
    assert set(result.sensitivity["factor"]) == {
        "weights_level1",
        "weights_level2",
        "normalisation",
        "aggregation",
        "missing",
    }
    assert result.driver() is not None


def test_dominating_unit_keeps_rank_one() -> None:
    values = _values()
    top = values["unit"] == "U05"
    higher = values["indicator"].map(lambda c: FRAMEWORK.node(c).direction == "higher_is_better")
    values.loc[top & higher, "value"] = 99.0
    values.loc[top & ~higher, "value"] = 1.0
    # Present on every leaf.
    present = set(values.loc[top, "indicator"])
    extra = [
        ("U05", c, 99.0 if FRAMEWORK.node(c).direction == "higher_is_better" else 1.0)
        for c in FRAMEWORK.leaf_codes
        if c not in present
    ]
    values = pd.concat([values, pd.DataFrame(extra, columns=values.columns)], ignore_index=True)
    result = analyse(FRAMEWORK, values, _units(), SMALL)
    i = result.codes.index("U05")
    assert (result.ranks[:, i] == 1).all()
    row = result.units.set_index("unit_code").loc["U05"]
    assert row["share_nominal_rank"] == 1.0 and row["rank_p95"] == 1
    st = result.sensitivity[result.sensitivity["output"] == "U05"]["st"]
    assert (st == 0).all()  # a rank that never moves has no variance to attribute


def test_reproducible_for_a_seed() -> None:
    a = analyse(FRAMEWORK, _values(), _units(), SMALL)
    b = analyse(FRAMEWORK, _values(), _units(), SMALL)
    c = analyse(FRAMEWORK, _values(), _units(), SMALL.with_run(seed=12))
    assert np.array_equal(a.ranks, b.ranks)
    pd.testing.assert_frame_equal(a.units, b.units)
    pd.testing.assert_frame_equal(a.sensitivity, b.sensitivity)
    assert not np.array_equal(a.ranks, c.ranks)


def test_missing_city_min_fills_the_lowest_score() -> None:
    settings = RobustnessSettings(0.0, ("configured",), ("configured",), ("city_min",), 10, 1)
    values = _values()
    result = analyse(FRAMEWORK, values, _units(), settings)
    # The engine with the gaps filled by each leaf's lowest score gives the same totals.
    leaf = score(FRAMEWORK, values, _units()).leaf_scores
    wide = leaf.pivot(index="unit", columns="node", values="score")
    filled = wide.fillna(wide.min())
    a = filled[["A1", "A2", "A3"]].mean(axis=1)
    b = filled[["B1", "B2"]].mean(axis=1)
    total = (2 * a + b + filled["C1"]) / 4
    got = pd.Series(result.totals[0], index=list(result.codes))
    assert np.allclose(got.loc[total.index], total, atol=1e-9)


def test_geometric_aggregation_matches_engine() -> None:
    settings = RobustnessSettings(0.0, ("configured",), ("geometric",), ("leave_out",), 5, 1)
    values = _values()
    doc_geo = framework_from_dict(
        {
            "name": "测试体系",
            "aggregate": "geometric",
            "indicators": [
                {
                    "code": "A",
                    "name": "甲",
                    "weight": 2,
                    "children": [_leaf("A1"), _leaf("A2", "lower_is_better"), _leaf("A3")],
                },
                {"code": "B", "name": "乙", "children": [_leaf("B1"), _leaf("B2")]},
                {"code": "C", "name": "丙", "children": [_leaf("C1", method="frontier_observed")]},
            ],
        }
    )
    result = analyse(FRAMEWORK, values, _units(), settings)
    engine = score(doc_geo, values, _units()).totals.set_index("unit")["score"]
    got = pd.Series(result.totals[0], index=list(result.codes))
    assert np.allclose(got, engine.loc[got.index], atol=1e-9)


@pytest.mark.parametrize(
    ("totals", "expected"),
    [
        ([3.0, 1.0, 2.0], [1, 3, 2]),
        ([2.0, 2.0, 1.0], [1, 1, 3]),
        ([np.nan, 5.0, 1.0], [np.nan, 1, 2]),
    ],
)
def test_competition_ranks(totals: list[float], expected: list[float]) -> None:
    got = competition_ranks(np.array([totals]))[0]
    assert np.array_equal(got, np.array(expected, dtype=float), equal_nan=True)


def test_list_place_share_uses_bulletin_rules() -> None:
    rules = ListRules(top=2, risers=0, bottom=2, fall_places=0)
    result = analyse(
        FRAMEWORK, _values(), _units(), RobustnessSettings.none().with_run(5, 1), rules=rules
    )
    places = result.units.set_index("nominal_rank")["list_place"]
    assert places.loc[1] == "red" and places.loc[2] == "red"
    assert places.loc[len(UNITS)] == "black"
    assert (result.units["list_place"] == "").sum() == len(UNITS) - 4


def test_indices_agree_with_salib_on_ishigami() -> None:
    """Our use of SALib (Saltelli design of the varying columns, analysis of each output)
    gives the analytic Ishigami indices."""
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample
    from SALib.test_functions import Ishigami

    from pipelines.scoring.robustness import Design, Factor, _problem

    design = Design(weight_nodes=("a", "b", "c"), settings=RobustnessSettings(), levels={})
    factors = [Factor(f"x{i}", f"x{i}", (i,)) for i in range(3)]
    problem = _problem(design, factors)
    problem["bounds"] = [[-np.pi, np.pi]] * 3
    x = sobol_sample.sample(problem, 4096, calc_second_order=False, seed=1)
    si = sobol_analyze.analyze(problem, Ishigami.evaluate(x), calc_second_order=False, seed=1)
    # Analytic values (Saltelli et al. 2008): S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437.
    assert np.allclose(si["S1"], [0.3139, 0.4424, 0.0], atol=0.03)
    assert np.allclose(si["ST"], [0.5576, 0.4424, 0.2437], atol=0.03)


def test_sobol_indices_of_a_known_ranking() -> None:
    """Only the normalisation changes the ranking: its indices carry the variance."""
    settings = RobustnessSettings(
        0.0, ("configured", "minmax", "zscore"), ("configured",), ("leave_out",), 256, 5
    )
    result = analyse(FRAMEWORK, _values(missing=0), _units(), settings)
    assert [f.name for f in result.factors] == ["normalisation"]
    shift = result.sensitivity[result.sensitivity["output"] == MEAN_SHIFT].iloc[0]
    assert shift["st"] == pytest.approx(1.0, abs=0.15)


def test_sobol_base_size() -> None:
    assert sobol_base_size(1000) == 512
    assert sobol_base_size(1024) == 1024
    assert sobol_base_size(2) == 2


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"weights": 1.5}, "weights"),
        ({"normalisation": ["rank"]}, "normalisation"),
        ({"aggregation": []}, "aggregation"),
        ({"replications": 1}, "replications"),
        ({"weigths": 0.1}, "weigths"),
    ],
)
def test_settings_errors(doc: dict, message: str) -> None:
    with pytest.raises(RobustnessConfigError, match=message):
        settings_from_dict(doc)


def test_settings_file_beside_framework(tmp_path: Path) -> None:
    assert load_robustness_settings(tmp_path / "robustness.yaml") == RobustnessSettings()
    (tmp_path / "robustness.yaml").write_text(
        "weights: 0.1\nnormalisation: [frontier, minmax]\nmissing: leave_out\nseed: 5\n",
        encoding="utf-8",
    )
    got = load_robustness_settings(tmp_path / "robustness.yaml")
    assert got.weight_range == 0.1
    assert got.normalisations == ("configured", "minmax")
    assert got.missing == ("leave_out",)
    assert got.aggregations == ("arithmetic", "geometric") and got.seed == 5
