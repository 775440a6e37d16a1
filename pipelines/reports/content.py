"""Assemble everything one quarter's bulletin and workbook show (:class:`BulletinContent`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from pipelines.quarters import Quarter
from pipelines.registry import Registry, default_registry
from pipelines.reports.config import BulletinConfig, BulletinConfigError, load_bulletin_config
from pipelines.reports.data import BulletinData, load_bulletin_data
from pipelines.reports.model import (
    Comment,
    IndicatorSummary,
    KeyIndicator,
    MethodRow,
    RankRow,
    RedBlackLists,
    SatisfactionRow,
    SourceQuality,
    TrendSeries,
    UnitProfile,
    data_cutoff,
    data_quality,
    indicator_summaries,
    key_indicators,
    method_rows,
    rank_rows,
    red_black_lists,
    satisfaction_rows,
    selected_comments,
    trend,
    unit_profiles,
)
from pipelines.reports.narrative import overview
from pipelines.reports.rectification import RectificationChapter, load_chapter
from pipelines.scoring import Framework, FrameworkError, load_framework


@dataclass(frozen=True)
class BulletinContent:
    quarter: Quarter
    city: str
    synthetic: bool
    config: BulletinConfig
    framework: Framework
    data: BulletinData
    rows: list[RankRow]
    lists: RedBlackLists
    first_level: list[IndicatorSummary]
    second_level: list[IndicatorSummary]
    keys: list[KeyIndicator]
    profiles: list[UnitProfile]
    satisfaction: list[SatisfactionRow]
    comments: list[Comment]
    quality: list[SourceQuality]
    cutoff: datetime | None
    method: list[MethodRow]
    trend: list[TrendSeries]
    narrative: list[str]
    # 八、整改落实情况 (issue 10; None when the warehouse has no rectification tables)
    rectification: RectificationChapter | None = None

    @property
    def has_previous(self) -> bool:
        return any(r.previous_rank is not None for r in self.rows)


def load_framework_for(config: BulletinConfig) -> Framework:
    """The framework named in bulletin.yaml, else the one scoring uses."""
    from pipelines.indicators import framework_path

    try:
        return load_framework(config.framework_path or framework_path())
    except FrameworkError as exc:
        raise BulletinConfigError(f"无法读取指标体系：{exc}") from exc


def build_content(
    con: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    *,
    config: BulletinConfig | None = None,
    registry: Registry | None = None,
    framework: Framework | None = None,
) -> BulletinContent:
    config = config or load_bulletin_config()
    registry = registry or default_registry()
    framework = framework or load_framework_for(config)
    data = load_bulletin_data(con, quarter, dissatisfied_at_most=config.dissatisfied_at_most)
    rows = rank_rows(data, registry)
    lists = red_black_lists(rows, config.rules)
    first = indicator_summaries(data, framework, rows, level=1)
    second = indicator_summaries(data, framework, rows, level=2)
    keys = key_indicators(data, framework, config, rows)
    profiles = unit_profiles(data, framework, rows, config.weak_points_per_unit)
    satisfaction = satisfaction_rows(data)
    comments = selected_comments(
        data, satisfaction, config.comments_departments, config.comments_per_department
    )
    quality = data_quality(data, config.deadline_days_after_quarter)
    narrative = overview(quarter, registry, framework, rows, keys, lists, satisfaction, quality)
    return BulletinContent(
        quarter=quarter,
        city=registry.city_name,
        synthetic=registry.synthetic,
        config=config,
        framework=framework,
        data=data,
        rows=rows,
        lists=lists,
        first_level=first,
        second_level=second,
        keys=keys,
        profiles=profiles,
        satisfaction=satisfaction,
        comments=comments,
        quality=quality,
        cutoff=data_cutoff(quality),
        method=method_rows(framework),
        trend=trend(data, rows),
        narrative=narrative,
        rectification=load_chapter(con, quarter, deadline_days=config.deadline_days_after_quarter),
    )
