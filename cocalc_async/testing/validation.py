"""v2 input validation as a development-mode hub does it (``NODE_ENV != production``).

A v2 route that declares a zod input schema (``src/packages/next/lib/api/schema/**``
@5cb3315c30) has its body parsed by next-rest-framework before the handler runs: a failure answers
HTTP 400 ``{"message": "Invalid request body.", "errors": [<zod issues>]}``, and on success the
handler gets zod's output (unknown keys stripped, defaults filled in). That last part is why a
poll that still carries ``command`` runs the command again: the blocking branch of exec's union
parses first and drops ``async_get``.

This module is a small re-implementation of the zod v3 behaviour those schemas use (object,
string/uuid, number/min, boolean, literal, enum, array, record, union, refine), with zod's issue
shapes and texts. The recorded exchanges ``v2-valid-*`` pin it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .replies import Reply, compact

UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}\b-[0-9a-fA-F]{4}\b-[0-9a-fA-F]{4}\b-[0-9a-fA-F]{4}\b-[0-9a-fA-F]{12}$"
)
_MISSING: Any = object()
Issue = dict[str, Any]


def _type_name(value: Any) -> str:
    """zod's ``getParsedType`` names."""
    if value is _MISSING:
        return "undefined"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "nan" if isinstance(value, float) and math.isnan(value) else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _invalid_type(expected: str, value: Any, path: list[Any]) -> Issue:
    received = _type_name(value)
    message = "Required" if received == "undefined" else f"Expected {expected}, received {received}"
    return {
        "code": "invalid_type",
        "expected": expected,
        "received": received,
        "path": path,
        "message": message,
    }


@dataclass
class Result:
    issues: list[Issue] = field(default_factory=list)
    #: zod's "aborted": a type error, after which the value has no parsed output
    aborted: bool = False
    value: Any = _MISSING


class Schema:
    def parse(self, value: Any, path: list[Any]) -> Result:
        raise NotImplementedError


class Str(Schema):
    def __init__(self, *, uuid: bool = False) -> None:
        self.uuid = uuid

    def parse(self, value: Any, path: list[Any]) -> Result:
        if not isinstance(value, str):
            return Result([_invalid_type("string", value, path)], True)
        if self.uuid and not UUID_RE.match(value):
            issue = {"validation": "uuid", "code": "invalid_string", "message": "Invalid uuid"}
            return Result([{**issue, "path": path}], False, value)
        return Result(value=value)


class Num(Schema):
    def __init__(self, *, minimum: float | None = None) -> None:
        self.minimum = minimum

    def parse(self, value: Any, path: list[Any]) -> Result:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
            return Result([_invalid_type("number", value, path)], True)
        if self.minimum is not None and value < self.minimum:
            issue = {
                "code": "too_small",
                "minimum": self.minimum,
                "type": "number",
                "inclusive": True,
                "exact": False,
                "message": f"Number must be greater than or equal to {self.minimum:g}",
                "path": path,
            }
            return Result([issue], False, value)
        return Result(value=value)


class Bool(Schema):
    def parse(self, value: Any, path: list[Any]) -> Result:
        if not isinstance(value, bool):
            return Result([_invalid_type("boolean", value, path)], True)
        return Result(value=value)


class Literal(Schema):
    def __init__(self, expected: Any) -> None:
        self.expected = expected

    def parse(self, value: Any, path: list[Any]) -> Result:
        if value != self.expected or type(value) is not type(self.expected):
            shown = str(self.expected).lower() if isinstance(self.expected, bool) else self.expected
            issue = {
                "code": "invalid_literal",
                "expected": self.expected,
                "path": path,
                "message": f"Invalid literal value, expected {shown}",
            }
            return Result([issue], True)
        return Result(value=value)


class Enum(Schema):
    def __init__(self, *options: str) -> None:
        self.options = list(options)

    def parse(self, value: Any, path: list[Any]) -> Result:
        if not isinstance(value, str):
            return Result([_invalid_type(" | ".join(map(repr, self.options)), value, path)], True)
        if value not in self.options:
            expected = " | ".join(f"'{o}'" for o in self.options)
            issue = {
                "received": value,
                "code": "invalid_enum_value",
                "options": self.options,
                "path": path,
                "message": f"Invalid enum value. Expected {expected}, received '{value}'",
            }
            return Result([issue], True)
        return Result(value=value)


class Arr(Schema):
    def __init__(self, item: Schema) -> None:
        self.item = item

    def parse(self, value: Any, path: list[Any]) -> Result:
        if not isinstance(value, list):
            return Result([_invalid_type("array", value, path)], True)
        out = Result(value=[])
        for i, v in enumerate(value):
            r = self.item.parse(v, [*path, i])
            out.issues += r.issues
            out.aborted |= r.aborted
            out.value.append(r.value)
        return out


class Rec(Schema):
    """``z.record(z.string(), z.string())``."""

    def parse(self, value: Any, path: list[Any]) -> Result:
        if not isinstance(value, dict):
            return Result([_invalid_type("object", value, path)], True)
        out = Result(value={})
        for k, v in value.items():
            r = Str().parse(v, [*path, k])
            out.issues += r.issues
            out.aborted |= r.aborted
            out.value[k] = r.value
        return out


class AnyValue(Schema):
    def parse(self, value: Any, path: list[Any]) -> Result:
        return Result(value=value)


class Opt(Schema):
    """``.optional()`` / ``.nullish()``; ``default`` fills in a missing value (``.default()``)."""

    def __init__(self, inner: Schema, default: Any = _MISSING, *, nullable: bool = False) -> None:
        self.inner, self.default, self.nullable = inner, default, nullable

    def parse(self, value: Any, path: list[Any]) -> Result:
        if value is _MISSING:
            return Result(value=self.default)
        if value is None and self.nullable:
            return Result(value=None)
        return self.inner.parse(value, path)


class Obj(Schema):
    """``z.object``: keys checked in declaration order, unknown keys stripped."""

    def __init__(self, **fields: Schema) -> None:
        self.fields = fields

    def parse(self, value: Any, path: list[Any]) -> Result:
        if not isinstance(value, dict):
            return Result([_invalid_type("object", value, path)], True)
        out = Result(value={})
        for name, schema in self.fields.items():
            r = schema.parse(value.get(name, _MISSING), [*path, name])
            out.issues += r.issues
            out.aborted |= r.aborted
            if r.value is not _MISSING:
                out.value[name] = r.value
        return out

    def merge(self, **fields: Schema) -> Obj:
        return Obj(**{**self.fields, **fields})


class Union(Schema):
    """``z.union``: the first branch that parses wins; else the first branch with only non-fatal
    issues gives its issues; else one ``invalid_union`` issue holding every branch's issues."""

    def __init__(self, *branches: Schema) -> None:
        self.branches = branches

    def parse(self, value: Any, path: list[Any]) -> Result:
        results = [b.parse(value, path) for b in self.branches]
        for r in results:
            if not r.issues:
                return r
        for r in results:
            if not r.aborted:
                return r
        issue = {
            "code": "invalid_union",
            "unionErrors": [{"issues": r.issues, "name": "ZodError"} for r in results],
            "path": path,
            "message": "Invalid input",
        }
        return Result([issue], True)


class Refine(Schema):
    """``.refine(check)``: runs unless the inner parse aborted; a false check adds zod's
    ``custom`` issue."""

    def __init__(self, inner: Schema, check: Callable[[Any], bool]) -> None:
        self.inner, self.check = inner, check

    def parse(self, value: Any, path: list[Any]) -> Result:
        r = self.inner.parse(value, path)
        if r.aborted:
            return r
        if not self.check(value):
            r.issues.append({"code": "custom", "message": "Invalid input", "path": path})
        return r


# -- the schemas (src/packages/next/lib/api/schema/**.ts @5cb3315c30) ---------------------------

UUID = Str(uuid=True)
PROJECT = Obj(project_id=UUID)  # projects/common.ts:3 ProjectIdSchema

_EXEC_COMMON = Obj(project_id=UUID)
# exec.ts:17-113: the blocking branch, keys in declaration order
EXEC_BLOCKING = _EXEC_COMMON.merge(
    compute_server_id=Opt(Num()),
    filesystem=Opt(Bool()),
    path=Opt(Str()),
    command=Str(),
    args=Opt(Arr(Str())),
    # `.default(PROJECT_EXEC_DEFAULT_TIMEOUT_S).optional()`: the recorded hub fills in 60
    timeout=Opt(Num(minimum=0), 60),
    max_output=Opt(Num(minimum=0)),
    bash=Opt(Bool()),
    home=Opt(Str()),
    uid=Opt(Num(minimum=0)),
    gid=Opt(Num(minimum=0)),
    aggregate=Opt(AnyValue()),
    err_on_exit=Opt(Bool()),
    env=Opt(Rec()),
    async_call=Opt(Bool()),
)
# exec.ts:115-145: project_id, async_stats (required), async_get, async_await
EXEC_ASYNC = _EXEC_COMMON.merge(async_stats=Bool(), async_get=Str(), async_await=Opt(Bool()))


def _exec_refine(data: Any) -> bool:
    # exec.ts:147-154: the branch named by the body's own keys must parse on its own
    branch = EXEC_ASYNC if isinstance(data, dict) and "async_get" in data else EXEC_BLOCKING
    return not branch.parse(data, []).issues


_SIGN_UP_OPTIONAL = {
    "registrationToken": Opt(Str()),
    "tags": Opt(Arr(Str())),
    "publicPathId": Opt(Str()),
    "signupReason": Opt(Str()),
    "reCaptchaToken": Opt(Str()),
}

SCHEMAS: dict[str, Schema] = {
    "exec": Refine(Union(EXEC_BLOCKING, EXEC_ASYNC), _exec_refine),
    "projects/start": PROJECT,
    "projects/stop": PROJECT,
    "projects/delete": PROJECT,
    "projects/restore": PROJECT,
    "projects/collaborators/list": PROJECT,
    "projects/collaborators/add": Obj(project_id=UUID, account_id=UUID),
    "projects/collaborators/remove": Obj(project_id=UUID, account_id=UUID),
    "projects/collaborators/change-user-type": Obj(
        project_id=UUID, target_account_id=UUID, new_group=Enum("owner", "collaborator")
    ),
    # projects/update.ts: account_id is AdminAccountIdSchema (optional)
    "projects/update": Obj(
        account_id=Opt(UUID),
        project_id=UUID,
        title=Opt(Str()),
        description=Opt(Str()),
        name=Opt(Str()),
    ),
    "projects/get": Obj(account_id=Opt(UUID), limit=Opt(Num(), 50, nullable=True)),
    "accounts/search": Obj(query=Str()),
    "accounts/get-email-address": Obj(account_id=UUID),
    # compute/*.ts: ComputeServerIdSchema is a number (compute/common.ts:3)
    "compute/get-detailed-state": Obj(id=Num(), project_id=UUID),
    "compute/get-log": Obj(id=Num()),
    "compute/get-network-usage": Obj(id=Num(), start=Str(), end=Str()),
    "compute/get-server-state": Obj(id=Num()),
    "compute/get-server-title": Obj(id=Num()),
    "compute/get-template": Obj(id=Num()),
    "guesslang": Obj(code=Str()),
    "latex": Obj(
        path=Str(),
        content=Opt(Str()),
        project_id=Opt(UUID),
        command=Opt(Str()),
        timeout=Opt(Num(minimum=5), 30),
        ttl=Opt(Num(minimum=60), 3600),
        only_read_pdf=Opt(Bool()),
    ),
    # accounts/sign-up.ts:27-61: regular (email, password, names, terms) | anonymous
    "auth/sign-up": Union(
        Obj(
            email=Str(),
            password=Str(),
            firstName=Str(),
            lastName=Str(),
            terms=Bool(),
            anonymous=Opt(Literal(False)),
            **_SIGN_UP_OPTIONAL,
        ),
        Obj(anonymous=Literal(True), **_SIGN_UP_OPTIONAL),
    ),
}


def validate(route: str, body: dict[str, Any]) -> tuple[dict[str, Any] | None, Reply | None]:
    """``(parsed body, None)`` or ``(None, the HTTP 400 answer)``; routes without a schema pass
    through unchanged."""
    schema = SCHEMAS.get(route)
    if schema is None:
        return body, None
    result = schema.parse(body, [])
    if result.issues:
        return None, compact({"message": "Invalid request body.", "errors": result.issues}, 400)
    return result.value if isinstance(result.value, dict) else body, None
