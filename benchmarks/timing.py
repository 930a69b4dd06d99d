"""The one way the benchmarks time things: run an action n times, print median, p95 and max."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def measure(label: str, repeat: int, action: Callable[[], object], width: int = 56) -> list[float]:
    """Run ``action`` ``repeat`` times and print the median, 95th percentile and maximum."""
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    ordered = sorted(samples)
    p95 = ordered[max(int(repeat * 0.95) - 1, 0)]
    print(
        f"{label:<{width}} median {statistics.median(samples) * 1000:8.3f} ms"
        f"   p95 {p95 * 1000:8.3f} ms   max {ordered[-1] * 1000:8.3f} ms   (n={repeat})"
    )
    return samples
