"""The region and department registries of a city project (``regions.yaml``,
``departments.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


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


def load_registry(project_dir: Path | None = None) -> Registry:
    """Parse the two registries of ``project_dir`` (default: the project in force); a file of
    the wrong shape is a ``ProjectError`` in Chinese (``bizenv config check`` gives every
    error with its line)."""
    from pipelines.project import ProjectError, project_dir_from_env, read_yaml

    if project_dir is None:
        project_dir = project_dir_from_env()
    regions = read_yaml(project_dir / "regions.yaml") or {}
    depts = read_yaml(project_dir / "departments.yaml") or {}
    try:
        units = tuple(
            Unit(
                code=str(u["code"]),
                name=str(u["name"]),
                type=str(u["type"]),
                short_name=u.get("short_name"),
            )
            for u in regions["units"]
        )
        city = regions["city"]
        city_code, city_name = str(city["code"]), str(city["name"])
    except (KeyError, TypeError) as exc:
        raise ProjectError(
            f"regions.yaml 的结构有误（{exc}）；运行 bizenv config check 查看详情"
        ) from exc
    try:
        departments = tuple(
            Department(
                code=str(d["code"]), name=str(d["name"]), aliases=tuple(d.get("aliases") or ())
            )
            for d in depts["departments"]
        )
    except (KeyError, TypeError) as exc:
        raise ProjectError(
            f"departments.yaml 的结构有误（{exc}）；运行 bizenv config check 查看详情"
        ) from exc
    by_name: dict[str, str] = {}
    for d in departments:
        by_name[d.name] = d.name
        for alias in d.aliases:
            by_name[alias] = d.name
    return Registry(
        city_code=city_code,
        city_name=city_name,
        synthetic=bool(city.get("synthetic", False)),
        units=units,
        departments=departments,
        _dept_by_name=by_name,
    )


def default_registry() -> Registry:
    """The registry of the project in force."""
    from pipelines.project import current_project

    return current_project().registry
