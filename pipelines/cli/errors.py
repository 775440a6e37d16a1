"""How a command ends when something fails: a Chinese message and a non-zero exit, never a
traceback (a read-only work directory, a full disk, a corrupt warehouse, an interrupt).

Exit codes: 1 the command failed (the message says why), 130 interrupted by Ctrl-C (SIGINT),
143 terminated (SIGTERM). Usage errors (exit 2) are handled by ``pipelines.cli.main``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

_received: list[int] = []
RUN_THREAD_PREFIX = "bizenv-run-"  # the worker thread of pipelines.orchestration.run_quarter


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like SIGINT's KeyboardInterrupt."""


def _on_sigterm(signum: int, _frame: FrameType | None) -> None:
    _received.append(signum)
    raise Terminated()


def _unblock_interrupts() -> set[signal.Signals]:
    """Unblock SIGINT and SIGTERM in the calling (main) thread; returns those that were blocked.

    The signal mask, unlike the handlers, survives fork and exec: a bizenv started by a process
    that had blocked them (a supervisor, a test harness, a thread that blocks signals before
    spawning) would keep them pending forever and never see Ctrl-C or SIGTERM. Threads started
    afterwards (a run's worker thread, Dagster's and DuckDB's) inherit the unblocked mask.
    """
    wanted = {signal.SIGINT, signal.SIGTERM}
    blocked = wanted & signal.pthread_sigmask(signal.SIG_BLOCK, [])
    if blocked:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, blocked)
    return blocked


def _finish(code: int, *, now: bool = False) -> int:
    """Exit code ``code``; after an interrupted run (``now``) or while a run's worker thread
    is still inside Dagster or DuckDB, leave at once instead of finalizing the interpreter
    around half-used native objects."""
    sys.stdout.flush()
    sys.stderr.flush()
    if now or any(t.name.startswith(RUN_THREAD_PREFIX) for t in threading.enumerate()):
        os._exit(code)
    return code


def run_command(run: Callable[[argparse.Namespace], int | None], args: argparse.Namespace) -> int:
    """Run one subcommand; turn every failure into a Chinese message and an exit code."""
    from pipelines.cli import UsageError
    from pipelines.project import ProjectError

    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    reblock: set[signal.Signals] = set()
    try:
        if main_thread:  # inside the try: a signal already pending is delivered right here
            reblock = _unblock_interrupts()
        return int(run(args) or 0)
    except (UsageError, ProjectError):  # usage (exit 2) and project (exit 1): main's
        raise
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated) or signal.SIGTERM in _received
        cause = "收到终止信号（SIGTERM）" if terminated else "已中断（Ctrl-C）"
        print(
            f"{cause}：正在进行的运行已标记为失败并释放仓库槽位；再次运行同一命令即可继续",
            file=sys.stderr,
        )
        # Imported only if a run was started (``bizenv check`` never imports Dagster).
        orchestration = sys.modules.get("pipelines.orchestration")
        during_run = orchestration is not None and isinstance(exc, orchestration.RunInterrupted)
        return _finish(143 if terminated else 130, now=during_run)
    except Exception as exc:  # every other failure: a message, never a traceback
        print(f"错误：{describe(exc)}", file=sys.stderr)
        return _finish(1)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if reblock:  # an in-process caller (a test) gets its mask back
            signal.pthread_sigmask(signal.SIG_BLOCK, reblock)


def describe(exc: BaseException) -> str:
    from pipelines.failures import explain_exception
    from pipelines.instance import WorkdirError

    if isinstance(exc, WorkdirError):
        return str(exc)
    return explain_exception(exc)
