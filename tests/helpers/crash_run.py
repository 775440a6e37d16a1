"""Run ``bizenv`` in this process and kill it with SIGKILL at one point of the pipeline.

    python tests/helpers/crash_run.py POINT SOURCE -- run --quarter 2025Q2 --workdir DIR

POINT is ``archive`` (an archive object half-copied), ``staging`` (inside the staging
transaction, after the partition was deleted) or ``promotion`` (inside the promotion
transaction, after the warehouse partition was deleted). It is the real ``bizenv`` command
line (``pipelines.cli.main``): only the moment of death is chosen, as ``kill -9`` would.
"""

from __future__ import annotations

import os
import signal
import sys


def _die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str, source: str) -> None:
    if point == "archive":
        import pipelines.intake.archive as archive

        real_fdopen = archive.os.fdopen

        class Dying:
            def __init__(self, handle: object) -> None:
                self.handle = handle

            def __enter__(self) -> Dying:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()  # type: ignore[attr-defined]

            def write(self, data: bytes) -> int:
                self.handle.write(data[: len(data) // 2])  # type: ignore[attr-defined]
                self.handle.flush()  # type: ignore[attr-defined]
                _die()
                return 0

        def fdopen(fd: int, mode: str = "r", *args: object, **kwargs: object) -> object:
            handle = real_fdopen(fd, mode, *args, **kwargs)
            return Dying(handle) if mode == "wb" else handle

        archive.os.fdopen = fdopen  # type: ignore[assignment]
        return
    import pipelines.warehouse.store as store

    target = {
        "staging": f"staging/{source}/insert_partition",
        "promotion": f"warehouse/{source}/promote_partition",
    }[point]
    real_sql = store.sql

    def sql(name: str) -> str:
        if name == target:
            _die()
        return real_sql(name)

    store.sql = sql  # type: ignore[assignment]


if __name__ == "__main__":
    point, source, sep, *argv = sys.argv[1:]
    assert sep == "--"
    arm(point, source)
    from pipelines.cli import main

    sys.exit(main(argv))
