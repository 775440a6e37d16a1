"""Rectification rules of a project: ``rectification.yaml`` beside ``bulletin.yaml``.

A file of its own (not a block of bulletin.yaml) because the rules decide data — the tasks
table that the ledger export, the ledger source's checks, the workbook and the bulletin all
read — while bulletin.yaml only decides what the bulletin shows. The file is optional; a
missing file or key means the defaults below.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATUSES: tuple[str, ...] = ("未启动", "推进中", "已完成")
DONE = "已完成"

OPENED = "新立"
CLOSED = "销号"
CONTINUING = "持续整改"
REWORK = "回炉"
OVERDUE = "逾期"
OUTCOMES: tuple[str, ...] = (OPENED, CLOSED, CONTINUING, REWORK, OVERDUE)


class RectificationConfigError(ValueError):
    """An invalid rectification.yaml (Chinese message)."""


@dataclass(frozen=True)
class RectificationRules:
    """Trigger: a unit's second-level indicator ranked in the bottom ``bottom_n`` among the
    units (only when more than ``bottom_n`` units are ranked) or scoring below
    ``below_score``. Target: leave the bottom ``bottom_n`` (``target_leave_bottom``) or reach
    the city average of the opening quarter (``target_city_average``). Deadline: the end of
    the ``deadline_quarters``-th quarter after the evaluated quarter (1 = the next quarter)."""

    bottom_n: int = 3
    below_score: float | None = 60.0
    target_leave_bottom: bool = True
    target_city_average: bool = True
    deadline_quarters: int = 1
    level: int = 2


def rules_path() -> Path:
    from pipelines.project import current_project

    return current_project().root / "rectification.yaml"


def load_rules(path: Path | None = None) -> RectificationRules:
    """The rules of ``path`` (default: the project's rectification.yaml; missing = defaults)."""
    from pipelines.project import ProjectError, read_yaml

    path = path or rules_path()
    if not path.is_file():
        return RectificationRules()
    try:
        raw = read_yaml(path) or {}
    except ProjectError as exc:
        raise RectificationConfigError(str(exc)) from exc
    if not isinstance(raw, dict):
        raise RectificationConfigError(f"{path.name} 的顶层应为键值映射")
    trigger = _section(raw, "trigger", path)
    target = _section(raw, "target", path)
    deadline = _section(raw, "deadline", path)
    below = trigger.get("below_score", 60.0)
    if below is not None and (isinstance(below, bool) or not isinstance(below, int | float)):
        raise RectificationConfigError(
            f"{path.name} trigger.below_score 应为数值或留空（现为 {below!r}）"
        )
    rules = RectificationRules(
        bottom_n=_int(trigger, "bottom_n", 3, path),
        below_score=None if below is None else float(below),
        target_leave_bottom=_bool(target, "leave_bottom", True, path),
        target_city_average=_bool(target, "city_average", True, path),
        deadline_quarters=_int(deadline, "quarters_after", 1, path, minimum=1),
    )
    if not (rules.target_leave_bottom or rules.target_city_average):
        raise RectificationConfigError(
            f"{path.name} target 至少要启用 leave_bottom 或 city_average 之一"
        )
    return rules


def _section(raw: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise RectificationConfigError(f"{path.name} 的 {key} 应为键值映射")
    return value


def _int(raw: dict[str, Any], key: str, default: int, path: Path, minimum: int = 0) -> int:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise RectificationConfigError(
            f"{path.name} 的 {key} 应为不小于 {minimum} 的整数（现为 {value!r}）"
        )
    return value


def _bool(raw: dict[str, Any], key: str, default: bool, path: Path) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise RectificationConfigError(f"{path.name} 的 {key} 应为 true 或 false（现为 {value!r}）")
    return value
