"""Where things live: project files shipped with the code, and the work directory a run writes to.

The work directory holds everything generated (landing folder, archive, warehouse, reports,
Dagster's local storage). Default: ``$BIZENV_HOME`` or ``<project>/.bizenv`` of the city
project in force (``$BIZENV_PROJECT``, see ``pipelines.project``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

# The checkout bizenv runs from: its SQL library, its source library (expectations/), its
# report templates. A city's own files live in its project folder (pipelines.project).
PACKAGE_ROOT = Path(__file__).resolve().parent.parent
PROJECT_ROOT = PACKAGE_ROOT  # the repository root (tools and tests run from here)
SQL_DIR = PACKAGE_ROOT / "sql"
EXPECTATIONS_DIR = PACKAGE_ROOT / "expectations"
REPORTS_DIR = PACKAGE_ROOT / "reports"

# Quarters and dates are Asia/Shanghai throughout: the name (Dagster schedules, partitions)
# and the zone (datetimes).
TIMEZONE = "Asia/Shanghai"
SHANGHAI = ZoneInfo(TIMEZONE)

# These machines are offline: no analytics or telemetry calls home. Set by ``stay_offline()``
# when a command starts or Dagster loads the definitions, never at import time.
OFFLINE_ENV = {"GX_ANALYTICS_ENABLED": "False", "DAGSTER_DISABLE_TELEMETRY": "1"}


def stay_offline() -> None:
    """Turn off Great Expectations' analytics and Dagster's telemetry for this process and the
    processes it starts (unless the environment already says otherwise)."""
    for name, value in OFFLINE_ENV.items():
        os.environ.setdefault(name, value)


def default_workdir() -> Path:
    """``$BIZENV_HOME``, else ``<project>/.bizenv`` of the project in force."""
    env = os.environ.get("BIZENV_HOME")
    if env:
        return Path(env).resolve()
    from pipelines.project import project_dir_from_env

    return (project_dir_from_env() / ".bizenv").resolve()


@dataclass(frozen=True)
class Workdir:
    """The layout of one work directory, in the order the data flows."""

    root: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def rejections(self) -> Path:
        return self.root / "rejections"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "bizenv.duckdb"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster_home"

    def ensure(self) -> Workdir:
        for path in (
            self.landing,
            self.archive,
            self.rejections,
            self.warehouse.parent,
            self.reports,
            self.dagster_home,
        ):
            path.mkdir(parents=True, exist_ok=True)
        return self


def workdir_from_env() -> Workdir:
    return Workdir(default_workdir())


DUCKDB_POOL = "duckdb_warehouse"

_LOCAL_INSTANCE_YAML = """\
# Dagster instance for one bizenv work directory (written by bizenv; local storage, SQLite).
telemetry:
  enabled: false
concurrency:
  pools:
    # DuckDB has a single writer per file: every asset that touches the warehouse is in the
    # pool `duckdb_warehouse`, and no pool runs more than one step at a time.
    default_limit: 1
    granularity: op
# When the daemon runs (`bizenv dev`), it fails runs whose worker process died and frees the
# pool slots of ended runs; without the daemon, `bizenv run`/`backfill`/`demo` sweep at start
# (pipelines/instance.py), so a run killed with `kill -9` never blocks the next one.
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  cancel_timeout_seconds: 180
  poll_interval_seconds: 30
  free_slots_after_run_end_seconds: 30
"""
_LOCAL_INSTANCE_MARKER = _LOCAL_INSTANCE_YAML.splitlines()[0]


def configure_environment(root: Path | None = None) -> Workdir:
    """Point bizenv and Dagster at one work directory (created if missing).

    Explicit ``root`` wins; otherwise ``$BIZENV_HOME`` or the project default. Sets
    ``BIZENV_HOME``, ``BIZENV_DUCKDB`` (unless already set) and ``DAGSTER_HOME`` (unless set)
    so that ``EnvVar`` resources and ``DagsterInstance.get()`` resolve to the same place.
    """
    stay_offline()
    if root is not None:
        os.environ["BIZENV_HOME"] = str(Path(root).resolve())
        os.environ["BIZENV_DUCKDB"] = str(Workdir(Path(root).resolve()).warehouse)
        os.environ["DAGSTER_HOME"] = str(Workdir(Path(root).resolve()).dagster_home)
    workdir = Workdir(default_workdir()).ensure()
    os.environ.setdefault("BIZENV_HOME", str(workdir.root))
    os.environ.setdefault("BIZENV_DUCKDB", str(workdir.warehouse))
    os.environ.setdefault("DAGSTER_HOME", str(workdir.dagster_home))
    dagster_home = Path(os.environ["DAGSTER_HOME"])
    dagster_home.mkdir(parents=True, exist_ok=True)
    instance_yaml = dagster_home / "dagster.yaml"
    # Written when missing, and rewritten when an older bizenv wrote it (never a hand-made one).
    current = instance_yaml.read_text(encoding="utf-8") if instance_yaml.exists() else None
    if current is None or (
        current != _LOCAL_INSTANCE_YAML and current.startswith(_LOCAL_INSTANCE_MARKER)
    ):
        instance_yaml.write_text(_LOCAL_INSTANCE_YAML, encoding="utf-8")
    return workdir
