"""Build one quarter's bulletin, workbook and the index: what the Dagster assets and
``bizenv report`` call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.env import SHANGHAI, Workdir
from pipelines.quarters import Quarter
from pipelines.registry import Registry, default_registry
from pipelines.reports.config import BulletinConfig
from pipelines.reports.content import BulletinContent, build_content
from pipelines.reports.render import (
    bulletin_file_name,
    index_entries,
    record_workbook_version,
    render_bulletin,
    render_index,
    workbook_file_name,
    write_summary,
)
from pipelines.reports.workbook import write_workbook
from pipelines.scoring import Framework
from pipelines.tempfiles import write_atomic


@dataclass(frozen=True)
class BulletinPaths:
    html: Path
    workbook: Path | None
    index: Path


def now_shanghai() -> datetime:
    return datetime.now(SHANGHAI).replace(microsecond=0)


def quarter_dir(reports_dir: Path, quarter: Quarter) -> Path:
    return reports_dir / str(quarter)


def write_bulletin_html(
    content: BulletinContent, reports_dir: Path, generated_at: datetime
) -> Path:
    directory = quarter_dir(reports_dir, content.quarter)
    target = directory / bulletin_file_name(content.city, content.quarter)
    write_atomic(target, render_bulletin(content, generated_at).encode("utf-8"))
    write_summary(content, directory, generated_at)
    return target


def write_bulletin_workbook(
    content: BulletinContent, reports_dir: Path, generated_at: datetime
) -> Path:
    directory = quarter_dir(reports_dir, content.quarter)
    target = directory / workbook_file_name(content.city, content.quarter)
    write_workbook(content, target, generated_at)
    record_workbook_version(content, directory)
    return target


def build_bulletin(
    con: duckdb.DuckDBPyConnection,
    quarter: Quarter,
    out_dir: Path,
    *,
    config: BulletinConfig | None = None,
    registry: Registry | None = None,
    framework: Framework | None = None,
    generated_at: datetime | None = None,
    workbook: bool = True,
) -> BulletinPaths:
    """Write ``out_dir/<quarter>/<city>营商环境评价_<quarter>_季通报.html`` (+ ``…_数据表.xlsx``)
    and regenerate ``out_dir/index.html``. ``out_dir`` is the reports folder of a work
    directory (``<workdir>/reports``). Raises ``NoScoresError`` when the quarter is not scored.
    """
    registry = registry or default_registry()
    generated_at = generated_at or now_shanghai()
    content = build_content(con, quarter, config=config, registry=registry, framework=framework)
    html = write_bulletin_html(content, out_dir, generated_at)
    xlsx = write_bulletin_workbook(content, out_dir, generated_at) if workbook else None
    index = render_index(out_dir, registry.city_name, registry.synthetic, generated_at)
    return BulletinPaths(html=html, workbook=xlsx, index=index)


def latest_bulletin_paths(workdir: Workdir | Path) -> BulletinPaths | None:
    """The newest quarter's bulletin (and workbook) and the index, or None if none exists yet
    (what ``bizenv demo`` prints at the end)."""
    reports_dir = workdir.reports if isinstance(workdir, Workdir) else Workdir(workdir).reports
    entries = index_entries(reports_dir)
    if not entries:
        return None
    latest = entries[0]
    return BulletinPaths(
        html=reports_dir / latest.bulletin,
        workbook=reports_dir / latest.workbook if latest.workbook else None,
        index=reports_dir / "index.html",
    )
