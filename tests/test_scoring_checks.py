"""The checks' judgements (pipelines/defs/indicators, pipelines/defs/scoring, and the annual
one): pure functions of the checked partition, each with frames that pass and frames that
fail. The assets run them in their own step (``pipelines.defs.checks.InAssetCheck``)."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from pipelines.defs.annual.assets import year_complete
from pipelines.defs.indicators.assets import every_indicator_has_values
from pipelines.defs.scoring.assets import (
    every_unit_has_total,
    ranks_follow_scores,
    scores_within_range,
)
from pipelines.defs.scoring.robustness import nominal_equals_rankings
from pipelines.quarters import Quarter
from pipelines.scoring import units_from_registry

Q = Quarter(2025, 2)


@pytest.mark.parametrize(
    ("scores", "passed", "out_of_range"),
    [
        ([0.0, 55.5, 100.0, None], True, 0),
        ([-0.1, 50.0], False, 1),
        ([100.01, 101.0, 20.0], False, 2),
        ([], False, 0),  # nothing scored is no pass
    ],
)
def test_scores_within_range(scores: list[float | None], passed: bool, out_of_range: int) -> None:
    result = scores_within_range(Q, pd.DataFrame({"score": pd.array(scores, dtype="Float64")}))
    assert result.passed is passed
    assert result.metadata["out_of_range"].value == out_of_range
    assert (result.description is None) is passed
    if not passed:
        assert result.description == (
            f"{Q} 有 {out_of_range} 个得分超出 [0, 100]" if out_of_range else f"{Q} 没有得分"
        )


@pytest.mark.parametrize(
    ("totals", "ranks", "passed"),
    [
        ([90.0, 80.0, 80.0, 70.0], [1, 2, 2, 4], True),  # ties share the best rank
        ([90.0, 80.0, 80.0, 70.0], [1, 2, 3, 4], False),
        ([90.0, 80.0], [2, 1], False),
    ],
)
def test_ranks_follow_scores(totals: list[float], ranks: list[int], passed: bool) -> None:
    table = pd.DataFrame({"total_score": totals, "rank": pd.array(ranks, dtype="Int64")})
    result = ranks_follow_scores(Q, table)
    assert result.passed is passed
    assert (result.description is None) is passed


@pytest.mark.parametrize(
    ("nominal", "ranks", "mismatched"),
    [
        ({"a": 1, "b": 2}, {"a": 1, "b": 2}, []),
        ({"a": 2, "b": 1}, {"a": 1, "b": 2}, ["a", "b"]),
        ({"a": 1}, {"a": 1, "b": 2}, ["b"]),  # a ranked unit the analysis did not see
    ],
)
def test_nominal_equals_rankings(
    nominal: dict[str, int], ranks: dict[str, int], mismatched: list[str]
) -> None:
    uncertainty = pd.DataFrame({"unit_code": list(nominal), "nominal_rank": list(nominal.values())})
    ranking = pd.DataFrame({"unit_code": list(ranks), "rank": list(ranks.values())})
    result = nominal_equals_rankings(Q, uncertainty, ranking)
    assert result.passed is (not mismatched)
    assert sorted(result.metadata["mismatched_units"].value) == mismatched


@pytest.mark.parametrize(
    ("complete", "passed"),
    [([True, True], True), ([True, False], False), ([], False)],
)
def test_year_complete(complete: list[bool], passed: bool) -> None:
    table = pd.DataFrame(
        {"unit_code": [f"u{i}" for i in range(len(complete))], "complete": complete}
    )
    result = year_complete(2025, table)
    assert result.passed is passed
    assert result.metadata["flagged_units"].value == [
        f"u{i}" for i, ok in enumerate(complete) if not ok
    ]
    assert (result.description is None) is passed


@pytest.mark.parametrize(
    ("leaves", "values", "empty"),
    [
        (["A", "B"], {"A": [1.0, None], "B": [0.0]}, []),  # one value is enough; 0 is a value
        (["A", "B"], {"A": [1.0], "B": [None, None]}, ["B"]),  # rows without a value
        (["C", "A", "B"], {"A": [2.0]}, ["C", "B"]),  # no rows at all; the framework's order
    ],
)
def test_every_indicator_has_values(
    leaves: list[str], values: dict[str, list[float | None]], empty: list[str]
) -> None:
    frame = pd.DataFrame(
        [(code, v) for code, vs in values.items() for v in vs], columns=["indicator", "value"]
    )
    result = every_indicator_has_values(Q, frame, leaves)
    assert result.passed is (not empty)
    assert result.severity is dg.AssetCheckSeverity.WARN
    assert result.metadata["empty_indicators"].value == empty
    assert result.description == (None if not empty else f"{Q} 无值的指标：{'、'.join(empty)}")


@pytest.mark.parametrize("without", [0, 1, 2])
def test_every_unit_has_total(without: int) -> None:
    """Every unit of the project's registry needs a level-0 score; a missing score (NA) or
    a missing row is no total, and a lower level's score does not count."""
    codes = [u.code for u in units_from_registry().units]
    scored, missing = codes[without:], codes[:without]
    rows = [(code, 0, 50.0) for code in scored] + [(code, 1, 60.0) for code in missing]
    if missing:
        rows.append((missing[0], 0, None))
    frame = pd.DataFrame(rows, columns=["unit_code", "level", "score"]).astype({"score": "Float64"})
    result = every_unit_has_total(Q, frame)
    assert result.passed is (not missing)
    assert result.severity is dg.AssetCheckSeverity.WARN
    assert result.metadata["units_without_total"].value == missing
