"""``bizenv portal user add|reset|disable``: passwords from stdin, Chinese errors, exit codes."""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.env import Workdir
from pipelines.portal import uploads
from pipelines.portal.users import authenticate, load_users, users_path
from pipelines.project import demo_project_dir


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(demo_project_dir(), root)
    return root


def bizenv(monkeypatch: pytest.MonkeyPatch, stdin: str, *argv: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(list(argv))


def test_user_add_reset_disable(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("BIZENV_PROJECT", raising=False)
    args = ("--project", str(project))
    assert (
        bizenv(
            monkeypatch,
            "first-pass-1\n",
            "portal",
            "user",
            "add",
            "shuju",
            "--department",
            "市数据局",
            *args,
        )
        == 0
    )
    assert "已新建账号 shuju" in capsys.readouterr().out
    assert (
        bizenv(
            monkeypatch,
            "office-pass-1\n",
            "portal",
            *args,
            "user",
            "add",
            "keshi",
            "--department",
            "市营商环境建设局",
            "--office",
        )
        == 0
    )
    users = load_users(users_path(project))
    assert users["keshi"].office and not users["shuju"].office
    assert authenticate(users, "shuju", "first-pass-1") is not None
    assert oct(users_path(project).stat().st_mode & 0o777) == "0o600"
    assert "first-pass-1" not in users_path(project).read_text(encoding="utf-8")

    assert bizenv(monkeypatch, "second-pass-2\n", "portal", "user", "reset", "shuju", *args) == 0
    users = load_users(users_path(project))
    assert authenticate(users, "shuju", "first-pass-1") is None
    assert authenticate(users, "shuju", "second-pass-2") is not None
    assert bizenv(monkeypatch, "", "portal", "user", "disable", "shuju", *args) == 0
    assert authenticate(load_users(users_path(project)), "shuju", "second-pass-2") is None


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (("add", "x1", "--department", "无此部门"), "long-enough-1\n", "不在 departments.yaml 中"),
        (("add", "x1", "--department", "市数据局"), "short\n", "口令至少 8 个字符"),
        (("add", "../evil", "--department", "市数据局"), "long-enough-1\n", "用户名只能由"),
        (("reset", "nobody"), "long-enough-1\n", "没有用户 nobody"),
        (("disable", "nobody"), "", "没有用户 nobody"),
    ],
)
def test_user_errors_are_chinese_with_exit_2(
    project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: tuple[str, ...],
    stdin: str,
    message: str,
) -> None:
    code = bizenv(monkeypatch, stdin, "portal", "user", *argv, "--project", str(project))
    assert code == 2
    assert message in capsys.readouterr().err
    assert not users_path(project).exists()


def test_stale_pending_uploads_are_removed(workdir: Workdir) -> None:
    old = uploads.pending_root(workdir) / ("a" * 32)
    new = uploads.pending_root(workdir) / ("b" * 32)
    for folder in (old, new):
        folder.mkdir(parents=True)
    stamp = time.time() - 2 * 86_400
    os.utime(old, (stamp, stamp))
    assert uploads.remove_stale(workdir) == 1
    assert not old.exists() and new.exists()
