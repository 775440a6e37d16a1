"""``bizenv portal``: serve the 报送门户; ``bizenv portal user add|reset|disable`` manage its
accounts (``portal_users.yaml`` in the project folder; the password is read from stdin)."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from pipelines.cli import UsageError, add_project_option


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workdir", type=Path, default=None, metavar="目录", help="工作目录")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8080, help="监听端口（默认 8080）")
    parser.add_argument(
        "--max-upload-mb", type=int, default=100, metavar="MB", help="单个上传文件的上限（MB）"
    )
    parser.add_argument(
        "--secure-cookies",
        action="store_true",
        help="会话 Cookie 只经 HTTPS 发送（门户部署在 HTTPS 反向代理之后时使用）",
    )
    sub = parser.add_subparsers(dest="portal_command", metavar="子命令")
    user = sub.add_parser("user", help="管理门户账号", description="管理门户账号")
    actions = user.add_subparsers(dest="user_command", metavar="操作", required=True)
    add = actions.add_parser("add", help="新建账号（口令从标准输入读取）")
    add.add_argument("username", metavar="用户名")
    add.add_argument(
        "--department", required=True, metavar="部门", help="部门名称（departments.yaml）"
    )
    add.add_argument("--office", action="store_true", help="主管科室账号：可查看全部部门")
    reset = actions.add_parser("reset", help="重置口令（从标准输入读取），并重新启用")
    reset.add_argument("username", metavar="用户名")
    disable = actions.add_parser("disable", help="停用账号（立即退出其会话）")
    disable.add_argument("username", metavar="用户名")
    for command in (add, reset, disable):
        # ``--project`` also after ``user add``; absent there, the one given before wins.
        add_project_option(command)
        for action in command._actions:
            if action.dest == "project":
                action.default = argparse.SUPPRESS


def read_password() -> str:
    """One line from stdin (a pipe), or a hidden prompt asked twice at a terminal."""
    if sys.stdin.isatty():
        first = getpass.getpass("口令：")
        if getpass.getpass("再次输入口令：") != first:
            raise UsageError("两次输入的口令不一致")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def run_user(args: argparse.Namespace) -> int:
    from pipelines.portal.users import UserError, add_user, disable_user, reset_password, users_path
    from pipelines.project import current_project

    project = current_project()
    path = users_path(project.root)
    try:
        if args.user_command == "add":
            names = {d.name for d in project.registry.departments}
            if args.department not in names:
                raise UsageError(f"部门“{args.department}”不在 departments.yaml 中")
            user = add_user(
                path, args.username, args.department, read_password(), office=args.office
            )
            role = "主管科室" if user.office else "报送部门"
            print(f"已新建账号 {user.username}（{user.department}，{role}）→ {path}")
        elif args.user_command == "reset":
            user = reset_password(path, args.username, read_password())
            print(f"已重置账号 {user.username} 的口令")
        else:
            user = disable_user(path, args.username)
            print(f"已停用账号 {user.username}")
    except UserError as exc:
        raise UsageError(str(exc)) from None
    return 0


def run(args: argparse.Namespace) -> int:
    if args.portal_command == "user":
        return run_user(args)
    if args.max_upload_mb <= 0:
        raise UsageError("--max-upload-mb 应为正整数")
    import uvicorn

    from pipelines.env import configure_environment
    from pipelines.portal.app import PortalConfig, create_app
    from pipelines.portal.users import load_users, users_path
    from pipelines.project import current_project

    project = current_project()
    workdir = configure_environment(args.workdir)
    if not load_users(users_path(project.root)):
        print(
            "提示：尚无门户账号，请先运行 bizenv portal user add 用户名 --department 部门",
            file=sys.stderr,
        )
    app = create_app(
        PortalConfig(
            workdir=workdir,
            max_upload_bytes=args.max_upload_mb * 2**20,
            secure_cookies=args.secure_cookies,
        )
    )
    print(f"报送门户：http://{args.host}:{args.port}/")
    print(f"项目 {project.root} · 工作目录 {workdir.root}")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", proxy_headers=True)
    return 0
