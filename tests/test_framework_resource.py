"""One framework per run: the indicator_values asset and its in-asset check read the same
resource (``FrameworkResource``, the project's framework.yaml), and overriding the resource
changes what both read."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml
from dagster import DagsterInstance, materialize
from demo_defs import asset, run_resources

from pipelines.env import Workdir
from pipelines.indicators.demo import load_demo_quarters
from pipelines.project import current_project
from pipelines.quarters import Quarter
from pipelines.scoring import load_framework

# Tier slow: materialises a chain of assets on a fixture warehouse.
pytestmark = pytest.mark.slow

Q = Quarter(2025, 2)


@pytest.fixture(scope="module")
def loaded(module_workdir: Workdir) -> Workdir:
    with duckdb.connect(str(module_workdir.warehouse)) as con:
        load_demo_quarters(con, [Quarter(2024, 2), Q], scale=0.05)
    return module_workdir


def first_indicator_only(path: Path) -> Path:
    """The project's framework cut down to its first first-level indicator."""
    raw = yaml.safe_load(current_project().framework_path.read_text("utf-8"))
    first = raw["indicators"][0]
    raw["indicators"] = [{**first, "weight": 1}]
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def run(layout: Workdir, framework: Path | None) -> tuple[dict[str, object], dict[str, object]]:
    """indicator_values and every_indicator_has_values: the asset's and the check's metadata."""
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            [asset("indicators", "indicator_values")],
            partition_key=Q.partition_key,
            resources=run_resources(layout, framework),
            instance=instance,
        )
    assert result.success
    (materialization,) = result.get_asset_materialization_events()
    (evaluation,) = result.get_asset_check_evaluations()
    asset_meta = {k: v.value for k, v in materialization.materialization.metadata.items()}
    check_meta = {k: v.value for k, v in evaluation.metadata.items()}
    return asset_meta, check_meta | {"passed": evaluation.passed}


def test_asset_and_check_read_the_project_framework(loaded: Workdir) -> None:
    project_framework = load_framework(current_project().framework_path)
    asset_meta, check_meta = run(loaded, None)
    assert asset_meta["framework"] == str(current_project().framework_path)
    assert asset_meta["indicators"] == len(project_framework.leaves())
    assert set(check_meta["empty_indicators"]) <= set(project_framework.leaf_codes)  # type: ignore[arg-type]


def test_overriding_the_resource_changes_the_asset_and_its_check(
    loaded: Workdir, tmp_path: Path
) -> None:
    small = first_indicator_only(tmp_path / "framework.yaml")
    leaves = load_framework(small).leaf_codes
    assert 0 < len(leaves) < len(load_framework(current_project().framework_path).leaf_codes)
    asset_meta, check_meta = run(loaded, small)
    assert asset_meta["framework"] == str(small)
    assert asset_meta["indicators"] == len(leaves)
    # Read with the project's framework, the check would find every other leaf empty.
    assert check_meta == {"empty_indicators": [], "passed": True}
