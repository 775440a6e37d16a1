"""The portal's HTTP layer in-process (Starlette TestClient): login, roles, upload → verdict →
confirmation into the landing folder and the archive, status and office pages, and each
security point of issue 11 (CSRF, forged source, ``../`` names, size and type limits, login
rate limit, escaping, traversal, append-only audit log)."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from portal_fixtures import (
    OTHER_SOURCE,
    PASSWORD,
    QUARTER,
    SOURCE,
    PortalEnv,
    csrf_of,
    make_portal_env,
    portal_app,
)
from starlette.testclient import TestClient

from pipelines.automation import scan_landing
from pipelines.env import Workdir
from pipelines.intake.archive import (
    archive_file,
    file_sha256,
    is_submission_file,
    sender_sidecar,
)
from pipelines.intake.marks import mark_received
from pipelines.portal import uploads
from pipelines.portal.app import LoginThrottle
from pipelines.portal.audit import AuditLog, verify_chain
from pipelines.portal.users import (
    authenticate,
    disable_user,
    load_users,
    reset_password,
    users_path,
)

# Tier slow: runs the pipeline (run_quarter, bizenv run) on small fixtures.
pytestmark = pytest.mark.slow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workdir: Workdir) -> PortalEnv:
    return make_portal_env(tmp_path, monkeypatch, workdir)


@pytest.fixture
def client(env: PortalEnv) -> Iterator[TestClient]:
    with TestClient(portal_app(env), follow_redirects=False) as c:
        yield c


def login(client: TestClient, username: str, password: str = PASSWORD) -> object:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login", data={"csrf_token": token, "username": username, "password": password}
    )


def page_token(client: TestClient) -> str:
    return csrf_of(client.get("/status").text)


def post_upload(
    client: TestClient,
    path: Path,
    *,
    source: str = SOURCE,
    name: str | None = None,
    token: str | None = None,
    content: bytes | None = None,
) -> object:
    data = {"source": source, "quarter": str(QUARTER)}
    if token is not None:
        data = {"csrf_token": token, **data}
    body = content if content is not None else path.read_bytes()
    return client.post("/upload", data=data, files={"file": (name or path.name, body, XLSX)})


def landed(env: PortalEnv) -> list[Path]:
    """What the landing sensor would take as submissions (not the hidden sender sidecars)."""
    return sorted(p for p in env.workdir.landing.rglob("*") if is_submission_file(p))


def audit_events(env: PortalEnv) -> list[str]:
    return [r["event"] for r in AuditLog(env.workdir.root / "portal" / "audit.jsonl").records()]


# --- login and sessions ----------------------------------------------------------------------


def test_pages_need_a_session_and_login_sets_a_hardened_cookie(
    client: TestClient, env: PortalEnv
) -> None:
    for path in ("/", "/status", "/office", f"/submit/{SOURCE}", f"/template/{SOURCE}"):
        response = client.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/login?next="), path
    form = client.get("/login").text
    assert 'name="username"' in form and 'name="password"' in form
    response = login(client, "shuju")
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    home = client.get("/")
    assert home.status_code == 200
    assert "政务服务办件" in home.text and f"/submit/{SOURCE}" in home.text
    assert f"/submit/{OTHER_SOURCE}" not in home.text
    assert "示例数据" in home.text
    assert home.headers["content-security-policy"].startswith("default-src 'self'")


def test_disable_and_reset_end_open_sessions(client: TestClient, env: PortalEnv) -> None:
    login(client, "shuju")
    assert client.get("/").status_code == 200
    reset_password(users_path(env.project), "shuju", "another-pass-1")
    assert client.get("/").status_code == 303
    assert login(client, "shuju", "another-pass-1").status_code == 303
    disable_user(users_path(env.project), "shuju")
    assert client.get("/").status_code == 303
    assert login(client, "shuju", "another-pass-1").status_code == 401


def test_passwords_are_stored_only_as_argon2_hashes(env: PortalEnv) -> None:
    text = users_path(env.project).read_text(encoding="utf-8")
    assert PASSWORD not in text
    users = load_users(users_path(env.project))
    assert all(u.password_hash.startswith("$argon2id$") for u in users.values())
    assert authenticate(users, "shuju", PASSWORD) is not None
    assert authenticate(users, "shuju", PASSWORD + "x") is None
    assert authenticate(users, "nobody", PASSWORD) is None


def test_wrong_password_ten_times_is_rate_limited(client: TestClient, env: PortalEnv) -> None:
    codes = [login(client, "shuju", f"wrong-{n}").status_code for n in range(10)]
    assert codes == [401] * 5 + [429] * 5
    # Locked: even the right password is refused until the window has passed.
    response = login(client, "shuju")
    assert response.status_code == 429 and "登录失败次数过多" in response.text
    assert client.get("/").status_code == 303
    events = audit_events(env)
    assert events.count("login_failed") == 5 and events.count("login_throttled") == 6
    # Another account is not locked by it.
    assert login(client, "gongdian").status_code == 303


def test_throttle_window_slides() -> None:
    now = [0.0]
    throttle = LoginThrottle(window=60, per_user=2, per_address=100, clock=lambda: now[0])
    throttle.fail("a", "1.2.3.4")
    throttle.fail("a", "1.2.3.4")
    assert throttle.blocked("a", "1.2.3.4") and not throttle.blocked("b", "1.2.3.4")
    now[0] = 61.0
    assert not throttle.blocked("a", "1.2.3.4")


# --- CSRF ------------------------------------------------------------------------------------


def test_every_form_needs_the_csrf_token(client: TestClient, env: PortalEnv) -> None:
    response = client.post("/login", data={"username": "shuju", "password": PASSWORD})
    assert response.status_code == 403 and "CSRF" in response.text
    login(client, "shuju")
    response = post_upload(client, env.good)  # no csrf_token field
    assert response.status_code == 403
    assert not list((env.workdir.root / "portal").rglob("upload*"))
    response = post_upload(client, env.good, token="forged-token")
    assert response.status_code == 403
    token = page_token(client)
    verdict = post_upload(client, env.good, token=token)
    assert verdict.status_code == 303
    confirm_url = verdict.headers["location"] + "/confirm"
    assert client.post(confirm_url, data={}).status_code == 403
    assert landed(env) == []
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/").status_code == 200  # still logged in
    assert "csrf_refused" in audit_events(env)


# --- roles and forged parameters -------------------------------------------------------------


def test_forged_source_is_refused_by_url_and_by_form_field(
    client: TestClient, env: PortalEnv
) -> None:
    login(client, "shuju")
    for path in (f"/submit/{OTHER_SOURCE}", f"/template/{OTHER_SOURCE}", "/submit/no_such"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "无权访问该数据源" in response.text
    token = page_token(client)
    response = post_upload(client, env.good, source=OTHER_SOURCE, token=token)
    assert response.status_code == 403 and "无权访问该数据源" in response.text
    assert landed(env) == []
    assert client.get("/status?department=国网示例供电公司").status_code == 403
    assert client.get("/office").status_code == 403
    assert client.get("/reports/index.html").status_code == 403


def test_a_second_department_cannot_see_anothers_upload(env: PortalEnv, client: TestClient) -> None:
    login(client, "shuju")
    verdict_url = post_upload(client, env.bad, token=page_token(client)).headers["location"]
    with TestClient(portal_app(env), follow_redirects=False) as other:
        login(other, "gongdian")
        assert other.get(verdict_url).status_code == 403
        assert other.get(verdict_url + "/report.html").status_code == 403
        response = other.post(verdict_url + "/confirm", data={"csrf_token": page_token(other)})
        assert response.status_code == 403
        status = other.get(f"/status?quarter={QUARTER}").text
        assert "政务服务办件" not in status


# --- uploads ---------------------------------------------------------------------------------


def test_bad_file_shows_errors_with_excel_rows_and_cannot_be_confirmed(
    client: TestClient, env: PortalEnv
) -> None:
    login(client, "shuju")
    response = post_upload(client, env.bad, token=page_token(client))
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "校验未通过" in page.text
    shown = {int(n) for n in re.findall(r"<td>第(\d+)行</td>", page.text)}
    assert set(env.bad_rows) <= shown
    report = client.get(response.headers["location"] + "/report.html")
    assert report.status_code == 200 and "政务服务办件" in report.text
    for row in env.bad_rows:
        assert str(row) in report.text
    refused = client.post(
        response.headers["location"] + "/confirm", data={"csrf_token": page_token(client)}
    )
    assert refused.status_code == 403 and "校验未通过的文件不能报送" in refused.text
    assert landed(env) == []


def test_good_file_confirmed_lands_under_a_server_name_with_sender_and_time(
    client: TestClient, env: PortalEnv
) -> None:
    login(client, "shuju")
    response = post_upload(client, env.good, token=page_token(client))
    page = client.get(response.headers["location"])
    assert "校验通过" in page.text and 'id="confirm"' in page.text
    confirmed = client.post(
        response.headers["location"] + "/confirm", data={"csrf_token": page_token(client)}
    )
    assert confirmed.status_code == 303
    (path,) = landed(env)
    assert path.parent == env.workdir.landing / str(QUARTER) / SOURCE
    assert re.fullmatch(rf"{SOURCE}_{QUARTER}_\d{{14}}_[0-9a-f]{{8}}\.xlsx", path.name)
    assert path.read_bytes() == env.good.read_bytes()
    sidecar = json.loads(sender_sidecar(path).read_text(encoding="utf-8"))
    assert sidecar["submitted_by"] == "shuju" and sidecar["sha256"] == file_sha256(path)
    stamp = path.name.split("_")[-2]
    assert sidecar["received_at"].startswith(f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}T")
    # Shown at once, before the sensor has run.
    status = client.get(confirmed.headers["location"])
    assert file_sha256(path)[:12] in status.text
    assert "已接收，待校验" in status.text and "<td>shuju</td>" in status.text
    # The landing sensor sees a new version (the portal has not archived it) ...
    (change,) = scan_landing(env.workdir.landing, None, env.workdir.archive).changes
    assert (change.source, change.quarter, change.path) == (SOURCE, QUARTER, path)
    # ... and the archive records the portal's sender and confirmation time, whatever time
    # the intake asset archives it at.
    archived = archive_file(path, env.workdir.archive, SOURCE, QUARTER)
    # What the intake asset does next: record the receipt (the sensor then skips the file).
    mark_received(
        env.workdir.archive, env.workdir.landing, path, SOURCE, QUARTER, archived.submission_hash
    )
    assert archived.submitted_by == "shuju"
    assert archived.received_at.isoformat() == sidecar["received_at"]
    (meta_path,) = (env.workdir.archive / "submissions" / SOURCE / str(QUARTER)).glob("*.json")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    assert meta["submitted_by"] == "shuju" and meta["file_name"] == path.name
    assert scan_landing(env.workdir.landing, None, env.workdir.archive).changes == []
    status = client.get(confirmed.headers["location"])
    assert status.text.count("<td>shuju</td>") == 1  # one version, not two
    # The pending copy is gone: confirming twice is impossible.
    assert client.get(response.headers["location"]).status_code == 404
    assert "upload_confirmed" in audit_events(env)


def test_dotdot_in_file_name_is_refused(client: TestClient, env: PortalEnv) -> None:
    login(client, "shuju")
    token = page_token(client)
    for name in ("../../portal_users.xlsx", "..\\..\\x.xlsx", "a/../b.xlsx", "/etc/x.csv"):
        response = post_upload(client, env.good, name=name, token=token)
        assert response.status_code == 400, name
        assert "文件名不合法" in response.text
    assert landed(env) == []
    assert not list((env.workdir.root / "portal").rglob("upload*"))
    assert sorted(p.name for p in env.project.iterdir()) == sorted(
        p.name for p in (env.project.parent / "project").iterdir()
    )
    assert not (env.project / "portal_users.xlsx").exists()


def test_wrong_type_is_refused(client: TestClient, env: PortalEnv) -> None:
    login(client, "shuju")
    response = post_upload(client, env.good, name="政务服务办件.xls", token=page_token(client))
    assert response.status_code == 415 and "文件类型不支持" in response.text
    response = post_upload(client, env.good, name="run.exe", token=page_token(client))
    assert response.status_code == 415


def test_oversized_upload_is_refused(env: PortalEnv) -> None:
    with TestClient(portal_app(env, max_upload_bytes=1000), follow_redirects=False) as client:
        login(client, "shuju")
        token = page_token(client)
        # Content-Length above the limit: refused before the body is read.
        response = post_upload(client, env.good, token=token)
        assert response.status_code == 413 and "文件过大" in response.text
        # A declared length within the allowance, a file over the limit: stopped while streaming.
        response = post_upload(client, env.good, token=token, content=b"x" * 5000)
        assert response.status_code == 413
        assert not list((env.workdir.root / "portal").rglob("upload*"))
        assert landed(env) == []
    assert audit_events(env).count("upload_refused") == 2


async def _chunks(parts: list[bytes], taken: list[int]) -> AsyncIterator[bytes]:
    for part in parts:
        taken.append(len(part))
        yield part


def _multipart(name: str, fields: dict[str, str]) -> tuple[str, list[bytes]]:
    b = "BOUNDARY"
    head = "".join(
        f'--{b}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    )
    head += f'--{b}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'
    return f"multipart/form-data; boundary={b}", [
        head.encode(),
        b"A" * 1000,
        b"B" * 1000,
        f"\r\n--{b}--\r\n".encode(),
    ]


@pytest.mark.parametrize(
    ("name", "refusal", "status"),
    [("x.exe", None, 415), ("../x.csv", None, 400), ("x.csv", "source", 403)],
)
def test_refusals_happen_before_the_file_is_read(
    tmp_path: Path, name: str, refusal: str | None, status: int
) -> None:
    taken: list[int] = []
    content_type, parts = _multipart(name, {"csrf_token": "t", "source": "s"})

    def before_file(fields: dict[str, str], client_name: str) -> None:
        assert fields == {"csrf_token": "t", "source": "s"}
        raise uploads.UploadRefused(403, "无权访问该数据源")

    with pytest.raises(uploads.UploadRefused) as caught:
        asyncio.run(
            uploads.receive_upload(
                _chunks(parts, taken),
                content_type,
                tmp_path,
                max_bytes=10_000,
                before_file=before_file,
            )
        )
    assert caught.value.status == status
    assert taken == [len(parts[0])]  # not one byte of the file's content was pulled
    assert list(tmp_path.iterdir()) == []


def test_streamed_file_is_hashed_and_counted(tmp_path: Path) -> None:
    import hashlib

    content_type, parts = _multipart("x.csv", {"csrf_token": "t", "source": "s"})
    received = asyncio.run(
        uploads.receive_upload(
            _chunks(parts, []),
            content_type,
            tmp_path,
            max_bytes=10_000,
            before_file=lambda f, n: None,
        )
    )
    assert received.size == 2000 and received.fields["source"] == "s"
    assert received.sha256 == hashlib.sha256(b"A" * 1000 + b"B" * 1000).hexdigest()
    assert received.path.read_bytes() == b"A" * 1000 + b"B" * 1000


# --- escaping, traversal, audit --------------------------------------------------------------


def test_department_and_file_strings_are_escaped(client: TestClient, env: PortalEnv) -> None:
    hostile = "<script>alert(1)</script>局"
    deps = env.project / "departments.yaml"
    deps.write_text(
        deps.read_text(encoding="utf-8") + f'  - {{code: D99, name: "{hostile}"}}\n',
        encoding="utf-8",
    )
    sources = env.project / "sources.yaml"
    sources.write_text(
        sources.read_text(encoding="utf-8").replace(
            "submitters: [市数据局]", f'submitters: [市数据局, "{hostile}"]'
        ),
        encoding="utf-8",
    )
    from pipelines.portal.users import add_user

    add_user(users_path(env.project), "evil", hostile, PASSWORD, office=False)
    login(client, "keshi")
    office = client.get(f"/office?quarter={QUARTER}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;局" in office
    assert "<script>alert" not in office
    client.post("/logout", data={"csrf_token": page_token(client)})
    login(client, "evil")
    assert "<script>alert" not in client.get("/").text
    response = post_upload(
        client, env.bad, name="<img src=x onerror=alert(1)>.xlsx", token=page_token(client)
    )
    page = client.get(response.headers["location"]).text
    assert "&lt;img src=x onerror=alert(1)&gt;.xlsx" in page and "<img src=x" not in page


@pytest.mark.parametrize(
    "path",
    [
        "/reports/..%2F..%2Fportal%2Fsession.key",
        "/reports/%2E%2E/%2E%2E/portal/session.key",
        "/upload/..%2F..%2Fportal",
        "/upload/" + "0" * 32 + "/report.html",
        f"/rejection/{SOURCE}/{QUARTER}/..%2F..%2Fportal.html",
        f"/rejection/..%2F{SOURCE}/{QUARTER}/abc.html",
        "/static/..%2Fapp.py",
        "/template/..%2F..%2Fportal_users",
        "/status?quarter=..%2F..",
    ],
)
def test_no_directory_traversal(client: TestClient, env: PortalEnv, path: str) -> None:
    (env.workdir.root / "portal").mkdir(parents=True, exist_ok=True)
    (env.workdir.root / "portal" / "session.key").write_text("s3cret", encoding="utf-8")
    login(client, "keshi" if path.startswith("/reports") else "shuju")
    response = client.get(path)
    assert response.status_code in (400, 403, 404), path
    assert "s3cret" not in response.text and "password_hash" not in response.text
    assert "def create_app" not in response.text


def test_audit_log_is_append_only_and_chained(client: TestClient, env: PortalEnv) -> None:
    log = env.workdir.root / "portal" / "audit.jsonl"
    login(client, "shuju", "wrong-password")
    before = log.read_bytes()
    login(client, "shuju")
    post_upload(client, env.bad, token=page_token(client))
    after = log.read_bytes()
    assert after.startswith(before) and len(after) > len(before)
    assert [e for e in audit_events(env) if e != "csrf_refused"] == [
        "login_failed",
        "login",
        "upload_checked",
    ]
    assert verify_chain(log) is None
    lines = after.decode().splitlines()
    lines[1] = lines[1].replace('"login"', '"logout"')
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert verify_chain(log) == 3  # the edit shows at the line after it


def test_office_sees_the_matrix_and_every_department(client: TestClient, env: PortalEnv) -> None:
    login(client, "shuju")
    verdict = post_upload(client, env.good, token=page_token(client)).headers["location"]
    client.post(verdict + "/confirm", data={"csrf_token": page_token(client)})
    client.post("/logout", data={"csrf_token": page_token(client)})
    login(client, "keshi")
    assert client.get("/").headers["location"] == "/office"
    office = client.get(f"/office?quarter={QUARTER}")
    rows = dict(
        re.findall(
            r"<tr>\s*<th><a href=\"/status[^\"]*\">([^<]+)</a></th>(.*?)</tr>", office.text, re.S
        )
    )
    assert "已报送" in rows["市数据局"]
    assert "未报送" in rows["国网示例供电公司"] and "逾期" in rows["国网示例供电公司"]
    assert "尚未生成季通报" in office.text
    status = client.get(f"/status?quarter={QUARTER}&department=市数据局")
    assert status.status_code == 200 and "<td>shuju</td>" in status.text
    # The office views, it does not submit.
    assert client.get(f"/submit/{SOURCE}").status_code == 403


def test_status_links_the_pipelines_rejection_report_to_its_department_only(
    client: TestClient, env: PortalEnv
) -> None:
    """A file that reached the landing folder another way (SFTP) and was rejected by the
    pipeline: the submitting department sees 退回 and its report; another department cannot."""
    import shutil

    from pipelines.orchestration import run_quarter

    folder = env.workdir.landing / str(QUARTER) / SOURCE
    folder.mkdir(parents=True)
    shutil.copy(env.bad, folder / "办件_sftp.xlsx")
    assert not run_quarter(QUARTER, "in_process", sources=(SOURCE,))
    login(client, "shuju")
    status = client.get(f"/status?quarter={QUARTER}").text
    assert '<td class="status">退回</td>' in status
    assert "<td>3</td>" in status  # error count
    link = re.search(rf'href="(/rejection/{SOURCE}/{QUARTER}/[0-9a-f]{{12}}\.html)"', status)
    assert link is not None
    report = client.get(link.group(1))
    assert report.status_code == 200
    for row in env.bad_rows:
        assert str(row) in report.text
    assert client.get(link.group(1)[: -len("html")] + "csv").status_code == 200
    with TestClient(portal_app(env), follow_redirects=False) as other:
        login(other, "gongdian")
        assert other.get(link.group(1)).status_code == 403
