"""What intake takes from ``landing/<quarter>/<source>/``: regular files placed there directly.

Anything else is refused or skipped with a Chinese note that the intake asset logs, the
landing sensor logs and the CLI prints: a symbolic link (it could point anywhere on the
machine, e.g. ``/etc/passwd``, and its content would go back to the department in the
rejection report), a device, pipe or socket, a file inside a sub-folder, hidden files, Excel
lock files (``~$x.xlsx``) and partial uploads.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.quarters import Quarter

PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload")


@dataclass(frozen=True)
class LandingFolder:
    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # Chinese, one per refused/skipped entry


def entry_note(path: Path, shown: str) -> str | None:
    """Why the landing entry ``path`` (shown to the user as ``shown``) is not taken; None
    when it is a regular file to archive."""
    name = path.name
    try:
        mode = path.lstat().st_mode
    except OSError:
        return None if not path.exists() else f"{shown}：无法读取文件信息，已跳过"
    if stat.S_ISLNK(mode):
        return f"{shown}：是符号链接，已拒收（请把文件本身放入落地目录，不要放链接）"
    if stat.S_ISDIR(mode):
        return f"{shown}：是子文件夹，其中的文件不会读取（文件须直接放在 <季度>/<数据源>/ 下）"
    if not stat.S_ISREG(mode):
        return f"{shown}：不是普通文件（设备、管道或套接字），已拒收"
    if name.startswith("~$"):
        return f"{shown}：Excel 锁定文件（~$ 开头，文件正被打开编辑），已跳过"
    if name.startswith("."):
        return f"{shown}：隐藏文件（“.”开头），已跳过"
    if path.suffix.lower() in PARTIAL_SUFFIXES:
        return f"{shown}：未传完的文件（{path.suffix}），已跳过"
    return None


def scan_source_folder(landing: Path, source: str, quarter: Quarter) -> LandingFolder:
    """The regular files of ``landing/<quarter>/<source>/`` (sorted) and a note for every
    other entry. A quarter or source folder that is itself a symbolic link is refused whole."""
    result = LandingFolder()
    quarter_dir = landing / str(quarter)
    folder = quarter_dir / source
    for directory in (quarter_dir, folder):
        if directory.is_symlink():
            shown = directory.relative_to(landing).as_posix()
            result.notes.append(f"{shown}：文件夹是符号链接，已拒收其中全部文件")
            return result
    if not folder.is_dir():
        return result
    for path in sorted(folder.iterdir()):
        shown = path.relative_to(landing).as_posix()
        note = entry_note(path, shown)
        if note is None:
            result.files.append(path)
        else:
            result.notes.append(note)
    return result
