"""Tests of the demo generator (pipelines.demo): determinism, validity, formats, faults, CLI.

Small scales and one or two quarters keep the whole file fast.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from pipelines.cli import main
from pipelines.contracts import contract
from pipelines.demo import DEMO_QUARTERS
from pipelines.demo import DEMO_SOURCES as SOURCES
from pipelines.demo.credit_code import credit_code_check_digit, is_valid_credit_code
from pipelines.demo.faults import FAULT_SOURCES, FaultError, FaultSpec
from pipelines.demo.generator import (
    FAULTS,
    GeneratedFile,
    file_format,
    file_name,
    generate_landing,
    generate_source_frame,
    inject_fault,
    write_demo_correction,
    write_submission,
)
from pipelines.quarters import Quarter
from pipelines.registry import default_registry

Q = Quarter(2025, 2)
SCALE = 0.05
DT_RE = r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$"
FMT = "%Y-%m-%d %H:%M:%S"
_frames: dict[tuple[str, Quarter, int, float], pd.DataFrame] = {}


def frame(
    source: str, quarter: Quarter = Q, seed: int = 20240101, scale: float = SCALE
) -> pd.DataFrame:
    key = (source, quarter, seed, scale)
    if key not in _frames:
        _frames[key] = generate_source_frame(source, quarter, seed=seed, scale=scale)
    return _frames[key].copy()


def ts(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, format=FMT)


# --- 统一社会信用代码 -----------------------------------------------------------------------


# Worked by hand (values: 0-9 → 0-9, A=10 … M=21 … P=23 … Y=30; weights 1,3,9,27,19,26,16,17,
# 20,29,25,13,8,24,10,30,28):
# 91350100M000100Y4: 9+3+27+135+0+26+0+0+420+0+0+0+8+0+0+900+112 = 1640 = 52·31+28 → 31-28 = 3
# 91990102MA0000001: 9+3+81+243+0+26+0+34+420+290+0+…+0+28 = 1134 = 36·31+18 → 13 = "D"
# 92990171L12345670: 9+6+81+243+0+26+112+17+400+29+50+39+32+120+60+210+0 = 1434 → 23 = "P"
# 91990102MA0000007: 1106 + 7·28 = 1302 = 42·31 → 31 → "0"
@pytest.mark.parametrize(
    ("first17", "check"),
    [
        ("91350100M000100Y4", "3"),
        ("91990102MA0000001", "D"),
        ("92990171L12345670", "P"),
        ("91990102MA0000007", "0"),
    ],
)
def test_credit_code_check_digit_matches_hand_computation(first17: str, check: str) -> None:
    assert credit_code_check_digit(first17) == check
    assert is_valid_credit_code(first17 + check)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y42",  # wrong check digit
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19 characters
        "91350100m000100Y43",  # lower case
        "91350100M000I00Y43",  # I is not in the charset
        "9135010OM000100Y43",  # letter in the region part
        "Z1350100M000100Y43",  # unknown registration authority
        "19350100M000100Y43",  # two characters swapped
        "",
    ],
)
def test_is_valid_credit_code_rejects_mutations(code: str) -> None:
    assert not is_valid_credit_code(code)


def test_credit_code_check_digit_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        credit_code_check_digit("91350100M000100")
    with pytest.raises(ValueError):
        credit_code_check_digit("91350100M000100YO")


# --- determinism and scale ---------------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES)
def test_same_seed_same_frame_and_different_seed_different(source: str) -> None:
    a = frame(source)
    b = generate_source_frame(source, Q, seed=20240101, scale=SCALE)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == contract(source).column_names
    c = frame(source, seed=7)
    assert not a.equals(c)


def test_row_counts_scale_linearly() -> None:
    small = len(frame("approval_cases", scale=0.05))
    large = len(frame("approval_cases", scale=0.2))
    assert 3.6 < large / small < 4.4
    sat_small = len(frame("satisfaction_responses", scale=0.05))
    sat_large = len(frame("satisfaction_responses", scale=0.2))
    assert 3.5 < sat_large / sat_small < 4.5
    # Loans: one row per unit and month, whatever the scale.
    assert len(frame("loan_balances", scale=0.05)) == len(frame("loan_balances", scale=5)) == 30


def test_scale_one_sizes_per_unit() -> None:
    approval = generate_source_frame("approval_cases", Q, scale=1.0)
    per_unit = approval.groupby("region_code").size()
    assert per_unit.between(1300, 4300).all()
    assert per_unit.max() > 1.5 * per_unit.min()  # units differ in size


# --- validity against the contracts --------------------------------------------------------


@pytest.mark.parametrize("quarter", [Quarter(2024, 1), Q])
def test_approval_cases_valid(quarter: Quarter) -> None:
    df = frame("approval_cases", quarter)
    reg = default_registry()
    assert df["case_id"].is_unique
    assert df["case_id"].str.match(rf"^BJ{quarter}-99\d{{4}}-\d{{6}}$").all()
    assert set(df["region_code"]) == set(reg.region_codes)
    assert set(df["dept"]) <= {d.name for d in reg.departments}
    assert df["accepted_at"].str.match(DT_RE).all() and df["completed_at"].str.match(DT_RE).all()
    acc, done = ts(df["accepted_at"]), ts(df["completed_at"])
    assert (acc < done).all()
    assert (done.dt.date >= quarter.start).all() and (done.dt.date <= quarter.end).all()
    assert (acc.dt.date < quarter.start).any()  # long cases were accepted last quarter
    office = (done.dt.hour * 60 + done.dt.minute).between(8 * 60 + 30, 17 * 60 + 30)
    assert office.mean() > 0.99
    assert (df["promised_limit_days"] <= df["statutory_limit_days"]).all()
    assert set(df["is_online"]) == {"是", "否"}
    assert 0.6 <= (df["is_online"] == "是").mean() <= 0.95
    assert df["visit_count"].isin([0, 1]).mean() > 0.9
    assert df["step_count"].between(2, 6).all() and (df["material_count"] >= 1).all()
    assert set(df["category"]) == {"企业开办", "工程建设项目审批", "不动产登记", "其他政务服务"}
    by_cat = df.groupby("category")["dept"].agg(set)
    assert by_cat["企业开办"] == {"市市场监管局"}
    assert by_cat["工程建设项目审批"] <= {"市住房城乡建设局", "市自然资源和规划局"}
    assert by_cat["不动产登记"] == {"市不动产登记中心"}
    assert len(by_cat["其他政务服务"]) >= 8
    days = (done - acc).dt.total_seconds() / 86400
    median = days.groupby(df["category"]).median()
    assert median["企业开办"] < 1.5
    assert 20 <= median["工程建设项目审批"] <= 70  # calendar days for 20–50 working days
    assert 0.5 <= median["不动产登记"] <= 5
    assert median["其他政务服务"] <= 10


def test_utility_connections_valid() -> None:
    df = frame("utility_connections")
    assert df["application_id"].is_unique
    assert set(df["region_code"]) <= set(default_registry().region_codes)
    pairs = set(zip(df["utility_type"], df["customer_class"], strict=True))
    assert pairs == {("电力", "高压"), ("电力", "低压"), ("用水", "非居民"), ("用气", "非居民")}
    applied, connected = ts(df["applied_at"]), ts(df["connected_at"])
    assert (applied < connected).all()
    assert (connected.dt.date >= Q.start).all() and (connected.dt.date <= Q.end).all()
    power = df["utility_type"] == "电力"
    assert df.loc[power, "capacity_kw"].notna().all()
    assert df.loc[~power, "capacity_kw"].isna().all()
    assert (df["connection_fee_yuan"] >= 0).all()
    small_lv = (df["customer_class"] == "低压") & (df["capacity_kw"] <= 100)
    # ≤ 100 kW 低压 connect at zero cost, except a few policy lapses in the weaker units
    # (E04_06 零费用接入率 measures them).
    free = df.loc[small_lv, "connection_fee_yuan"] == 0
    assert 0.85 <= free.mean() < 1.0
    assert (df.loc[df["customer_class"] == "高压", "connection_fee_yuan"] > 0).all()
    days = (connected - applied).dt.total_seconds() / 86400
    kind = df["utility_type"] + df["customer_class"]
    median = days.groupby(kind).median()
    assert 20 <= median["电力高压"] <= 50
    assert median["电力低压"] <= 4
    assert 2 <= median["用水非居民"] <= 8 and 2 <= median["用气非居民"] <= 8
    assert df["step_count"].between(2, 6).all()


def test_loan_balances_valid_and_growing() -> None:
    df = frame("loan_balances")
    assert len(df) == 3 * len(default_registry().units)
    assert not df.duplicated(["region_code", "stat_month"]).any()
    assert (df.groupby("region_code")["stat_month"].agg(set) == {*Q.months}).all()
    total = df["total_loans_100m"]
    assert total.between(150, 3500).all()
    for part in ("manufacturing_loans_100m", "inclusive_sme_loans_100m"):
        assert ((df[part] > 0) & (df[part] < total)).all()
    share = df["manufacturing_loans_100m"] / total
    assert share.between(0.08, 0.3).all()
    assert (df["inclusive_sme_loans_100m"] / total).between(0.04, 0.13).all()
    assert df["inclusive_sme_rate_pct"].between(3.5, 6.0).all()
    assert (df["inclusive_sme_borrowers"] > 0).all() and (df["first_time_borrowers"] > 0).all()
    # Year-on-year growth from the same month a year earlier.
    last_year = frame("loan_balances", Q.same_quarter_last_year())
    now = df.set_index(["region_code", df["stat_month"].str[5:]])["total_loans_100m"]
    before = last_year.set_index(["region_code", last_year["stat_month"].str[5:]])[
        "total_loans_100m"
    ]
    growth = now / before - 1
    assert growth.between(0.0, 0.3).all()
    assert growth.groupby(level=0).mean().nunique() == len(default_registry().units)


def test_satisfaction_responses_valid() -> None:
    df = frame("satisfaction_responses", scale=0.2)
    reg = default_registry()
    assert df["response_id"].is_unique
    assert df["credit_code"].map(is_valid_credit_code).all()
    assert (df["credit_code"].str[2:8] == df["region_code"]).all()
    assert set(df["region_code"]) == set(reg.region_codes)
    assert set(df["rated_dept"]) <= {d.name for d in reg.departments}
    assert df["rated_dept"].nunique() >= 20
    sub = ts(df["submitted_at"])
    assert (sub.dt.date >= Q.start).all() and (sub.dt.date <= Q.end).all()
    scores = df[[c for c in df.columns if c.startswith("score_")]]
    assert scores.isin([1, 2, 3, 4, 5]).all().all()
    assert scores["score_overall"].isin([4, 5]).mean() > 0.8
    comments = df["comment"]
    assert 0.5 < comments.isna().mean() < 0.97
    assert comments.dropna().str.len().between(2, 30).all()
    by_dept = df.groupby("rated_dept")["score_overall"].mean()
    assert by_dept.max() - by_dept.min() > 0.2


def test_units_differ_and_rankings_move() -> None:
    def online_share(quarter: Quarter) -> pd.Series:
        df = frame("approval_cases", quarter, scale=0.1)
        return (df["is_online"] == "是").groupby(df["region_code"]).mean()

    first, last = online_share(Quarter(2024, 1)), online_share(Q)
    assert first.max() - first.min() > 0.1  # some units lead, some lag
    assert not (first.rank() == last.rank()).all()  # the ranking changes
    assert (first.rank() - last.rank()).abs().max() >= 3  # and someone moves a lot


# --- files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["xlsx", "csv-utf8", "csv-utf8-bom", "csv-gbk"])
def test_write_submission_headers_and_encoding(tmp_path: Path, fmt: str) -> None:
    source = "satisfaction_responses"
    df = frame(source)
    suffix = ".xlsx" if fmt == "xlsx" else ".csv"
    path = write_submission(df, source, tmp_path / "sub" / f"x{suffix}", fmt=fmt)
    headers = contract(source).headers
    raw = path.read_bytes()
    if fmt == "xlsx":
        wb = load_workbook(path, read_only=True)
        assert wb.sheetnames == [contract(source).title]
        rows = list(wb.active.iter_rows(values_only=True))
        assert list(rows[0]) == headers
        assert len(rows) == len(df) + 1
        assert rows[1][0] == df["response_id"].iloc[0]
        return
    if fmt == "csv-utf8-bom":
        assert raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
    elif fmt == "csv-gbk":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("gbk")
    else:
        assert not raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8")
    assert text.splitlines()[0].split(",") == headers
    back = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert len(back) == len(df)
    assert back["统一社会信用代码"].tolist() == df["credit_code"].tolist()
    assert back["意见建议"].tolist() == df["comment"].fillna("").tolist()
    assert not list(tmp_path.glob("sub/.*"))  # no temporary file left behind


def test_xlsx_is_byte_identical_on_rewrite(tmp_path: Path) -> None:
    df = frame("utility_connections")
    a = write_submission(df, "utility_connections", tmp_path / "a.xlsx", fmt="xlsx")
    b = write_submission(df, "utility_connections", tmp_path / "b.xlsx", fmt="xlsx")
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(2025, 7, 7, 16, 38, 0)}
        assert b"2025-07-07T16:38:00Z" in z.read("docProps/core.xml")


def test_file_formats_vary_and_big_files_are_csv() -> None:
    fmts = {(s, str(q)): file_format(s, q, 3000) for s in SOURCES for q in DEMO_QUARTERS}
    assert set(fmts.values()) == {"xlsx", "csv-utf8", "csv-utf8-bom", "csv-gbk"}
    assert fmts["satisfaction_responses", "2025Q1"] == "csv-gbk"
    assert fmts["loan_balances", "2025Q2"] == "xlsx"
    assert file_format("utility_connections", Q, 5_000_000) != "xlsx"
    assert file_name("approval_cases", Q, "csv-utf8") == "政务服务办件_2025Q2.csv"


def _tree_digest(root: Path) -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(root)): (
            hashlib.sha256(p.read_bytes()).hexdigest(),
            int(p.stat().st_mtime),
        )
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
def test_generate_landing_is_reproducible(tmp_path: Path) -> None:
    quarters = [Quarter(2024, 3), Q]
    files = generate_landing(tmp_path / "a", scale=0.02, quarters=quarters)
    generate_landing(tmp_path / "b", scale=0.02, quarters=quarters)
    assert _tree_digest(tmp_path / "a") == _tree_digest(tmp_path / "b")
    assert len(files) == 14 and all(isinstance(f, GeneratedFile) for f in files)
    readme = (tmp_path / "a" / "README_示例数据.txt").read_text(encoding="utf-8")
    assert "示例数据" in readme and "示例市" in readme
    for f in files:
        assert f.path == tmp_path / "a" / str(f.quarter) / f.source / f.path.name
        received = datetime.fromtimestamp(f.path.stat().st_mtime)
        assert 0 < (received.date() - f.quarter.end).days <= 15
    # Rerun with another seed in the same folder: files replaced, nothing stale left.
    generate_landing(tmp_path / "a", seed=1, scale=0.02, quarters=quarters)
    assert len([p for p in (tmp_path / "a").rglob("*") if p.is_file()]) == 15


@pytest.mark.slow
def test_demo_correction_is_later_and_bad(tmp_path: Path) -> None:
    [original] = [
        f
        for f in generate_landing(tmp_path, scale=0.05, quarters=[Q])
        if f.source == "utility_connections"
    ]
    corr = write_demo_correction(tmp_path, scale=0.05)
    assert corr.path.name == "水电气报装_2025Q2_更正版.xlsx"
    assert corr.path.parent == original.path.parent
    assert corr.path.stat().st_mtime > original.path.stat().st_mtime
    bad = pd.read_excel(corr.path, dtype=str)
    good = frame("utility_connections")
    assert list(bad.columns) == contract("utility_connections").headers
    assert len(bad) == len(good)
    assert (ts(bad["接通时间"]) < ts(bad["申请时间"])).sum() == 3
    assert (bad["区划代码"] == "990199").sum() == 1
    assert (bad["报装类型"] == "热力").sum() == 1
    assert (ts(bad["接通时间"]).dt.date <= Q.end).all()


# --- faults ---------------------------------------------------------------------------------


def _changed_rows(before: pd.DataFrame, after: pd.DataFrame) -> list[int]:
    # pd.NA (empty optional integers) compares as NA: make every missing value NaN first.
    a, b = (f.astype(object).where(f.notna(), np.nan).to_numpy() for f in (before, after))
    differ = (a != b) & ~(pd.isna(a) & pd.isna(b))
    return np.flatnonzero(differ.any(axis=1)).tolist()


CASES = [(f, s) for f, sources in FAULT_SOURCES.items() for s in sources]


@pytest.mark.parametrize(("fault", "source"), CASES)
def test_fault_changes_exactly_the_reported_rows(fault: str, source: str) -> None:
    clean = frame(source)
    bad, rows = inject_fault(clean, source, fault, seed=3)
    assert rows and rows == sorted(set(rows))
    pd.testing.assert_frame_equal(clean, frame(source))  # the input is not modified
    if fault == "missing_month":
        assert len(bad) == len(clean) - 1
        pd.testing.assert_frame_equal(bad, clean.drop(index=rows).reset_index(drop=True))
        return
    assert len(bad) == len(clean)
    assert _changed_rows(clean, bad) == rows


@pytest.mark.parametrize(
    ("fault", "source", "check"),
    [
        ("duplicate_id", "approval_cases", lambda d: d["case_id"].duplicated().sum() == 1),
        (
            "unknown_region",
            "utility_connections",
            lambda d: (d["region_code"] == "990199").sum() == 3,
        ),
        (
            "end_before_start",
            "approval_cases",
            lambda d: (ts(d["completed_at"]) < ts(d["accepted_at"])).sum() == 3,
        ),
        (
            "absurd_duration",
            "approval_cases",
            lambda d: ((ts(d["completed_at"]) - ts(d["accepted_at"])).dt.days > 1000).sum() == 3,
        ),
        (
            "out_of_quarter",
            "satisfaction_responses",
            lambda d: (ts(d["submitted_at"]).dt.date > Q.end).sum() == 3,
        ),
        (
            "bad_credit_code",
            "satisfaction_responses",
            lambda d: (~d["credit_code"].map(is_valid_credit_code)).sum() == 3,
        ),
        (
            "promised_over_statutory",
            "approval_cases",
            lambda d: (d["promised_limit_days"] > d["statutory_limit_days"]).sum() == 3,
        ),
        (
            "rate_out_of_range",
            "loan_balances",
            lambda d: (d["inclusive_sme_rate_pct"] >= 24).sum() == 3,
        ),
        (
            "bad_type",
            "approval_cases",
            lambda d: pd.to_numeric(d["visit_count"], errors="coerce").isna().sum() == 3,
        ),
        (
            "duplicate_id",
            "loan_balances",
            lambda d: d.duplicated(["region_code", "stat_month"]).sum() == 1,
        ),
    ],
)
def test_fault_is_the_error_it_claims(
    fault: str, source: str, check: Callable[[pd.DataFrame], bool]
) -> None:
    bad, _ = inject_fault(frame(source), source, fault, seed=5)
    assert check(bad)


def test_faulty_frame_still_writes(tmp_path: Path) -> None:
    bad, rows = inject_fault(frame("approval_cases"), "approval_cases", "bad_type", seed=1)
    path = write_submission(bad, "approval_cases", tmp_path / "x.csv", fmt="csv-utf8")
    back = pd.read_csv(path, dtype=str)
    assert back["跑动次数"].iloc[rows].tolist() == ["一次"] * len(rows)
    assert back["跑动次数"].drop(index=rows).str.fullmatch(r"\d+").all()


def test_fault_catalogue_and_errors() -> None:
    assert {
        "duplicate_id",
        "unknown_region",
        "unknown_department",
        "end_before_start",
        "out_of_quarter",
        "absurd_duration",
        "empty_required",
        "bad_enum",
        "bad_type",
        "bad_credit_code",
        "promised_over_statutory",
        "rate_out_of_range",
        "missing_month",
    } <= set(FAULTS)
    assert set(FAULTS) == set(FAULT_SOURCES)
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in FAULTS.values())
    with pytest.raises(FaultError):
        inject_fault(frame("loan_balances"), "loan_balances", "bad_credit_code")
    with pytest.raises(FaultError):
        inject_fault(frame("loan_balances"), "loan_balances", "no_such_fault")
    assert FaultSpec.parse("bad_enum:utility_connections:2025Q1") == FaultSpec(
        "bad_enum", "utility_connections", Quarter(2025, 1)
    )
    assert FaultSpec.parse("missing_month") == FaultSpec("missing_month")
    with pytest.raises(FaultError):
        FaultSpec.parse("missing_month:approval_cases")


# --- CLI -------------------------------------------------------------------------------------


@pytest.mark.slow
def test_cli_writes_landing_tree(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "landing"
    assert main(["generate", "--out", str(out), "--scale", "0.01", "--seed", "5"]) == 0
    files = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    data = [p for p in files if p.name != "README_示例数据.txt"]
    assert len(data) == len(DEMO_QUARTERS) * len(SOURCES) == 42
    assert {(p.parts[0], p.parts[1]) for p in data} == {
        (str(q), s) for q in DEMO_QUARTERS for s in SOURCES
    }
    assert all(len(p.parts) == 3 for p in data)
    printed = capsys.readouterr().out
    assert re.search(rf"已生成 42 个报送文件，共 \d+ 行 → {re.escape(str(out))}", printed)


@pytest.mark.slow
def test_cli_fault_and_correction(tmp_path: Path) -> None:
    out = tmp_path / "landing"
    code = main(
        [
            "generate",
            "--out",
            str(out),
            "--scale",
            "0.02",
            "--quarters",
            "2025Q2",
            "--fault",
            "unknown_region:approval_cases",
            "--correction",
        ]
    )
    assert code == 0
    cases = pd.read_csv(out / "2025Q2" / "approval_cases" / "政务服务办件_2025Q2.csv", dtype=str)
    assert (cases["区划代码"] == "990199").sum() == 3
    assert (out / "2025Q2" / "utility_connections" / "水电气报装_2025Q2_更正版.xlsx").exists()
    loans = pd.read_excel(out / "2025Q2" / "loan_balances" / "金融机构贷款_2025Q2.xlsx", dtype=str)
    assert "990199" not in set(loans["区划代码"])


@pytest.mark.parametrize(
    "argv",
    [
        ["--scale", "0"],
        ["--scale", "-1"],
        ["--scale", "nan"],
        ["--seed", "-3"],
        ["--quarters", "2025Q5"],
        ["--fault", "no_such_fault"],
        ["--fault", "rate_out_of_range:approval_cases"],
    ],
)
def test_cli_bad_arguments_exit_2(
    tmp_path: Path, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["generate", "--out", str(tmp_path / "x"), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and re.search(r"[\u4e00-\u9fff]", err)
    assert not (tmp_path / "x").exists()


def test_cli_non_numeric_scale_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["generate", "--out", "x", "--scale", "abc"])
    assert exc.value.code == 2
    assert "规模系数应为数字" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["generate", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "规模系数" in text and "随机种子" in text and "missing_month" in text
