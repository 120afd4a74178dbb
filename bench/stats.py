"""Small statistics over timing samples, in nanoseconds, and their display.

>>> summarize([3_000, 1_000, 2_000]).median_ms
0.002
"""

from __future__ import annotations

import os
import platform
import statistics
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Summary:
    n: int
    median_ns: float
    p99_ns: float

    @property
    def median_ms(self) -> float:
        return self.median_ns / 1e6

    @property
    def p99_ms(self) -> float:
        return self.p99_ns / 1e6


def summarize(samples: list[int]) -> Summary:
    ordered = sorted(samples)
    # Nearest-rank p99: with 200 samples it is the second largest, never an interpolated value.
    rank = max(0, -(-99 * len(ordered) // 100) - 1)
    return Summary(len(ordered), statistics.median(ordered), ordered[rank])


def fmt_ms(ns: float | None) -> str:
    """Milliseconds with precision that fits the size: 0.041 ms, 3.42 ms, 812 ms."""
    if ns is None:
        return "—"
    ms = ns / 1e6
    if ms < 1:
        return f"{ms:.3f} ms"
    if ms < 100:
        return f"{ms:.2f} ms"
    return f"{ms:.0f} ms"


def fmt_us(ns: float | None) -> str:
    return "—" if ns is None else f"{ns / 1e3:.1f} µs"


def machine() -> str:
    """One line that says what the figures were measured on."""
    cores = os.cpu_count() or 0
    return (
        f"{cores} cores ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"
    )
