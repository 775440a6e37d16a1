"""Shared fixtures: an isolated bizenv work directory per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.env import Workdir, configure_environment


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workdir:
    """A fresh work directory that bizenv, its EnvVar resources and Dagster all point at."""
    root = tmp_path / "work"
    layout = Workdir(root)
    monkeypatch.setenv("BIZENV_HOME", str(root))
    monkeypatch.setenv("BIZENV_DUCKDB", str(layout.warehouse))
    monkeypatch.setenv("DAGSTER_HOME", str(layout.dagster_home))
    return configure_environment()


def pytest_configure(config: pytest.Config) -> None:
    """The suite runs against the bundled demo project, whatever project or framework the
    developer's shell has configured (tests that need another project set it themselves)."""
    import os

    from pipelines.env import stay_offline

    stay_offline()
    for name in ("BIZENV_PROJECT", "BIZENV_FRAMEWORK", "BIZENV_HOME", "BIZENV_DUCKDB"):
        os.environ.pop(name, None)
