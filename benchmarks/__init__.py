"""The cocalc_async benchmark harness; run ``python -m benchmarks --help``.

Kept import-free: the official client's venv runs ``benchmarks.drivers`` without aiohttp.
"""
