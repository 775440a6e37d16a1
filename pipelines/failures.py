"""Why a run or a command failed, in Chinese, from the failing step's own message.

A step that raises ``dg.Failure`` (bizenv's own checks: a missing file, a broken framework,
a version that cannot be promoted) carries its Chinese description in the Dagster event log.
Other errors come from the environment (a full disk, a read-only work directory, a corrupt
warehouse file); they are explained in Chinese with the original error kept in brackets.
Used by the CLI (``bizenv run``/``backfill``/``demo``/``report``) so that every failure ends in
a message and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import dagster as dg

_CHINESE = re.compile(r"[\u4e00-\u9fff]")

_CHECK_FAILED = "DagsterAssetCheckFailedError"
# (substring of the error text, Chinese explanation); the first match wins.
_KNOWN: tuple[tuple[str, str], ...] = (
    (
        _CHECK_FAILED,
        "未通过数据规范校验（阻断性检查），未入库，在用版本不变；错误见退回报告",
    ),
    ("No space left on device", "磁盘空间不足，无法写入"),
    ("database or disk is full", "磁盘空间不足，无法写入"),
    ("File too large", "文件超过系统允许的大小（磁盘配额或 ulimit -f），无法写入"),
    ("Disk quota exceeded", "超出磁盘配额，无法写入"),
    ("Read-only file system", "工作目录所在的文件系统是只读的，无法写入"),
    ("readonly database", "工作目录只读或无写权限，无法写入 Dagster 运行记录"),
    ("Permission denied", "工作目录只读或无写权限，无法写入"),
    ("Operation not permitted", "工作目录只读或无写权限，无法写入"),
    (
        "not a valid DuckDB database file",
        "数据仓库文件不是有效的 DuckDB 文件（可能已损坏或被其他文件替换）；"
        "请从备份恢复，或删除该文件后重新运行全部季度",
    ),
    ("Could not set lock on file", "数据仓库正被另一个进程占用（以写方式打开），请稍后再试"),
    (
        "FileNotFoundError",
        "找不到所需的文件（工作目录可能被移动、复制不完整或归档文件被删除）",
    ),
)


# The check whose failures the status lines and the rejection report explain.
_CONTRACT_CHECK = "meets_contract"


def _failed_checks(message: str) -> list[str]:
    """The check names of Dagster's blocking-check failure (``N blocking asset checks failed
    with ERROR severity:`` then one ``<asset>: <check>,<check>`` line per asset)."""
    names = []
    for line in message.strip().splitlines()[1:]:
        _, sep, checks = line.rpartition(": ")
        if sep:
            names += [name.strip() for name in checks.split(",") if name.strip()]
    return names


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


def explain_text(cls_name: str, message: str) -> str:
    """A Chinese sentence for an error given by class name and message."""
    first = _first_line(message)
    if _CHINESE.search(first):
        return first
    haystack = f"{cls_name}: {message}"
    for needle, explanation in _KNOWN:
        if needle in haystack:
            if needle == _CHECK_FAILED:
                others = [name for name in _failed_checks(message) if name != _CONTRACT_CHECK]
                if others:  # a check on indicators or scores: its result says why
                    return (
                        f"未通过阻断性检查 {'、'.join(others)}，下游未运行；"
                        "检查结果见 Dagster 运行记录"
                    )
                return explanation  # the status lines and the report say which errors
            return f"{explanation}（{cls_name}: {first}）"
    return f"未预期的错误（{cls_name}: {first}）"


def explain_exception(exc: BaseException) -> str:
    """A Chinese sentence for an exception raised in the CLI's own process."""
    text = str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        text = f"[Errno {exc.errno}] {exc.strerror}: {exc.filename or ''}"
    # Prefer the innermost cause: it names what really failed.
    cause = exc.__cause__ or exc.__context__
    if cause is not None and not _CHINESE.search(text):
        inner = explain_exception(cause)
        if not inner.startswith("未预期的错误"):
            return inner
    return explain_text(type(exc).__name__, text)


def explain_error_info(info: object) -> str:
    """A Chinese sentence for a Dagster ``SerializableErrorInfo`` (its cause chain)."""
    chain = []
    current = info
    while current is not None:
        chain.append(current)
        current = getattr(current, "cause", None) or getattr(current, "context", None)
    # The innermost error names what failed; a Chinese message anywhere is bizenv's own.
    for item in chain:
        first = _first_line(_without_class(item))
        if _CHINESE.search(first):
            return first
    for item in reversed(chain):
        explained = explain_text(item.cls_name, _without_class(item))
        if not explained.startswith("未预期的错误"):
            return explained
    innermost = chain[-1]
    return explain_text(innermost.cls_name, _without_class(innermost))


def _without_class(info: object) -> str:
    """The error's message without the ``ClassName: `` Dagster puts in front of it."""
    message: str = getattr(info, "message", "")
    prefix = f"{getattr(info, 'cls_name', '')}: "
    head, sep, rest = message.partition(": ")
    if sep and (head == prefix[:-2] or head.endswith("." + prefix[:-2])):
        return rest
    return message


_FAILURE_TYPES = {
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.RUN_FAILURE,
    dg.DagsterEventType.RESOURCE_INIT_FAILURE,
}


def _step_label(step_key: str | None) -> str:
    return step_key.replace("__", "/") if step_key else "运行"


def event_message(event: dg.DagsterEvent) -> str | None:
    """The Chinese message of one failure event; None when it has nothing to add."""
    data = event.event_specific_data
    error = getattr(data, "error", None)
    user = getattr(data, "user_failure_data", None)
    if user is not None and user.description:
        return user.description
    if error is not None:
        return explain_error_info(error)
    if event.event_type is dg.DagsterEventType.RUN_FAILURE:
        return None  # "steps failed": the step failures say why
    return event.message or None


def failure_messages(events: Iterable[dg.DagsterEvent]) -> list[str]:
    """One Chinese line per failing step (and per run-level failure), in order, deduplicated."""
    lines: list[str] = []
    said: set[str] = set()
    for event in events:
        if event.event_type not in _FAILURE_TYPES:
            continue
        message = event_message(event)
        key = _first_line(message or "")
        if not key or key in said:  # a run failure repeating a step's error
            continue
        said.add(key)
        lines.append(f"{_step_label(event.step_key)}：{message}")
    return lines


def run_failure_messages(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The failure lines of one run, read from its event log."""
    records = instance.all_logs(run_id, of_type=_FAILURE_TYPES)
    return failure_messages(r.dagster_event for r in records if r.dagster_event is not None)
