"""Where things live: project files shipped with the code, and the work directory a run writes to.

The work directory holds everything generated (landing folder, archive, warehouse, reports,
Dagster's local storage). Default: ``$BIZENV_HOME`` or ``<project>/.bizenv``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = PROJECT_ROOT / "config"
SQL_DIR = PROJECT_ROOT / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
REPORTS_DIR = PROJECT_ROOT / "reports"

# Quarters and dates are Asia/Shanghai throughout.
TIMEZONE = "Asia/Shanghai"

# These machines are offline: no analytics or telemetry calls home.
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


def default_workdir() -> Path:
    return Path(os.environ.get("BIZENV_HOME", PROJECT_ROOT / ".bizenv")).resolve()


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
        for path in (self.landing, self.archive, self.rejections, self.warehouse.parent,
                     self.reports, self.dagster_home):
            path.mkdir(parents=True, exist_ok=True)
        return self


def workdir_from_env() -> Workdir:
    return Workdir(default_workdir())
