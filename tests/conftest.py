"""Shared fixtures: an isolated bizenv work directory per test (``workdir``) or per module
(``module_workdir``, for a pipeline materialised once and read by several tests), and a copy
of the demo project a test may edit (``project_copy``), and a benchmark script loaded as a
module (``benchmark``). Every test gives back the environment variables bizenv sets for its
process."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from pipelines.env import Workdir, configure_environment

# Set for the whole process by bizenv itself (``--project``: ``use_project``; a work directory:
# ``configure_environment``), so a monkeypatch does not see them: a test that runs a command
# in-process would otherwise point every later test of its worker at its temporary project.
BIZENV_ENVIRONMENT = ("BIZENV_PROJECT", "BIZENV_HOME", "BIZENV_DUCKDB", "DAGSTER_HOME")


@pytest.fixture(autouse=True)
def _bizenv_environment_given_back() -> Iterator[None]:
    before = {name: os.environ.get(name) for name in BIZENV_ENVIRONMENT}
    yield
    for name, value in before.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def point_at(mp: pytest.MonkeyPatch, root: Path) -> Workdir:
    """Point bizenv, its EnvVar resources and Dagster at the work directory ``root``."""
    layout = Workdir(root)
    mp.setenv("BIZENV_HOME", str(root))
    mp.setenv("BIZENV_DUCKDB", str(layout.warehouse))
    mp.setenv("DAGSTER_HOME", str(layout.dagster_home))
    return configure_environment()


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workdir:
    """A fresh work directory for one test."""
    return point_at(monkeypatch, tmp_path / "work")


@pytest.fixture(scope="module")
def module_workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workdir]:
    """A fresh work directory shared by one module's tests (the environment is restored
    after the module)."""
    with pytest.MonkeyPatch.context() as mp:
        yield point_at(mp, tmp_path_factory.mktemp("work"))


@pytest.fixture
def project_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo project, made the project in force (``$BIZENV_PROJECT``), for a
    test that changes its files (a broken or a smaller framework.yaml, robustness.yaml)."""
    from pipelines.project import demo_project_dir

    root = tmp_path / "project"
    shutil.copytree(demo_project_dir(), root, ignore=shutil.ignore_patterns(".bizenv"))
    monkeypatch.setenv("BIZENV_PROJECT", str(root))
    return root


def pytest_configure(config: pytest.Config) -> None:
    """The suite runs against the bundled demo project, whatever project or work directory
    the developer's shell has configured (tests that need another project set it
    themselves)."""
    import os

    from pipelines.env import stay_offline

    stay_offline()
    for name in ("BIZENV_PROJECT", "BIZENV_HOME", "BIZENV_DUCKDB"):
        os.environ.pop(name, None)


@pytest.fixture
def sigint_raises() -> Iterator[int]:
    """SIGINT raises KeyboardInterrupt in the main thread (its Python default), whatever the
    process that started the tests had set; yields the main thread's id to send it to."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals reach the main thread only")
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield threading.main_thread().ident or 0
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.fixture(scope="session")
def benchmark() -> Callable[[str], ModuleType]:
    """``benchmark("bench_pipeline")``: the script ``benchmarks/<name>.py`` as a module (its
    pure parts are tested; the scripts are not a package)."""

    def load(name: str) -> ModuleType:
        if name in sys.modules:
            return sys.modules[name]
        path = Path(__file__).resolve().parent.parent / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
        return module

    return load
