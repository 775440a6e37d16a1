"""Units evaluated (评价对象): counties, districts, zones … and composite units.

A units file (YAML)::

    units:
      - {code: "880602", name: 江北区, type: 区}
      - {code: BEI, name: 北京, type: 城市, rank: false}      # member only, not ranked
      - code: CHN                                           # composite unit
        name: 中国
        type: 经济体
        members: [{unit: BEI, weight: 0.45}, {unit: SHA, weight: 0.55}]

Composite units may also be listed under a separate top-level ``composites:`` key. A composite
unit's score at every node is the weighted mean of its members' scores at that node (the World
Bank's rule for economies measured in two cities); its members must be plain units.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml


class UnitsError(ValueError):
    """An invalid units file (Chinese message)."""


@dataclass(frozen=True)
class UnitDef:
    code: str
    name: str
    type: str | None = None
    rank: bool = True
    members: tuple[tuple[str, float], ...] = ()

    @property
    def is_composite(self) -> bool:
        return bool(self.members)


@dataclass(frozen=True)
class Units:
    units: tuple[UnitDef, ...]

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for u in self.units:
            if u.code in seen:
                raise UnitsError(f"单位 {u.code} 的字段 code：编码重复")
            seen.add(u.code)
        base = {u.code for u in self.units if not u.is_composite}
        for u in self.units:
            for member, weight in u.members:
                if member not in base:
                    raise UnitsError(
                        f"合成单位 {u.code} 的成员 {member}：不是单位清单中的普通单位"
                        "（成员须为非合成单位）"
                    )
                if weight < 0:
                    raise UnitsError(f"合成单位 {u.code} 的成员 {member} 的权重应不小于 0")
            if u.members and sum(w for _, w in u.members) <= 0:
                raise UnitsError(f"合成单位 {u.code} 的成员权重之和应大于 0")

    @property
    def codes(self) -> list[str]:
        return [u.code for u in self.units]

    @property
    def base(self) -> list[UnitDef]:
        return [u for u in self.units if not u.is_composite]

    @property
    def composites(self) -> list[UnitDef]:
        return [u for u in self.units if u.is_composite]

    def get(self, code: str) -> UnitDef:
        for u in self.units:
            if u.code == code:
                return u
        raise KeyError(code)

    def __contains__(self, code: object) -> bool:
        return any(u.code == code for u in self.units)

    def members_frame(self) -> pd.DataFrame:
        """Columns ``composite, member, weight`` (one row per member)."""
        rows = [(u.code, m, w) for u in self.composites for m, w in u.members]
        return pd.DataFrame(rows, columns=["composite", "member", "weight"]).astype(
            {"composite": "str", "member": "str", "weight": "float64"}
        )

    def frame(self) -> pd.DataFrame:
        """Columns ``unit, name, type, rank, composite``."""
        return pd.DataFrame(
            {
                "unit": [u.code for u in self.units],
                "name": [u.name for u in self.units],
                "type": [u.type for u in self.units],
                "rank": [u.rank for u in self.units],
                "composite": [u.is_composite for u in self.units],
            }
        )

    @classmethod
    def plain(cls, codes: Iterable[str]) -> Units:
        """Plain, ranked units named by their codes (used when no units file is given)."""
        return cls(tuple(UnitDef(code=str(c), name=str(c)) for c in codes))


def load_units(path: Path | str) -> Units:
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise UnitsError(f"找不到单位清单文件：{path}") from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise UnitsError(f"单位清单文件 {path.name} 不是合法的 UTF-8 YAML：{exc}") from exc
    return units_from_dict(doc)


def units_from_dict(doc: Any) -> Units:
    if not isinstance(doc, dict) or not isinstance(doc.get("units"), list):
        raise UnitsError("单位清单文件应有顶层字段 units（单位列表）")
    entries = list(doc["units"])
    extra = doc.get("composites") or []
    if not isinstance(extra, list):
        raise UnitsError("单位清单文件的字段 composites 应为列表")
    entries.extend(extra)
    return Units(tuple(_unit(i, raw) for i, raw in enumerate(entries, start=1)))


def _unit(index: int, raw: Any) -> UnitDef:
    if not isinstance(raw, Mapping) or "code" not in raw:
        raise UnitsError(f"第 {index} 个单位：应为含 code、name 字段的映射")
    code = str(raw["code"])
    unknown = set(raw) - {"code", "name", "type", "rank", "members", "short_name"}
    if unknown:
        raise UnitsError(f"单位 {code} 的字段 {sorted(unknown)[0]}：未知字段（请检查拼写）")
    rank = raw.get("rank", True)
    if not isinstance(rank, bool):
        raise UnitsError(f"单位 {code} 的字段 rank：应为布尔值（true/false）")
    members: list[tuple[str, float]] = []
    for j, m in enumerate(raw.get("members") or [], start=1):
        if not isinstance(m, Mapping) or "unit" not in m:
            raise UnitsError(f"单位 {code} 的字段 members：第 {j} 项应为 {{unit, weight}}")
        weight = m.get("weight", 1)
        if isinstance(weight, bool) or not isinstance(weight, int | float):
            raise UnitsError(f"单位 {code} 的字段 members[{j}].weight：应为数值")
        members.append((str(m["unit"]), float(weight)))
    return UnitDef(
        code=code,
        name=str(raw.get("short_name") or raw.get("name") or code),
        type=raw.get("type"),
        rank=rank,
        members=tuple(members),
    )


def units_from_registry(registry: Any | None = None) -> Units:
    """The project's units (``regions.yaml`` via :mod:`pipelines.registry`)."""
    if registry is None:
        from pipelines.registry import default_registry

        registry = default_registry()
    return Units(
        tuple(UnitDef(code=u.code, name=u.display_name, type=u.type) for u in registry.units)
    )
