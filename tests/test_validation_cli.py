"""`bizenv check` / `bizenv template`, the rejection report and the Excel template."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from fixtures_validation import QUARTER, good_table, triples, write_csv

from pipelines.cli import main
from pipelines.contracts import contract
from pipelines.demo import DEMO_SOURCES as SOURCES
from pipelines.validation import ValidationError, ValidationResult, validate_file
from pipelines.validation.report import write_rejection_report
from pipelines.validation.template import write_template

# Tier slow: validates whole files (Great Expectations suites, contract checks).
pytestmark = pytest.mark.slow

ERROR_KEYS = ["row", "column", "value", "rule", "message"]


def _bad_file(tmp_path: Path) -> Path:
    head, rows = good_table("approval_cases")
    rows[1][head.index("跑动次数")] = "两次"
    head = [h for h in head if h != "事项名称"]
    rows = [[v for j, v in enumerate(r) if j != 3] for r in rows]
    return write_csv(tmp_path / "2025Q2" / "approval_cases.csv", head, rows)


# --- bizenv check ----------------------------------------------------------------------


def test_check_valid_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head, rows = good_table("loan_balances")
    path = write_csv(tmp_path / "loans_2025Q2.csv", head, rows)
    assert main(["check", "loan_balances", str(path)]) == 0
    out = capsys.readouterr().out
    assert "校验通过" in out
    assert "2025Q2" in out and "文件名推断" in out


def test_check_invalid_exit_1_json_shape(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _bad_file(tmp_path)
    assert main(["check", "approval_cases", str(path), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert list(payload) == ["valid", "source", "rows", "errors"]
    assert payload["valid"] is False
    assert payload["source"] == "approval_cases"
    assert payload["rows"] == 3
    assert all(list(e) == ERROR_KEYS for e in payload["errors"])
    assert [(e["row"], e["column"], e["value"], e["rule"]) for e in payload["errors"]] == [
        (None, "事项名称", None, "missing_column"),
        (3, "跑动次数", "两次", "type"),
    ]
    assert "两次" in payload["errors"][1]["message"]


def test_check_text_output_truncates_at_50(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head, rows = good_table("approval_cases")
    template = rows[0]
    rows = []
    for i in range(60):
        r = list(template)
        r[0] = f"X{i}"
        r[head.index("是否网办")] = "可能"
        rows.append(r)
    path = write_csv(tmp_path / "a.csv", head, rows)
    assert main(["check", "approval_cases", str(path), "--quarter", "2025Q2"]) == 1
    out = capsys.readouterr().out
    assert "共 60 条错误" in out
    assert out.count("[type]") == 50
    assert "…共 60 条，详见 --json" in out


def test_check_infers_quarter_from_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head, rows = good_table("satisfaction_responses")
    path = write_csv(tmp_path / "s.csv", head, rows)
    assert main(["check", "satisfaction_responses", str(path)]) == 0
    assert "2025Q2（2025年第二季度，由数据推断" in capsys.readouterr().out


def test_check_previous_rows(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head, rows = good_table("utility_connections")
    path = write_csv(tmp_path / "u.csv", head, rows)
    code = main(
        [
            "check",
            "utility_connections",
            str(path),
            "--quarter",
            "2025Q2",
            "--json",
            "--previous-rows",
            "1000",
        ]
    )
    assert code == 1
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert [(e["row"], e["column"], e["rule"]) for e in errors] == [(None, None, "volume")]


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "no_such_source", "{file}"],
        ["check", "approval_cases", "{missing}"],
        ["check", "approval_cases", "{dir}"],
        ["check", "approval_cases", "{file}", "--quarter", "2025Q5"],
        ["check", "approval_cases", "{file}", "--quarter", "上季度"],
        ["template", "no_such_source"],
    ],
)
def test_usage_errors_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    head, rows = good_table("approval_cases")
    good = write_csv(tmp_path / "a.csv", head, rows)
    subs = {"{file}": str(good), "{missing}": str(tmp_path / "nope.csv"), "{dir}": str(tmp_path)}
    assert main([subs.get(a, a) for a in argv]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("错误：")
    assert captured.out == ""


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("办件.txt", "不支持 .txt 格式"),
        ("办件.json", "不支持 .json 格式"),
        ("办件.xlsm", "不支持 .xlsm 格式"),
        ("办件.XLS", "请在 Excel 中另存为 .xlsx 或 CSV"),
        ("办件", "没有扩展名"),
    ],
)
def test_check_rejects_other_file_formats(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, words: str
) -> None:
    head, rows = good_table("approval_cases")
    path = write_csv(tmp_path / name, head, rows)  # valid CSV content, wrong file name
    assert main(["check", "approval_cases", str(path), "--json"]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert [(e["row"], e["rule"]) for e in payload["errors"]] == [(None, "file_format")]
    assert words in payload["errors"][0]["message"]
    assert ".xlsx" in payload["errors"][0]["message"] and ".csv" in payload["errors"][0]["message"]
    assert main(["check", "approval_cases", str(path)]) == 1
    out = capsys.readouterr().out
    assert "校验通过" not in out and "[file_format]" in out


@pytest.mark.parametrize("name", ["办件.CSV", "办件.Csv"])
def test_check_accepts_suffix_in_any_case(tmp_path: Path, name: str) -> None:
    head, rows = good_table("approval_cases")
    path = write_csv(tmp_path / name, head, rows)
    assert main(["check", "approval_cases", str(path), "--quarter", "2025Q2"]) == 0


@pytest.mark.parametrize("command", ["check", "template", "score", "report", "generate"])
def test_help_metavars_are_chinese(command: str) -> None:
    import argparse
    import importlib
    import re

    from pipelines.cli import COMMANDS

    parser = argparse.ArgumentParser(prog=f"bizenv {command}")
    importlib.import_module(COMMANDS[command][0]).register(parser)
    takes_value = [a for a in parser._actions if a.nargs != 0]
    assert takes_value
    for action in takes_value:
        assert isinstance(action.metavar, str), action.dest
        assert re.search(r"[\u4e00-\u9fff]", action.metavar), (action.dest, action.metavar)
        assert not re.fullmatch(r"[A-Z_]+", action.metavar), action.metavar


# --- rejection report ------------------------------------------------------------------


def _result_with(values: list[str]) -> ValidationResult:
    errors = [
        ValidationError(row=i + 2, column="事项名称", value=v, rule="required", message=f"说明{v}")
        for i, v in enumerate(values)
    ]
    errors.insert(0, ValidationError(None, "受理部门", None, "missing_column", "缺少列“受理部门”"))
    return ValidationResult(
        source="approval_cases",
        path=Path("/x/办件 2025Q2.csv"),
        quarter=QUARTER,
        rows=len(values),
        errors=errors,
        frame=None,
    )


def test_report_html_escapes_and_csv_neutralises(tmp_path: Path) -> None:
    values = ["<script>alert(1)</script>", "=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "普通"]
    html_path, csv_path = write_rejection_report(
        _result_with(values), tmp_path / "out", title_extra={"文件哈希": "abc<b>123"}
    )
    html = html_path.read_text(encoding="utf-8")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "abc&lt;b&gt;123" in html
    assert "政务服务办件" in html and "2025年第二季度" in html and "办件 2025Q2.csv" in html
    assert "<link" not in html and "src=" not in html and "@import" not in html
    assert "Microsoft YaHei" in html
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["行号", "列名", "值", "规则", "说明"]
    assert rows[1] == ["", "受理部门", "", "缺少列（missing_column）", "缺少列“受理部门”"]
    assert [r[2] for r in rows[2:]] == [
        "<script>alert(1)</script>",
        "'=cmd|' /C calc'!A0",
        "+1",
        "-2",
        "'@SUM(A1)",
        "普通",
    ]
    assert {r[3] for r in rows[2:]} == {"必填项为空（required）"}
    assert [r[0] for r in rows[2:]] == ["2", "3", "4", "5", "6", "7"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [html_path.name, csv_path.name]
    )  # no temporary files left behind


def test_report_html_caps_at_1000_rows_csv_has_all(tmp_path: Path) -> None:
    html_path, csv_path = write_rejection_report(_result_with(["v"] * 1100), tmp_path)
    html = html_path.read_text(encoding="utf-8")
    assert html.count('<td class="value">') == 1000
    note = (
        "共 1101 处错误，本页列出前 1000 处，全部错误见同名 CSV 文件（办件 2025Q2.rejection.csv）"
    )
    assert html.index(note) < html.index("<h2>概况</h2>")  # stated near the top
    assert len(csv_path.read_text(encoding="utf-8-sig").splitlines()) == 1102


def test_report_summary_from_real_validation(tmp_path: Path) -> None:
    result = validate_file("approval_cases", _bad_file(tmp_path))
    html_path, _ = write_rejection_report(result, tmp_path / "r")
    html = html_path.read_text(encoding="utf-8")
    assert "缺少列" in html and "格式或类型错误" in html
    assert '<tr><td>数据行数</td><td class="num">3</td></tr>' in html
    assert '<tr><td>有错误的行数</td><td class="num">1</td></tr>' in html
    assert "示例数据" in html


def test_report_not_capped_has_no_cap_note(tmp_path: Path) -> None:
    html_path, _ = write_rejection_report(_result_with(["v"] * 999), tmp_path)
    html = html_path.read_text(encoding="utf-8")
    assert html.count('<td class="value">') == 1000
    assert "本页列出前" not in html


def test_report_rules_in_chinese_with_id(tmp_path: Path) -> None:
    html_path, _ = write_rejection_report(_result_with(["v"]), tmp_path)
    html = html_path.read_text(encoding="utf-8")
    assert "<td>必填项为空（required）</td>" in html
    assert "<td>缺少列（missing_column）</td>" in html
    assert "<code>required</code>" not in html


@pytest.mark.parametrize("demo", [True, False])
def test_report_html_says_demo_data_only_for_demo_city(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo: bool
) -> None:
    from dataclasses import replace

    from pipelines.registry import default_registry
    from pipelines.validation import report

    registry = replace(default_registry(), synthetic=demo)
    monkeypatch.setattr(report, "default_registry", lambda: registry)
    html_path, csv_path = write_rejection_report(_result_with(["v"]), tmp_path)
    head = html_path.read_text(encoding="utf-8").split("</h1>")[0]
    assert ("示例数据" in head) is demo
    # The CSV's first line stays the header, demo data or not.
    assert csv_path.read_text(encoding="utf-8-sig").splitlines()[0] == "行号,列名,值,规则,说明"


def test_written_files_are_world_readable(tmp_path: Path) -> None:
    html_path, csv_path = write_rejection_report(_result_with(["v"]), tmp_path / "r")
    template = write_template("approval_cases", tmp_path / "t.xlsx")
    for path in (html_path, csv_path, template):
        assert path.stat().st_mode & 0o777 == 0o644, path


# --- template ----------------------------------------------------------------------------


def _lists(sheet: Any) -> dict[str, str]:
    """Column letter -> list formula of the sheet's data validations."""
    out = {}
    for dv in sheet.data_validations.dataValidation:
        assert dv.type == "list"
        (cell_range,) = list(dv.sqref.ranges)
        assert cell_range.min_row == 2 and cell_range.max_row == 1_048_576
        out[cell_range.coord[0]] = dv.formula1
    return out


def test_template_sheets_header_and_validations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "t.xlsx"
    assert main(["template", "utility_connections", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    wb = load_workbook(out)
    assert wb.sheetnames[:2] == ["填报说明", "数据"]
    data = wb["数据"]
    headers = [c.value for c in data[1]]
    assert headers == contract("utility_connections").headers
    assert all(c.font.bold for c in data[1])
    assert data.freeze_panes == "A2"
    assert data.column_dimensions["E"].width >= 20
    lists = _lists(data)
    assert lists["C"] == '"电力,用水,用气"'
    assert lists["D"] == '"高压,低压,非居民"'
    assert "990102" in lists["B"] and "990172" in lists["B"]
    info = wb["填报说明"]
    rows = [[c.value for c in r] for r in info.iter_rows()]
    assert ["表头", "类型", "是否必填", "规则说明"] in rows
    capacity = next(r for r in rows if r[0] == "报装容量(千瓦)")
    assert capacity[2] == "否" and "capacity_only_power" in capacity[3]


def test_template_department_list_and_default_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from openpyxl import load_workbook

    monkeypatch.chdir(tmp_path)
    assert main(["template", "approval_cases"]) == 0
    path = tmp_path / "政务服务办件_模板.xlsx"
    assert capsys.readouterr().out.strip() == str(path)
    wb = load_workbook(path)
    data = wb["数据"]
    by_col = _lists(data)
    assert set(by_col) == {"B", "C", "E", "N"}  # 区划代码, 事项类别, 受理部门, 是否网办
    assert by_col["N"] == '"是,否"'
    dept_formula = by_col["E"]
    if dept_formula.startswith('"'):
        names = dept_formula.strip('"').split(",")
    else:  # a range on the hidden options sheet
        sheet, cells = dept_formula.split("!")
        names = [c.value for row in wb[sheet.strip("'")][cells.replace("$", "")] for c in row]
    assert "市数据局" in names and "国网示例供电公司" in names and len(names) == 32


@pytest.mark.parametrize("source", SOURCES)
def test_template_round_trip(tmp_path: Path, source: str) -> None:
    from openpyxl import load_workbook

    path = write_template(source, tmp_path / f"{source}.xlsx")
    wb = load_workbook(path)
    _, rows = good_table(source)
    for r in rows:
        wb["数据"].append(r)
    wb.save(path)
    result = validate_file(source, path, quarter=QUARTER)
    assert triples(result) == set()
    assert result.rows == len(rows)
