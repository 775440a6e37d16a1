"""The project's framework file outside Dagster (command line, tests, benchmarks), and the
ASCII codes of its lead departments. Dagster runs read the framework through one resource,
``pipelines.defs.framework.FrameworkResource``, configured from the same file."""

from __future__ import annotations

from pathlib import Path

from pipelines.registry import Registry, default_registry
from pipelines.scoring import Framework, load_framework


def framework_path(override: str | Path | None = None) -> Path:
    """The framework file: ``override`` if given, else the project's ``framework.yaml``."""
    if override:
        return Path(override)
    from pipelines.project import current_project

    return current_project().framework_path


def load_default_framework(override: str | Path | None = None) -> Framework:
    return load_framework(framework_path(override))


def lead_department_codes(framework: Framework, registry: Registry | None = None) -> dict[str, str]:
    """First-level node code → registry department code of its lead (e.g. E01 → D05).

    Dagster tag keys and values must be ASCII, so assets are tagged with these codes; a lead
    that is not in the department registry is left out.
    """
    registry = registry or default_registry()
    codes: dict[str, str] = {}
    for dept in registry.departments:
        codes[dept.name] = dept.code
        for alias in dept.aliases:
            codes.setdefault(alias, dept.code)
    out: dict[str, str] = {}
    for node in framework.nodes():
        if node.level == 1 and node.lead and node.lead in codes:
            out[node.code] = codes[node.lead]
    return out
