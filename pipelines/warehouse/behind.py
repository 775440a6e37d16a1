"""One worker thread that runs a function on the items handed to it, in order, while the
caller goes on: the staging writer's inserts overlap the reading and checking of the next
batch (DuckDB releases the GIL while it inserts, and validation holds it for most of its
own work, so the two share the machine's cores instead of taking turns).

At most ``depth`` items wait; the caller blocks when the worker is that far behind, which
bounds the memory held by batches not yet written. The worker's first error is raised in
the caller at its next ``put``, at ``drain`` and at ``close``; items after it are
discarded, never run."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

_STOP = object()


class WriteBehind(Generic[T]):
    def __init__(self, work: Callable[[T], None], *, depth: int = 1, name: str = "") -> None:
        self._work = work
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._discard = False
        self._closed = False  # no more items: the stop was handed over
        # Set by the worker as it ends. An interrupted Thread.join() can leave is_alive()
        # False for a thread still running (CPython 3.11-3.12), so the wait is on this.
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name or None, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while True:
                item = self._queue.get()
                try:
                    if item is _STOP:
                        return
                    if self._error is None and not self._discard:
                        try:
                            self._work(item)  # type: ignore[arg-type]
                        except BaseException as exc:  # handed to the caller's thread
                            self._error = exc
                finally:
                    self._queue.task_done()
        finally:
            self._stopped.set()

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def put(self, item: T) -> None:
        """Hand ``item`` over (blocks while ``depth`` items wait); raises the worker's error."""
        self._raise()
        if self._closed or self._stopped.is_set():
            raise RuntimeError("write-behind worker is closed")
        self._queue.put(item)

    def drain(self) -> None:
        """Wait until every item handed over has run; raises the worker's error."""
        self._queue.join()
        self._raise()

    def close(self) -> None:
        """Drain, then stop the worker; raises the worker's error (after ``cancel``, as
        does an interrupt while waiting)."""
        try:
            self.drain()
        except BaseException:
            self.cancel()
            raise
        self._stop()

    def cancel(self) -> None:
        """Discard the items still waiting, wait for the one running, stop the worker. Its
        error, if any, is dropped: the caller is already handling one of its own. An
        interrupt while waiting is raised once the worker has stopped."""
        self._discard = True
        try:
            while True:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
                self._queue.task_done()
        finally:
            self._stop()

    def _stop(self) -> None:
        """Stop the worker once the item it runs is done. Ctrl-C or SIGTERM meanwhile
        (KeyboardInterrupt in this thread) does not cut the wait short: the worker would
        still be using what the caller goes on to roll back and close; it is raised after."""
        self._closed = True
        interrupted: KeyboardInterrupt | None = None
        stopping = self._stopped.is_set()  # stopped already: nothing would take a stop
        while True:
            try:
                if not stopping:
                    self._queue.put(_STOP)  # a second one, after an interrupt here, is harmless
                    stopping = True
                self._stopped.wait()
                self._thread.join()
                break
            except KeyboardInterrupt as exc:
                interrupted = interrupted or exc
        if interrupted is not None:
            raise interrupted
