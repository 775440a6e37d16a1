"""``bizenv dev``: open the Dagster UI on the project, on the same work directory as the demo."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipelines.env import PROJECT_ROOT, configure_environment


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--workdir", type=Path, default=None, metavar="目录", help="工作目录（默认与 demo 相同）"
    )
    parser.add_argument(
        "--port", type=int, default=3000, metavar="端口", help="界面端口（默认 3000）"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", metavar="地址", help="监听地址（默认 127.0.0.1）"
    )


def run(args: argparse.Namespace) -> int:
    from pipelines.cli import check_project_first

    check_project_first()
    workdir = configure_environment(args.workdir)
    print(f"Dagster 界面：http://{args.host}:{args.port} · 工作目录 {workdir.root}")
    command = [
        sys.executable,
        "-m",
        "dagster",
        # No -w/-m: run from the checkout, `dagster dev` loads the code location that
        # pyproject.toml's [tool.dg.project] declares.
        "dev",
        "-h",
        args.host,
        "-p",
        str(args.port),
    ]
    os.chdir(PROJECT_ROOT)
    os.execv(sys.executable, command)
    return 0  # not reached
