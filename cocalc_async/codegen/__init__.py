"""The code generator: ``cocalc_async/spec`` -> ``cocalc_async/_generated``.

Run ``python -m cocalc_async.codegen`` to regenerate and ``--check`` to verify. It emits code that
is already ``ruff format``-clean, so checking never depends on ruff being installed.
"""
