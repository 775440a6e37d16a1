"""The region and department registries (config files an analyst maintains)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from pipelines.env import CONFIG_DIR


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    type: str
    short_name: str | None = None

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Registry:
    city_code: str
    city_name: str
    synthetic: bool
    units: tuple[Unit, ...]
    departments: tuple[Department, ...]
    _dept_by_name: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @property
    def region_codes(self) -> list[str]:
        return [u.code for u in self.units]

    @property
    def department_names(self) -> list[str]:
        """Every accepted spelling (names and aliases)."""
        return list(self._dept_by_name)

    def canonical_department(self, name: str) -> str | None:
        return self._dept_by_name.get(name.strip())

    def unit(self, code: str) -> Unit:
        for u in self.units:
            if u.code == code:
                return u
        raise KeyError(code)


def load_registry(config_dir: Path = CONFIG_DIR) -> Registry:
    regions = yaml.safe_load((config_dir / "regions.yaml").read_text(encoding="utf-8"))
    depts = yaml.safe_load((config_dir / "departments.yaml").read_text(encoding="utf-8"))
    units = tuple(
        Unit(code=str(u["code"]), name=u["name"], type=u["type"], short_name=u.get("short_name"))
        for u in regions["units"]
    )
    departments = tuple(
        Department(code=d["code"], name=d["name"], aliases=tuple(d.get("aliases", ())))
        for d in depts["departments"]
    )
    by_name: dict[str, str] = {}
    for d in departments:
        by_name[d.name] = d.name
        for alias in d.aliases:
            by_name[alias] = d.name
    city = regions["city"]
    return Registry(
        city_code=str(city["code"]),
        city_name=city["name"],
        synthetic=bool(city.get("synthetic", False)),
        units=units,
        departments=departments,
        _dept_by_name=by_name,
    )


@cache
def default_registry() -> Registry:
    return load_registry()
