"""``python -m cocalc_async``: the ``cocalc-async`` command line."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
