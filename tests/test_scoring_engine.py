"""Engine behaviour: framework loading, ranks, composite units, output shape."""

from __future__ import annotations

import copy
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipelines.registry import load_registry
from pipelines.scoring import (
    FrameworkError,
    ScoringInputError,
    Units,
    UnitsError,
    framework_from_dict,
    load_framework,
    load_units,
    score,
    units_from_dict,
    units_from_registry,
)
from pipelines.scoring.rank import competition_rank

DATA = Path(__file__).parent / "data" / "scoring"

BASE: dict[str, Any] = {
    "name": "t",
    "indicators": [
        {
            "code": "E01",
            "name": "开办企业",
            "children": [
                {
                    "code": "E01_01",
                    "name": "用时",
                    "direction": "lower_is_better",
                    "normalize": {"method": "frontier", "best": 0.5, "worst": 5},
                },
            ],
        }
    ],
}


def _leaf(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["indicators"][0]["children"][0]


def _mutate(path: str, value: Any) -> dict[str, Any]:
    doc = copy.deepcopy(BASE)
    target = _leaf(doc)
    *parents, last = path.split(".")
    for key in parents:
        target = target[key]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_mutate("normalize.best", "半天"), "指标 E01_01 的字段 normalize.best：应为数值"),
        (_mutate("normalize.best", 9), "指标 E01_01 的字段 normalize.best：方向为 lower_is_better"),
        (_mutate("normalize.worst", None), "指标 E01_01 的字段 normalize.worst：缺少必需字段"),
        (_mutate("normalize", None), "指标 E01_01 的字段 normalize：缺少必需字段"),
        (_mutate("normalize.method", "dtf"), "指标 E01_01 的字段 normalize.method：取值应为"),
        (_mutate("normalize.bset", 1), "指标 E01_01 的字段 normalize.bset：未知字段"),
        (_mutate("wieght", 1), "指标 E01_01 的字段 wieght：未知字段"),
        (_mutate("weight", -1), "指标 E01_01 的字段 weight：应不小于 0"),
        (_mutate("direction", None), "指标 E01_01 的字段 direction：缺少必需字段"),
        (_mutate("direction", "up"), "指标 E01_01 的字段 direction：取值应为"),
        (_mutate("code", "E01"), "指标 E01 的字段 code：编码重复"),
        (
            _mutate("normalize", {"method": "goalposts", "lower": 5, "upper": 1}),
            "指标 E01_01 的字段 normalize.upper：应大于 lower",
        ),
    ],
)
def test_framework_errors_name_node_and_field(doc: dict[str, Any], message: str) -> None:
    with pytest.raises(FrameworkError) as exc:
        framework_from_dict(doc)
    assert message in str(exc.value)


def test_parent_with_normalize_is_an_error() -> None:
    doc = copy.deepcopy(BASE)
    doc["indicators"][0]["normalize"] = {"method": "none"}
    with pytest.raises(FrameworkError, match="指标 E01 的字段 normalize：有下级指标"):
        framework_from_dict(doc)


def test_root_field_errors() -> None:
    doc = copy.deepcopy(BASE)
    doc["aggregate"] = "median"
    with pytest.raises(FrameworkError, match="指标体系根节点的字段 aggregate"):
        framework_from_dict(doc)


def test_load_framework_nodes_and_defaults() -> None:
    fw = load_framework(DATA / "framework.yaml")
    nodes = {n.code: n for n in fw.nodes()}
    assert [n.code for n in fw.nodes()] == ["TOTAL", "E01", "E01_01", "E01_02", "E02", "E02_01"]
    leaf = nodes["E01_01"]
    assert (leaf.parent, leaf.level, leaf.weight, leaf.unit, leaf.direction, leaf.sql) == (
        "E01",
        2,
        1.0,
        "工作日",
        "lower_is_better",
        "indicators/e01_01.sql",
    )
    assert leaf.normalize is not None and leaf.normalize.method == "frontier"
    assert leaf.normalize.params == {"best": 0.5, "worst": 5}
    assert nodes["E01"].lead == "市场监管局" and nodes["TOTAL"].parent is None
    assert nodes["E02"].aggregate == "arithmetic" and nodes["E02"].min_coverage == 0.5
    assert fw.scale == (0.0, 100.0) and fw.leaf_codes == ["E01_01", "E01_02", "E02_01"]


def test_load_framework_bad_yaml(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match="不是合法的 YAML"):
        load_framework(path)


def test_load_framework_rereads_an_edited_file(tmp_path: Path) -> None:
    path = tmp_path / "framework.yaml"
    path.write_text((DATA / "framework.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    first = load_framework(path)
    assert load_framework(path) is first  # unchanged file: built once
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(f"name: {first.name}", "name: 改名后的指标体系", 1), "utf-8")
    assert load_framework(path).name == "改名后的指标体系"
    path.write_text("root: [", encoding="utf-8")
    with pytest.raises(FrameworkError, match="不是合法的 YAML"):
        load_framework(path)


def test_load_framework_rereads_a_same_size_rewrite_with_the_same_time(tmp_path: Path) -> None:
    # A coarse file-system clock, ``cp -p`` or an archive extraction over the file: the same
    # inode, size and modification time, another content.
    path = tmp_path / "framework.yaml"
    text = (DATA / "framework.yaml").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    info = path.stat()
    first = load_framework(path)
    renamed = text.replace(f"name: {first.name}", "name: " + "乙" * len(first.name), 1)
    assert renamed != text and len(renamed.encode()) == len(text.encode())
    path.write_text(renamed, encoding="utf-8")
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert path.stat().st_ino == info.st_ino
    assert load_framework(path).name == "乙" * len(first.name)


def test_competition_rank_ties_and_missing() -> None:
    df = pd.DataFrame({"g": ["a"] * 6, "score": [70, 90, 80, 80, None, 95]})
    eligible = pd.Series([True, True, True, True, True, False])
    ranks = competition_rank(df, ["g"], eligible=eligible)
    assert ranks.tolist()[:4] == [4, 1, 2, 2]
    assert ranks.isna().tolist() == [False] * 4 + [True, True]


def test_rank_sorts_unrounded_scores() -> None:
    fw = framework_from_dict(
        {"name": "t", "indicators": [{"code": "X", "name": "x", "normalize": {"method": "none"}}]}
    )
    values = pd.DataFrame({"unit": ["a", "b"], "indicator": "X", "value": [80.04, 80.01]})
    out = score(fw, values).node_scores.set_index("unit")
    root = out[out["node"] == "TOTAL"]
    assert root.loc["a", "rank"] == 1 and root.loc["b", "rank"] == 2


def test_periods_are_scored_and_ranked_separately() -> None:
    fw = framework_from_dict(
        {
            "name": "t",
            "indicators": [
                {
                    "code": "X",
                    "name": "x",
                    "direction": "higher_is_better",
                    "normalize": {"method": "minmax"},
                }
            ],
        }
    )
    values = pd.DataFrame(
        {
            "period": ["2025Q1"] * 2 + ["2025Q2"] * 2,
            "unit": ["a", "b", "a", "b"],
            "indicator": "X",
            "value": [1, 2, 4, 3],
        }
    )
    res = score(fw, values)
    tot = res.totals.set_index(["period", "unit"])
    assert tot.loc[("2025Q1", "a"), "rank"] == 2 and tot.loc[("2025Q2", "a"), "rank"] == 1
    assert list(res.node_scores.columns) == [
        "period",
        "unit",
        "node",
        "level",
        "parent",
        "score",
        "rank",
        "flags",
    ]
    assert str(res.node_scores["rank"].dtype) == "Int64"
    assert res.wide("rank", "2025Q2").loc["b", "TOTAL"] == 2


def test_composite_units_are_weighted_means_at_every_node() -> None:
    fw = framework_from_dict(
        {
            "name": "t",
            "aggregate": "geometric",
            "indicators": [
                {"code": "X", "name": "x", "normalize": {"method": "none"}},
                {"code": "Y", "name": "y", "normalize": {"method": "none"}},
            ],
        }
    )
    units = units_from_dict(
        {
            "units": [
                {"code": "c1", "name": "北京", "rank": False},
                {"code": "c2", "name": "上海", "rank": False},
                {"code": "o", "name": "其他"},
                {
                    "code": "CHN",
                    "name": "中国",
                    "members": [{"unit": "c1", "weight": 0.45}, {"unit": "c2", "weight": 0.55}],
                },
            ]
        }
    )
    values = pd.DataFrame(
        {
            "unit": ["c1", "c1", "c2", "c2", "o", "o"],
            "indicator": ["X", "Y"] * 3,
            "value": [100, 25, 16, 100, 50, 50],
        }
    )
    res = score(fw, values, units).node_scores.set_index(["unit", "node"])
    assert res.loc[("CHN", "X"), "score"] == pytest.approx(0.45 * 100 + 0.55 * 16)
    # Root: weighted mean of the cities' geometric totals (50 and 40), not the geometric
    # mean of the composite's X and Y.
    assert res.loc[("CHN", "TOTAL"), "score"] == pytest.approx(0.45 * 50 + 0.55 * 40)
    assert res.loc[("CHN", "TOTAL"), "rank"] == 2  # 44.5 vs o's 50; cities unranked
    assert res.loc[("o", "TOTAL"), "rank"] == 1
    assert pd.isna(res.loc[("c1", "TOTAL"), "rank"])


def test_composite_with_a_missing_member_renormalises() -> None:
    fw = framework_from_dict(
        {"name": "t", "indicators": [{"code": "X", "name": "x", "normalize": {"method": "none"}}]}
    )
    units = units_from_dict(
        {
            "units": [{"code": "a", "name": "a"}, {"code": "b", "name": "b"}],
            "composites": [
                {
                    "code": "g",
                    "name": "g",
                    "members": [{"unit": "a", "weight": 1}, {"unit": "b", "weight": 3}],
                }
            ],
        }
    )
    values = pd.DataFrame({"unit": ["a", "b"], "indicator": "X", "value": [40, None]})
    res = score(fw, values, units).node_scores.set_index(["unit", "node"])
    assert res.loc[("g", "X"), "score"] == 40 and res.loc[("g", "X"), "flags"] == "partial"


def test_unit_without_values_is_missing_and_unranked() -> None:
    fw = load_framework(DATA / "framework.yaml")
    units = load_units(DATA / "units.yaml")
    values = pd.DataFrame({"unit": ["U1"], "indicator": ["E02_01"], "value": [70.0]})
    res = score(fw, values, units).node_scores.set_index(["unit", "node"])
    assert math.isnan(res.loc[("U3", "TOTAL"), "score"])
    assert res.loc[("U3", "E01_01"), "flags"] == "missing_value"
    assert pd.isna(res.loc[("U3", "TOTAL"), "rank"])


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (pd.DataFrame({"unit": ["a"], "indicator": ["NOPE"], "value": [1.0]}), "NOPE 不在指标体系"),
        # Rows are named by their file line (header = line 1): data row 0 is line 2.
        (
            pd.DataFrame({"unit": ["a"], "indicator": ["X"], "value": ["x1"]}),
            "第 2 行（单位 a，指标 X）的值“x1”不是数值",
        ),
        (
            pd.DataFrame(
                {"unit": ["a", "b"], "indicator": ["X", "X"], "value": [1.0, float("inf")]}
            ),
            "第 3 行（单位 b，指标 X）的值不是有限数值",
        ),
        (
            pd.DataFrame({"unit": ["a", "b", "a"], "indicator": ["X"] * 3, "value": [1.0] * 3}),
            r"单位 a，指标 X 出现多次（第 2、4 行）",
        ),
        (pd.DataFrame({"unit": ["a"], "indicator": ["X"]}), "缺少列：value"),
    ],
)
def test_engine_input_errors(values: pd.DataFrame, message: str) -> None:
    fw = framework_from_dict(
        {"name": "t", "indicators": [{"code": "X", "name": "x", "normalize": {"method": "none"}}]}
    )
    with pytest.raises(ScoringInputError, match=message):
        score(fw, values)


def test_values_for_a_composite_are_rejected() -> None:
    fw = load_framework(DATA / "framework.yaml")
    units = load_units(DATA / "units.yaml")
    values = pd.DataFrame({"unit": ["G"], "indicator": ["E02_01"], "value": [70.0]})
    with pytest.raises(ScoringInputError, match="G 是合成单位"):
        score(fw, values, units)


def test_units_file_errors() -> None:
    with pytest.raises(UnitsError, match="不是单位清单中的普通单位"):
        units_from_dict(
            {
                "units": [
                    {"code": "a", "name": "a"},
                    {"code": "g", "name": "g", "members": [{"unit": "zz"}]},
                ]
            }
        )
    with pytest.raises(UnitsError, match="编码重复"):
        units_from_dict({"units": [{"code": "a", "name": "a"}, {"code": "a", "name": "b"}]})


def test_units_from_regions_yaml() -> None:
    units = units_from_registry(load_registry())
    assert isinstance(units, Units) and len(units.units) == 10
    zone = units.get("990171")
    assert zone.name == "高新区" and zone.type == "开发区" and zone.rank
