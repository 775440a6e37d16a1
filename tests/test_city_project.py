"""A city that is not the demo adopts bizenv without editing the checkout: init a project,
replace its registries, add a source of its own (one folder, no Python) with an indicator of
its own, make a built-in source optional and leave it out one quarter, generate, run two
quarters and read the bulletin. Everything through the installed ``bizenv`` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from pipelines.env import PACKAGE_ROOT

pytestmark = pytest.mark.slow

FIXTURE = Path(__file__).parent / "data" / "city_project"
CITY, CODE = "江海市", "880600"
UNITS = ("江北区", "江南区", "海宁县", "临海市", "港区")
Q1, Q2 = "2025Q1", "2025Q2"
HOTLINE_HEADER = "工单编号,区划代码,受理时间,办结时间,是否按时办结\n"


def bizenv(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("bizenv")
    return subprocess.run(
        [str(exe), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=PACKAGE_ROOT,
        timeout=900,
        check=False,
    )


def hotline_csv(quarter: str) -> str:
    """Tickets of every unit: 10 per unit, unit k closes k of them late."""
    month = {"2025Q1": "02", "2025Q2": "05"}[quarter]
    codes = ["880602", "880603", "880621", "880681", "880671"]
    rows = []
    for k, code in enumerate(codes):
        for i in range(10):
            on_time = "否" if i < k else "是"
            rows.append(
                f"GD{quarter}-{code}-{i:03d},{code},2025-{month}-03 09:00:00,"
                f"2025-{month}-05 17:00:00,{on_time}"
            )
    return HOTLINE_HEADER + "\n".join(rows) + "\n"


def edit_project(project: Path) -> None:
    """What the city's analyst does after ``bizenv init``."""
    shutil.copyfile(FIXTURE / "regions.yaml", project / "regions.yaml")
    with (project / "departments.yaml").open("a", encoding="utf-8") as handle:
        handle.write("  - {code: D40, name: 市便民服务热线中心}\n")
    shutil.copytree(FIXTURE / "sources", project / "sources", dirs_exist_ok=True)
    shutil.copytree(FIXTURE / "indicators", project / "indicators", dirs_exist_ok=True)
    framework = (project / "framework.yaml").read_text(encoding="utf-8").rstrip("\n")
    extra = (FIXTURE / "framework_extra.yaml").read_text(encoding="utf-8")
    (project / "framework.yaml").write_text(framework + "\n" + extra, encoding="utf-8")
    sources = (project / "sources.yaml").read_text(encoding="utf-8")
    sources = sources.replace("  loan_balances:\n", "  loan_balances:\n    required: false\n") + (
        "  hotline_tickets:\n    submitters: [市便民服务热线中心]\n    required: true\n"
    )
    (project / "sources.yaml").write_text(sources, encoding="utf-8")


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    root = tmp_path_factory.mktemp("city")
    project = root / "jianghai"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIZENV_", "DAGSTER_"))}
    env["BIZENV_PROJECT"] = str(project)
    init = bizenv(
        "init", str(project), "--city", CITY, "--code", CODE, "--first-quarter", Q1, env=env
    )
    assert init.returncode == 0, init.stderr
    edit_project(project)
    landing = project / ".bizenv" / "landing"
    outputs = {"init": init}
    outputs["generate"] = bizenv(
        "generate", "--out", str(landing), "--scale", "0.05", "--quarters", f"{Q1},{Q2}", env=env
    )
    assert outputs["generate"].returncode == 0, outputs["generate"].stderr
    shutil.rmtree(landing / Q1 / "loan_balances")  # the optional source is not received in Q1
    for quarter in (Q1, Q2):
        folder = landing / quarter / "hotline_tickets"
        folder.mkdir(parents=True)
        (folder / f"12345工单_{quarter}.csv").write_text(hotline_csv(quarter), encoding="utf-8")
    for quarter in (Q1, Q2):
        outputs[quarter] = bizenv("run", "--quarter", quarter, env=env)
    return {"project": project, "outputs": outputs, "env": env}


def test_init_scaffolds_a_project_of_the_city(city: dict[str, object]) -> None:
    project: Path = city["project"]  # type: ignore[assignment]
    regions = (project / "framework.yaml").read_text(encoding="utf-8")
    assert f"name: {CITY}营商环境评价指标体系" in regions
    assert f"issuer: {CITY}优化营商环境工作领导小组办公室" in (project / "bizenv.yaml").read_text(
        encoding="utf-8"
    )
    assert "国网江海市供电公司" in (project / "departments.yaml").read_text(encoding="utf-8")


def test_two_quarters_run_with_an_own_source_and_an_optional_one_missing(
    city: dict[str, object],
) -> None:
    outputs = city["outputs"]
    for quarter in (Q1, Q2):
        run = outputs[quarter]  # type: ignore[index]
        assert run.returncode == 0, run.stdout + run.stderr
        assert "12345热线涉企工单" in run.stdout and "已入库 50 行" in run.stdout
    assert "金融机构贷款：未报送（可选数据源" in outputs[Q1].stdout  # type: ignore[index]


def test_the_own_indicator_is_scored_and_the_missing_source_leaves_values_missing(
    city: dict[str, object],
) -> None:
    project: Path = city["project"]  # type: ignore[assignment]
    with duckdb.connect(
        str(project / ".bizenv" / "warehouse" / "bizenv.duckdb"), read_only=True
    ) as con:
        hotline = dict(
            con.execute(
                "select unit_code, value from scores.indicator_values "
                "where quarter = ? and indicator = 'E20_01'",
                [Q2],
            ).fetchall()
        )
        loans_q1 = con.execute(
            "select count(*) from scores.indicator_values "
            "where quarter = ? and indicator like 'E06%' and value is not null",
            [Q1],
        ).fetchone()
        ranked = con.execute(
            "select count(*) from scores.rankings where quarter = ? and rank is not null", [Q2]
        ).fetchone()
    # Unit k (in file order) closed k of its 10 tickets late.
    assert hotline == pytest.approx(
        {"880602": 100.0, "880603": 90.0, "880621": 80.0, "880681": 70.0, "880671": 60.0}
    )
    assert loans_q1 == (0,)
    assert ranked == (5,)


def test_the_bulletin_names_only_the_city(city: dict[str, object]) -> None:
    project: Path = city["project"]  # type: ignore[assignment]
    reports = project / ".bizenv" / "reports"
    q1 = (reports / Q1 / f"{CITY}营商环境评价_{Q1}_季通报.html").read_text(encoding="utf-8")
    q2 = (reports / Q2 / f"{CITY}营商环境评价_{Q2}_季通报.html").read_text(encoding="utf-8")
    for html in (q1, q2):
        assert CITY in html
        assert all(unit in html for unit in UNITS)
        assert "示例" not in html
        assert "12345热线涉企工单" in html
    assert "未报送" in q1
