"""The indicator framework a run uses (indicators, scoring, rectification, reports, annual),
and the tags derived from it."""

import dagster as dg
from pydantic import Field

from pipelines.indicators import framework_path, lead_department_codes
from pipelines.project import Project
from pipelines.scoring import Framework, FrameworkError, load_framework


class FrameworkConfig(dg.Config):
    """Which indicator framework a run uses (default: $BIZENV_FRAMEWORK or the project's
    framework.yaml)."""

    framework_path: str = Field(
        default="",
        description=(
            "指标体系文件路径（YAML）；留空则使用 $BIZENV_FRAMEWORK 或项目的 framework.yaml"
        ),
    )


def load_run_framework(config: FrameworkConfig) -> Framework:
    """The run's framework; an invalid file fails the step with the Chinese message."""
    try:
        return load_framework(framework_path(config.framework_path or None))
    except FrameworkError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc


def lead_tags(project: Project) -> dict[str, str]:
    """ASCII tags of the project framework's lead departments (``lead_D05: E01``)."""
    try:
        framework = load_framework(project.framework_path)
    except FrameworkError:
        return {}
    tags: dict[str, str] = {}
    for node, dept in lead_department_codes(framework, project.registry).items():
        tags[f"lead_{dept}"] = f"{tags[f'lead_{dept}']}_{node}" if f"lead_{dept}" in tags else node
    return tags
