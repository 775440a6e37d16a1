"""`bizenv score`: the public contract (output columns, exit codes, Chinese messages)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipelines.cli import main

DATA = Path(__file__).parent / "data" / "scoring"


def _run(
    tmp_path: Path, *extra: str, values: Path | None = None, framework: Path | None = None
) -> tuple[int, Path]:
    out = tmp_path / "scores.csv"
    args = [
        "score",
        "--framework",
        str(framework or DATA / "framework.yaml"),
        "--values",
        str(values or DATA / "values.csv"),
        "--out",
        str(out),
        *extra,
    ]
    return main(args), out


def test_scores_and_ranks_without_units(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(tmp_path)
    assert code == 0
    assert "已评分" in capsys.readouterr().out
    df = pd.read_csv(out, dtype={"period": "str", "rank": "Int64"})
    assert list(df.columns) == ["period", "unit", "node", "score", "rank"]
    total = df[df["node"] == "TOTAL"].set_index("unit")
    # U1: (100+100)/2 = 100, then (100 + 80)/2 = 90. U2: (50+50)/2, (50+90)/2 = 70.
    # U3: (0+100)/2, (50+90)/2 = 70 (tie). U4: time clipped to 0, steps missing → E01 = 0
    # (coverage 0.5), (0 + 60)/2 = 30.
    assert total["score"].to_dict() == {"U1": 90.0, "U2": 70.0, "U3": 70.0, "U4": 30.0}
    assert total["rank"].tolist() == [1, 2, 2, 4]
    steps = df[df["node"] == "E01_02"].set_index("unit")
    assert pd.isna(steps.loc["U4", "score"]) and pd.isna(steps.loc["U4", "rank"])
    assert (df["period"] == "2025Q2").all()


def test_output_is_world_readable(tmp_path: Path) -> None:
    code, out = _run(tmp_path)
    assert code == 0
    assert out.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


def test_units_composite_and_rank_false(tmp_path: Path) -> None:
    code, out = _run(tmp_path, "--units", str(DATA / "units.yaml"))
    assert code == 0
    df = pd.read_csv(out, dtype={"rank": "Int64"})
    total = df[df["node"] == "TOTAL"].set_index("unit")
    assert total.loc["G", "score"] == pytest.approx(0.25 * 90 + 0.75 * 70)
    ranks = total["rank"].to_dict()
    assert ranks["U1"] == 1 and ranks["G"] == 2 and ranks["U2"] == 3 and ranks["U3"] == 3
    assert pd.isna(ranks["U4"])  # rank: false
    # The composite is scored at every node: E01_01 = 0.25·100 + 0.75·50.
    leaf = df[(df["node"] == "E01_01") & (df["unit"] == "G")]["score"].item()
    assert leaf == pytest.approx(62.5)


def test_no_period_column_and_full_precision(tmp_path: Path) -> None:
    values = tmp_path / "v.csv"
    values.write_text(
        "unit,indicator,value\nA,E01_01,1\nA,E01_02,2\nA,E02_01,70\n"
        "B,E01_01,3\nB,E01_02,2\nB,E02_01,75\n",
        encoding="utf-8",
    )
    code, out = _run(tmp_path, values=values)
    assert code == 0
    df = pd.read_csv(out)
    assert list(df.columns) == ["unit", "node", "score", "rank"]
    a = df[(df["unit"] == "A") & (df["node"] == "E01_01")]["score"].item()
    assert a == (5 - 1) / 4.5 * 100  # written unrounded, read back exactly
    assert "88.88888888888889" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("unit,indicator,value\nA,E09_99,1\n", "指标 E09_99 不在指标体系"),
        (
            "unit,indicator,value\nA,E01_01,1\nA,E01_02,两个\n",
            "第 3 行（单位 A，指标 E01_02）的值“两个”不是数值",
        ),
        ("unit,indicator,value\nA,E01,1\n", "E01 是上级指标"),
        ("unit,indicator\nA,E01_01\n", "缺少列：value"),
        ("unit,indicator,value\nA,E01_01,1\nA,E01_01,2\n", "出现多次"),
        # Every message names the file line (header = line 1), as the non-numeric one does.
        (
            "unit,indicator,value\nA,E01_01,1\nA,E01_02,inf\n",
            "第 3 行（单位 A，指标 E01_02）的值不是有限数值",
        ),
        ("unit,indicator,value\nA,E01_01,1\nA,E01_02,2\nA,E01_01,2\n", "出现多次（第 2、4 行）"),
    ],
)
def test_bad_values_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    values = tmp_path / "v.csv"
    values.write_text(content, encoding="utf-8")
    code, out = _run(tmp_path, values=values)
    assert code == 1
    err = capsys.readouterr().err
    assert message in err and err.startswith("错误：")
    assert "Traceback" not in err
    assert not out.exists()


def test_bad_framework_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (DATA / "framework.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "fw.yaml"
    bad.write_text(text.replace("best: 0.5, worst: 5", "best: 半天, worst: 5"), encoding="utf-8")
    code, out = _run(tmp_path, framework=bad)
    assert code == 1
    assert "指标 E01_01 的字段 normalize.best：应为数值" in capsys.readouterr().err
    assert not out.exists()


def test_unit_not_in_units_file_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    values = tmp_path / "v.csv"
    values.write_text("unit,indicator,value\nU9,E01_01,1\n", encoding="utf-8")
    code, _ = _run(tmp_path, "--units", str(DATA / "units.yaml"), values=values)
    assert code == 1
    assert "单位 U9 不在单位清单中" in capsys.readouterr().err


@pytest.mark.parametrize("missing", ["framework", "values", "units"])
def test_missing_file_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], missing: str
) -> None:
    fw = tmp_path / "fw.yaml"
    vals = tmp_path / "v.csv"
    shutil.copy(DATA / "framework.yaml", fw)
    shutil.copy(DATA / "values.csv", vals)
    extra: list[str] = ["--units", str(tmp_path / "nope.yaml")] if missing == "units" else []
    if missing == "framework":
        fw.unlink()
    if missing == "values":
        vals.unlink()
    code, _ = _run(tmp_path, *extra, framework=fw, values=vals)
    assert code == 2
    assert "找不到" in capsys.readouterr().err


def test_missing_argument_is_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["score", "--framework", "x.yaml"])
    assert exc.value.code == 2
    assert "缺少必需参数" in capsys.readouterr().err


def test_help_is_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["score", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "用法" in text and "指标体系" in text and "退出码" in text
