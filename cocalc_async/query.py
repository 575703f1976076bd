"""``client.query``: CoCalc's database user queries (v2 ``user-query``, conat ``db.userQuery``,
legacy v1 ``query``) made typed.

CoCalc decides whether a query reads or writes by looking at its values: a query is a *get* when
any value is ``None`` (sent as ``null``), and the server fills those in; with no ``None`` it is a
*set*. Built by hand, one forgotten ``None`` silently turns a read into a write, so ``get``
insists on at least one ``None`` and ``set`` refuses any::

    me = await client.query.get("accounts", account_id=None, email_address=None)
    await client.query.set("projects", project_id=pid, title="New title")
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from ._types import Json, JsonObject
from .errors import ResponseValidationError

if TYPE_CHECKING:
    from ._runtime import Caller
    from .models.query import QueryResult

__all__ = ["Query", "QueryApi"]

QueryApi = Literal["v2", "conat", "v1"]

# CoCalc's table and column names are lower-case identifiers (db-schema); anything else would be
# answered with a vague server error, so it is refused before sending.
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class Query:
    """Typed get/set over CoCalc's user queries.

    Args:
        caller: what sends requests (the :class:`~cocalc_async.Client`).
        api: ``"v2"`` (the default) sends ``POST /api/v2/user-query``; ``"conat"`` sends the hub
            bridge's ``db.userQuery``; ``"v1"`` sends ``POST /api/v1/query``, which only hubs
            built before CoCalc removed API v1 (2025-05-29) serve. :meth:`via` switches per use.

    v2 is the default because every current hub serves it under its documented REST path.
    Against the emulator both current routes cost the same: 0.45 ms median per get for v2 and
    0.46 ms for conat (300 sequential gets, three rounds, loopback). Through conat a wrong key
    is refused up front ("must be signed in and MUST provide an api key"), whereas v2 runs the
    query as an anonymous caller and answers "FATAL: anonymous get queries not allowed".
    """

    def __init__(self, caller: Caller, *, api: QueryApi = "v2") -> None:
        if api not in ("v2", "conat", "v1"):
            raise ValueError(f"api must be 'v2', 'conat' or 'v1', got {api!r}")
        self._caller = caller
        self.api: QueryApi = api

    def __repr__(self) -> str:
        return f"Query(api={self.api!r})"

    def via(self, api: QueryApi) -> Query:
        """The same helper sending through ``api``: ``await client.query.via("conat").get(...)``."""
        return Query(self._caller, api=api)

    async def get(self, table: str, /, **fields: Json) -> JsonObject:
        """Read one record of ``table``: the fields given as ``None`` come back filled in.

        Fields with a value select the record (``project_id=...``). At least one field must be
        ``None``, otherwise CoCalc would take the query as a write.

        Raises:
            ValueError: a bad table or field name, a malformed ``*_id``, or no ``None`` field.
            ResponseValidationError: the answer holds no single record for ``table``.
        """
        _check(table, fields, write=False)
        value = await self._send(table, dict(fields))
        if not isinstance(value, dict):
            raise ResponseValidationError(
                f"expected one {table!r} record, got {type(value).__name__}",
                path=f"$.query.{table}",
                model="JsonObject",
                body=value,
            )
        return value

    async def get_all(self, table: str, /, **fields: Json) -> list[JsonObject]:
        """Read every matching record of ``table`` (the query is sent as ``[{...}]``)."""
        _check(table, fields, write=False)
        value = await self._send(table, [dict(fields)])
        if not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            raise ResponseValidationError(
                f"expected a list of {table!r} records, got {type(value).__name__}",
                path=f"$.query.{table}",
                model="list[JsonObject]",
                body=value,
            )
        return [v for v in value if isinstance(v, dict)]

    async def set(self, table: str, /, **fields: Json) -> None:
        """Write the given fields of one record of ``table`` (the record's id included).

        Raises:
            ValueError: a bad name or id, no fields, or any ``None`` value (it would make the
                query a get, so nothing would be written).
        """
        _check(table, fields, write=True)
        await self._send(table, dict(fields))

    async def _send(self, table: str, record: Json) -> Json:
        query: JsonObject = {table: record}
        answer: Json
        if self.api == "v2":
            from ._generated.v2 import V2

            result: QueryResult = await V2(self._caller).user_query(query=query)
            answer = result.query
        elif self.api == "conat":
            from ._generated.conat import Conat

            # The bridge answers the query object itself, not {"query": ...}.
            answer = await Conat(self._caller).hub.db.user_query(query=query)
        else:
            from ._generated.v1 import V1

            result = await V1(self._caller).query(query=query)
            answer = result.query
        if not isinstance(answer, dict):
            # a set answers {} (or nothing): there is no record to hand back
            return None
        return answer.get(table)


def _check(table: str, fields: Mapping[str, Json], *, write: bool) -> None:
    if not isinstance(table, str) or not _NAME.match(table):
        raise ValueError(f"table must be a CoCalc table name like 'projects', got {table!r}")
    if not fields:
        raise ValueError(f"a query of {table!r} needs at least one field")
    for name, value in fields.items():
        if not _NAME.match(name):
            raise ValueError(f"field names are lower-case identifiers, got {name!r}")
        if name.endswith("_id") and value is not None and not _is_uuid(value):
            raise ValueError(f"{name} must be a UUID like '1b4e28ba-2fa1-...', got {value!r}")
    nones = [name for name, value in fields.items() if value is None]
    if write and nones:
        raise ValueError(
            f"set() cannot write None ({', '.join(nones)}): CoCalc reads a query with any None "
            "as a get, so nothing would be written; leave those fields out"
        )
    if not write and not nones:
        raise ValueError(
            f"get() needs at least one field set to None, the ones to read (e.g. title=None): "
            f"without one CoCalc reads the {table!r} query as a write"
        )


def _is_uuid(value: Json) -> bool:
    # a get_all may select by a list of ids
    items = value if isinstance(value, list) else [value]
    return all(isinstance(v, str) and _UUID.match(v) for v in items)
