"""Write the generated package: ``v1.py``, ``v2/``, ``conat.py``, ``policy.py``, ``error_table.py``
and the manifest ``__init__.py``; their runtime helpers are the hand-written
``cocalc_async/_runtime.py``."""

from __future__ import annotations

import hashlib
import json

import attrs

from ..spec import API_METHODS, ENDPOINTS, Endpoint
from ..spec.errors import RULES
from .pytypes import camel_class, identifier, pystr
from .render import classes_for, group_tree, module, render, ruff_format

V1_DOC = "CoCalc API v1 (POST /api/v1/<event>)"
V2_DOC = "CoCalc API v2 (POST /api/v2/<path>)"


def spec_hash() -> str:
    """sha256 of the spec's canonical JSON: it changes exactly when the spec does."""
    data = [attrs.asdict(e, recurse=True) for e in ENDPOINTS]
    data += [attrs.asdict(r) for r in RULES]
    data.append({"api_methods": API_METHODS})
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def render_all() -> dict[str, str]:
    """Relative path -> file text, for the whole generated package."""
    return ruff_format(render_templates())


def render_templates() -> dict[str, str]:
    """The generated files as the templates write them, before ``ruff format``."""
    files: dict[str, str] = {}
    # The spec hash is written here alone, so a change to one endpoint rewrites that endpoint's
    # lines and this manifest, not every generated file.
    files["__init__.py"] = render("manifest.py.j2", spec_sha256=spec_hash())

    v1 = [e for e in ENDPOINTS if e.api == "v1"]
    code = classes_for("V1", group_tree(v1, "/"), "/", V1_DOC)
    files["v1.py"] = module("``client.v1``: every v1 endpoint.", code, v1, 0)

    v2 = [e for e in ENDPOINTS if e.api == "v2"]
    tree = group_tree(v2, "/")
    tops = sorted({n[0] for n in tree if n})
    for top in tops:
        sub = {n: es for n, es in tree.items() if n and n[0] == top}
        code = classes_for("V2", sub, "/", V2_DOC)
        files[f"v2/{identifier(top)}.py"] = module(
            f"``client.v2.{identifier(top)}``.", code, [e for es in sub.values() for e in es], 1
        )
    # The root imports each top-level namespace on first use, so ``client.v2`` stays cheap.
    children = [
        {
            "attr": identifier(top),
            "cls": "V2" + camel_class([top]),
            "label": f"{top}/",
            "module": identifier(top),
        }
        for top in tops
    ]
    code = classes_for("V2", {(): tree[()]}, "/", V2_DOC, root_children=children)
    checking = "".join(f"    from .{c['module']} import {c['cls']}\n" for c in children)
    code = "if TYPE_CHECKING:\n" + checking + "\n\n" + code
    files["v2/__init__.py"] = module("``client.v2``: every v2 endpoint.", code, tree[()], 1)

    hub = [e for e in ENDPOINTS if e.api == "conat/hub"]
    proj = [e for e in ENDPOINTS if e.api == "conat/project"]
    code = "\n\n".join(
        [
            render("conat_root.py.j2"),
            classes_for("ConatHub", group_tree(hub, "."), ".", "conat hub RPCs", "hub_call.py.j2"),
            classes_for(
                "ConatProject",
                group_tree(proj, "."),
                ".",
                "conat project RPCs",
                "project_call.py.j2",
            ),
        ]
    )
    files["conat.py"] = module("``client.conat``: the conat RPC bridge.", code, hub + proj, 0)
    files["policy.py"] = _policy()
    files["error_table.py"] = _error_table()
    return dict(sorted(files.items()))


def _literal(v: object) -> str:
    return "None" if v is None else pystr(v) if isinstance(v, str) else repr(v)


def _error_table() -> str:
    fields = ("id", "error", "match", "pattern", "status", "api", "path", "shape")
    # The endpoints that report a failure inside a 2xx result: ``_sansio`` looks for each shape
    # only in its endpoint's answers, so the endpoint is named here and nowhere hand-written.
    shaped = sorted((e.api, e.path, e.failure_shape) for e in ENDPOINTS if e.failure_shape)
    for rule in RULES:  # an error-table row scoped to one endpoint must agree with the spec
        if rule.shape and rule.path and (rule.api, rule.path, rule.shape) not in shaped:
            raise ValueError(f"error table row {rule.id!r}: no endpoint declares {rule.shape}")
    return render(
        "error_table.py.j2",
        fields=fields,
        rules=[[_literal(getattr(r, f)) for f in fields] for r in RULES],
        v1_replacements=sorted(
            (pystr(e.path), pystr(e.replacement))
            for e in ENDPOINTS
            if e.api == "v1" and e.replacement
        ),
        endpoint_shapes=[(pystr(a), pystr(p), pystr(s)) for a, p, s in shaped],
    )


def _policy() -> str:
    def keys(endpoints: list[Endpoint]) -> list[tuple[str, str]]:
        return [(pystr(a), pystr(p)) for a, p in sorted(e.key for e in endpoints)]

    timeouts = sorted((e.key, e.default_timeout) for e in ENDPOINTS if e.default_timeout)
    # v1 rejects keys its message schema lacks (400): an event without an ``id`` parameter
    # must not be sent the request id the other events carry.
    no_id = sorted(e.path for e in ENDPOINTS if e.api == "v1" and e.param("id") is None)
    unsent = {e.api for e in ENDPOINTS} - set(API_METHODS)
    if unsent:
        raise ValueError(f"spec API_METHODS names no HTTP method for {sorted(unsent)}")
    return render(
        "policy.py.j2",
        methods=[(pystr(a), pystr(m)) for a, m in sorted(API_METHODS.items())],
        idempotent=keys([e for e in ENDPOINTS if e.idempotent]),
        non_idempotent=keys([e for e in ENDPOINTS if not e.idempotent]),
        timeouts=[(pystr(a), pystr(p), repr(t)) for (a, p), t in timeouts],
        v1_no_id=[pystr(p) for p in no_id],
    )
