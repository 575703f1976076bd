"""Conat hub ``db.*``, ``purchases.*``, ``messages.*``, ``jupyter.*`` and ``sync.history``
(src/packages/server/conat/api/{db,purchases,messages,jupyter,sync}.ts @5cb3315c30).

The emulator has no TimeTravel history, blobs, purchases or Jupyter pool: those functions
answer what a fresh hub with none of them answers."""

from __future__ import annotations

import json
from typing import Any

from ._util import is_uuid
from .accounts import is_member
from .auth import Principal
from .conat_project import spawn_kernel_error
from .conat_registry import BareError, hub
from .context import Context
from .query import user_query
from .replies import HandlerError

#: src/packages/util/db-schema/messages.ts:88 @5cb3315c30.
MESSAGES_MAX_LIMIT = 500
#: The site setting ``jupyter_api_enabled`` defaults to "no" (the recorded hub-jupyter-kernels
#: answer: "Error: Jupyter API is not enabled on this server.").
JUPYTER_OFF = "Jupyter API is not enabled on this server."


@hub("db.userQuery")
async def db_user_query(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """The database reports user-query failures as strings, so ``${err}`` adds nothing
    (recorded: hub-uq-badtable, hub-uq-stranger)."""
    try:
        return user_query(ctx, who, a.get("query"))
    except HandlerError as err:
        raise BareError(err.error) from None


@hub("db.touch")
async def db_touch(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """db.ts:13-34: marks the account (and the project, when given) active."""
    project_id = a.get("project_id")
    if project_id:
        if not is_member(ctx, who.account_id, project_id):
            raise HandlerError("user must be collaborator on project")
        ctx.store.touch_project(str(project_id))
    ctx.store.touch_account(who.account_id)
    return None


@hub("db.getLegacyTimeTravelInfo")
async def legacy_info(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """No archived syncstring exists, so the answer is ``{uuid: ""}`` before any check."""
    return {"uuid": ""}


@hub("db.getLegacyTimeTravelPatches")
async def legacy_patches(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """``get_blob`` of a uuid that is not stored answers nothing, and ``blob.toString()``
    then throws (db.ts:62-75)."""
    raise HandlerError("TypeError: Cannot read properties of undefined (reading 'toString')")


@hub("db.fileUseTimes")
async def file_use_times(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """file-use-times.ts: the access log is empty; edit times come from a patch stream the
    emulator does not keep, so they are empty too."""
    if not is_member(ctx, who.account_id, a.get("project_id")):
        raise HandlerError("user does not have read access to the given project")
    out: dict[str, Any] = {"target_account_id": a.get("target_account_id") or who.account_id}
    if a.get("access_times", True):
        out["access_times"] = []
    if a.get("edit_times"):
        out["edit_times"] = []
    return out


@hub("db.removeBlobTtls")
async def remove_blob_ttls(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    if not isinstance(a.get("uuids"), list):
        raise HandlerError("TypeError: Cannot read properties of undefined (reading 'filter')")
    return None


@hub("purchases.getBalance")
async def get_balance(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """No purchases: the balance is 0 (recorded: v2-purch-get-balance)."""
    return 0


@hub("purchases.getMinBalance")
async def get_min_balance(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """``min_balance`` unset defaults to 0 (server/purchases/get-min-balance.ts)."""
    return 0


@hub("messages.send")
async def messages_send(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """messages.ts and server/messages/send.ts: email addresses among ``to_ids`` are looked
    up; the new message's id comes back (recorded: flow-messages, ``2``)."""
    to_ids = a.get("to_ids")
    if not isinstance(to_ids, list):
        raise HandlerError("TypeError: Cannot read properties of undefined (reading 'filter')")
    emails = [x for x in to_ids if isinstance(x, str) and "@" in x]
    if emails:
        to_ids = [x for x in to_ids if is_uuid(x)]
        for email in emails:
            row = ctx.store.account_by_email(email)
            if row is not None:
                to_ids.append(row["account_id"])
    if not to_ids:
        return None
    for account_id in to_ids:
        if not is_uuid(account_id) or ctx.store.account(account_id) is None:
            raise HandlerError(f"invalid account_id -- {account_id}")
    reply_id = a.get("reply_id")
    thread_id = None
    if reply_id:
        cur = ctx.store.db.execute("SELECT reply_id FROM messages WHERE id=?", (reply_id,))
        found = cur.fetchone()
        thread_id = None if found is None else (found[0] or reply_id)
    return ctx.store.add_message(
        who.account_id, list(to_ids), str(a.get("subject") or ""), str(a.get("body") or ""),
        thread_id,
    )  # fmt: skip


@hub("messages.get")
async def messages_get(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """server/messages/get.ts: ``[]`` with none (recorded: hub-messages-get); each message
    has the fields and per-user flags v2 ``messages/get`` shows."""
    limit = a.get("limit", 100)
    if isinstance(limit, (int, float)) and limit > MESSAGES_MAX_LIMIT:
        raise HandlerError(f"limit must be at most {MESSAGES_MAX_LIMIT}")
    kind = str(a.get("type") or "received")
    rows = ctx.store.messages_for(
        who.account_id, kind, int(limit or 100), int(a.get("offset") or 0)
    )
    return [
        {"id": r["id"], "subject": r["subject"], "body": r["body"], "from_id": r["from_id"],
         "to_ids": json.loads(r["to_ids"]), "sent": r["sent"], "thread_id": r["reply_id"],
         "read": False, "saved": False, "deleted": False}
        for r in rows
    ]  # fmt: skip


def _jupyter_project(ctx: Context, who: Principal, a: dict[str, Any]) -> str | None:
    project_id = a.get("project_id")
    if project_id is None:
        raise HandlerError(JUPYTER_OFF)
    if not is_member(ctx, who.account_id, project_id):
        raise HandlerError("permission denied -- user must be collaborator on project")
    return str(project_id)


@hub("jupyter.kernels")
async def jupyter_kernels(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """The public pool is off; a project of one's own has no Jupyter kernels installed in the
    emulator (recorded: v2-jupyter-kernels-p1 answers ``kernels: []``)."""
    _jupyter_project(ctx, who, a)
    return []


@hub("jupyter.execute")
async def jupyter_execute(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """server/jupyter/execute.ts:80-140: input and kernel are checked first."""
    if a.get("hash") is not None and not a.get("noCache"):
        return None  # nothing is cached
    if a.get("input") is None:
        raise HandlerError("input or hash must not be null")
    if a.get("kernel") is None:
        raise HandlerError("kernel must be specified in hash is not specified")
    _jupyter_project(ctx, who, a)
    # the project cannot spawn the kernel; the hub rethrows the project's "Error: ..." text
    # as a new Error, hence two prefixes (recorded: hubfn-jupyter-execute)
    raise BareError("Error: Error: " + spawn_kernel_error(a.get("kernel")))


@hub("sync.history")
async def sync_history(ctx: Context, who: Principal, a: dict[str, Any]) -> Any:
    """sync.ts: the emulator keeps no patch streams, so a file's history is empty."""
    if not is_member(ctx, who.account_id, a.get("project_id")):
        raise HandlerError("user must be collaborator on source project")
    return {"patches": [], "info": {}}
