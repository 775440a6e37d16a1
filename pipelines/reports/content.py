"""Assemble everything one quarter's bulletin and workbook show (:class:`BulletinContent`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import duckdb

from pipelines.quarters import Quarter
from pipelines.registry import Registry, default_registry
from pipelines.reports.config import BulletinConfig, BulletinConfigError, load_bulletin_config
from pipelines.reports.data import BulletinData, load_bulletin_data
from pipelines.reports.firm_sections import FirmSections, build_firm_sections
from pipelines.reports.model.data_quality import SourceQuality, data_cutoff, data_quality
from pipelines.reports.model.key_indicators import KeyIndicator, key_indicators
from pipelines.reports.model.lists import RedBlackLists, red_black_lists
from pipelines.reports.model.method import MethodRow, method_rows
from pipelines.reports.model.rankings import RankRow, method_change_notes, rank_rows
from pipelines.reports.model.robustness import ListNote, Robustness, rank_robustness
from pipelines.reports.model.satisfaction import (
    Comment,
    SatisfactionRow,
    satisfaction_rows,
    selected_comments,
)
from pipelines.reports.model.summaries import IndicatorSummary, indicator_summaries
from pipelines.reports.model.trends import TrendSeries, trend
from pipelines.reports.model.weak_points import UnitProfile, unit_profiles
from pipelines.reports.narrative import overview, robustness_sentence
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
    method_changes: list[str]  # leaf-set changes behind rank/score changes (ranking note)
    trend: list[TrendSeries]
    narrative: list[str]
    robustness: Robustness | None = None
    robustness_text: str = ""
    list_notes: tuple[ListNote, ...] = ()
    # 九至十一 and 附录三 (pipelines.reports.firm_sections); None when the framework has none.
    firms: FirmSections | None = None

    # 八、整改落实情况 (issue 10; None when the warehouse has no rectification tables)
    rectification: RectificationChapter | None = None

    @property
    def data_version(self) -> str:
        """A fingerprint of the figures this content shows (scores, rankings, lists,
        indicators, satisfaction, data quality): the bulletin, the workbook and the summary
        of one quarter carry it, so a reader can tell whether they come from the same data
        (e.g. a run killed between writing the bulletin and the workbook)."""
        shown = (
            self.quarter,
            self.rows,
            self.lists,
            self.first_level,
            self.second_level,
            self.keys,
            self.profiles,
            self.satisfaction,
            self.comments,
            self.quality,
            self.cutoff,
            self.method,
            self.trend,
            self.narrative,
        )
        return hashlib.sha256(repr(shown).encode("utf-8")).hexdigest()[:12]

    @property
    def has_previous(self) -> bool:
        return any(r.previous_rank is not None for r in self.rows)


def load_project_framework() -> Framework:
    """The project's framework.yaml: the one scoring uses (the pipeline passes its
    ``FrameworkResource``'s framework; this is the default of library callers)."""
    from pipelines.indicators import framework_path

    try:
        return load_framework(framework_path())
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
    framework = framework or load_project_framework()
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
    robustness = rank_robustness(data, rows)
    notes = tuple(robustness.list_notes(lists, config.list_place_note_below)) if robustness else ()
    firms = build_firm_sections(con, data, framework, registry, masked=config.mask_firms)
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
        method_changes=method_change_notes(rows, framework),
        trend=trend(data, rows),
        narrative=narrative,
        robustness=robustness,
        robustness_text=robustness_sentence(robustness),
        list_notes=notes,
        firms=firms if firms.any else None,
        rectification=load_chapter(con, quarter, deadline_days=config.deadline_days_after_quarter),
    )
