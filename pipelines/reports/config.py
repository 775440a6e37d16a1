"""Bulletin settings: the content rules of the project's ``bulletin.yaml`` (红黑榜, key
indicators, 短板, satisfaction) with the issuer, document prefix and deadline of its
``bizenv.yaml`` (each fact in one file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class BulletinConfigError(ValueError):
    """An invalid bulletin.yaml (Chinese message)."""


@dataclass(frozen=True)
class ListRules:
    """Red list: ``top`` + ``risers``; black list: ``bottom`` + ``fall_places``."""

    top: int = 3
    risers: int = 3
    bottom: int = 3
    fall_places: int = 3


@dataclass(frozen=True)
class GradeBand:
    """One 三挂钩 grade: units ranked at most ``at_most_rank`` (by rank) or scoring at least
    ``min_score`` (by score); the last band has no bound and takes everyone else."""

    grade: str
    bound: float | None = None


MEAN_OF_QUARTERS = "mean_of_quarters"
RECOMPUTED_FROM_CASES = "recomputed_from_cases"
# annual.score: how the year's score is made (the Chinese names the report and workbook use).
ANNUAL_SCORE_MODES: dict[str, str] = {
    MEAN_OF_QUARTERS: "四个季度综合得分的加权平均（权重见 annual.quarter_weights）",
    RECOMPUTED_FROM_CASES: "以全年四个季度的办件等数据重新计算各指标值，再按季度评价的方法计分排名",
}


@dataclass(frozen=True)
class AnnualConfig:
    """The annual evaluation (年度综合评价): how the year's score is made and graded.
    ``score``: ``mean_of_quarters`` (the weighted mean of the four quarterly totals) or
    ``recomputed_from_cases`` (every leaf recomputed over the year's rows, then scored and
    ranked like a quarter: :mod:`pipelines.indicators.annual`)."""

    score: str = MEAN_OF_QUARTERS
    quarter_weights: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
    grade_by: str = "rank"  # rank or score
    grades: tuple[GradeBand, ...] = (
        GradeBand("好", 3),
        GradeBand("较好", 6),
        GradeBand("一般", 8),
        GradeBand("较差"),
    )

    @property
    def recomputed(self) -> bool:
        return self.score == RECOMPUTED_FROM_CASES

    def grade_of(self, rank: int | None, score: float | None) -> str | None:
        value = rank if self.grade_by == "rank" else score
        if value is None:
            return None
        for band in self.grades:
            if band.bound is None:
                return band.grade
            if self.grade_by == "rank" and value <= band.bound:
                return band.grade
            if self.grade_by == "score" and value >= band.bound:
                return band.grade
        return None


@dataclass(frozen=True)
class BulletinConfig:
    issuer: str = ""
    document_prefix: str = ""
    deadline_days_after_quarter: int = 7
    key_indicators: tuple[str, ...] = ()
    rules: ListRules = field(default_factory=ListRules)
    weak_points_per_unit: int = 3
    dissatisfied_at_most: int = 2
    comments_departments: int = 3
    comments_per_department: int = 3
    # 红黑榜 notes: an entry whose place holds in fewer than this share of the robustness
    # replications is noted as sensitive to the method.
    list_place_note_below: float = 0.8
    annual: AnnualConfig = field(default_factory=AnnualConfig)
    # Firm names and credit codes masked (江海**科技有限公司, 9132****1234): an edition that
    # leaves the office. Internal editions (the default) show them in full.
    mask_firms: bool = False


def _int(raw: dict[str, Any], key: str, default: int, where: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BulletinConfigError(f"通报配置 {where}{key} 应为不小于 0 的整数（现为 {value!r}）")
    return value


def load_bulletin_config(path: Path | None = None) -> BulletinConfig:
    """``path`` (default: the project's bulletin.yaml); the issuer, document prefix and
    deadline come from the bizenv.yaml beside it, else from the project in force."""
    from pipelines.project import ProjectError, current_project, load_settings

    if path is None:
        path = current_project().bulletin_path
    try:
        settings = (
            load_settings(path.parent)
            if (path.parent / "bizenv.yaml").is_file()
            else current_project().settings
        )
    except ProjectError as exc:
        raise BulletinConfigError(str(exc)) from exc
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise BulletinConfigError(f"找不到通报配置文件：{path}") from exc
    except yaml.YAMLError as exc:
        raise BulletinConfigError(f"通报配置文件 {path.name} 不是合法的 YAML：{exc}") from exc
    if not isinstance(raw, dict):
        raise BulletinConfigError(f"通报配置文件 {path.name} 的顶层应为映射")
    red = raw.get("red_list") or {}
    black = raw.get("black_list") or {}
    keys = raw.get("key_indicators") or []
    if not isinstance(keys, list):
        raise BulletinConfigError("通报配置 key_indicators 应为指标编码列表")
    return BulletinConfig(
        issuer=settings.issuer,
        document_prefix=settings.document_prefix,
        deadline_days_after_quarter=settings.deadline_days_after_quarter,
        key_indicators=tuple(str(k) for k in keys),
        rules=ListRules(
            top=_int(red, "top", 3, "red_list."),
            risers=_int(red, "risers", 3, "red_list."),
            bottom=_int(black, "bottom", 3, "black_list."),
            fall_places=_int(black, "fall_places", 3, "black_list."),
        ),
        weak_points_per_unit=_int(raw, "weak_points_per_unit", 3, ""),
        dissatisfied_at_most=_int(raw, "dissatisfied_at_most", 2, ""),
        comments_departments=_int(raw, "comments_departments", 3, ""),
        comments_per_department=_int(raw, "comments_per_department", 3, ""),
        list_place_note_below=_share(raw, "list_place_note_below", 0.8),
        annual=_annual(raw.get("annual")),
        mask_firms=_bool(raw, "mask_firms", False),
    )


def _annual(raw: Any) -> AnnualConfig:
    if raw is None:
        return AnnualConfig()
    if not isinstance(raw, dict):
        raise BulletinConfigError("通报配置 annual 应为映射（score、grades 等字段）")
    score = str(raw.get("score", MEAN_OF_QUARTERS))
    if score not in ANNUAL_SCORE_MODES:
        raise BulletinConfigError(
            f"通报配置 annual.score 的取值“{score}”无效，可用："
            + "；".join(f"{k}（{v}）" for k, v in ANNUAL_SCORE_MODES.items())
        )
    weights = raw.get("quarter_weights", [1, 1, 1, 1])
    if (
        not isinstance(weights, list)
        or len(weights) != 4
        or any(isinstance(w, bool) or not isinstance(w, int | float) or w < 0 for w in weights)
        or sum(weights) <= 0
    ):
        raise BulletinConfigError(
            f"通报配置 annual.quarter_weights 应为四个不小于 0 的数且和大于 0（现为 {weights!r}）"
        )
    grades_raw = raw.get("grades") or {}
    if not isinstance(grades_raw, dict):
        raise BulletinConfigError("通报配置 annual.grades 应为映射（by、bands）")
    by = str(grades_raw.get("by", "rank"))
    if by not in ("rank", "score"):
        raise BulletinConfigError(f"通报配置 annual.grades.by 应为 rank 或 score（现为 {by}）")
    key = "at_most_rank" if by == "rank" else "min_score"
    bands_raw = grades_raw.get("bands")
    if bands_raw is None:
        bands = AnnualConfig.grades if by == "rank" else None
        if bands is None:
            raise BulletinConfigError("通报配置 annual.grades.bands：按得分分等时须列出各等次")
    else:
        if not isinstance(bands_raw, list) or not bands_raw:
            raise BulletinConfigError("通报配置 annual.grades.bands 应为非空列表")
        out = []
        for i, band in enumerate(bands_raw, start=1):
            if not isinstance(band, dict) or "grade" not in band:
                raise BulletinConfigError(
                    f"通报配置 annual.grades.bands 第 {i} 项应为含 grade 的映射"
                )
            bound = band.get(key)
            last = i == len(bands_raw)
            if bound is None and not last:
                raise BulletinConfigError(
                    f"通报配置 annual.grades.bands 第 {i} 项缺少 {key}（只有最后一项可以不设界限）"
                )
            if bound is not None and (
                isinstance(bound, bool) or not isinstance(bound, int | float)
            ):
                raise BulletinConfigError(
                    f"通报配置 annual.grades.bands 第 {i} 项的 {key} 应为数值"
                )
            out.append(GradeBand(str(band["grade"]), None if bound is None else float(bound)))
        bounds = [b.bound for b in out if b.bound is not None]
        ordered = sorted(bounds) if by == "rank" else sorted(bounds, reverse=True)
        if bounds != ordered:
            raise BulletinConfigError(
                f"通报配置 annual.grades.bands 的 {key} 应按等次从高到低"
                + ("递增" if by == "rank" else "递减")
            )
        bands = tuple(out)
    return AnnualConfig(
        score=score,
        quarter_weights=tuple(float(w) for w in weights),  # type: ignore[arg-type]
        grade_by=by,
        grades=bands,
    )


def _share(raw: dict[str, Any], key: str, default: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise BulletinConfigError(f"通报配置 {key} 应为 0 至 1 之间的数（现为 {value!r}）")
    return float(value)


def _bool(raw: dict[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise BulletinConfigError(f"通报配置 {key} 应为 true 或 false（现为 {value!r}）")
    return value
