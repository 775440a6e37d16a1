"""The indicator framework of a run: one resource that every asset and check reading the
framework uses (indicators, scoring, robustness, rectification, reports, annual), and the
lead-department tags derived from the same file.

The framework is the project's ``framework.yaml``. The one override is this resource's
``path``: in Dagster's launchpad or run config (``resources: {framework: {config: {path:
…}}}``), or ``resources={"framework": FrameworkResource(path=…)}`` in ``materialize``. An
asset and its checks therefore always read the same file."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from pydantic import Field

from pipelines.indicators import lead_department_codes
from pipelines.project import Project
from pipelines.registry import Registry
from pipelines.scoring import Framework, FrameworkError, load_framework


class FrameworkResource(dg.ConfigurableResource):
    """The indicator framework file a run scores by."""

    path: str = Field(description="指标体系文件路径（YAML）；默认为项目的 framework.yaml")

    @classmethod
    def from_project(cls, project: Project) -> FrameworkResource:
        return cls(path=str(project.framework_path))

    @property
    def file(self) -> Path:
        return Path(self.path)

    def load(self) -> Framework:
        """The framework; an invalid file fails the step with its Chinese message."""
        try:
            return load_framework(self.file)
        except FrameworkError as exc:
            raise dg.Failure(description=str(exc), allow_retries=False) from exc


def lead_tags(framework: FrameworkResource, registry: Registry) -> dict[str, str]:
    """ASCII tags of the framework's lead departments (``lead_D05: E01``); none when the file
    is invalid (the run then fails with the framework's message)."""
    try:
        loaded = load_framework(framework.file)
    except FrameworkError:
        return {}
    tags: dict[str, str] = {}
    for node, dept in lead_department_codes(loaded, registry).items():
        tags[f"lead_{dept}"] = f"{tags[f'lead_{dept}']}_{node}" if f"lead_{dept}" in tags else node
    return tags


def project_lead_tags(project: Project) -> dict[str, str]:
    """The lead tags of the project's framework (the resource's default)."""
    return lead_tags(FrameworkResource.from_project(project), project.registry)
