"""Everything the bulletin shows, read from the warehouse in one place.

The queries live one per file in ``sql/reports/`` (parameters bound, never
formatted in). Tables read: ``scores.rankings``, ``scores.indicator_scores``,
``indicators.indicator_values``, ``warehouse.satisfaction_responses``,
``intake.submissions`` (+ ``intake.submissions_in_force``) and ``intake.validation_errors``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import duckdb
import pandas as pd

from pipelines.quarters import Quarter
from pipelines.sqlfiles import sql

RANKINGS_TABLE = "scores.rankings"
INDICATOR_SCORES_TABLE = "scores.indicator_scores"
# Where the indicator engine keeps raw values (the first that exists is read).
INDICATOR_VALUES_TABLE = "scores.indicator_values"
SATISFACTION_TABLE = "warehouse.satisfaction_responses"
SUBMISSIONS_TABLE = "intake.submissions"
RANK_UNCERTAINTY_TABLE = "scores.rank_uncertainty"
RANK_SENSITIVITY_TABLE = "scores.rank_sensitivity"
REJECTION_MESSAGES_PER_VERSION = 3


class NoScoresError(LookupError):
    """The warehouse has no rankings for the quarter asked for (Chinese message)."""


@cache
def report_sql(name: str) -> str:
    return sql(f"reports/{name}")


@dataclass(frozen=True)
class BulletinData:
    """Raw frames for one quarter; ``previous`` frames are empty in the first quarter."""

    quarter: Quarter
    rankings_all: pd.DataFrame  # every quarter up to `quarter`
    node_scores: pd.DataFrame  # this and the previous quarter, level >= 1
    values: pd.DataFrame  # this and the previous quarter
    satisfaction: pd.DataFrame
    comments: pd.DataFrame
    submissions: pd.DataFrame
    rejection_rules: pd.DataFrame
    rejection_messages: pd.DataFrame
    # How sure each rank is (empty when the quarter's robustness analysis has not run).
    rank_uncertainty: pd.DataFrame = field(default_factory=pd.DataFrame)
    rank_sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def rankings(self) -> pd.DataFrame:
        frame = self.rankings_all[self.rankings_all["quarter"] == str(self.quarter)]
        return frame.sort_values(["rank", "unit_code"]).reset_index(drop=True)

    @property
    def quarters(self) -> list[str]:
        return sorted(self.rankings_all["quarter"].unique().tolist())

    def scores_of(self, quarter: Quarter) -> pd.DataFrame:
        return self.node_scores[self.node_scores["quarter"] == str(quarter)]

    def values_of(self, quarter: Quarter) -> pd.DataFrame:
        return self.values[self.values["quarter"] == str(quarter)]


def existing_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {row[0] for row in con.execute(report_sql("existing_tables")).fetchall()}


def scored_quarters(con: duckdb.DuckDBPyConnection) -> list[Quarter]:
    if RANKINGS_TABLE not in existing_tables(con):
        return []
    return [Quarter.parse(row[0]) for row in con.execute(report_sql("scored_quarters")).fetchall()]


def _frame(
    con: duckdb.DuckDBPyConnection,
    name: str,
    params: dict[str, object],
    table: str,
    tables: set[str],
    columns: list[str],
) -> pd.DataFrame:
    """Run one query, or give an empty frame with its columns when its table is absent."""
    if table not in tables:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return con.execute(report_sql(name), params).df()


def load_bulletin_data(
    con: duckdb.DuckDBPyConnection, quarter: Quarter, *, dissatisfied_at_most: int = 2
) -> BulletinData:
    tables = existing_tables(con)
    if quarter not in scored_quarters(con):
        raise NoScoresError(
            f"仓库中没有 {quarter}（{quarter.label_zh}）的评分排名结果，"
            "请先运行该季度的指标与评分（scoring/rankings）"
        )
    q, prev = str(quarter), str(quarter.previous())
    both = {"quarter": q, "previous": prev}
    rankings_all = con.execute(report_sql("rankings"), {"quarter": q}).df()
    node_scores = _frame(
        con,
        "indicator_scores",
        both,
        INDICATOR_SCORES_TABLE,
        tables,
        ["quarter", "unit_code", "node", "level", "parent", "score", "rank", "flags"],
    )
    values = _frame(
        con,
        "indicator_values",
        both,
        INDICATOR_VALUES_TABLE,
        tables,
        ["quarter", "unit_code", "indicator", "value", "n_cases"],
    )
    satisfaction = _frame(
        con,
        "satisfaction_by_department",
        {"quarter": q, "dissatisfied_at_most": dissatisfied_at_most},
        SATISFACTION_TABLE,
        tables,
        ["department", "responses", "mean_overall", "dissatisfied"],
    )
    comments = _frame(
        con,
        "satisfaction_comments",
        {"quarter": q},
        SATISFACTION_TABLE,
        tables,
        ["department", "score_overall", "response_id", "comment"],
    )
    submissions = _frame(
        con,
        "submissions",
        {"quarter": q},
        SUBMISSIONS_TABLE,
        tables,
        [
            "source",
            "submission_hash",
            "file_name",
            "received_at",
            "status",
            "data_rows",
            "error_count",
            "in_force",
            "submitted_by",
        ],
    )
    rejection_rules = _frame(
        con,
        "rejection_rules",
        {"quarter": q},
        SUBMISSIONS_TABLE,
        tables,
        ["source", "submission_hash", "rule", "errors"],
    )
    rejection_messages = _frame(
        con,
        "rejection_messages",
        {"quarter": q, "limit": REJECTION_MESSAGES_PER_VERSION},
        SUBMISSIONS_TABLE,
        tables,
        ["source", "submission_hash", "row_number", "column_header", "message"],
    )
    rank_uncertainty = _frame(
        con,
        "rank_uncertainty",
        {"quarter": q},
        RANK_UNCERTAINTY_TABLE,
        tables,
        [
            "unit_code",
            "nominal_rank",
            "median_rank",
            "rank_p05",
            "rank_p95",
            "share_nominal_rank",
            "list_place",
            "share_list_place",
            "replications",
            "seed",
            "design",
        ],
    )
    rank_sensitivity = _frame(
        con,
        "rank_sensitivity",
        {"quarter": q},
        RANK_SENSITIVITY_TABLE,
        tables,
        ["factor", "factor_label", "s1", "st", "base_samples"],
    )
    for frame in (rankings_all, node_scores, values):
        if "rank" in frame.columns:
            frame["rank"] = pd.to_numeric(frame["rank"]).astype("Int64")
    return BulletinData(
        quarter=quarter,
        rankings_all=rankings_all,
        node_scores=node_scores,
        values=values,
        satisfaction=satisfaction,
        comments=comments,
        submissions=submissions,
        rejection_rules=rejection_rules,
        rejection_messages=rejection_messages,
        rank_uncertainty=rank_uncertainty,
        rank_sensitivity=rank_sensitivity,
    )
