"""The write-behind worker: items run in order on one thread, at most ``depth`` wait, the
worker's first error reaches the caller, and cancel discards what waits."""

from __future__ import annotations

import signal
import threading
import time

import pytest

from pipelines.warehouse.behind import WriteBehind


class Held:
    """A worker whose items wait for ``release``; ``started`` is set when one begins, and
    ``ran`` lists the items that finished."""

    def __init__(self, depth: int = 1) -> None:
        self.release = threading.Event()
        self.started = threading.Event()
        self.ran: list[int] = []
        self.behind: WriteBehind[int] = WriteBehind(self._work, depth=depth)

    def _work(self, item: int) -> None:
        self.started.set()
        self.release.wait(5)
        self.ran.append(item)


def test_items_run_in_order_on_the_worker_thread_and_drain_waits_for_them() -> None:
    done: list[tuple[int, str]] = []
    behind: WriteBehind[int] = WriteBehind(
        lambda item: done.append((item, threading.current_thread().name)), name="writer"
    )
    for item in range(50):
        behind.put(item)
    behind.drain()
    assert [item for item, _ in done] == list(range(50))
    assert {name for _, name in done} == {"writer"}
    behind.put(50)
    behind.close()
    assert done[-1][0] == 50
    with pytest.raises(RuntimeError, match="closed"):
        behind.put(51)


def test_at_most_depth_items_wait_while_the_worker_is_busy() -> None:
    release = threading.Event()
    started = threading.Event()

    def work(item: int) -> None:
        started.set()
        release.wait(5)

    behind: WriteBehind[int] = WriteBehind(work, depth=2)
    behind.put(0)
    assert started.wait(5)  # item 0 is running, the queue is empty
    behind.put(1)
    behind.put(2)
    blocked = threading.Thread(target=behind.put, args=(3,))
    blocked.start()
    blocked.join(0.3)
    assert blocked.is_alive()  # two wait: the third blocks the caller
    release.set()
    blocked.join(5)
    assert not blocked.is_alive()
    behind.close()


@pytest.mark.parametrize("surfaces_at", ["put", "drain", "close"])
def test_the_workers_first_error_reaches_the_caller_and_later_items_never_run(
    surfaces_at: str,
) -> None:
    release = threading.Event()
    ran: list[int] = []

    def work(item: int) -> None:
        release.wait(5)
        if item == 1:
            raise ValueError("插入失败")
        ran.append(item)

    behind: WriteBehind[int] = WriteBehind(work, depth=2)
    for item in range(3):  # 0 runs (held), 1 and 2 wait
        behind.put(item)
    release.set()
    with pytest.raises(ValueError, match="插入失败"):
        if surfaces_at == "put":
            for item in range(3, 1000):  # raised at a put, not swallowed
                behind.put(item)
        elif surfaces_at == "drain":
            behind.drain()
        else:
            behind.close()
    assert ran == [0]
    behind.cancel()
    assert not behind._thread.is_alive()


def test_cancel_discards_the_waiting_items_and_waits_for_the_running_one() -> None:
    held = Held(depth=3)
    behind = held.behind
    behind.put(0)
    assert held.started.wait(5)
    behind.put(1)
    behind.put(2)
    threading.Timer(0.2, held.release.set).start()
    behind.cancel()
    assert held.ran == [0]
    assert not behind._thread.is_alive()


@pytest.mark.parametrize("waiting_in", ["cancel", "close"])
def test_an_interrupt_while_the_worker_is_stopped_waits_for_the_running_item(
    sigint_raises: int, waiting_in: str
) -> None:
    """Ctrl-C (or SIGTERM) while ``cancel`` or ``close`` waits for the item running: raised
    once that item is done and the worker stopped, never with the worker still running (it
    would still be using what the caller goes on to roll back and close)."""
    held = Held()
    release, ran = held.release, held.ran

    def interrupt_then_release() -> None:
        time.sleep(0.2)
        signal.pthread_kill(sigint_raises, signal.SIGINT)
        time.sleep(0.3)
        release.set()

    behind = held.behind
    behind.put(0)
    assert held.started.wait(5)
    behind.put(1)  # waiting: discarded (close drains it unless interrupted)
    helper = threading.Thread(target=interrupt_then_release)
    try:
        with pytest.raises(KeyboardInterrupt):
            helper.start()  # in the block: the interrupt cannot reach the test runner
            behind.cancel() if waiting_in == "cancel" else behind.close()
        assert release.is_set()  # not before the running item was done
        assert not behind._thread.is_alive()
        assert ran == [0]  # an interrupted close discards what waits, as cancel does
    finally:
        release.set()
        if helper.ident is not None:
            helper.join()
