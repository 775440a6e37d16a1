"""The portal's whole flow in headless Chromium (Debian's /usr/bin/chromium via Playwright)
against a real uvicorn server: a department logs in, downloads its template, uploads a bad
file and sees its errors with Excel row numbers, uploads the corrected file and confirms it;
the pipeline (in-process, as the landing sensor would start it) accepts it and the status page
shows 已入库; a second department can neither see nor post to that source; the office sees
the matrix. Screenshots go to ``$PORTAL_SCREENSHOTS`` (default: the test's temp dir)."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from portal_fixtures import PASSWORD, QUARTER, SOURCE, PortalEnv, make_portal_env, portal_app
from test_bulletin_browser import CHROMIUM, CHROMIUM_ARGS, require_chromium

from pipelines.env import Workdir

# Drives the portal in headless Chromium.
pytestmark = pytest.mark.browser


@pytest.fixture
def server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workdir: Workdir
) -> Iterator[tuple[str, PortalEnv]]:
    import uvicorn

    env = make_portal_env(tmp_path, monkeypatch, workdir)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(portal_app(env), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", env
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def shots_dir(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("PORTAL_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def log_in(page: object, base: str, username: str) -> None:
    page.goto(f"{base}/")  # type: ignore[attr-defined]
    assert "/login" in page.url  # type: ignore[attr-defined]
    page.fill("input[name=username]", username)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]


def test_department_flow_in_chromium(server: tuple[str, PortalEnv], tmp_path: Path) -> None:
    require_chromium()
    from openpyxl import load_workbook
    from playwright.sync_api import sync_playwright

    from pipelines.contracts import contract
    from pipelines.intake.archive import is_submission_file
    from pipelines.orchestration import run_quarter

    base, env = server
    shots = shots_dir(tmp_path)
    taken: list[Path] = []
    errors: list[str] = []

    def shot(page: object, name: str) -> None:
        path = shots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
        taken.append(path)

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(
                viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
            )
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on(
                "request",
                lambda r: errors.append(r.url) if not r.url.startswith(base) else None,
            )
            page.goto(f"{base}/login")
            shot(page, "01_login")
            log_in(page, base, "shuju")
            page.wait_for_selector("#tasks")
            assert page.locator("#tasks tbody tr").count() == 1
            assert "政务服务办件" in page.inner_text("#tasks")
            # 1366×768: no horizontal scrolling.
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
            shot(page, "02_department_home")

            with page.expect_download() as download_info:
                page.click(f"a[href='/template/{SOURCE}']")
            template = tmp_path / "template.xlsx"
            download_info.value.save_as(template)
            assert download_info.value.suggested_filename.endswith("_模板.xlsx")
            sheet = load_workbook(template, read_only=True)["数据"]
            header = [c for c in next(sheet.iter_rows(values_only=True)) if c]
            assert header[: len(contract(SOURCE).columns)] == [
                c.header for c in contract(SOURCE).columns
            ]

            # The quarter picker (the home page opens on the quarter now due).
            page.select_option("select[name=quarter]", str(QUARTER))
            page.click(".quarter-pick button")
            page.click(f"a[href='/submit/{SOURCE}?quarter={QUARTER}']")
            page.set_input_files("input[name=file]", str(env.bad))
            page.click("#upload-form button[type=submit]")
            page.wait_for_selector("#verdict", timeout=180_000)
            assert "校验未通过" in page.inner_text("#verdict")
            cells = page.eval_on_selector_all(
                "#errors tbody tr td:first-child", "els => els.map(e => e.textContent)"
            )
            rows = {int(m.group(1)) for c in cells if (m := re.fullmatch(r"第(\d+)行", c))}
            assert set(env.bad_rows) <= rows
            assert page.locator("#confirm").count() == 0
            shot(page, "03_verdict_rejected")

            page.click("a.button:has-text('重新上传')")
            page.set_input_files("input[name=file]", str(env.good))
            page.click("#upload-form button[type=submit]")
            page.wait_for_selector("#verdict", timeout=180_000)
            assert page.inner_text("#verdict") == "校验通过"
            shot(page, "04_verdict_passed")
            page.click("#confirm")
            page.wait_for_selector("#sent")
            assert "已接收，待校验" in page.inner_text(f"#src-{SOURCE}")
            shot(page, "05_status_received")

            # The landing sensor's run, in-process.
            landed = [
                p
                for p in (env.workdir.landing / str(QUARTER) / SOURCE).iterdir()
                if is_submission_file(p)
            ]
            assert len(landed) == 1
            assert run_quarter(QUARTER, "in_process", sources=(SOURCE,))
            page.reload()
            row = page.locator(f"#src-{SOURCE} tbody tr").first
            assert row.locator("td.status").inner_text() == "已入库"
            assert "现行" in row.inner_text() and "shuju" in row.inner_text()
            assert "已入库" in page.inner_text(f"#src-{SOURCE} h2")
            shot(page, "06_status_loaded")
            page.emulate_media(media="print")
            shot(page, "07_status_print")
            page.emulate_media(media="screen")
            context.close()

            # A second department: cannot see the source, nor post to it by a crafted form.
            other = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page = other.new_page()
            log_in(page, base, "gongdian")
            page.wait_for_selector("#tasks")
            assert "政务服务办件" not in page.inner_text("#tasks")
            response = page.goto(f"{base}/submit/{SOURCE}")
            assert response is not None and response.status == 403
            assert "无权访问该数据源" in page.inner_text("#message")
            shot(page, "08_other_department_forbidden")
            page.goto(f"{base}/submit/utility_connections?quarter={QUARTER}")
            page.evaluate(f"document.querySelector('input[name=source]').value = '{SOURCE}'")
            page.set_input_files("input[name=file]", str(env.good))
            page.click("#upload-form button[type=submit]")
            page.wait_for_selector("#message")
            assert "无权访问该数据源" in page.inner_text("#message")
            page.goto(f"{base}/status?quarter={QUARTER}")
            assert "政务服务办件" not in page.inner_text("main")
            other.close()

            office = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
            page = office.new_page()
            log_in(page, base, "keshi")
            page.wait_for_selector("#matrix")
            page.goto(f"{base}/office?quarter={QUARTER}")
            row = page.locator("#matrix tbody tr", has_text="市数据局").first
            assert "已入库" in row.inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= 1366
            shot(page, "09_office_matrix")
            office.close()
        finally:
            browser.close()
    assert errors == []
    assert all(p.stat().st_size > 10_000 for p in taken)
    print("\nscreenshots:\n" + "\n".join(str(p) for p in taken))
