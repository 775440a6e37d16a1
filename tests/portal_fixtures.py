"""Shared set-up of the portal tests: a copy of the demo project with accounts, a work
directory, and approval_cases files (a good one, and one with planted errors)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.demo.generator import generate_source_frame, inject_fault, write_submission
from pipelines.env import Workdir
from pipelines.portal.app import PortalConfig, create_app
from pipelines.portal.users import add_user, users_path
from pipelines.project import demo_project_dir
from pipelines.quarters import Quarter

QUARTER = Quarter(2025, 2)
SOURCE = "approval_cases"  # submitted by 市数据局
OTHER_SOURCE = "utility_connections"  # submitted by 国网示例供电公司 and others
PASSWORD = "correct-horse-9"
ACCOUNTS = {
    "shuju": ("市数据局", False),
    "gongdian": ("国网示例供电公司", False),
    "keshi": ("市营商环境建设局", True),
}


@dataclass(frozen=True)
class PortalEnv:
    project: Path
    workdir: Workdir
    good: Path
    bad: Path
    bad_rows: tuple[int, ...]  # Excel row numbers of the planted errors


def make_portal_env(root: Path, monkeypatch: pytest.MonkeyPatch, workdir: Workdir) -> PortalEnv:
    project = root / "project"
    shutil.copytree(demo_project_dir(), project)
    monkeypatch.setenv("BIZENV_PROJECT", str(project))
    for name, (department, office) in ACCOUNTS.items():
        add_user(users_path(project), name, department, PASSWORD, office=office)
    frame = generate_source_frame(SOURCE, QUARTER, seed=7, scale=0.01)
    good = write_submission(frame, SOURCE, root / "files" / "政务服务办件_更正版.xlsx", fmt="xlsx")
    bad_frame, positions = inject_fault(frame, SOURCE, "end_before_start", seed=3)
    bad = write_submission(bad_frame, SOURCE, root / "files" / "政务服务办件.xlsx", fmt="xlsx")
    return PortalEnv(project, workdir, good, bad, tuple(sorted(p + 2 for p in positions)))


def portal_app(env: PortalEnv, **overrides: object) -> object:
    return create_app(PortalConfig(workdir=env.workdir, secret_key="test-secret", **overrides))  # type: ignore[arg-type]


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)
