"""Resources shared by the asset graph."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import backoff
import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from pipelines.defs.framework import FrameworkResource
from pipelines.env import Workdir
from pipelines.project import Project

T = TypeVar("T")


class WarehouseDuckDB(DuckDBResource):
    """``DuckDBResource`` whose connection is closed even when the asset body raises.

    The upstream context manager closes only on success; a failed step would keep its
    read-write connection open until garbage collection, and in-process runs (demo, tests)
    would then fail to open the file again."""

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        config = {
            "custom_user_agent": "dagster",
            # DuckDB spills to disk beyond this (its default is 80 % of RAM); a quarter's
            # staging transaction then stays within bounded memory.
            "memory_limit": os.environ.get("BIZENV_DUCKDB_MEMORY_LIMIT", "1GB"),
            **self.connection_config,
        }
        connection = retry_while_locked(
            lambda: _connect_once_if_corrupt(database=self.database, read_only=False, config=config)
        )
        try:
            yield connection
        finally:
            connection.close()


# Another process holding the warehouse read-write makes duckdb.connect raise IOException
# ("Could not set lock") until it lets go. Like dagster-duckdb's own resource, the connection
# is retried 10 times, waiting 0.1 s, 0.2 s, 0.4 s … 51.2 s (about 100 s in all). Dagster's
# retry helper is private (dagster._utils.backoff), so the `backoff` library does it.
LOCK_RETRIES = 10
LOCK_FIRST_WAIT_SECONDS = 0.1


def retry_while_locked(connect: Callable[[], T]) -> T:
    """``connect()``, retried while it raises ``duckdb.IOException`` or ``RuntimeError``; any
    other error (``CorruptWarehouseError``) is raised at once."""
    retrying = backoff.on_exception(
        backoff.expo,
        (RuntimeError, duckdb.IOException),
        max_tries=LOCK_RETRIES + 1,
        factor=LOCK_FIRST_WAIT_SECONDS,
        jitter=None,
        logger=None,
    )
    return retrying(connect)()


class CorruptWarehouseError(dg.Failure):
    """The warehouse path holds a file that is not a DuckDB database: reported at once, never
    retried (the backoff retries only a lock held by another process)."""


def _connect_once_if_corrupt(**kwargs: object) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(**kwargs)  # type: ignore[arg-type]
    except duckdb.IOException as exc:
        if "not a valid DuckDB database file" in str(exc):
            raise CorruptWarehouseError(
                description=f"数据仓库文件 {kwargs.get('database')} 不是有效的 DuckDB 文件"
                "（可能已损坏或被其他文件替换）；请从备份恢复，或移走该文件后重新运行全部季度",
                allow_retries=False,
            ) from exc
        raise


class WorkdirResource(dg.ConfigurableResource):
    """The work directory a run reads its landing folder from and writes everything to."""

    home: str

    @property
    def layout(self) -> Workdir:
        return Workdir(Path(self.home)).ensure()


class IntakeSettings(dg.ConfigurableResource):
    """Intake rules of the project's bizenv.yaml."""

    volume_factor: float = 3.0
    report_day_after_quarter: int = 10
    report_hour: int = 8
    # Errors listed in full in a rejection report's HTML (all are counted, and all in its CSV).
    report_max_listed_errors: int = 1000

    @classmethod
    def from_project(cls, project: Project) -> IntakeSettings:
        settings = project.settings
        return cls(
            volume_factor=settings.volume_factor,
            report_day_after_quarter=settings.report_day_after_quarter,
            report_hour=settings.report_hour,
            report_max_listed_errors=settings.max_listed_errors,
        )


def default_resources(project: Project) -> dict[str, object]:
    return {
        "duckdb": WarehouseDuckDB(database=dg.EnvVar("BIZENV_DUCKDB")),
        "workdir": WorkdirResource(home=dg.EnvVar("BIZENV_HOME")),
        "intake_settings": IntakeSettings.from_project(project),
        "indicator_framework": FrameworkResource.from_project(project),
    }
