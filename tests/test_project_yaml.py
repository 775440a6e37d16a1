"""``project.read_yaml``: parsed once per file content, a fresh copy for every caller."""

import os
from pathlib import Path

import pytest

from pipelines import project
from pipelines.project import ProjectError, read_yaml


def test_each_call_gets_its_own_copy(tmp_path: Path) -> None:
    path = tmp_path / "contract.yaml"
    path.write_text("columns:\n  - {column: a}\n", encoding="utf-8")
    first = read_yaml(path)
    first["columns"].append({"column": "b"})
    assert read_yaml(path) == {"columns": [{"column": "a"}]}


def test_an_edited_file_is_read_again(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    assert read_yaml(path) == {"a": 1}
    path.write_text("a: 22\n", encoding="utf-8")  # another size
    assert read_yaml(path) == {"a": 22}
    info = path.stat()
    path.write_text("a: 33\n", encoding="utf-8")  # same size, same time, same inode
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert read_yaml(path) == {"a": 33}
    replacement = tmp_path / "new.yaml"
    replacement.write_text("a: 44\n", encoding="utf-8")
    os.utime(replacement, ns=(info.st_atime_ns, info.st_mtime_ns))
    replacement.replace(path)  # an editor's atomic save
    assert read_yaml(path) == {"a": 44}


def test_a_file_is_parsed_once_while_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "bizenv.yaml"
    path.write_text("city: x\n", encoding="utf-8")
    calls: list[str] = []
    real = project.yaml.safe_load
    monkeypatch.setattr(project.yaml, "safe_load", lambda text: calls.append(text) or real(text))
    for _ in range(5):
        assert read_yaml(path) == {"city": "x"}
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [(None, "缺少项目文件"), ("a: [1, 2\n", "不是合法的 YAML"), (b"\xff\xfe", "不是 UTF-8")],
)
def test_errors_are_not_cached_away(tmp_path: Path, text: str | bytes | None, message: str) -> None:
    path = tmp_path / "regions.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    elif text is not None:
        path.write_text(text, encoding="utf-8")
    for _ in range(2):
        with pytest.raises(ProjectError, match=message):
            read_yaml(path)
    path.write_text("ok: true\n", encoding="utf-8")
    assert read_yaml(path) == {"ok": True}


def test_a_same_size_rewrite_with_the_same_time_is_read_again(tmp_path: Path) -> None:
    # A coarse file-system clock, ``cp -p`` or an archive extraction over the file: the same
    # inode, size and modification time, another content.
    path = tmp_path / "bizenv.yaml"
    path.write_text("year: 2025\n", encoding="utf-8")
    info = path.stat()
    assert read_yaml(path) == {"year": 2025}
    path.write_text("year: 2026\n", encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_ino == info.st_ino
    assert read_yaml(path) == {"year": 2026}
