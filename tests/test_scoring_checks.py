"""The scores checks' judgements (pipelines/defs/scoring, and the annual one): pure
functions of the checked partition, each with frames that pass and frames that fail."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.defs.annual.assets import year_complete
from pipelines.defs.scoring.assets import ranks_follow_scores, scores_within_range
from pipelines.defs.scoring.robustness import nominal_equals_rankings
from pipelines.quarters import Quarter

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
