"""Which endpoints are safe to repeat after their bytes may have reached the server.

Generated coroutines pass ``idempotent=`` explicitly from the spec. For ``Client.call`` the spec's
table (``_generated/policy.py``) is consulted, loaded on first use; an endpoint missing from it
falls back to a conservative reading of its name: only obvious reads are repeated.
"""

from __future__ import annotations

import importlib
import re

_cache: dict[tuple[str, str], bool] = {}
_tables: tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]] | None = None

_V1_READS = frozenset(
    {
        "ping",
        "copy_path_status",
        "get_usernames",
        "user_search",
        "read_text_file_from_project",
        "public_get_directory_listing",
        "public_get_text_file",
        "get_available_upgrades",
        "project_info",
        "get_syncdoc_history",
    }
)
# The last path segment of v2 reads, and conat method names that only read.
_READ_WORD = re.compile(
    r"(?:^|[/.])(?:get|list|status|search|names|ping|state|listing|info|version|profile|"
    r"stats|tickets|copy-path-status|get-[\w-]+|[\w-]+-status|getNames|userSearch|"
    r"readTextFileFromProject|test)$"
)


def _load_tables() -> tuple[frozenset[tuple[str, str]], frozenset[tuple[str, str]]]:
    global _tables
    if _tables is None:
        try:
            policy = importlib.import_module("cocalc_async._generated.policy")
        except ImportError:  # before the spec is generated: heuristics only
            _tables = (frozenset(), frozenset())
        else:
            _tables = (policy.IDEMPOTENT, policy.NON_IDEMPOTENT)
    return _tables


def is_idempotent(api: str, path: str) -> bool:
    key = (api, path)
    cached = _cache.get(key)
    if cached is not None:
        return cached
    idempotent, non_idempotent = _load_tables()
    if key in idempotent:
        result = True
    elif key in non_idempotent:
        result = False
    elif api == "v1":
        result = path in _V1_READS
    else:
        result = bool(_READ_WORD.search(path))
    if len(_cache) < 4096:  # arbitrary paths must not grow the cache without bound
        _cache[key] = result
    return result
