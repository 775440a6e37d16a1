"""``bizenv config check``: the demo project passes; each broken copy names file, line, node
and what is wrong."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.config_check import (
    ConfigIssue,
    ProjectConfigError,
    check_project,
    ensure_valid_project,
)
from pipelines.env import PACKAGE_ROOT
from pipelines.project import PROJECT_ENV, demo_project_dir

# Tier slow: builds and checks whole project folders.
pytestmark = pytest.mark.slow

OWN_SOURCE = "complaints_12345"
OWN_CONTRACT = """\
# 12345 热线涉企工单（项目自定义数据源）
source: complaints_12345
title: 12345 热线涉企工单
description: 每行一件已办结的涉企工单。
quarter_column: closed_at
columns:
  - {header: 工单编号, column: ticket_id, type: string}
  - {header: 区划代码, column: region_code, type: region_code}
  - {header: 承办部门, column: dept, type: department}
  - {header: 办结时间, column: closed_at, type: datetime}
  - {header: 是否满意, column: satisfied, type: yes_no}
"""
OWN_CHECKS = """\
source: complaints_12345
checks:
  - check: volume
    rule: volume
"""
OWN_SUITE = """\
{
  "name": "complaints_12345",
  "expectations": [
    {
      "type": "expect_column_values_to_not_be_null",
      "kwargs": {"column": "ticket_id"},
      "meta": {"rule": "required", "message": "“{header}”不能为空"}
    },
    {
      "type": "expect_column_values_to_be_in_set",
      "kwargs": {"column": "region_code", "value_set": {"$PARAMETER": "region_codes"}},
      "meta": {"rule": "region", "message": "区划代码“{value}”不在区划名录中"}
    }
  ]
}
"""
OWN_SQL = """\
-- E21_01 12345 涉企工单满意率（%）
-- Columns:
--   unit_code  区划代码 of the unit
--   value      share of satisfied tickets (percent)
--   n_cases    tickets behind the value
with tickets as (
    select region_code, satisfied
    from warehouse.complaints_12345
    where quarter = $quarter
),

final as (
    select
        region_code as unit_code,
        avg(case when satisfied then 100.0 else 0.0 end) as value,
        count(*) as n_cases
    from tickets
    group by region_code
)

select * from final order by unit_code
"""
OWN_FRAMEWORK_NODE = """
  - code: E21
    name: 12345 热线
    lead: 市营商环境建设局
    children:
      - code: E21_01
        name: 12345 涉企工单满意率
        unit: "%"
        sql: indicators/e09_01_hotline.sql
        direction: higher_is_better
        normalize: {method: frontier, best: 100, worst: 60}
"""
OWN_SOURCE_ENTRY = """
  complaints_12345:
    submitters: [市营商环境建设局]
    required: false
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the demo project with a source of its own and an indicator reading it."""
    root = tmp_path / "江海市"
    shutil.copytree(demo_project_dir(), root, ignore=shutil.ignore_patterns(".bizenv"))
    own = root / "sources" / OWN_SOURCE
    own.mkdir(parents=True)
    (own / "contract.yaml").write_text(OWN_CONTRACT, encoding="utf-8")
    (own / "checks.yaml").write_text(OWN_CHECKS, encoding="utf-8")
    (own / "suite.json").write_text(OWN_SUITE, encoding="utf-8")
    (root / "indicators").mkdir()
    (root / "indicators" / "e09_01_hotline.sql").write_text(OWN_SQL, encoding="utf-8")
    with (root / "framework.yaml").open("a", encoding="utf-8") as f:
        f.write(OWN_FRAMEWORK_NODE)
    with (root / "sources.yaml").open("a", encoding="utf-8") as f:
        f.write(OWN_SOURCE_ENTRY)
    # A valid rule override (sources.yaml's documented example).
    replace(
        root / "sources.yaml",
        "    submitters: [市数据局]\n",
        "    submitters: [市数据局]\n    rules: {duration_absurd: {default_max_days: 400}}\n",
    )
    return root


def replace(path: Path, old: str, new: str, *, occurrence: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= occurrence, f"{old!r} not in {path}"
    head, *tails = text.split(old)
    parts = [head]
    for i, tail in enumerate(tails, start=1):
        parts.append(new if i == occurrence else old)
        parts.append(tail)
    path.write_text("".join(parts), encoding="utf-8")


def line_of(path: Path, needle: str, *, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [
        n
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if needle in line
    ]
    return hits[occurrence - 1]


def test_demo_project_passes() -> None:
    assert check_project(demo_project_dir()) == []
    ensure_valid_project(demo_project_dir())  # does not raise


def test_project_with_own_source_and_indicator_passes(project: Path) -> None:
    assert check_project(project) == []


# Each case: break one thing → (file, path of the file to find the line in, needle on the
# expected line, occurrence, node, distinctive part of the message).
Case = tuple[Callable[[Path], None], str, str, int, str, str]


def _own(root: Path, name: str) -> Path:
    return root / "sources" / OWN_SOURCE / name


CASES: dict[str, Case] = {
    "yaml_syntax": (
        lambda r: replace(r / "regions.yaml", "  name: 示例市", "  name: 示例市: 坏"),
        "regions.yaml",
        "示例市: 坏",
        1,
        "",
        "YAML 语法错误",
    ),
    "unknown_key": (
        lambda r: replace(
            r / "departments.yaml",
            "{code: D10, name: 市公安局}",
            "{code: D10, name: 市公安局, alias: [公安]}",
        ),
        "departments.yaml",
        "alias: [公安]",
        1,
        "departments[9].alias",
        "未知字段“alias”，是否应为“aliases”",
    ),
    "region_code_5_digits": (
        lambda r: replace(r / "regions.yaml", '"990103"', '"99013"'),
        "regions.yaml",
        '"99013"',
        1,
        "units[1].code",
        "区划代码应为 6 位数字",
    ),
    "region_code_unquoted": (
        lambda r: replace(r / "regions.yaml", '"990103"', "990103"),
        "regions.yaml",
        "code: 990103",
        1,
        "units[1].code",
        "加引号",
    ),
    "duplicate_region_code": (
        lambda r: replace(r / "regions.yaml", '"990105"', '"990104"'),
        "regions.yaml",
        '"990104"',
        2,
        "units[3].code",
        "区划代码“990104”重复，与 units[2].code",
    ),
    "duplicate_department_alias": (
        lambda r: replace(
            r / "departments.yaml", "aliases: [市营商办]", "aliases: [市营商办, 市公安局]"
        ),
        "departments.yaml",
        "name: 市公安局",
        1,
        "departments[9].name",
        "部门名称“市公安局”重复",
    ),
    "duplicate_yaml_key": (
        lambda r: replace(r / "bizenv.yaml", "issuer: 示例市", "issuer: 甲\nissuer: 示例市"),
        "bizenv.yaml",
        "issuer: 示例市",
        1,
        "issuer",
        "键“issuer”重复出现",
    ),
    "unknown_lead": (
        lambda r: replace(r / "framework.yaml", "lead: 市市场监管局", "lead: 市场局"),
        "framework.yaml",
        "lead: 市场局",
        1,
        "indicators[0].lead",
        "牵头单位“市场局”不在部门名录 departments.yaml 中",
    ),
    "unknown_support": (
        lambda r: replace(
            r / "framework.yaml", "support: [市税务局, 市公安局]", "support: [市税务局, 市警察局]"
        ),
        "framework.yaml",
        "市警察局",
        1,
        "indicators[0].support[1]",
        "配合单位“市警察局”不在部门名录",
    ),
    "unknown_submitter": (
        lambda r: replace(
            r / "sources.yaml", "submitters: [市工商联]", "submitters: [市工商联, 市外星局]"
        ),
        "sources.yaml",
        "市外星局",
        1,
        "sources.satisfaction_responses.submitters[1]",
        "报送部门“市外星局”不在部门名录",
    ),
    "framework_duplicate_code": (
        lambda r: replace(r / "framework.yaml", "code: E01_02", "code: E01_01"),
        "framework.yaml",
        "code: E01_01",
        2,
        "indicators[0].children[1].code",
        "编码重复",
    ),
    "framework_bad_enum": (
        lambda r: replace(
            r / "framework.yaml", "direction: lower_is_better", "direction: lower_is_best"
        ),
        "framework.yaml",
        "direction: lower_is_best",
        1,
        "indicators[0].children[0].direction",
        "指标 E01_01：取值应为以下之一：lower_is_better、higher_is_better",
    ),
    "source_id_pattern": (
        lambda r: replace(r / "sources.yaml", "  satisfaction_responses:\n", "  Satisfaction:\n"),
        "sources.yaml",
        "  Satisfaction:",
        1,
        "sources.Satisfaction",
        "键“Satisfaction”不合法：数据源编码只能用小写字母",
    ),
    "rule_override_unknown_rule": (
        lambda r: replace(
            r / "sources.yaml", "{duration_absurd: {", "{duration_absurd_: {", occurrence=2
        ),
        "sources.yaml",
        "duration_absurd_",
        1,
        "sources.approval_cases.rules.duration_absurd_",
        "数据源“approval_cases”没有规则“duration_absurd_”",
    ),
    "rule_override_unknown_parameter": (
        lambda r: replace(
            r / "sources.yaml", "default_max_days: 400", "default_max_day: 400", occurrence=2
        ),
        "sources.yaml",
        "default_max_day: 400",
        1,
        "sources.approval_cases.rules.duration_absurd.default_max_day",
        "规则“duration_absurd”没有参数“default_max_day”，是否应为“default_max_days”",
    ),
    "missing_sql_file": (
        lambda r: replace(
            r / "framework.yaml",
            "sql: indicators/e01_02_startup_materials.sql",
            "sql: indicators/e01_02_missing.sql",
        ),
        "framework.yaml",
        "e01_02_missing.sql",
        1,
        "indicators[0].children[1].sql",
        "SQL 文件不存在：项目目录中没有 indicators/e01_02_missing.sql",
    ),
    "misspelt_column_in_project_sql": (
        lambda r: replace(
            r / "indicators" / "e09_01_hotline.sql",
            "select region_code, satisfied",
            "select region_code, satisfed",
        ),
        "indicators/e09_01_hotline.sql",
        "satisfed",
        1,
        "E21_01",
        "列名或表名无法解析",
    ),
    "unknown_sql_parameter": (
        lambda r: replace(
            r / "indicators" / "e09_01_hotline.sql", "quarter = $quarter", "quarter = $qtr"
        ),
        "indicators/e09_01_hotline.sql",
        "$qtr",
        1,
        "E21_01",
        "未知参数 $qtr",
    ),
    "indicator_reads_staging": (
        lambda r: replace(
            r / "indicators" / "e09_01_hotline.sql",
            "from warehouse.complaints_12345",
            "from staging.complaints_12345",
        ),
        "indicators/e09_01_hotline.sql",
        "from staging.complaints_12345",
        1,
        "E21_01",
        "staging 中是尚未通过校验的版本，指标只能读取 warehouse.complaints_12345",
    ),
    "indicator_reads_source_not_enabled": (
        lambda r: replace(
            r / "sources.yaml",
            "  loan_balances:\n    submitters: [人民银行示例市分行, 示例金融监管分局]\n",
            "",
        ),
        "sql/indicators/e06_01_loan_growth_yoy.sql",
        "shared.loan_balances",
        1,
        "E06_01",
        "没有启用数据源“loan_balances”（它是 bizenv 内置数据源",
    ),
    "unknown_source": (
        lambda r: replace(r / "sources.yaml", "  loan_balances:\n", "  loans:\n"),
        "sources.yaml",
        "  loans:",
        1,
        "sources.loans",
        "数据源“loans”既不是内置数据源",
    ),
    "unknown_check_in_project_source": (
        lambda r: replace(_own(r, "checks.yaml"), "check: volume", "check: volumes"),
        f"sources/{OWN_SOURCE}/checks.yaml",
        "check: volumes",
        1,
        "checks[0].check",
        "未知的规则函数“volumes”，是否应为“volume”",
    ),
    "bad_contract_column_identifier": (
        lambda r: replace(_own(r, "contract.yaml"), "column: ticket_id", "column: TicketID"),
        f"sources/{OWN_SOURCE}/contract.yaml",
        "TicketID",
        1,
        "columns[0].column",
        "只能用小写字母、数字和下划线",
    ),
    "contract_unknown_type": (
        lambda r: replace(_own(r, "contract.yaml"), "type: yes_no", "type: bool"),
        f"sources/{OWN_SOURCE}/contract.yaml",
        "type: bool",
        1,
        "columns[4].type",
        "取值应为以下之一：string",
    ),
    "contract_quarter_column_not_a_column": (
        lambda r: replace(
            _own(r, "contract.yaml"), "quarter_column: closed_at", "quarter_column: done_at"
        ),
        f"sources/{OWN_SOURCE}/contract.yaml",
        "quarter_column: done_at",
        1,
        "quarter_column",
        "归属季度列“done_at”不在 columns 中",
    ),
    "contract_duplicate_header": (
        lambda r: replace(_own(r, "contract.yaml"), "header: 承办部门", "header: 区划代码"),
        f"sources/{OWN_SOURCE}/contract.yaml",
        "header: 区划代码",
        2,
        "columns[2].header",
        "表头“区划代码”重复",
    ),
    "suite_column_not_in_contract": (
        lambda r: replace(
            _own(r, "suite.json"), '{"column": "ticket_id"}', '{"column": "ticket_no"}'
        ),
        f"sources/{OWN_SOURCE}/suite.json",
        '"ticket_no"',
        1,
        "expectations[0].kwargs.column",
        "列“ticket_no”不在该数据源的 contract.yaml 中",
    ),
    "suite_invalid_json": (
        lambda r: replace(
            _own(r, "suite.json"), '"name": "complaints_12345",', '"name": "complaints_12345"'
        ),
        f"sources/{OWN_SOURCE}/suite.json",
        '"expectations": [',
        1,
        "",
        "不是合法的 JSON",
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_broken_project_names_file_line_and_problem(project: Path, case: str) -> None:
    breaker, file, needle, occurrence, node, fragment = CASES[case]
    breaker(project)
    issues = check_project(project)
    source = PACKAGE_ROOT / file if file.startswith("sql/") else project / file
    expected_line = line_of(source, needle, occurrence=occurrence)
    matching = [i for i in issues if fragment in i.message]
    assert matching, "\n".join(map(str, issues))
    issue = matching[0]
    assert (issue.file, issue.line, issue.node) == (file, expected_line, node), str(issue)
    # The rendered line names all of it.
    assert str(issue).startswith(f"{file} 第 {expected_line} 行")
    with pytest.raises(ProjectConfigError) as raised:
        ensure_valid_project(project)
    assert str(issue) in str(raised.value)


def test_report_lists_every_issue_in_file_order(project: Path) -> None:
    replace(project / "framework.yaml", "lead: 市市场监管局", "lead: 市场局")
    replace(project / "regions.yaml", '"990103"', '"99013"')
    issues = check_project(project)
    assert [i.file for i in issues] == ["regions.yaml", "framework.yaml"]
    error = ProjectConfigError(issues)
    report = str(error).splitlines()
    assert report[0] == "项目配置有 2 处错误："
    assert report[1].strip() == str(issues[0])
    assert error.issues == tuple(issues)


def test_issue_str_without_line() -> None:
    issue = ConfigIssue("sources/x/suite.json", None, "", "缺少该文件")
    assert str(issue) == "sources/x/suite.json：缺少该文件"


# --- CLI -----------------------------------------------------------------------------------


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--project`` sets $BIZENV_PROJECT for the process: restore it after the test."""
    monkeypatch.setenv(PROJECT_ENV, str(demo_project_dir()))


def test_cli_clean_project_exit_0(cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--project", str(demo_project_dir())]) == 0
    assert "配置检查通过" in capsys.readouterr().out


def test_cli_issues_exit_1(
    cli_env: None, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    replace(project / "regions.yaml", '"990103"', '"99013"')
    assert main(["config", "--project", str(project), "check"]) == 1
    out = capsys.readouterr().out
    line = line_of(project / "regions.yaml", '"99013"')
    assert f"regions.yaml 第 {line} 行 units[1].code：区划代码应为 6 位数字" in out
    assert "共 1 处错误（regions.yaml 1 处）" in out
    assert "配置检查通过" not in out


@pytest.mark.parametrize("how", ["option", "env"])
def test_cli_not_a_project_exit_2(
    cli_env: None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    how: str,
) -> None:
    (tmp_path / "regions.yaml").write_text("units: []\n", encoding="utf-8")
    if how == "option":
        code = main(["config", "check", "--project", str(tmp_path)])
    else:
        monkeypatch.setenv(PROJECT_ENV, str(tmp_path))
        code = main(["config", "check"])
    assert code == 2
    captured = capsys.readouterr()
    assert "不是 bizenv 项目目录（缺少 departments.yaml" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_duplicate_key_does_not_hide_other_issues(project: Path) -> None:
    replace(project / "bizenv.yaml", "issuer: 示例市", "issuer: 甲\nissuer: 示例市")
    replace(project / "bizenv.yaml", "first_quarter: 2024Q1", "first_quater: 2024Q1")
    messages = [i.message for i in check_project(project) if i.file == "bizenv.yaml"]
    assert any("键“issuer”重复出现" in m for m in messages)
    assert any("未知字段“first_quater”，是否应为“first_quarter”" in m for m in messages)


def test_empty_contract_is_an_issue(project: Path) -> None:
    (project / "sources" / OWN_SOURCE / "contract.yaml").write_text("# 空\n", encoding="utf-8")
    issues = [i for i in check_project(project) if i.file.endswith("contract.yaml")]
    assert [(i.file, i.message) for i in issues] == [
        (f"sources/{OWN_SOURCE}/contract.yaml", "应为键值映射（当前为空值）")
    ]


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("city:\n\tcode: '990100'\n", 2, "制表符"),
        ("city: {code: '990100', name: 示例市\nunits: []\n", 2, "花括号映射未闭合"),
        ("city:\n  name: \"示例市\n  code: '990100'\n", 2, "引号未闭合"),
        ("city:\n  code: '990100'\n name: 示例市\n", 3, "缩进不一致"),
    ],
)
def test_yaml_syntax_errors_in_chinese_with_line(
    project: Path, text: str, line: int, fragment: str
) -> None:
    (project / "regions.yaml").write_text(text, encoding="utf-8")
    issues = [i for i in check_project(project) if i.file == "regions.yaml"]
    assert len(issues) == 1
    assert issues[0].line == line
    assert issues[0].message.startswith("YAML 语法错误：")
    assert fragment in issues[0].message


@pytest.mark.parametrize(
    "name",
    ["regions", "departments", "bizenv", "bulletin", "sources", "contract", "checks", "suite"],
)
def test_shipped_schemas_are_valid_json_schemas(name: str) -> None:
    import jsonschema

    from pipelines.config_check import load_schema

    schema = load_schema(name)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"].endswith(f"/{name}.schema.json")


def test_check_project_of_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ProjectConfigError, match="项目目录不存在"):
        ensure_valid_project(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("file", "text", "message"),
    [
        ("departments.yaml", "部门\n", "应为键值映射（当前为字符串）"),
        ("sources.yaml", "sources: []\n", "应为键值映射（当前为列表）"),
    ],
)
def test_unusable_registry_gives_one_issue_not_a_cascade(
    project: Path, file: str, text: str, message: str
) -> None:
    (project / file).write_text(text, encoding="utf-8")
    issues = check_project(project)
    assert [(i.file, i.message) for i in issues] == [(file, message)]


@pytest.mark.parametrize("command", [["run", "--quarter", "2025Q2"], ["backfill"], ["demo"]])
def test_pipeline_commands_check_the_project_first(
    cli_env: None,
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
) -> None:
    """A broken project stops run, backfill and demo before anything runs, with the check's
    Chinese report (file and line) and exit 1; nothing is written to the work directory."""
    replace(project / "regions.yaml", 'code: "990103"', 'code: "99013"')
    workdir = tmp_path / "never"
    code = main([*command, "--project", str(project), "--workdir", str(workdir)])
    err = capsys.readouterr().err
    assert code == 1
    assert "项目配置错误" in err and "regions.yaml 第" in err and "99013" in err
    assert not workdir.exists()
