"""Bulletin settings (``config/bulletin.yaml``): issuer, deadline, 红黑榜 rules, key indicators."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipelines.env import CONFIG_DIR

DEFAULT_CONFIG_PATH = CONFIG_DIR / "bulletin.yaml"


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
    issuer: str = "示例市优化营商环境工作领导小组办公室"
    document_prefix: str = "示例营商办"
    framework_path: Path | None = None  # None: the scoring framework (framework_path())
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


def _int(raw: dict[str, Any], key: str, default: int, where: str) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BulletinConfigError(f"通报配置 {where}{key} 应为不小于 0 的整数（现为 {value!r}）")
    return value


def load_bulletin_config(path: Path = DEFAULT_CONFIG_PATH) -> BulletinConfig:
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
        issuer=str(raw.get("issuer", BulletinConfig.issuer)),
        document_prefix=str(raw.get("document_prefix", BulletinConfig.document_prefix)),
        framework_path=framework,
        deadline_days_after_quarter=_int(raw, "deadline_days_after_quarter", 7, ""),
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
    )


def _share(raw: dict[str, Any], key: str, default: float) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise BulletinConfigError(f"通报配置 {key} 应为 0 至 1 之间的数（现为 {value!r}）")
    return float(value)
