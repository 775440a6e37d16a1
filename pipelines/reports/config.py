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
class BulletinConfig:
    issuer: str = ""
    document_prefix: str = ""
    framework_path: Path | None = None  # None: the scoring framework (framework_path())
    deadline_days_after_quarter: int = 7
    key_indicators: tuple[str, ...] = ()
    rules: ListRules = field(default_factory=ListRules)
    weak_points_per_unit: int = 3
    dissatisfied_at_most: int = 2
    comments_departments: int = 3
    comments_per_department: int = 3
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
    framework: Path | None = None
    if raw.get("framework"):
        framework = Path(str(raw["framework"]))
        if not framework.is_absolute():
            framework = path.parent / framework
    keys = raw.get("key_indicators") or []
    if not isinstance(keys, list):
        raise BulletinConfigError("通报配置 key_indicators 应为指标编码列表")
    return BulletinConfig(
        issuer=settings.issuer,
        document_prefix=settings.document_prefix,
        framework_path=framework,
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
        mask_firms=_bool(raw, "mask_firms", False),
    )


def _bool(raw: dict[str, Any], key: str, default: bool) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise BulletinConfigError(f"通报配置 {key} 应为 true 或 false（现为 {value!r}）")
    return value
