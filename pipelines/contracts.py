"""Data contracts: for each source, its Chinese headers, canonical columns and types.

A source is a declaration, one folder each: ``contract.yaml`` (title, description, quarter
column, columns), ``suite.json`` (Great Expectations value rules) and ``checks.yaml`` (rules GE
cannot express). Built-in sources are the folders of ``expectations/``; a city's own sources
are ``sources/<source>/`` of its project. ``sources.yaml`` of the project enables them and
adds the submitters, whether a source is required, and rule-parameter overrides.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pipelines.project import Project, SourceSettings

ColumnType = Literal[
    "string",
    "text",
    "region_code",
    "department",
    "datetime",
    "month",
    "integer",
    "decimal",
    "yes_no",
]
COLUMN_TYPES: tuple[str, ...] = ColumnType.__args__  # type: ignore[attr-defined]
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def enabled_sources() -> tuple[str, ...]:
    """The sources of the project in force, in ``sources.yaml`` order."""
    from pipelines.project import current_project

    return current_project().source_ids


class UnknownSourceError(KeyError):
    def __init__(self, source: str, known: tuple[str, ...] | None = None) -> None:
        super().__init__(source)
        self.source = source
        self.known = known

    def __str__(self) -> str:
        known = self.known if self.known is not None else enabled_sources()
        return f"未知的数据源“{self.source}”，可选：{'、'.join(known)}"


def normalize_header(text: str) -> str:
    """Header key for matching: NFKC folds full-width to half-width; spaces are dropped."""
    folded = unicodedata.normalize("NFKC", str(text))
    return "".join(folded.split())


@dataclass(frozen=True)
class ContractColumn:
    header: str
    column: str
    type: ColumnType
    description: str
    required: bool = True


@dataclass(frozen=True)
class Contract:
    source: str
    title: str
    description: str
    quarter_column: str
    columns: tuple[ContractColumn, ...]
    submitters: tuple[str, ...] = ()
    required: bool = True
    folder: Path | None = None
    lookback_quarters: int = 0
    rules: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False, hash=False)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    @property
    def column_names(self) -> list[str]:
        return [c.column for c in self.columns]

    def by_normalized_header(self) -> dict[str, ContractColumn]:
        return {normalize_header(c.header): c for c in self.columns}

    def column(self, name: str) -> ContractColumn:
        for c in self.columns:
            if c.column == name:
                return c
        raise KeyError(name)

    @property
    def suite_path(self) -> Path:
        assert self.folder is not None
        return self.folder / "suite.json"

    @property
    def checks_path(self) -> Path:
        assert self.folder is not None
        return self.folder / "checks.yaml"


def read_contract_file(path: Path) -> dict[str, Any]:
    from pipelines.project import ProjectError, read_yaml

    raw = read_yaml(path)
    if not isinstance(raw, dict):
        raise ProjectError(f"{path} 的顶层应为键值映射")
    return raw


def load_contract(settings: SourceSettings) -> Contract:
    """The declaration of one enabled source, with the project's settings for it."""
    from pipelines.project import ProjectError

    path = settings.folder / "contract.yaml"
    raw = read_contract_file(path)
    try:
        return Contract(
            source=settings.source,
            title=str(raw["title"]),
            description=str(raw.get("description", "")),
            quarter_column=str(raw["quarter_column"]),
            columns=tuple(
                ContractColumn(
                    header=str(c["header"]),
                    column=str(c["column"]),
                    type=c["type"],
                    description=str(c.get("description", "")),
                    required=bool(c.get("required", True)),
                )
                for c in raw["columns"]
            ),
            submitters=settings.submitters,
            required=settings.required,
            folder=settings.folder,
            lookback_quarters=int(raw.get("lookback_quarters", 0)),
            rules=settings.rules,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ProjectError(
            f"{path} 的结构有误（{exc}）；运行 bizenv config check 查看详情"
        ) from exc


def contract(source: str) -> Contract:
    """The contract of ``source`` in the project in force (UnknownSourceError if the project
    does not enable it)."""
    from pipelines.project import current_project

    return _contract(current_project(), source)


@cache
def _contract(project: Project, source: str) -> Contract:
    return project.contract(source)
