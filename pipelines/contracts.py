"""Data contracts: for each source, its Chinese headers, canonical columns and types.

Contracts live in ``expectations/contracts/<source>.yaml``; value rules live beside them in
``expectations/suites/<source>.json`` (Great Expectations) and
``expectations/checks/<source>.yaml`` (rules GE cannot express).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import yaml

from pipelines.env import EXPECTATIONS_DIR

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

SOURCES: tuple[str, ...] = (
    "approval_cases",
    "utility_connections",
    "loan_balances",
    "satisfaction_responses",
)


class UnknownSourceError(KeyError):
    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.source = source

    def __str__(self) -> str:
        return f"未知的数据源“{self.source}”，可选：{'、'.join(SOURCES)}"


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
    submitters: tuple[str, ...]
    description: str
    quarter_column: str
    columns: tuple[ContractColumn, ...]

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


def load_contract(source: str, expectations_dir: Path = EXPECTATIONS_DIR) -> Contract:
    path = expectations_dir / "contracts" / f"{source}.yaml"
    if source not in SOURCES or not path.exists():
        raise UnknownSourceError(source)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Contract(
        source=raw["source"],
        title=raw["title"],
        submitters=tuple(raw.get("submitters", ())),
        description=raw.get("description", ""),
        quarter_column=raw["quarter_column"],
        columns=tuple(
            ContractColumn(
                header=c["header"],
                column=c["column"],
                type=c["type"],
                description=c.get("description", ""),
                required=bool(c.get("required", True)),
            )
            for c in raw["columns"]
        ),
    )


@cache
def contract(source: str) -> Contract:
    return load_contract(source)
