"""``bizenv demo`` wipes only a work directory bizenv made."""

from pathlib import Path

import pytest

from pipelines.cli import UsageError
from pipelines.cli.demo import WORKDIR_MARKER, made_by_bizenv, prepare_workdir
from pipelines.env import Workdir, configure_environment


def test_an_empty_layout_written_by_bizenv_may_be_wiped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("BIZENV_HOME", "BIZENV_DUCKDB", "DAGSTER_HOME"):
        # setenv first so that monkeypatch restores each one (set or unset) afterwards:
        # configure_environment below sets them.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    root = tmp_path / ".bizenv"
    configure_environment(root)  # the layout and dagster.yaml, as any bizenv command leaves
    assert (root / "dagster_home" / "dagster.yaml").is_file()
    assert made_by_bizenv(root)
    layout = prepare_workdir(root)
    assert (root / WORKDIR_MARKER).is_file() and layout.root == root.resolve()


@pytest.mark.parametrize(
    "make",
    [
        lambda root: (root / "年报.xlsx").write_bytes(b"x"),  # a file of someone else's
        lambda root: (
            (root / "landing" / "2025Q2").mkdir(parents=True)
            or (root / "landing" / "2025Q2" / "a.csv").write_text("x")
        ),  # data in the layout
        lambda root: (root / "其他目录").mkdir(),
    ],
)
def test_a_folder_with_anything_else_is_refused(
    tmp_path: Path, make: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "work"
    Workdir(root).ensure()
    make(root)  # type: ignore[operator]
    assert not made_by_bizenv(root)
    with pytest.raises(UsageError, match="非空且不是 bizenv 工作目录"):
        prepare_workdir(root)
    assert any(root.iterdir())  # nothing was deleted
