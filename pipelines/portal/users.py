"""Portal accounts, kept in the project folder as ``portal_users.yaml``.

Why a file in the project and not a table in the warehouse: DuckDB has one writer per file
and the pipeline holds it during runs, so a login must not depend on the warehouse; accounts
belong to the city (they name its departments) and survive a rebuilt work directory. Only
argon2id hashes are stored; the file is written atomically with mode 0600.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from pipelines.env import SHANGHAI
from pipelines.tempfiles import write_atomic

USERS_FILE = "portal_users.yaml"
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{1,31}$")
MIN_PASSWORD = 8
_HASHER = PasswordHasher()
# Verified against when the user name is unknown, so both cases cost the same time.
_DUMMY_HASH = _HASHER.hash("bizenv-portal-dummy-password")


class UserError(ValueError):
    """A user-management request that cannot be done (Chinese message)."""


@dataclass(frozen=True)
class User:
    username: str
    department: str
    office: bool
    password_hash: str
    disabled: bool = False
    updated_at: str = ""

    @property
    def password_version(self) -> str:
        """Changes when the password changes: a session opened before a reset ends."""
        import hashlib

        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def to_yaml(self) -> dict[str, Any]:
        return {
            "department": self.department,
            "office": self.office,
            "password_hash": self.password_hash,
            "disabled": self.disabled,
            "updated_at": self.updated_at,
        }


def users_path(project_root: Path) -> Path:
    return Path(project_root) / USERS_FILE


def _now() -> str:
    return datetime.now(SHANGHAI).replace(microsecond=0).isoformat()


def load_users(path: Path) -> dict[str, User]:
    if not path.is_file():
        return {}
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = raw.get("users") or {}
    if not isinstance(entries, dict):
        raise UserError(f"{path.name} 的 users 应为键值映射")
    users = {}
    for name, item in entries.items():
        users[str(name)] = User(
            username=str(name),
            department=str(item["department"]),
            office=bool(item.get("office", False)),
            password_hash=str(item["password_hash"]),
            disabled=bool(item.get("disabled", False)),
            updated_at=str(item.get("updated_at", "")),
        )
    return users


def save_users(path: Path, users: dict[str, User]) -> None:
    body = {"users": {name: users[name].to_yaml() for name in sorted(users)}}
    text = (
        "# 报送门户账号（bizenv portal user add/reset/disable 维护，请勿手工编辑）。\n"
        "# 只保存 argon2 口令哈希；本文件含账号信息，不要放入公开仓库。\n"
        + yaml.safe_dump(body, allow_unicode=True, sort_keys=False)
    )
    write_atomic(path, text.encode("utf-8"), 0o600)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"口令至少 {MIN_PASSWORD} 个字符")


def add_user(path: Path, username: str, department: str, password: str, *, office: bool) -> User:
    if not USERNAME_RE.match(username):
        raise UserError("用户名只能由字母、数字、点、下划线、连字符组成，2 到 32 个字符")
    users = load_users(path)
    if username in users:
        raise UserError(f"用户 {username} 已存在；改口令请用 bizenv portal user reset")
    check_password_strength(password)
    user = User(username, department, office, _HASHER.hash(password), updated_at=_now())
    users[username] = user
    save_users(path, users)
    return user


def reset_password(path: Path, username: str, password: str) -> User:
    users = load_users(path)
    if username not in users:
        raise UserError(f"没有用户 {username}")
    check_password_strength(password)
    user = replace(
        users[username], password_hash=_HASHER.hash(password), disabled=False, updated_at=_now()
    )
    users[username] = user
    save_users(path, users)
    return user


def disable_user(path: Path, username: str) -> User:
    users = load_users(path)
    if username not in users:
        raise UserError(f"没有用户 {username}")
    user = replace(users[username], disabled=True, updated_at=_now())
    users[username] = user
    save_users(path, users)
    return user


def authenticate(users: dict[str, User], username: str, password: str) -> User | None:
    """The active user with this password, else None (same cost whether the name exists)."""
    user = users.get(username)
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    return user
