"""The portal's Starlette application (server-rendered Jinja2 pages, no build step).

Roles: a department user sees and submits only the sources whose ``submitters`` include its
department; an office user (``--office``) sees every department, the matrix of the quarter
and the bulletins, and submits nothing. Every POST carries the session's CSRF token.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from pipelines.env import Workdir
from pipelines.portal import status as status_mod
from pipelines.portal import uploads
from pipelines.portal.audit import AuditLog
from pipelines.portal.users import User, authenticate, load_users, users_path
from pipelines.project import Project, current_project
from pipelines.quarters import Quarter, QuarterError, current_quarter
from pipelines.reports.model.data_quality import submission_deadline
from pipelines.tempfiles import write_atomic

HERE = Path(__file__).resolve().parent
SESSION_COOKIE = "bizenv_portal"
SESSION_HOURS = 8
LOGIN_WINDOW_SECONDS = 15 * 60
LOGIN_FAILURES_PER_USER = 5
LOGIN_FAILURES_PER_ADDRESS = 20
MULTIPART_OVERHEAD = 64 * 1024
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


@dataclass
class PortalConfig:
    workdir: Workdir
    project_root: Path | None = None  # None: the project in force ($BIZENV_PROJECT)
    max_upload_bytes: int = 100 * 2**20
    secure_cookies: bool = False
    secret_key: str | None = None  # None: <workdir>/portal/session.key (made on first start)


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class LoginThrottle:
    """Failed logins per user name and per address in a sliding window."""

    window: float = LOGIN_WINDOW_SECONDS
    per_user: int = LOGIN_FAILURES_PER_USER
    per_address: int = LOGIN_FAILURES_PER_ADDRESS
    clock: Callable[[], float] = time.monotonic
    failures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _count(self, key: str) -> int:
        now, q = self.clock(), self.failures[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return len(q)

    def blocked(self, username: str, address: str) -> bool:
        with self.lock:
            return (
                self._count(f"u:{username}") >= self.per_user
                or self._count(f"a:{address}") >= self.per_address
            )

    def fail(self, username: str, address: str) -> None:
        with self.lock:
            now = self.clock()
            self.failures[f"u:{username}"].append(now)
            self.failures[f"a:{address}"].append(now)

    def succeed(self, username: str) -> None:
        with self.lock:
            self.failures.pop(f"u:{username}", None)


def session_secret(workdir: Workdir) -> str:
    path = workdir.root / "portal" / "session.key"
    if not path.is_file():
        write_atomic(path, secrets.token_hex(32).encode("utf-8"), 0o600)
    return path.read_text(encoding="utf-8").strip()


def create_app(config: PortalConfig) -> Starlette:
    workdir = config.workdir.ensure()
    uploads.remove_stale(workdir)
    audit = AuditLog(workdir.root / "portal" / "audit.jsonl")
    throttle = LoginThrottle()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    validation_lock = threading.Lock()

    def project() -> Project:
        if config.project_root is not None:
            from pipelines.project import load_project

            return load_project(config.project_root)
        return current_project()

    def users() -> dict[str, User]:
        return load_users(users_path(project().root))

    # --- helpers -----------------------------------------------------------------------------

    def csrf_token(request: Request) -> str:
        token = request.session.get("csrf")
        if not token:
            token = secrets.token_urlsafe(32)
            request.session["csrf"] = token
        return str(token)

    def check_csrf(request: Request, sent: str | None) -> None:
        expected = request.session.get("csrf")
        if not expected or not sent or not secrets.compare_digest(str(expected), sent):
            audit.append(
                "csrf_refused",
                path=request.url.path,
                user=request.session.get("user"),
                address=_address(request),
            )
            raise Forbidden("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")

    def current_user(request: Request) -> User:
        name = request.session.get("user")
        if not name:
            raise LoginRequired
        user = users().get(str(name))
        if (
            user is None
            or user.disabled
            or request.session.get("pv") != user.password_version
            or time.time() - float(request.session.get("at", 0)) > SESSION_HOURS * 3600
        ):
            request.session.clear()
            raise LoginRequired
        return user

    def allowed_sources(p: Project, user: User) -> list[str]:
        if user.office:
            return list(p.source_ids)
        return [s.source for s in p.sources if user.department in s.submitters]

    def require_source(p: Project, user: User, source: str) -> None:
        if user.office:
            raise Forbidden("科室账号只能查看，报送请使用报送部门的账号")
        if source not in allowed_sources(p, user):
            audit.append("forbidden", user=user.username, source=source[:80])
            raise Forbidden("无权访问该数据源：只能查看和报送本部门负责的数据源")

    def quarter_param(p: Project, text: str | None) -> Quarter:
        quarters = p.quarters()
        if not text:
            due = current_quarter().previous()
            return due if due in quarters else quarters[-1]
        try:
            q = Quarter.parse(text)
        except QuarterError:
            raise HTTPException(400, "季度格式不正确，应为如 2025Q2") from None
        if q not in quarters:
            raise HTTPException(404, f"{q} 不在本项目的报送季度范围内")
        return q

    def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> Response:
        p = project()
        ctx.setdefault("user", None)
        return templates.TemplateResponse(
            request,
            name,
            {
                "csrf_token": csrf_token(request),
                "city": p.registry.city_name,
                "synthetic": p.registry.synthetic,
                **ctx,
            },
            status_code=status_code,
            headers=SECURITY_HEADERS,
        )

    def deadline_of(p: Project, q: Quarter) -> Any:
        return submission_deadline(q, p.settings.deadline_days_after_quarter)

    # --- login -------------------------------------------------------------------------------

    async def login_page(request: Request) -> Response:
        return render(request, "login.html", next=_safe_next(request.query_params.get("next")))

    async def login(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=4, max_part_size=4096)
        check_csrf(request, _str(form.get("csrf_token")))
        username = (_str(form.get("username")) or "").strip()[:64]
        password = _str(form.get("password")) or ""
        address = _address(request)
        next_url = _safe_next(_str(form.get("next")))
        if throttle.blocked(username, address):
            audit.append("login_throttled", user=username, address=address)
            return render(
                request,
                "login.html",
                429,
                error="登录失败次数过多，请 15 分钟后再试",
                username=username,
                next=next_url,
            )
        user = await run_in_threadpool(authenticate, users(), username, password)
        if user is None:
            throttle.fail(username, address)
            audit.append("login_failed", user=username, address=address)
            return render(
                request,
                "login.html",
                401,
                error="用户名或口令不正确",
                username=username,
                next=next_url,
            )
        throttle.succeed(username)
        request.session.clear()
        request.session.update(
            {
                "user": user.username,
                "pv": user.password_version,
                "at": time.time(),
                "csrf": secrets.token_urlsafe(32),
            }
        )
        audit.append("login", user=user.username, department=user.department, address=address)
        return RedirectResponse(next_url or "/", status_code=303)

    async def logout(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=2, max_part_size=4096)
        check_csrf(request, _str(form.get("csrf_token")))
        audit.append("logout", user=request.session.get("user"), address=_address(request))
        request.session.clear()
        return RedirectResponse("/login", status_code=303)

    # --- department pages --------------------------------------------------------------------

    async def home(request: Request) -> Response:
        user = current_user(request)
        if user.office:
            return RedirectResponse("/office", status_code=303)
        p = project()
        q = quarter_param(p, request.query_params.get("quarter"))
        all_users = users()
        rows = []
        for source in allowed_sources(p, user):
            spec = p.contract(source)
            found, _ = status_mod.versions(
                workdir, source, q, p.settings.deadline_days_after_quarter
            )
            mine = [v for v in found if _sender_department(v, all_users) in (user.department, None)]
            rows.append(
                {
                    "source": source,
                    "title": spec.title,
                    "required": spec.required,
                    "status": status_mod.cell_status(mine),
                    "versions": len(mine),
                }
            )
        return render(
            request,
            "home.html",
            user=user,
            quarter=q,
            quarters=p.quarters()[::-1],
            deadline=deadline_of(p, q),
            rows=rows,
        )

    async def template_download(request: Request) -> Response:
        user = current_user(request)
        p = project()
        source = request.path_params["source"]
        if not user.office:
            require_source(p, user, source)
        elif source not in p.source_ids:
            raise HTTPException(404, "没有这个数据源")
        from pipelines.validation.template import default_template_name, write_template

        folder = workdir.root / "portal" / "templates"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{source}.xlsx"
        await run_in_threadpool(write_template, source, target)
        name = default_template_name(source)
        return FileResponse(
            target,
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"content-disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
        )

    async def submit_page(request: Request) -> Response:
        user = current_user(request)
        p = project()
        source = request.path_params["source"]
        require_source(p, user, source)
        q = quarter_param(p, request.query_params.get("quarter"))
        spec = p.contract(source)
        return render(
            request,
            "submit.html",
            user=user,
            source=source,
            title=spec.title,
            quarter=q,
            quarters=p.quarters()[::-1],
            deadline=deadline_of(p, q),
            max_mb=config.max_upload_bytes // 2**20,
        )

    async def upload(request: Request) -> Response:
        user = current_user(request)
        p = project()
        address = _address(request)
        length = request.headers.get("content-length")
        try:
            if length is None:
                raise uploads.UploadRefused(411, "请求缺少长度信息（Content-Length），请用页面上传")
            if not length.isdigit() or int(length) > config.max_upload_bytes + MULTIPART_OVERHEAD:
                raise uploads.UploadRefused(
                    413, f"文件过大：单个文件不能超过 {config.max_upload_bytes // 2**20} MB"
                )
            chosen: dict[str, Any] = {}

            def before_file(fields: dict[str, str], client_name: str) -> None:
                check_csrf(request, fields.get("csrf_token"))
                source = fields.get("source", "")
                require_source(p, user, source)
                chosen["source"] = source
                chosen["quarter"] = quarter_param(p, fields.get("quarter") or None)

            received = await uploads.receive_upload(
                request.stream(),
                request.headers.get("content-type"),
                workdir.root / "portal" / "spool",
                max_bytes=config.max_upload_bytes,
                before_file=before_file,
            )
        except uploads.UploadRefused as exc:
            audit.append(
                "upload_refused",
                user=user.username,
                address=address,
                status=exc.status,
                reason=exc.message,
            )
            return render(request, "error.html", exc.status, user=user, message=exc.message)
        source, q = chosen["source"], chosen["quarter"]
        meta = {
            "username": user.username,
            "department": user.department,
            "source": source,
            "quarter": str(q),
            "uploaded_at": _now().isoformat(),
        }

        def check(path: Path) -> Any:
            from pipelines.validation import validate_file

            previous = previous_rows(workdir, source, q)
            with validation_lock:
                return validate_file(source, path, quarter=q, previous_rows=previous)

        pending = await run_in_threadpool(uploads.create_pending, workdir, received, meta, check)
        audit.append(
            "upload_checked",
            user=user.username,
            department=user.department,
            address=address,
            source=source,
            quarter=str(q),
            sha256=received.sha256,
            size=received.size,
            valid=pending.meta["verdict"]["valid"],
            errors=pending.meta["verdict"]["error_count"],
            token=pending.meta["token"],
        )
        return RedirectResponse(f"/upload/{pending.meta['token']}", status_code=303)

    def own_pending(request: Request, user: User) -> uploads.Pending:
        pending = uploads.load_pending(workdir, request.path_params["token"])
        if pending is None:
            raise HTTPException(404, "没有这次上传（可能已确认报送或已过期）")
        if pending.meta["username"] != user.username:
            raise Forbidden("无权查看他人的上传")
        return pending

    async def verdict_page(request: Request) -> Response:
        user = current_user(request)
        pending = own_pending(request, user)
        p = project()
        meta = pending.meta
        return render(
            request,
            "verdict.html",
            user=user,
            meta=meta,
            verdict=meta["verdict"],
            title=p.contract(meta["source"]).title,
            deadline=deadline_of(p, Quarter.parse(meta["quarter"])),
        )

    async def verdict_report(request: Request) -> Response:
        user = current_user(request)
        pending = own_pending(request, user)
        kind = request.path_params["kind"]
        name = pending.meta["verdict"].get(f"report_{kind}")
        if kind not in ("html", "csv") or not name:
            raise HTTPException(404, "没有退回报告")
        return _file_inside(pending.report_dir, name, download=kind == "csv")

    async def confirm(request: Request) -> Response:
        user = current_user(request)
        form = await request.form(max_files=0, max_fields=2, max_part_size=4096)
        check_csrf(request, _str(form.get("csrf_token")))
        pending = own_pending(request, user)
        p = project()
        require_source(p, user, pending.meta["source"])
        if not pending.meta["verdict"]["valid"]:
            raise Forbidden("校验未通过的文件不能报送，请按退回报告修改后重新上传")
        when = _now()
        landed = await run_in_threadpool(uploads.confirm_pending, pending, workdir, when)
        audit.append(
            "upload_confirmed",
            user=user.username,
            department=user.department,
            address=_address(request),
            source=landed.source,
            quarter=landed.quarter,
            sha256=landed.sha256,
            landing=landed.path.name,
            received_at=landed.received_at.isoformat(),
        )
        return RedirectResponse(
            f"/status?quarter={landed.quarter}&sent={landed.sha256[:12]}", status_code=303
        )

    async def status_page(request: Request) -> Response:
        user = current_user(request)
        p = project()
        q = quarter_param(p, request.query_params.get("quarter"))
        department = user.department
        if user.office:
            department = request.query_params.get("department") or department
            if department not in {d.name for d in p.registry.departments}:
                raise HTTPException(404, "没有这个部门")
        elif request.query_params.get("department") not in (None, user.department):
            raise Forbidden("只能查看本部门的报送情况")
        all_users = users()
        sections, readable = [], True
        for s in p.sources:
            if department not in s.submitters:
                continue
            found, ok = status_mod.versions(
                workdir, s.source, q, p.settings.deadline_days_after_quarter
            )
            readable = readable and ok
            mine = [v for v in found if _sender_department(v, all_users) in (department, None)]
            sections.append(
                {
                    "source": s.source,
                    "title": p.contract(s.source).title,
                    "versions": mine,
                    "status": status_mod.cell_status(mine),
                }
            )
        return render(
            request,
            "status.html",
            user=user,
            department=department,
            quarter=q,
            quarters=p.quarters()[::-1],
            deadline=deadline_of(p, q),
            sections=sections,
            readable=readable,
            sent=request.query_params.get("sent", "")[:12],
        )

    async def rejection_report(request: Request) -> Response:
        user = current_user(request)
        p = project()
        source = request.path_params["source"]
        if not user.office:
            require_source(p, user, source)
        elif source not in p.source_ids:
            raise HTTPException(404, "没有这个数据源")
        q = quarter_param(p, request.path_params["quarter"])
        prefix, kind = request.path_params["hash"], request.path_params["kind"]
        found, _ = status_mod.versions(workdir, source, q, p.settings.deadline_days_after_quarter)
        for v in found:
            if v.hash_prefix == prefix:
                if not user.office and _sender_department(v, users()) not in (
                    user.department,
                    None,
                ):
                    raise Forbidden("无权查看其他部门的退回报告")
                target = v.report_html if kind == "html" else v.report_csv
                if target is not None:
                    return _file_inside(
                        workdir.rejections, str(target), download=kind == "csv", absolute=True
                    )
        raise HTTPException(404, "没有这份退回报告")

    # --- office ------------------------------------------------------------------------------

    async def office(request: Request) -> Response:
        user = current_user(request)
        if not user.office:
            raise Forbidden("该页面仅限营商环境主管科室账号")
        p = project()
        q = quarter_param(p, request.query_params.get("quarter"))
        all_users = users()
        deadline = deadline_of(p, q)
        found = {
            s.source: status_mod.versions(
                workdir, s.source, q, p.settings.deadline_days_after_quarter
            )[0]
            for s in p.sources
        }
        departments = [
            d.name for d in p.registry.departments if any(d.name in s.submitters for s in p.sources)
        ]
        matrix = []
        for dept in departments:
            cells = []
            for s in p.sources:
                if dept not in s.submitters:
                    cells.append(None)
                    continue
                mine = [
                    v for v in found[s.source] if _sender_department(v, all_users) in (dept, None)
                ]
                state = status_mod.cell_status(mine)
                first = mine[0] if mine else None
                late = (first is not None and not first.on_time) or (
                    first is None and _now() > deadline
                )
                cells.append({"status": state, "late": late, "versions": len(mine)})
            matrix.append({"department": dept, "cells": cells})
        from pipelines.reports.build import latest_bulletin_paths

        latest = latest_bulletin_paths(workdir)
        links = None
        if latest is not None:
            links = {
                "html": latest.html.relative_to(workdir.reports).as_posix(),
                "workbook": latest.workbook.relative_to(workdir.reports).as_posix()
                if latest.workbook
                else None,
                "index": latest.index.relative_to(workdir.reports).as_posix(),
            }
        return render(
            request,
            "office.html",
            user=user,
            quarter=q,
            quarters=p.quarters()[::-1],
            deadline=deadline,
            sources=[(s.source, p.contract(s.source).title) for s in p.sources],
            matrix=matrix,
            links=links,
        )

    async def reports_file(request: Request) -> Response:
        user = current_user(request)
        if not user.office:
            raise Forbidden("季通报在正式印发前仅限主管科室查看")
        return _file_inside(workdir.reports, request.path_params["path"])

    # --- errors ------------------------------------------------------------------------------

    async def on_login_required(request: Request, exc: Exception) -> Response:
        if request.method == "GET":
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return RedirectResponse("/login", status_code=303)

    async def on_forbidden(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Forbidden)
        return render(request, "error.html", 403, message=exc.message)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        message = exc.detail if isinstance(exc.detail, str) else "请求无法处理"
        if exc.status_code == 404 and message == "Not Found":
            message = "页面不存在"
        if exc.status_code == 405:
            message = "不支持的请求方式"
        return render(request, "error.html", exc.status_code, message=message)

    routes = [
        Route("/login", login_page, methods=["GET"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/", home),
        Route("/template/{source}", template_download),
        Route("/submit/{source}", submit_page),
        Route("/upload", upload, methods=["POST"]),
        Route("/upload/{token}", verdict_page),
        Route("/upload/{token}/report.{kind}", verdict_report),
        Route("/upload/{token}/confirm", confirm, methods=["POST"]),
        Route("/status", status_page),
        Route("/rejection/{source}/{quarter}/{hash}.{kind}", rejection_report),
        Route("/office", office),
        Route("/reports/{path:path}", reports_file),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [
        Middleware(
            SessionMiddleware,
            secret_key=config.secret_key or session_secret(workdir),
            session_cookie=SESSION_COOKIE,
            max_age=SESSION_HOURS * 3600,
            same_site="strict",
            https_only=config.secure_cookies,
        )
    ]
    handlers: dict[Any, Callable[[Request, Exception], Awaitable[Response]]] = {
        LoginRequired: on_login_required,
        Forbidden: on_forbidden,
        HTTPException: on_http,
    }
    app = Starlette(routes=routes, middleware=middleware, exception_handlers=handlers)
    app.state.audit = audit
    app.state.throttle = throttle
    return app


def previous_rows(workdir: Workdir, source: str, quarter: Quarter) -> int | None:
    """Rows of the previous quarter's accepted version (``bizenv check --previous-rows``), so
    the portal also runs the volume check the pipeline runs; None when unknown or the
    warehouse is busy with a run."""
    import duckdb

    from pipelines.warehouse.store import previous_accepted_rows

    if not workdir.warehouse.is_file():
        return None
    try:
        with duckdb.connect(str(workdir.warehouse), read_only=True) as con:
            return previous_accepted_rows(con, source, str(quarter.previous()))
    except duckdb.Error:
        return None


def _now() -> Any:
    from pipelines.intake.archive import now_shanghai

    return now_shanghai()


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


def _safe_next(value: str | None) -> str:
    """Only a local path: never an open redirect to another site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return ""


def _sender_department(version: status_mod.Version, users: dict[str, User]) -> str | None:
    """The department of the portal user who sent it; None when not sent through the portal."""
    if version.submitted_by is None:
        return None
    user = users.get(version.submitted_by)
    return user.department if user else ""


def _file_inside(
    root: Path,
    relative: str,
    *,
    download: bool = False,
    absolute: bool = False,
) -> Response:
    """Serve ``root/relative`` only if it resolves inside ``root`` (no ``..``, no symlink out)."""
    base = root.resolve()
    target = Path(relative) if absolute else base / relative
    try:
        resolved = target.resolve()
        resolved.relative_to(base)
    except (ValueError, OSError):
        raise HTTPException(404, "文件不存在") from None
    if not resolved.is_file():
        raise HTTPException(404, "文件不存在")
    headers = {"x-content-type-options": "nosniff"}
    if download:
        headers["content-disposition"] = f"attachment; filename*=UTF-8''{quote(resolved.name)}"
    return FileResponse(resolved, headers=headers)
