"""Copy requests as v1, v2 and conat see them: access checks, the copy row, and CopyOp JSON."""

from __future__ import annotations

import json
from typing import Any

from ._util import is_uuid
from .auth import Principal
from .context import Context
from .replies import HandlerError

V1_NOTE = (
    "Query copy_path_status with the copy_path_id to learn if the copy operation was successful."
)
_COPYOP = ("time", "source_project_id", "source_path", "target_project_id", "target_path",
           "overwrite_newer", "delete_missing", "backup", "started", "finished", "scheduled",
           "error", "exclude")  # fmt: skip
_BOOLS = {"overwrite_newer", "delete_missing", "backup"}


def start_copy(
    ctx: Context,
    who: Principal,
    params: dict[str, Any],
    *,
    src_path_key: str = "src_path",
    public: bool = False,
) -> str:
    """Check access the v1 way and queue a copy; returns the copy id."""
    src, target = params.get("src_project_id"), params.get("target_project_id")
    for name, value in (("src_project_id", src), ("target_project_id", target)):
        if not is_uuid(value):
            raise HandlerError(f"{name}='{value}' not valid")
    assert isinstance(src, str)
    assert isinstance(target, str)
    src_path = params.get(src_path_key)
    if src_path is None:
        raise HandlerError("src_path must be defined")
    if public:
        if not ctx.store.is_public(src, str(src_path)):
            raise HandlerError(f"path '{src_path}' of project with id '{src}' is not public")
    elif not ctx.is_collaborator(who, src):
        raise HandlerError(f"ACCESS BLOCKED -- No read access to source project -- {src}")
    if not ctx.is_collaborator(who, target):
        raise HandlerError(f"ACCESS BLOCKED -- No write access to target project -- {target}")
    exclude = params.get("exclude") or []
    return ctx.copies.start(
        source_project_id=src,
        source_path=str(src_path),
        target_project_id=target,
        target_path=params.get("target_path") or str(src_path),
        overwrite_newer=int(bool(params.get("overwrite_newer"))),
        delete_missing=int(bool(params.get("delete_missing"))),
        backup=int(bool(params.get("backup"))),
        exclude_history=int(bool(params.get("exclude_history"))),
        exclude=json.dumps(exclude if isinstance(exclude, list) else [exclude]),
        public=int(public),
        timeout=params.get("timeout"),
        scheduled=params.get("scheduled"),
    )


def copy_op(row: Any) -> dict[str, Any]:
    """A copy row as ``copy_path_status`` shows it: null fields left out, as in the seed."""
    out: dict[str, Any] = {"copy_path_id": row["id"]}
    for name in _COPYOP:
        value = row[name]
        if name == "exclude":
            value = json.loads(value) if value else None
            value = value or None
        if value is None:
            continue
        out[name] = bool(value) if name in _BOOLS else value
    return out


def _flag(value: Any) -> bool:
    # "true"/"false" strings are accepted for pending and failed (form bodies)
    if isinstance(value, str):
        return value == "true"
    return bool(value)


def copy_status(ctx: Context, who: Principal, params: dict[str, Any]) -> Any:
    """v1 ``copy_path_status`` (single and list mode); returns ``data``."""
    src, target = params.get("src_project_id"), params.get("target_project_id")
    copy_id = params.get("copy_path_id")
    if src is None and target is None:
        if copy_id is None:
            raise HandlerError(
                "'copy_path_id' (UUID) of a copy operation or"
                " 'src_project_id/target_project_id' must be defined"
            )
        if not is_uuid(copy_id):
            raise HandlerError(f'invalid input syntax for type uuid: "{copy_id}"')
        row = ctx.store.copy_row(copy_id)
        if row is None:
            raise HandlerError(f"Can't find copy operation with ID={copy_id}")
        check_row_access(ctx, who, row)
        return copy_op(row)
    limit, offset = params.get("limit", 1000), params.get("offset") or 0
    for name, value, top in (("limit", limit, 1000), ("offset", offset, 100000)):
        try:
            ok = 0 <= int(value) <= top
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise HandlerError(f"ILLEGAL VALUE {name}='{value}' (must be in [0, {top}])")
    where: list[str] = []
    args: list[Any] = []
    for column, value in (("source_project_id", src), ("target_project_id", target)):
        if value is not None:
            if not ctx.is_collaborator(who, str(value)):
                kind = "read" if column == "source_project_id" else "write"
                raise HandlerError(f"ACCESS BLOCKED -- No {kind} access to project -- {value}")
            where.append(f"{column}=?")
            args.append(value)
    if params.get("src_path") is not None:
        where.append("source_path=?")
        args.append(params["src_path"])
    failed = _flag(params.get("failed", False))
    pending = False if failed else _flag(params.get("pending", True))
    where.append("finished IS NULL" if pending else "finished IS NOT NULL")
    if failed:
        where.append("error IS NOT NULL")
    rows = ctx.store.query_copies(where, args, int(limit), int(offset))
    return [copy_op(r) for r in rows]


def check_row_access(ctx: Context, who: Principal, row: Any) -> None:
    if not ctx.is_collaborator(who, row["source_project_id"]) and not row["public"]:
        raise HandlerError(
            f"ACCESS BLOCKED -- No read access to source project -- {row['source_project_id']}"
        )
    if not ctx.is_collaborator(who, row["target_project_id"]):
        raise HandlerError(
            f"ACCESS BLOCKED -- No write access to target project -- {row['target_project_id']}"
        )


def copy_delete(ctx: Context, who: Principal, copy_id: Any) -> str:
    row = ctx.store.copy_row(copy_id) if is_uuid(copy_id) else None
    if row is None or row["scheduled"] is None or row["finished"] is not None:
        raise HandlerError(f"Copy operation '{copy_id}' either does not exist or already finished")
    check_row_access(ctx, who, row)
    ctx.copies.cancel(copy_id)
    ctx.store.delete_copy(copy_id)
    return f"copy_path_id = '{copy_id}' deleted"
