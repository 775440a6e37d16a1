"""The 季通报 (quarterly bulletin, one self-contained HTML file per quarter), its Excel
workbook and the index of all quarters. See docs/bulletin.md.

    from pipelines.reports import build_bulletin, latest_bulletin_paths
    paths = build_bulletin(con, Quarter(2025, 2), workdir.reports)
"""

from pipelines.reports.build import BulletinPaths, build_bulletin, latest_bulletin_paths
from pipelines.reports.config import BulletinConfig, BulletinConfigError, load_bulletin_config
from pipelines.reports.data import NoScoresError, scored_quarters

__all__ = [
    "BulletinConfig",
    "BulletinConfigError",
    "BulletinPaths",
    "NoScoresError",
    "build_bulletin",
    "latest_bulletin_paths",
    "load_bulletin_config",
    "scored_quarters",
]
