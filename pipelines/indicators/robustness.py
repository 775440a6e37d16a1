"""How sure a quarter's ranking is: the Monte Carlo and Sobol analysis of
:mod:`pipelines.scoring.robustness` on the quarter's stored indicator values, and its tables
``scores.rank_uncertainty`` and ``scores.rank_sensitivity``."""

from __future__ import annotations

import duckdb
import pandas as pd

from pipelines.indicators.store import read_indicator_values, read_partition
from pipelines.quarters import Quarter
from pipelines.scoring import Framework, ScoringInputError, Units
from pipelines.scoring.robustness import RobustnessResult, RobustnessSettings, analyse
from pipelines.sqlfiles import sql
from pipelines.warehouse.store import transaction


def analyse_quarter(
    con: duckdb.DuckDBPyConnection,
    framework: Framework,
    quarter: Quarter,
    units: Units,
    settings: RobustnessSettings,
    rules: object = None,
) -> RobustnessResult:
    """Re-score ``quarter``'s stored values (never re-running the indicator SQL); the 红/黑榜
    risers and fallers compare with the previous ranks stored in ``scores.rankings``."""
    stored = read_indicator_values(con, quarter)
    stored = stored[stored["indicator"].isin(set(framework.leaf_codes))]
    current = stored[stored["period"] == str(quarter)].reset_index(drop=True)
    history = stored[stored["period"] != str(quarter)].reset_index(drop=True)
    if current.empty:
        raise ScoringInputError(f"{quarter} 没有指标值：请先计算该季度的指标（indicator_values）")
    ranking = read_partition(con, "rankings", quarter)
    if ranking.empty:
        raise ScoringInputError(f"{quarter} 没有综合排名：请先运行该季度的评分（scoring/rankings）")
    previous = {
        str(r.unit_code): (
            None if pd.isna(r.previous_rank) else int(r.previous_rank),
            None if pd.isna(r.previous_score) else float(r.previous_score),
        )
        for r in ranking.itertuples(index=False)
    }
    names = {str(r.unit_code): str(r.unit_name) for r in ranking.itertuples(index=False)}
    return analyse(
        framework,
        current,
        units,
        settings,
        history=history if len(history) else None,
        previous=previous,
        rules=rules,
        names=names,
    )


def replace_rank_uncertainty(
    con: duckdb.DuckDBPyConnection, quarter: Quarter, result: RobustnessResult
) -> None:
    """Replace the quarter's partitions of rank_uncertainty and rank_sensitivity (one
    transaction)."""
    params = {"quarter": str(quarter)}
    with transaction(con):
        con.execute(sql("scores/delete_rank_uncertainty"), params)
        con.execute(sql("scores/delete_rank_sensitivity"), params)
        con.register("rank_uncertainty_rows", result.units)
        con.register("rank_sensitivity_rows", result.sensitivity)
        try:
            if len(result.units):
                con.execute(
                    sql("scores/insert_rank_uncertainty"),
                    {
                        **params,
                        "replications": result.settings.replications,
                        "seed": result.settings.seed,
                        "design": result.settings.describe_zh(),
                    },
                )
            if len(result.sensitivity):
                con.execute(
                    sql("scores/insert_rank_sensitivity"),
                    {**params, "base_samples": result.sobol_base},
                )
        finally:
            con.unregister("rank_uncertainty_rows")
            con.unregister("rank_sensitivity_rows")
