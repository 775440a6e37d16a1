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

    # The statement each point runs inside its transaction, after the partition's delete:
    # the generated insert into staging, the promotion into the warehouse.
    fatal = {"staging": "insert_staging", "promotion": "promote"}[point]
    real_tables = store.tables

    class Dying:
        def __init__(self, generated: object) -> None:
            self.generated = generated

        def __getattr__(self, name: str) -> object:
            if name == fatal:
                _die()
            return getattr(self.generated, name)

    def tables(name: str) -> object:
        generated = real_tables(name)
        return Dying(generated) if name == source else generated

    store.tables = tables  # type: ignore[assignment]


if __name__ == "__main__":
    point, source, sep, *argv = sys.argv[1:]
    assert sep == "--"
    arm(point, source)
    from pipelines.cli import main

    sys.exit(main(argv))
