"""``bizenv robustness`` on a small fixture warehouse (the bulletin tests' warehouse)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_bulletin_data import LATEST, make_bulletin_db, write_framework

from pipelines.cli import main
from pipelines.env import Workdir

# Tier slow: builds a fixture warehouse for the module and reads or renders it.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bulletin_db(tmp_path_factory.mktemp("robustness_cli") / "bizenv.duckdb")


@pytest.fixture
def project(warehouse: Path, tmp_path: Path, project_copy: Path) -> Workdir:
    """The demo project with the bulletin tests' small framework (robustness.yaml goes
    beside it), on a copy of their warehouse."""
    layout = Workdir(tmp_path / "work")
    layout.warehouse.parent.mkdir(parents=True)
    shutil.copyfile(warehouse, layout.warehouse)
    write_framework(project_copy / "framework.yaml")
    return layout


def _run(layout: Workdir, *extra: str) -> int:
    return main(["robustness", "--workdir", str(layout.root), *extra])


def test_prints_intervals_and_writes_csv(
    project: Workdir, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.csv"
    code = _run(project, "--quarter", str(LATEST), "--n", "120", "--seed", "4", "--out", str(out))
    printed = capsys.readouterr().out
    assert code == 0
    table = pd.read_csv(out, dtype={"unit_code": str})
    assert len(table) == 10 and (table["quarter"] == str(LATEST)).all()
    assert "120 次模拟，随机种子 4" in printed
    # Every unit's line shows its interval as the CSV has it.
    for r in table.itertuples():
        line = next(x for x in printed.splitlines() if f" {r.unit_name} " in f" {x} ")
        assert f"{r.rank_p05}–{r.rank_p95}" in line
        assert f"{r.share_nominal_rank * 100:.0f}%" in line
    assert "各因素对名次的影响" in printed and "标准化方法" in printed
    sens = pd.read_csv(tmp_path / "r_sensitivity.csv")
    assert "mean_abs_rank_shift" in set(sens["output"])
    # Same seed, same figures.
    again = tmp_path / "again.csv"
    _run(project, "--quarter", str(LATEST), "--n", "120", "--seed", "4", "--out", str(again))
    pd.testing.assert_frame_equal(table, pd.read_csv(again, dtype={"unit_code": str}))


def test_default_output_in_reports(project: Workdir, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(project, "--quarter", str(LATEST), "--n", "20") == 0
    expected = project.reports / str(LATEST) / f"示例市营商环境评价_{LATEST}_名次稳健性.csv"
    assert expected.is_file()
    assert str(expected) in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--quarter", "2025Q5"], "无法识别的季度"),
        (["--quarter", "2024Q1"], "没有 2024Q1"),
        (["--quarter", str(LATEST), "--n", "1"], "--n"),
        (["--quarter", str(LATEST), "--seed", "-3"], "--seed"),
        (["--quarter", str(LATEST), "--out", "/nonexistent/dir/x.csv"], "输出目录不存在"),
    ],
)
def test_usage_errors_exit_2(
    project: Workdir, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(project, *args) == 2
    assert message in capsys.readouterr().err


def test_no_warehouse_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["robustness", "--quarter", "2025Q2", "--workdir", str(tmp_path / "none")])
    assert code == 2
    assert "没有数据仓库" in capsys.readouterr().err


def test_bad_settings_exit_1(
    project: Workdir, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Path(os.environ["BIZENV_PROJECT"])
    (folder / "robustness.yaml").write_text("aggregation: [median]\n", encoding="utf-8")
    assert _run(project, "--quarter", str(LATEST)) == 1
    assert "aggregation" in capsys.readouterr().err


def test_settings_file_is_read(
    project: Workdir, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = Path(os.environ["BIZENV_PROJECT"])
    (folder / "robustness.yaml").write_text(
        "weights: 0\nnormalisation: [configured]\naggregation: [configured]\n"
        "missing: [leave_out]\nreplications: 30\n",
        encoding="utf-8",
    )
    out = tmp_path / "fixed.csv"
    assert _run(project, "--quarter", str(LATEST), "--out", str(out)) == 0
    table = pd.read_csv(out)
    assert (table["share_nominal_rank"] == 1.0).all()
    assert (table["rank_p05"] == table["nominal_rank"]).all()
    assert "没有设置任何不确定因素" in capsys.readouterr().out
