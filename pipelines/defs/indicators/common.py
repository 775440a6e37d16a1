"""Shared by the indicator and scoring assets: run config and tags."""

import dagster as dg
from pydantic import Field

from pipelines.indicators import framework_path, lead_department_codes
from pipelines.scoring import Framework, FrameworkError, load_framework


class FrameworkConfig(dg.Config):
    """Which indicator framework a run uses (default: $BIZENV_FRAMEWORK or
    config/framework.yaml)."""

    framework_path: str = Field(
        default="",
        description=(
            "指标体系文件路径（YAML）；留空则使用 $BIZENV_FRAMEWORK 或 config/framework.yaml"
        ),
    )


def load_run_framework(config: FrameworkConfig) -> Framework:
    """The run's framework; an invalid file fails the step with the Chinese message."""
    try:
        return load_framework(framework_path(config.framework_path or None))
    except FrameworkError as exc:
        raise dg.Failure(description=str(exc), allow_retries=False) from exc


def lead_tags() -> dict[str, str]:
    """ASCII tags of the default framework's lead departments (``lead_D05: E01``)."""
    try:
        framework = load_framework(framework_path())
    except FrameworkError:
        return {}
    tags: dict[str, str] = {}
    for node, dept in lead_department_codes(framework).items():
        tags[f"lead_{dept}"] = f"{tags[f'lead_{dept}']}_{node}" if f"lead_{dept}" in tags else node
    return tags
