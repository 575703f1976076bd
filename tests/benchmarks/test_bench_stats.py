"""The statistics helpers: every reported median, percentile and ratio goes through them."""

from __future__ import annotations

import pytest

from benchmarks.stats import fmt_ratio, fmt_seconds, median, paired_ratios, percentile, spread


def test_median_odd_and_even() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([4.0, 1.0, 3.0, 2.0]) == 2.5
    assert median([7.0]) == 7.0


def test_median_of_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="empty"):
        median([])


@pytest.mark.parametrize(
    ("q", "expected"),
    [(0, 1.0), (50, 50.5), (100, 100.0), (99, 99.01), (25, 25.75)],
)
def test_percentile_matches_numpy_linear(q: float, expected: float) -> None:
    # numpy.percentile(range(1, 101), q) gives these values with its default "linear" method.
    values = [float(v) for v in range(100, 0, -1)]  # unsorted on purpose
    assert percentile(values, q) == pytest.approx(expected)


def test_percentile_single_value_and_bounds() -> None:
    assert percentile([5.0], 99) == 5.0
    with pytest.raises(ValueError, match=r"within 0\.\.100"):
        percentile([1.0], 101)
    with pytest.raises(ValueError, match="empty"):
        percentile([], 50)


def test_spread_and_paired_ratios() -> None:
    assert spread([3.0, 1.0, 2.0]) == (2.0, 1.0, 3.0)
    # Rounds where either side is missing (a skipped or failed run) are left out, not zeroed.
    assert paired_ratios([9.0, None, 4.0, 1.0], [10.0, 5.0, 2.0, 0.0]) == [0.9, 2.0]


def test_formatting() -> None:
    assert fmt_seconds(0.000365) == "365 µs"
    assert fmt_seconds(0.00287) == "2.87 ms"
    assert fmt_seconds(0.204) == "204 ms"
    assert fmt_seconds(2.5) == "2.50 s"
    assert fmt_seconds(None) == "–"
    assert fmt_ratio([0.9, 1.0, 0.8]) == "0.90 (0.80–1.00)"
    assert fmt_ratio([]) == "–"
