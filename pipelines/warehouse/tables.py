"""Statements of one source's staging and warehouse tables, generated from its contract.

Staging (``staging.<source>``: the version under validation) and warehouse
(``warehouse.<source>``: the version in force) have the same columns by construction: the
partition column ``quarter``, the file's ``submission_hash``, the department's row number
``source_row``, then the contract's columns in order. Table and column names come only from
the declaration (checked against ``IDENTIFIER``); every value is a bound parameter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pipelines.contracts import IDENTIFIER, Contract

DUCKDB_TYPES: dict[str, str] = {
    "string": "varchar",
    "text": "varchar",
    "region_code": "varchar",
    "department": "varchar",
    "month": "varchar",
    "datetime": "timestamp",
    "integer": "bigint",
    "decimal": "double",
    "yes_no": "boolean",
}
LEADING_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("quarter", "varchar not null", "partition, e.g. 2025Q2"),
    ("submission_hash", "varchar not null", "sha256 of the submitted file these rows came from"),
    ("source_row", "bigint not null", "row number in the department's file (header = 1)"),
)
SCHEMAS = ("staging", "warehouse")


class DeclarationError(ValueError):
    """A contract whose names cannot be used as SQL identifiers."""


def _identifier(name: str, contract: Contract) -> str:
    if not IDENTIFIER.match(name):
        raise DeclarationError(
            f"数据源“{contract.source}”的名称“{name}”不能用作表名或列名"
            "（只能用小写字母、数字和下划线，且以字母开头）"
        )
    return name


def _comment(text: str) -> str:
    return " ".join(str(text).split())


@dataclass(frozen=True)
class SourceTables:
    """Every statement the intake, staging and warehouse steps run for one source."""

    source: str
    columns: tuple[str, ...]
    create: dict[str, str]  # schema -> create table (documented columns)
    add_columns: dict[str, tuple[str, ...]]  # schema -> alter table … add column if not exists
    delete_staging: str
    insert_staging: str
    count_staged_version: str
    delete_warehouse: str
    promote: str
    count_warehouse: str
    preview_warehouse: str
    # First and last day of the quarter's datetime columns (the working-day calendar's range);
    # None for a source without datetime columns.
    date_range: str | None

    def named(self) -> dict[str, str]:
        """Statements by a readable name (asset metadata)."""
        return {
            f"staging/{self.source}/create_table": self.create["staging"],
            f"staging/{self.source}/delete_partition": self.delete_staging,
            f"staging/{self.source}/insert_partition": self.insert_staging,
            f"warehouse/{self.source}/create_table": self.create["warehouse"],
            f"warehouse/{self.source}/delete_partition": self.delete_warehouse,
            f"warehouse/{self.source}/promote_partition": self.promote,
        }


def _create(schema: str, contract: Contract) -> str:
    table = f"{schema}.{contract.source}"
    role = (
        "typed rows of the version under validation (not read by indicators)"
        if schema == "staging"
        else "accepted rows: the version in force for each quarter (read by indicators)"
    )
    lines = [
        f"-- {table}: {role}.",
        f"-- {_comment(contract.title)}: {_comment(contract.description)}",
        "-- Generated from the source's contract.yaml; do not edit.",
    ]
    width = max(len(c.column) for c in contract.columns) + 2
    for name, _, text in LEADING_COLUMNS:
        lines.append(f"--   {name:<{width}}{text}")
    for c in contract.columns:
        lines.append(f"--   {c.column:<{width}}{_comment(c.header)}: {_comment(c.description)}")
    body = [f"    {name} {kind}" for name, kind, _ in LEADING_COLUMNS]
    body += [f"    {c.column} {DUCKDB_TYPES[c.type]}" for c in contract.columns]
    return "\n".join([*lines, f"create table if not exists {table} (", ",\n".join(body), ")"])


@cache
def source_tables(contract: Contract) -> SourceTables:
    source = _identifier(contract.source, contract)
    columns = tuple(_identifier(c.column, contract) for c in contract.columns)
    column_list = ",\n    ".join(columns)
    staging, warehouse = f"staging.{source}", f"warehouse.{source}"
    return SourceTables(
        source=source,
        columns=columns,
        create={schema: _create(schema, contract) for schema in SCHEMAS},
        add_columns={
            schema: tuple(
                f"alter table {schema}.{source} add column if not exists "
                f"{c.column} {DUCKDB_TYPES[c.type]}"
                for c in contract.columns
            )
            for schema in SCHEMAS
        },
        delete_staging=f"delete from {staging} where quarter = $quarter",
        insert_staging=(
            "-- Stage the typed rows of one version; `staged_rows` is registered by the caller.\n"
            f"insert into {staging} (\n    quarter,\n    submission_hash,\n    source_row,\n"
            f"    {column_list}\n)\nselect\n    $quarter,\n    $hash,\n    source_row,\n"
            f"    {column_list}\nfrom staged_rows"
        ),
        count_staged_version=(
            f"select count(*) as staged_rows\nfrom {staging}\n"
            "where quarter = $quarter and submission_hash = $hash"
        ),
        delete_warehouse=f"delete from {warehouse} where quarter = $quarter",
        promote=(
            "-- Promote the validated version from staging (after delete, in one transaction).\n"
            f"insert into {warehouse} by name\nselect * from {staging}\n"
            "where quarter = $quarter and submission_hash = $hash"
        ),
        count_warehouse=(
            f"select count(*) as loaded_rows from {warehouse} where quarter = $quarter"
        ),
        preview_warehouse=(
            f"select * exclude (quarter)\nfrom {warehouse}\nwhere quarter = $quarter\n"
            "order by source_row\nlimit 10"
        ),
        date_range=_date_range(contract, warehouse),
    )


def _date_range(contract: Contract, table: str) -> str | None:
    days = [f"cast({c.column} as date)" for c in contract.columns if c.type == "datetime"]
    if not days:
        return None
    first = days[0] if len(days) == 1 else f"least({', '.join(days)})"
    last = days[0] if len(days) == 1 else f"greatest({', '.join(days)})"
    return (
        f"select min({first}) as first_day, max({last}) as last_day\n"
        f"from {table}\nwhere quarter = $quarter"
    )
