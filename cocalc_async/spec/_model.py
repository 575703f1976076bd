"""The two record types the spec is written in: :class:`Param` and :class:`Endpoint`.

The spec is data only. Types are written the way CoCalc's own docs write them (``"string(uuid)"``,
``"number"``, ``"object|any"``), so an entry can be checked against CoCalc's docs by eye; the code
generator maps them to Python annotations.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import attrs

from .._types import Json

Status: TypeAlias = Literal["current", "legacy", "removed-from-http"]
ArgsStyle: TypeAlias = Literal["object", "opts", "positional"]
SpecApi: TypeAlias = Literal["v1", "v2", "conat/hub", "conat/project"]
HttpMethod: TypeAlias = Literal["POST", "GET"]
#: How an endpoint reports a failure inside a 2xx result, with no top-level ``error``:
#: ``latex_failed`` (``compile``/``pdf`` with ``event: "error"``), ``sign_up_issues``
#: (``{"issues": {field: message}}``).
FailureShape: TypeAlias = Literal["latex_failed", "sign_up_issues"]


@attrs.frozen
class Param:
    """One request parameter.

    ``default`` is the server's default, for the docstring only: the SDK never sends it (a
    parameter the caller does not pass is left out of the request). ``None`` means "no default".
    """

    name: str
    type: str
    required: bool = False
    default: Json = None
    doc: str = ""
    #: Part of the wire protocol but not of the generated signature (v1's request ``id``).
    exposed: bool = True
    #: File content: ``bytes`` are accepted and sent as the UTF-8 text they encode (bytes that
    #: are not UTF-8 are refused), never as a list of numbers.
    bytes_as_utf8: bool = False
    #: The Python argument where it differs from the wire name: an exec's server-side ``timeout``
    #: is ``exec_timeout`` in Python, so it is never mistaken for the HTTP ``request_timeout``.
    py_name: str | None = None
    #: An earlier Python name that is still accepted (DeprecationWarning, same effect); giving
    #: both it and the current name is a ``TypeError``.
    deprecated_name: str | None = None

    @property
    def is_uuid(self) -> bool:
        """Whether the value (or each value of a list) must be a UUID."""
        return "uuid" in self.type


@attrs.frozen
class Endpoint:
    """One endpoint: ``api`` plus ``path`` (the v1 event, the v2 route or the conat method name)."""

    api: SpecApi
    path: str
    summary: str
    params: tuple[Param, ...] = ()
    #: v1: the ``event`` of a successful reply (``"pong"``); ``None`` elsewhere.
    success_event: str | None = None
    #: What a success looks like, as the reference writes it.
    response: str = ""
    #: ``"module:Class"`` under ``cocalc_async.models``, ``"list[...]"``, ``"dict[...]"``, a JSON
    #: scalar (``"str"``, ``"int"``, ...) or ``"None"`` (returns nothing); ``None`` returns the JSON.
    result_model: str | None = None
    #: Safe to send twice: whether the Core may repeat the call once its bytes may have reached
    #: the server. Declared for every endpoint, with no default: a read is ``True``; a write,
    #: create, exec, copy or invite ``False``. An ``(api, path)`` the spec lacks is never repeated.
    idempotent: bool = attrs.field(kw_only=True)
    #: The HTTP timeout (s) the SDK uses for this call; ``None`` means the Client's default.
    default_timeout: float | None = None
    #: The server's ceiling (s) on how long the call may take, where it has one.
    max_timeout: float | None = None
    #: The parameter holding the server-side timeout (s); the HTTP timeout is stretched past it.
    timeout_param: str | None = None
    status: Status = "current"
    removed_date: str | None = None
    #: Response bodies from the seed documents (JSON text; error answers included).
    examples: tuple[str, ...] = ()
    auth: str = "required"
    #: The errors a caller typically meets, as text.
    errors: tuple[str, ...] = ()
    #: When and how long CoCalc served it.
    availability: str = ""
    #: Parameters were extracted automatically from the handler: names reliable, rest not.
    params_auto: bool = False
    in_seed_doc: bool = False
    source: str = ""
    #: conat: how keyword arguments travel in ``args``: ``[{...}]`` ("object"),
    #: ``[{"opts": {...}}]`` ("opts") or one positional value per parameter ("positional").
    args_style: ArgsStyle = "object"
    #: Further Python names for the same method: the official ``cocalc-api`` client's, where they
    #: differ from ours, so users moving from it find what they know (``projects.delete``).
    aliases: tuple[str, ...] = ()
    #: A long operation the generated coroutine can wait for with ``wait=True``: it then asks the
    #: server not to wait (``wait_until_done=False``) and polls the status endpoint instead.
    waiter: Literal["copy_v1", "copy_v2"] | None = None
    #: Groups of parameters of which the caller must give at least one (``command`` or
    #: ``async_get``): the handler throws otherwise, so it is a ``TypeError`` before sending.
    one_of: tuple[tuple[str, ...], ...] = ()
    #: v1: what to call instead on a server without API v1 (the ``EndpointNotServedError`` a
    #: 404 raises says so); ``""`` elsewhere.
    replacement: str = ""
    #: A failure this endpoint reports inside a 2xx result (see ``FailureShape``); the Core
    #: looks for that shape in this endpoint's answers only.
    failure_shape: FailureShape | None = None

    @property
    def example(self) -> str | None:
        """The first seed example, or ``None``."""
        return self.examples[0] if self.examples else None

    @property
    def key(self) -> tuple[str, str]:
        """``(api, path)``: how the Core and ``find`` name an endpoint."""
        return (self.api, self.path)

    def param(self, name: str) -> Param | None:
        """The parameter called ``name``, or ``None``."""
        for p in self.params:
            if p.name == name:
                return p
        return None
