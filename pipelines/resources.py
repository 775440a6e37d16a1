"""Resources shared by the asset graph."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import yaml
from dagster._utils.backoff import backoff
from dagster_duckdb import DuckDBResource

from pipelines.env import CONFIG_DIR, Workdir


class WarehouseDuckDB(DuckDBResource):
    """``DuckDBResource`` whose connection is closed even when the asset body raises.

    The upstream context manager closes only on success; a failed step would keep its
    read-write connection open until garbage collection, and in-process runs (demo, tests)
    would then fail to open the file again."""

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        connection = backoff(
            fn=duckdb.connect,
            retry_on=(RuntimeError, duckdb.IOException),
            kwargs={
                "database": self.database,
                "read_only": False,
                "config": {
                    "custom_user_agent": "dagster",
                    # DuckDB spills to disk beyond this (its default is 80 % of RAM); a
                    # quarter's staging transaction then stays within bounded memory.
                    "memory_limit": os.environ.get("BIZENV_DUCKDB_MEMORY_LIMIT", "1GB"),
                    **self.connection_config,
                },
            },
            max_retries=10,
        )
        try:
            yield connection
        finally:
            connection.close()


class WorkdirResource(dg.ConfigurableResource):
    """The work directory a run reads its landing folder from and writes everything to."""

    home: str

    @property
    def layout(self) -> Workdir:
        return Workdir(Path(self.home)).ensure()


class IntakeSettings(dg.ConfigurableResource):
    """Intake rules an analyst sets in config/intake.yaml."""

    volume_factor: float = 3.0
    report_day_after_quarter: int = 10
    report_hour: int = 8
    # Errors listed in full in a rejection report's HTML (all are counted, and all in its CSV).
    report_max_listed_errors: int = 1000

    @classmethod
    def from_config(cls, path: Path = CONFIG_DIR / "intake.yaml") -> IntakeSettings:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        schedule = raw.get("report_schedule", {})
        return cls(
            volume_factor=float(raw.get("volume_check", {}).get("factor", 3.0)),
            report_day_after_quarter=int(schedule.get("day_after_quarter", 10)),
            report_hour=int(schedule.get("hour", 8)),
            report_max_listed_errors=int(
                (raw.get("rejection_report") or {}).get("max_listed_errors", 1000)
            ),
        )


def default_resources() -> dict[str, object]:
    return {
        "duckdb": WarehouseDuckDB(database=dg.EnvVar("BIZENV_DUCKDB")),
        "workdir": WorkdirResource(home=dg.EnvVar("BIZENV_HOME")),
        "intake_settings": IntakeSettings.from_config(),
    }
