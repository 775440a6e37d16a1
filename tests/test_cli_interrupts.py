"""A command reacts to SIGINT and SIGTERM even when the process that started it had them blocked:
the signal mask survives fork and exec (unlike handlers), and a blocked signal stays pending
forever. ``run_command`` unblocks them in the main thread (then the threads it starts inherit
that), and gives an in-process caller its mask back."""

from __future__ import annotations

import argparse
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from pipelines.cli.errors import run_command


@pytest.fixture
def blocked(request: pytest.FixtureRequest) -> Iterator[signal.Signals]:
    """``request.param`` blocked in this (main) thread, its Python default handler in force
    (a test process started with SIGINT ignored would otherwise ignore it); afterwards the
    mask and the handlers are restored and a signal left pending is consumed."""
    signum: signal.Signals = request.param
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signum})
    try:
        yield signum
    finally:
        pending = signum in signal.sigpending()
        if pending:  # the defect: still blocked, consume it instead of delivering it
            signal.sigtimedwait({signum}, 0)
        signal.pthread_sigmask(signal.SIG_SETMASK, before)
        for s, handler in handlers.items():
            signal.signal(s, handler)


def _interrupted_run(signum: signal.Signals) -> int:
    """A command that receives ``signum`` and then works for up to 5 s (it returns 0 only if
    the signal never reached it). Sent to the main thread: another thread of this process
    that does not block it (the test process has some) would otherwise take it."""
    signal.pthread_kill(threading.main_thread().ident or 0, signum)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.01)
    return 0


@pytest.mark.parametrize(
    ("blocked", "code", "message"),
    [(signal.SIGINT, 130, "已中断（Ctrl-C）"), (signal.SIGTERM, 143, "收到终止信号（SIGTERM）")],
    indirect=["blocked"],
)
def test_a_signal_blocked_by_the_parent_still_interrupts_the_command(
    blocked: signal.Signals, code: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    started = time.monotonic()
    result = run_command(lambda _args: _interrupted_run(blocked), argparse.Namespace())
    assert result == code
    assert time.monotonic() - started < 4  # at once, not after the command's work
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    # The caller's mask is given back: the signal is blocked again, and nothing is pending.
    assert blocked in signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert blocked not in signal.sigpending()


def test_an_unblocked_signal_stays_unblocked() -> None:
    before = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    assert signal.SIGINT not in before
    assert run_command(lambda _args: 0, argparse.Namespace()) == 0
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == before
