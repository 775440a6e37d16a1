"""Peak resident memory of this process, for the benchmark scripts beside this file."""

from __future__ import annotations

from pathlib import Path


def peak_rss_mb() -> float:
    """``VmHWM`` (peak resident set, DuckDB's native memory included) in MB; NaN where /proc
    has no such line."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
