"""Write the generated package: ``v1.py``, ``v2/``, ``conat.py``, ``policy.py``, ``error_table.py``; their runtime helpers are the hand-written ``cocalc_async/_runtime.py``."""

from __future__ import annotations

import hashlib
import json

import attrs

from ..spec import ENDPOINTS, Endpoint
from ..spec.errors import RULES
from .pytypes import camel_class, identifier, pystr
from .render import classes_for, group_tree, header, imports

HUB_CALL = '''    async def call(self, name: str, *args: Json, timeout: float | None = None) -> Json:
        """Call any hub RPC by name (``"system.ping"``); ``timeout`` is the RPC's, in seconds."""
        return await self._caller.call(
            "conat/hub",
            name,
            _s.conat_params(list(args), timeout),
            timeout=_s.http_timeout(None, None, timeout),
        )
'''
PROJECT_CALL = '''    async def call(
        self,
        project_id: str | None,
        name: str,
        *args: Json,
        timeout: float | None = None,
        compute_server_id: int | None = None,
    ) -> Json:
        """Call any project RPC by name; ``project_id`` may be ``None`` with a project API key.

        ``compute_server_id`` sends the call to that compute server of the project instead of
        the project itself (the bridge's own field, next/pages/api/conat/project.ts:34 @5cb3315c30).
        """
        _s.check_uuid("project_id", project_id)
        params = _s.conat_params(list(args), timeout, project_id)
        if compute_server_id is not None:
            if isinstance(compute_server_id, bool) or not isinstance(compute_server_id, int):
                raise TypeError(
                    f"compute_server_id must be an int, got {type(compute_server_id).__name__}"
                )
            params["compute_server_id"] = compute_server_id
        return await self._caller.call(
            "conat/project",
            name,
            params,
            timeout=_s.http_timeout(None, None, timeout),
        )
'''
CONAT_ROOT = '''class Conat:
    """The conat RPC bridge: ``hub`` (account-wide) and ``project`` (one project)."""

    def __init__(self, caller: _s.Caller) -> None:
        self._caller = caller

    @functools.cached_property
    def hub(self) -> ConatHub:
        """``POST /api/conat/hub``."""
        return ConatHub(self._caller)

    @functools.cached_property
    def project(self) -> ConatProject:
        """``POST /api/conat/project``."""
        return ConatProject(self._caller)
'''


def spec_hash() -> str:
    """sha256 of the spec's canonical JSON: it changes exactly when the spec does."""
    data = [attrs.asdict(e, recurse=True) for e in ENDPOINTS]
    data += [attrs.asdict(r) for r in RULES]
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _module(doc: str, code: str, endpoints: list[Endpoint], depth: int) -> str:
    # isort wants one blank line before plain code after the imports, ruff format two before a class.
    gap = "\n" if code.startswith("if ") else "\n\n"
    return header(doc) + imports(code, endpoints, depth) + gap + code


def render_all() -> dict[str, str]:
    """Relative path -> file text, for the whole generated package."""
    files: dict[str, str] = {}
    files["__init__.py"] = (
        header("Generated from ``cocalc_async/spec``: never edit by hand.")
        + "\n#: sha256 of the spec this package was generated from (the one place it is written).\n"
        + f'SPEC_SHA256 = "{spec_hash()}"\n'
    )

    v1 = [e for e in ENDPOINTS if e.api == "v1"]
    code = classes_for("V1", group_tree(v1, "/"), "/", "CoCalc API v1 (POST /api/v1/<event>)")
    files["v1.py"] = _module("``client.v1``: every v1 endpoint.", code, v1, 0)

    v2 = [e for e in ENDPOINTS if e.api == "v2"]
    tree = group_tree(v2, "/")
    tops = sorted({n[0] for n in tree if n})
    for top in tops:
        sub = {n: es for n, es in tree.items() if n and n[0] == top}
        code = classes_for("V2", sub, "/", "CoCalc API v2 (POST /api/v2/<path>)")
        files[f"v2/{identifier(top)}.py"] = _module(
            f"``client.v2.{identifier(top)}``.", code, [e for es in sub.values() for e in es], 1
        )
    root_children = "\n".join(
        "    @functools.cached_property\n"
        f"    def {identifier(top)}(self) -> {'V2' + camel_class([top])}:\n"
        f'        """The ``{top}/`` endpoints."""\n'
        f"        from .{identifier(top)} import {'V2' + camel_class([top])}\n\n"
        f"        return {'V2' + camel_class([top])}(self._caller)\n"
        for top in tops
    )
    root: dict[tuple[str, ...], list[Endpoint]] = {(): tree[()]}
    code = classes_for("V2", root, "/", "CoCalc API v2 (POST /api/v2/<path>)", root_children)
    checking = "\n".join(
        f"    from .{identifier(t)} import {'V2' + camel_class([t])}" for t in tops
    )
    code = "if TYPE_CHECKING:\n" + checking + "\n\n\n" + code
    files["v2/__init__.py"] = _module("``client.v2``: every v2 endpoint.", code, tree[()], 1)

    hub = [e for e in ENDPOINTS if e.api == "conat/hub"]
    proj = [e for e in ENDPOINTS if e.api == "conat/project"]
    code = "\n\n".join(
        [
            CONAT_ROOT,
            classes_for("ConatHub", group_tree(hub, "."), ".", "conat hub RPCs", HUB_CALL),
            classes_for(
                "ConatProject", group_tree(proj, "."), ".", "conat project RPCs", PROJECT_CALL
            ),
        ]
    )
    files["conat.py"] = _module("``client.conat``: the conat RPC bridge.", code, hub + proj, 0)
    files["policy.py"] = _policy()
    files["error_table.py"] = _error_table()
    return files


def _literal(v: object) -> str:
    return "None" if v is None else pystr(v) if isinstance(v, str) else repr(v)


def _error_table() -> str:
    fields = ("id", "error", "match", "pattern", "status", "api", "path", "shape")
    rows = ""
    for r in RULES:
        rows += "    (\n" + "".join(f"        {_literal(getattr(r, f))},\n" for f in fields)
        rows += "    ),\n"
    v1 = [e for e in ENDPOINTS if e.api == "v1" and e.replacement]
    repl = "".join(f"    {pystr(e.path)}: {pystr(e.replacement)},\n" for e in v1)
    # Shape rows bound to one endpoint: ``_sansio`` looks for the shape only in that endpoint's
    # answers, so the endpoint is named here and nowhere in hand-written code.
    shaped = sorted(((r.api, r.path), r.shape) for r in RULES if r.shape and r.api and r.path)
    shapes = "".join(f"    ({pystr(a)}, {pystr(p)}): {pystr(sh)},\n" for (a, p), sh in shaped)
    return (
        header("The error table (``cocalc_async/spec/errors.py``), read by ``_sansio``.")
        + "\n"
        + f"#: {', '.join(fields)}; first match wins.\n"
        + "RULES: tuple[tuple[str, str, str, str, int | None, str | None, str | None, str | None], ...] = (\n"
        + rows
        + ")\n"
        + "#: v1 event -> what to call instead on a server without API v1.\n"
        + f"V1_REPLACEMENTS: dict[str, str] = {{\n{repl}}}\n"
        + "#: (api, path) -> the shape of a failure that endpoint reports inside a 2xx result.\n"
        + f"ENDPOINT_SHAPES: dict[tuple[str, str], str] = {{\n{shapes}}}\n"
    )


def _policy() -> str:
    def keys(items: list[tuple[str, str]]) -> str:
        return "".join(f'        ("{a}", "{p}"),\n' for a, p in sorted(items))

    idem = [e.key for e in ENDPOINTS if e.idempotent]
    non = [e.key for e in ENDPOINTS if not e.idempotent]
    timeouts = sorted((e.key, e.default_timeout) for e in ENDPOINTS if e.default_timeout)
    t_lines = "".join(f'    ("{a}", "{p}"): {t!r},\n' for (a, p), t in timeouts)
    # v1 rejects keys its message schema lacks (400): an event without an ``id`` parameter
    # must not be sent the request id the other events carry.
    no_id = sorted(e.path for e in ENDPOINTS if e.api == "v1" and e.param("id") is None)
    no_id_lines = "".join(f"        {pystr(p)},\n" for p in no_id)
    return (
        header("Retry safety and default timeouts per ``(api, path)``, read lazily by the Core.")
        + "\n"
        + f"IDEMPOTENT: frozenset[tuple[str, str]] = frozenset(\n    {{\n{keys(idem)}    }}\n)\n"
        + f"NON_IDEMPOTENT: frozenset[tuple[str, str]] = frozenset(\n    {{\n{keys(non)}    }}\n)\n"
        + "#: The HTTP timeout (s) of a call the caller gave none, where the spec sets one.\n"
        + f"DEFAULT_TIMEOUTS: dict[tuple[str, str], float] = {{\n{t_lines}}}\n"
        + "#: v1 events whose schema has no ``id``: a body with one is refused before sending.\n"
        + f"V1_NO_ID: frozenset[str] = frozenset(\n    {{\n{no_id_lines}    }}\n)\n"
    )
