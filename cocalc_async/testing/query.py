"""The user query of v1 ``query``, v2 ``user-query`` and conat ``db.userQuery``, for the tables
automation uses: ``accounts`` (own row), ``projects`` (get/set title, description, ...) and
``public_paths`` (publish a path). A query is a *get* when any value is ``None``."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from ._util import is_uuid
from .accounts import in_project_group
from .auth import Principal
from .context import Context
from .replies import HandlerError

ACCOUNT_GET = ("account_id", "first_name", "last_name", "email_address", "editor_settings",
               "created", "last_active")  # fmt: skip
ACCOUNT_SET = frozenset({"account_id", "first_name", "last_name", "editor_settings"})
PROJECT_GET = ("project_id", "title", "description", "name", "users", "created", "last_edited",
               "deleted", "state", "invite")  # fmt: skip
PROJECT_SET = frozenset({"project_id", "title", "description", "name", "users"})
RECENT_DAYS = 21  # the projects table's pg_where: only projects edited in the last 3 weeks


def _is_get(obj: dict[str, Any]) -> bool:
    return any(v is None for v in obj.values())


def user_query(ctx: Context, who: Principal | None, query: Any) -> dict[str, Any]:
    if isinstance(query, str) and query:
        # the hub walks the string's "keys" (its indices) as table names and stops at the first
        # (database/postgres-user-queries.coffee:210 @5cb3315c30)
        raise HandlerError("FATAL: invalid user_query of '0' -- query must be an object")
    if not isinstance(query, dict) or len(query) != 1:
        raise HandlerError("query must be an object with exactly one table")
    ((table, value),) = query.items()
    many = isinstance(value, list)
    obj = (value[0] if value else {}) if many else value
    if not isinstance(obj, dict):
        raise HandlerError(f"invalid query for table '{table}'")
    if who is None:
        # a missing or wrong key is an anonymous caller (postgres-user-queries.coffee:165,1012)
        if not _is_get(obj):
            raise HandlerError("FATAL: no anonymous set queries")
        if table in ("accounts", "projects"):
            raise HandlerError(f"FATAL: anonymous get queries not allowed for table '{table}'")
        raise HandlerError(f"FATAL: get queries not allowed for table '{table}'")
    if table == "accounts":
        return _accounts(ctx, who, obj, many)
    if table == "projects":
        return _projects(ctx, who, obj, many)
    if table == "public_paths" and not _is_get(obj):
        return _set_public_path(ctx, who, obj)
    # the texts of src/packages/database/postgres-user-queries.coffee:408,1009 @5cb3315c30 (the
    # emulator serves no other table, so it answers as for one with no user queries)
    if _is_get(obj):
        raise HandlerError(f"FATAL: get queries not allowed for table '{table}'")
    raise HandlerError(f"FATAL: user set queries not allowed for table '{table}'")


def _account_json(row: Any, fields: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name in fields:
        if name in ACCOUNT_GET:
            v = row[name]
            out[name] = json.loads(v) if name == "editor_settings" else v
    return out


def _accounts(ctx: Context, who: Principal, obj: dict[str, Any], many: bool) -> dict[str, Any]:
    row = ctx.store.account(who.account_id)
    if row is None:
        raise HandlerError("user must be signed in (not with a project key) to query accounts")
    if _is_get(obj):
        found = _account_json(row, obj)
        return {"accounts": [found] if many else found}
    if any(k not in ACCOUNT_SET for k in obj):
        bad = next(k for k in obj if k not in ACCOUNT_SET)
        raise HandlerError(f"user set queries not allowed for accounts field '{bad}'")
    for name in ("first_name", "last_name"):
        if name in obj:
            ctx.store.update_account(who.account_id, **{name: str(obj[name])})
    if isinstance(obj.get("editor_settings"), dict):
        merged = {**json.loads(row["editor_settings"]), **obj["editor_settings"]}
        ctx.store.update_account(who.account_id, editor_settings=json.dumps(merged))
    return {}


def _project_json(ctx: Context, row: Any, fields: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in fields:
        if name == "users":
            out[name] = ctx.store.users(row["project_id"])
        elif name == "invite":
            # email -> {time} of each invitation sent (util/db-schema/projects.ts:249), or null
            out[name] = ctx.store.invite_map(row["project_id"]) or None
        elif name == "deleted":
            out[name] = bool(row["deleted"])
        elif name in PROJECT_GET:
            out[name] = row[name]
    return out


def _matches(row: Any, obj: dict[str, Any]) -> bool:
    return all(
        row[k] == v
        for k, v in obj.items()
        if v is not None and k in PROJECT_GET and k not in ("users", "invite")
    )


def _projects(ctx: Context, who: Principal, obj: dict[str, Any], many: bool) -> dict[str, Any]:
    project_id = obj.get("project_id")
    if project_id is not None and not is_uuid(project_id):
        raise HandlerError(f'invalid input syntax for type uuid: "{project_id}"')
    if not _is_get(obj):
        return _set_project(ctx, who, obj)
    if project_id is not None:
        row = ctx.store.project(project_id)
        # user_is_in_project_group: owner, collaborator or site admin (postgres-server-
        # queries.coffee:1591-1618; recorded: admin-hub-uq-p1). A project key's "account" is
        # the project, which is neither (recorded: flow-project-key/v2-uq)
        if row is None or not in_project_group(ctx, who.account_id, project_id):
            if many:
                return {"projects": []}
            # postgres-user-queries.coffee:1142 names an unset variable, hence "undefined"
            raise HandlerError(
                "FATAL: you do not have read access to this project --"
                f" account_id={who.account_id}, project_id_=undefined"
            )
        rows = [row]
    else:
        cutoff = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=RECENT_DAYS)
        rows = [
            r
            for r in ctx.store.projects_of(who.account_id, include_deleted=True)
            if str(r["last_edited"]) >= cutoff.strftime("%Y-%m-%dT%H:%M:%S")
        ]
    rows = [r for r in rows if _matches(r, obj)]
    found = [_project_json(ctx, r, obj) for r in rows]
    if many:
        return {"projects": found}
    return {"projects": found[0] if found else None}


def _set_project(ctx: Context, who: Principal, obj: dict[str, Any]) -> dict[str, Any]:
    project_id = obj.get("project_id")
    if project_id is None:
        raise HandlerError("project_id must be specified to set a project")
    bad = [k for k in obj if k not in PROJECT_SET]
    if bad:
        raise HandlerError(f"user set queries not allowed for projects field '{bad[0]}'")
    if ctx.store.project(project_id) is None or not in_project_group(
        ctx, who.account_id, project_id
    ):
        raise HandlerError("user must be a collaborator on the project to set it")
    fields = {k: str(obj[k]) for k in ("title", "description", "name") if k in obj}
    if fields:
        ctx.store.update_project(project_id, **fields)
    users = obj.get("users")
    if isinstance(users, dict):
        for account_id, entry in users.items():
            mine = account_id == who.account_id and isinstance(entry, dict)
            if mine and isinstance(entry.get("upgrades"), dict):
                ctx.store.set_upgrades(project_id, account_id, entry["upgrades"])
    return {}


def _set_public_path(ctx: Context, who: Principal, obj: dict[str, Any]) -> dict[str, Any]:
    project_id, path = obj.get("project_id"), obj.get("path")
    if not is_uuid(project_id) or not isinstance(path, str):
        raise HandlerError("project_id and path must be specified to set a public path")
    assert isinstance(project_id, str)
    if not ctx.is_collaborator(who, project_id):
        raise HandlerError("user must be a collaborator on the project to share a path")
    ctx.store.set_public_path(
        project_id,
        path,
        str(obj.get("description") or ""),
        disabled=bool(obj.get("disabled")),
        unlisted=bool(obj.get("unlisted")),
    )
    return {}
