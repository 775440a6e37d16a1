"""The package holds no city-specific word: the demo city's name, its units' names and codes
and its own departments' names appear only in the demo project and the demo generator."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.env import PACKAGE_ROOT
from pipelines.project import demo_project_dir
from pipelines.registry import load_registry

PACKAGE_DIRS = ("pipelines", "sql", "expectations", "reports")
ALLOWED = (PACKAGE_ROOT / "pipelines" / "demo",)
SUFFIXES = {".py", ".sql", ".yaml", ".yml", ".json", ".j2", ".css", ".html", ".md", ".txt"}


def city_words() -> set[str]:
    """The demo city's name, units (names, short names, codes) and the departments whose
    names are its own (a generic 市市场监管局 is every city's; 国网示例供电公司 is not)."""
    registry = load_registry(demo_project_dir())
    stem = registry.city_name.removesuffix("市")
    words = {registry.city_name, registry.city_code}
    for unit in registry.units:
        words |= {unit.name, unit.code}
        if unit.short_name:
            words.add(unit.short_name)
    for dept in registry.departments:
        for name in (dept.name, *dept.aliases):
            if stem in name:
                words.add(name)
    return words


def package_files() -> list[Path]:
    files = []
    for folder in PACKAGE_DIRS:
        for path in (PACKAGE_ROOT / folder).rglob("*"):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            if any(path.is_relative_to(allowed) for allowed in ALLOWED):
                continue
            if "__pycache__" in path.parts:
                continue
            files.append(path)
    return files


def test_the_demo_city_has_words_to_look_for() -> None:
    words = city_words()
    assert "示例市" in words and "990102" in words and "国网示例供电公司" in words
    assert "市市场监管局" not in words  # generic: every city has one


@pytest.mark.parametrize("path", package_files(), ids=lambda p: str(p.relative_to(PACKAGE_ROOT)))
def test_no_city_word_in_the_package(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = sorted(word for word in city_words() if word in text)
    assert found == [], f"{path.relative_to(PACKAGE_ROOT)}: {found}"


def test_the_init_framework_is_the_demo_framework_without_its_names() -> None:
    """``bizenv init`` scaffolds bizenv's default framework; the demo project uses the same
    indicators (codes, SQL, directions, bounds, weights), so the two cannot drift apart."""
    import yaml

    def skeleton(node: dict) -> tuple:
        keep = ("code", "sql", "direction", "normalize", "weight", "unit", "sql_parameters")
        own = tuple((k, repr(node.get(k))) for k in keep)
        return (own, tuple(skeleton(c) for c in node.get("children") or ()))

    demo = yaml.safe_load((demo_project_dir() / "framework.yaml").read_text(encoding="utf-8"))
    template_text = (PACKAGE_ROOT / "pipelines" / "project_template" / "framework.yaml").read_text(
        encoding="utf-8"
    )
    template = yaml.safe_load(template_text.replace("${city}", "江海市"))
    assert [skeleton(n) for n in template["indicators"]] == [
        skeleton(n) for n in demo["indicators"]
    ]
    assert template["version"] == demo["version"]
