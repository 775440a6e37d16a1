"""A city project: the folder a city keeps in its own version control.

::

    <project>/
      regions.yaml       the city block and its units (县市区, 开发区)
      departments.yaml   the departments (names, aliases)
      bizenv.yaml        first quarter, issuer, document prefix, deadline, volume factor, schedule
      framework.yaml     the indicator framework (leaves name SQL files)
      bulletin.yaml      the bulletin's content rules (红黑榜, 短板, satisfaction)
      sources.yaml       the sources the city collects, their submitters, required or not
      sources/<s>/       a source of the city's own: contract.yaml, suite.json, checks.yaml
      indicators/*.sql   indicators of the city's own

The project in force is ``$BIZENV_PROJECT`` (set by ``--project``), else the bundled demo
project. Loading a project parses its files; ``pipelines.config_check`` validates them fully.
"""

from __future__ import annotations

import copy
import os
from dataclasses import dataclass, field
from functools import cache, cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from pipelines.env import EXPECTATIONS_DIR, PACKAGE_ROOT, SQL_DIR
from pipelines.quarters import Quarter, QuarterError
from pipelines.validation.limits import FileLimits, file_limits_from

if TYPE_CHECKING:
    from pipelines.contracts import Contract
    from pipelines.registry import Registry

PROJECT_ENV = "BIZENV_PROJECT"
PROJECT_FILES = (
    "regions.yaml",
    "departments.yaml",
    "bizenv.yaml",
    "framework.yaml",
    "bulletin.yaml",
    "sources.yaml",
)


class ProjectError(ValueError):
    """A project folder that cannot be loaded (Chinese message naming the file)."""


def demo_project_dir() -> Path:
    from pipelines.demo import DEMO_PROJECT_NAME

    return PACKAGE_ROOT / "examples" / DEMO_PROJECT_NAME


def project_dir_from_env() -> Path:
    env = os.environ.get(PROJECT_ENV)
    return Path(env).resolve() if env else demo_project_dir()


@dataclass(frozen=True)
class ProjectSettings:
    """``bizenv.yaml``."""

    first_quarter: Quarter
    issuer: str
    document_prefix: str
    deadline_days_after_quarter: int = 7
    volume_factor: float = 3.0
    report_day_after_quarter: int = 10
    report_hour: int = 8
    file_limits: FileLimits = field(default_factory=FileLimits)
    # Errors listed in full in a rejection report's HTML (all are counted, and all in its CSV).
    max_listed_errors: int = 1000


@dataclass(frozen=True)
class SourceSettings:
    """One entry of ``sources.yaml`` and where its declaration lives."""

    source: str
    submitters: tuple[str, ...]
    required: bool
    folder: Path
    builtin: bool
    rules: dict[str, dict[str, Any]] = field(default_factory=dict, compare=False)


def read_yaml(path: Path) -> Any:
    """The parsed YAML file, parsed once per content (a run's steps read the same contracts
    and settings dozens of times, and PyYAML's parser is slow; reading the text is cheap and,
    unlike the modification time, always tells an edit); every call gets its own copy."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ProjectError(f"缺少项目文件：{path}") from exc
    except UnicodeDecodeError as exc:
        raise ProjectError(f"{path.name} 不是 UTF-8 编码的文本文件") from exc
    return copy.deepcopy(_parsed_yaml(path.name, text))


@lru_cache(maxsize=128)
def _parsed_yaml(name: str, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark is not None else ""
        raise ProjectError(f"{name}{where}不是合法的 YAML：{exc}") from exc


def _mapping(path: Path) -> dict[str, Any]:
    raw = read_yaml(path)
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ProjectError(f"{path.name} 的顶层应为键值映射")
    return raw


def load_settings(root: Path) -> ProjectSettings:
    path = root / "bizenv.yaml"
    raw = _mapping(path)
    try:
        first = Quarter.parse(str(raw.get("first_quarter", "")))
    except QuarterError as exc:
        raise ProjectError(f"bizenv.yaml 的 first_quarter：{exc}") from exc
    schedule = raw.get("report_schedule") or {}
    volume = raw.get("volume_check") or {}
    try:
        return ProjectSettings(
            first_quarter=first,
            issuer=str(raw["issuer"]),
            document_prefix=str(raw["document_prefix"]),
            deadline_days_after_quarter=int(raw.get("deadline_days_after_quarter", 7)),
            volume_factor=float(volume.get("factor", 3.0)),
            report_day_after_quarter=int(schedule.get("day_after_quarter", 10)),
            report_hour=int(schedule.get("hour", 8)),
            file_limits=file_limits_from(raw.get("file_limits")),
            max_listed_errors=int(
                (raw.get("rejection_report") or {}).get("max_listed_errors", 1000)
            ),
        )
    except KeyError as exc:
        raise ProjectError(f"bizenv.yaml 缺少必填项 {exc.args[0]}") from exc
    except (TypeError, ValueError, AttributeError) as exc:
        raise ProjectError(
            f"bizenv.yaml 的取值有误：{exc}（运行 bizenv config check 查看详情）"
        ) from exc


def source_folder(root: Path, source: str) -> tuple[Path, bool] | None:
    """The declaration folder of ``source``: the project's ``sources/<s>/`` first, then the
    built-in library ``expectations/<s>/``; None when neither declares it."""
    own = root / "sources" / source
    if (own / "contract.yaml").is_file():
        return own, False
    builtin = EXPECTATIONS_DIR / source
    if (builtin / "contract.yaml").is_file():
        return builtin, True
    return None


def builtin_sources() -> list[str]:
    return sorted(p.parent.name for p in EXPECTATIONS_DIR.glob("*/contract.yaml"))


def load_sources(root: Path) -> tuple[SourceSettings, ...]:
    raw = _mapping(root / "sources.yaml")
    entries = raw.get("sources") or {}
    if not isinstance(entries, dict):
        raise ProjectError("sources.yaml 的 sources 应为“数据源编码: 设置”的映射")
    out: list[SourceSettings] = []
    for source, spec in entries.items():
        spec = spec or {}
        found = source_folder(root, str(source))
        if found is None:
            raise ProjectError(
                f"sources.yaml：数据源“{source}”既不是内置数据源（{'、'.join(builtin_sources())}），"
                f"也没有项目自定义的声明 sources/{source}/contract.yaml"
            )
        folder, builtin = found
        if not isinstance(spec, dict):
            raise ProjectError(f"sources.yaml：数据源“{source}”的设置应为映射")
        out.append(
            SourceSettings(
                source=str(source),
                submitters=tuple(str(s) for s in spec.get("submitters") or ()),
                required=bool(spec.get("required", True)),
                folder=folder,
                builtin=builtin,
                rules={str(k): dict(v or {}) for k, v in (spec.get("rules") or {}).items()},
            )
        )
    return tuple(out)


@dataclass(frozen=True)
class Project:
    root: Path
    settings: ProjectSettings
    sources: tuple[SourceSettings, ...]

    @property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(s.source for s in self.sources)

    def source(self, source: str) -> SourceSettings:
        for s in self.sources:
            if s.source == source:
                return s
        from pipelines.contracts import UnknownSourceError

        raise UnknownSourceError(source, self.source_ids)

    @cached_property
    def registry(self) -> Registry:
        from pipelines.registry import load_registry

        return load_registry(self.root)

    @property
    def framework_path(self) -> Path:
        return self.root / "framework.yaml"

    @property
    def bulletin_path(self) -> Path:
        return self.root / "bulletin.yaml"

    @property
    def default_workdir(self) -> Path:
        return self.root / ".bizenv"

    def resolve_sql(self, name: str) -> Path:
        """A leaf's ``sql:`` file: the project folder first, then the package's ``sql/``."""
        own = self.root / name
        return own if own.is_file() else SQL_DIR / name

    def contract(self, source: str) -> Contract:
        from pipelines.contracts import load_contract

        return load_contract(self.source(source))

    def quarters(self, today: Quarter | None = None) -> list[Quarter]:
        """Quarters that can run: from ``first_quarter`` to the current quarter."""
        from pipelines.quarters import current_quarter, quarter_range

        return quarter_range(self.settings.first_quarter, today or current_quarter())


def load_project(root: Path) -> Project:
    root = Path(root).resolve()
    if not root.is_dir():
        raise ProjectError(f"项目目录不存在：{root}")
    return Project(root=root, settings=load_settings(root), sources=load_sources(root))


@cache
def _cached_project(root: Path, stamp: tuple[float, ...]) -> Project:
    return load_project(root)


def _stamp(root: Path) -> tuple[float, ...]:
    """Modification times of the project's files, so an edited project is reloaded."""
    stamps = []
    for name in PROJECT_FILES:
        try:
            stamps.append((root / name).stat().st_mtime)
        except OSError:
            stamps.append(0.0)
    return tuple(stamps)


def current_project() -> Project:
    root = project_dir_from_env()
    return _cached_project(root, _stamp(root))
