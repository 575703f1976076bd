"""The package version, in a module of its own so that any module can read it without importing
the package ``__init__`` (which would make ``cocalc_async`` and ``client`` import each other).

Keep it equal to ``version`` in pyproject.toml.
"""

__version__ = "0.1.0"
