"""Indicators: run each leaf's SQL file (``sql/indicators/*.sql``) against the warehouse,
store the values with their lineage, score them with :mod:`pipelines.scoring` and rank.

    from pipelines.indicators import compute_indicator_values, load_default_framework
    values = compute_indicator_values(con, load_default_framework(), Quarter.parse("2025Q2"))

Tables (docs/indicators.md): scores.indicator_values, scores.indicator_inputs,
scores.indicator_scores, scores.rankings and the view scores.score_trace.
"""

from pipelines.indicators.compute import (
    IndicatorSqlError,
    compute_indicator_values,
    indicator_sources,
    leaf_sql_name,
    period_parameters,
    quarter_parameters,
    run_indicator,
)
from pipelines.indicators.frameworks import (
    framework_path,
    lead_department_codes,
    load_default_framework,
)
from pipelines.indicators.scoring import score_quarter
from pipelines.indicators.store import (
    ensure_scores_schema,
    prepare_calendar,
    refresh_indicator_values,
    replace_indicator_scores,
    replace_indicator_values,
    replace_rankings,
)

__all__ = [
    "IndicatorSqlError",
    "compute_indicator_values",
    "ensure_scores_schema",
    "framework_path",
    "indicator_sources",
    "lead_department_codes",
    "leaf_sql_name",
    "load_default_framework",
    "period_parameters",
    "prepare_calendar",
    "quarter_parameters",
    "refresh_indicator_values",
    "replace_indicator_scores",
    "replace_indicator_values",
    "replace_rankings",
    "run_indicator",
    "score_quarter",
]
