"""Statistics helpers for the benchmark harness: pure stdlib, no I/O.

Kept separate from the drivers so the official client's venv (which has no aiohttp) can import
them, and so the tests can check them without starting anything.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence (mean of the two middle values for even lengths)."""
    if not values:
        raise ValueError("median of an empty sequence")
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2.0


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks.

    This is numpy's default ("linear") method, chosen so the figures can be checked against
    numpy by anyone reading the JSON; p0 is the minimum and p100 the maximum.
    """
    if not values:
        raise ValueError("percentile of an empty sequence")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile q must be within 0..100, got {q}")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = math.ceil(pos)
    if lo == hi:
        return float(ordered[lo])
    frac = pos - lo
    return ordered[lo] + (ordered[hi] - ordered[lo]) * frac


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    """(median, min, max): how every A/B figure is reported, since one number hides the drift."""
    return median(values), float(min(values)), float(max(values))


def paired_ratios(a: Sequence[float | None], b: Sequence[float | None]) -> list[float]:
    """Per-round ratios a[i]/b[i] of interleaved runs, skipping rounds where either is missing.

    Pairing by round (rather than dividing two medians) cancels most of the CPU-speed drift,
    because both runs of one round sit within a few seconds of each other.
    """
    out: list[float] = []
    for x, y in zip(a, b, strict=True):
        if x is None or y is None or y == 0:
            continue
        out.append(x / y)
    return out


def fmt_seconds(seconds: float | None) -> str:
    """A latency in the unit that keeps 2-3 significant digits readable (µs, ms or s)."""
    if seconds is None or math.isnan(seconds):
        return "–"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 0.01:
        return f"{seconds * 1e3:.2f} ms"
    if seconds < 1.0:
        return f"{seconds * 1e3:.0f} ms"
    return f"{seconds:.2f} s"


def fmt_int(value: float | None) -> str:
    """A count with thousands separators, or a dash when missing."""
    if value is None or math.isnan(value):
        return "–"
    return f"{value:,.0f}"


def fmt_ratio(values: Sequence[float]) -> str:
    """'0.97 (0.91–1.02)': the median ratio and its min–max spread over the paired rounds."""
    if not values:
        return "–"
    med, lo, hi = spread(values)
    return f"{med:.2f} ({lo:.2f}–{hi:.2f})"
