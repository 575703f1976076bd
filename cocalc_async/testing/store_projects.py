"""Projects and what hangs off them: users and groups, invitations, public paths, copy rows,
support tickets, messages and the client error log. Mixed into ``store.Store``."""

from __future__ import annotations

import datetime
import json
import sqlite3
import time
from typing import Any

from ._util import new_uuid, now_iso

Row = sqlite3.Row


class ProjectStore:
    db: sqlite3.Connection

    # -- projects -------------------------------------------------------------------------------

    def create_project(self, owner: str, title: str = "", description: str = "", **kw: Any) -> str:
        project_id = new_uuid()
        self.db.execute(
            "INSERT INTO projects (project_id, title, description, created, last_edited, image)"
            " VALUES (?,?,?,?,?,?)",
            (project_id, title, description, now_iso(), now_iso(), kw.get("image")),
        )
        self.db.execute(
            "INSERT INTO project_users (project_id, account_id, grp) VALUES (?,?,?)",
            (project_id, owner, "owner"),
        )
        return project_id

    def project(self, project_id: str) -> Row | None:
        row: Row | None = self.db.execute(
            "SELECT * FROM projects WHERE project_id=?", (project_id,)
        ).fetchone()
        return row

    def update_project(self, project_id: str, **fields: Any) -> None:
        for name, value in fields.items():
            if name not in {"title", "description", "name", "state", "deleted", "last_edited"}:
                raise ValueError(name)
            self.db.execute(f"UPDATE projects SET {name}=? WHERE project_id=?", (value, project_id))

    def touch_project(self, project_id: str) -> None:
        self.update_project(project_id, last_edited=now_iso())

    def projects_of(self, account_id: str, *, include_deleted: bool = False) -> list[Row]:
        sql = (
            "SELECT p.* FROM projects p JOIN project_users u ON p.project_id=u.project_id"
            " WHERE u.account_id=?"
        )
        if not include_deleted:
            sql += " AND p.deleted=0"
        return list(self.db.execute(sql + " ORDER BY p.last_edited DESC", (account_id,)))

    def users(self, project_id: str) -> dict[str, dict[str, Any]]:
        """The ``users`` map the way the projects table shows it."""
        out: dict[str, dict[str, Any]] = {}
        for row in self.db.execute(
            "SELECT account_id, grp, upgrades FROM project_users WHERE project_id=?", (project_id,)
        ):
            entry: dict[str, Any] = {"group": row["grp"]}
            if row["upgrades"]:
                entry["upgrades"] = json.loads(row["upgrades"])
            out[row["account_id"]] = entry
        return out

    def group_of(self, account_id: str, project_id: str) -> str | None:
        row = self.db.execute(
            "SELECT grp FROM project_users WHERE project_id=? AND account_id=?",
            (project_id, account_id),
        ).fetchone()
        return None if row is None else str(row[0])

    def is_collaborator(self, account_id: str, project_id: str) -> bool:
        return self.group_of(account_id, project_id) in ("owner", "collaborator")

    def add_user(self, project_id: str, account_id: str, group: str = "collaborator") -> None:
        self.db.execute(
            "INSERT INTO project_users (project_id, account_id, grp) VALUES (?,?,?)"
            " ON CONFLICT (project_id, account_id) DO UPDATE SET grp=excluded.grp",
            (project_id, account_id, group),
        )

    def remove_user(self, project_id: str, account_id: str) -> None:
        self.db.execute(
            "DELETE FROM project_users WHERE project_id=? AND account_id=?",
            (project_id, account_id),
        )

    def set_upgrades(self, project_id: str, account_id: str, upgrades: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE project_users SET upgrades=? WHERE project_id=? AND account_id=?",
            (json.dumps(upgrades), project_id, account_id),
        )

    def add_invitation(self, project_id: str, email: str, invited_by: str) -> bool:
        """Record an email invitation; ``False`` when one was sent in the last 7 days."""
        row = self.db.execute(
            "SELECT time FROM invitations WHERE project_id=? AND email_address=?",
            (project_id, email),
        ).fetchone()
        if row is not None and time.time() - row[0] < 7 * 24 * 3600:
            return False
        self.db.execute(
            "INSERT OR REPLACE INTO invitations VALUES (?,?,?,?)",
            (project_id, email, invited_by, time.time()),
        )
        return True

    def set_project_settings(self, project_id: str, settings: dict[str, Any]) -> None:
        """Admin quotas (``setQuotas``), merged into what was set before."""
        self.db.execute(
            "INSERT INTO meta (k, v) VALUES (?, ?)"
            " ON CONFLICT (k) DO UPDATE SET v=json_patch(v, excluded.v)",
            (f"settings:{project_id}", json.dumps(settings)),
        )

    def project_settings(self, project_id: str) -> dict[str, Any]:
        row = self.db.execute(
            "SELECT v FROM meta WHERE k=?", (f"settings:{project_id}",)
        ).fetchone()
        return {} if row is None else dict(json.loads(row[0]))

    def record_invite_sent(self, project_id: str, email: str, invited_by: str) -> None:
        """``sent_project_invite``: the project's ``invite`` map gets ``{email: {time}}``."""
        self.db.execute(
            "INSERT OR REPLACE INTO invitations VALUES (?,?,?,?)",
            (project_id, email.lower(), invited_by, time.time()),
        )

    def invite_sent_at(self, project_id: str, email: str) -> float | None:
        row = self.db.execute(
            "SELECT time FROM invitations WHERE project_id=? AND email_address=?",
            (project_id, email.lower()),
        ).fetchone()
        return None if row is None else float(row[0])

    def invite_map(self, project_id: str) -> dict[str, dict[str, str]]:
        """The projects table's ``invite`` field: ``{email: {"time": ISO}}``."""
        return {
            str(r["email_address"]): {
                "time": now_iso(datetime.datetime.fromtimestamp(r["time"], datetime.timezone.utc))
            }
            for r in self.invites(project_id)
        }

    def invites(self, project_id: str) -> list[Row]:
        """Every email invitation sent for a project, oldest first."""
        return list(
            self.db.execute(
                "SELECT * FROM invitations WHERE project_id=? ORDER BY time", (project_id,)
            )
        )

    # -- public paths ---------------------------------------------------------------------------

    def set_public_path(self, project_id: str, path: str, description: str = "", **kw: Any) -> str:
        row = self.db.execute(
            "SELECT id FROM public_paths WHERE project_id=? AND path=?", (project_id, path)
        ).fetchone()
        disabled = int(bool(kw.get("disabled", False)))
        unlisted = int(bool(kw.get("unlisted", False)))
        if row is not None:
            self.db.execute(
                "UPDATE public_paths SET description=?, disabled=?, unlisted=?, last_edited=?"
                " WHERE id=?",
                (description, disabled, unlisted, now_iso(), row[0]),
            )
            return str(row[0])
        pid = new_uuid()
        self.db.execute(
            "INSERT INTO public_paths (id, project_id, path, description, disabled, unlisted,"
            " created, last_edited) VALUES (?,?,?,?,?,?,?,?)",
            (pid, project_id, path, description, disabled, unlisted, now_iso(), now_iso()),
        )
        return pid

    def public_path(self, public_id: str) -> Row | None:
        row: Row | None = self.db.execute(
            "SELECT * FROM public_paths WHERE id=?", (public_id,)
        ).fetchone()
        return row

    def public_paths(self, project_id: str | None = None) -> list[Row]:
        if project_id is None:
            return list(self.db.execute("SELECT * FROM public_paths WHERE disabled=0"))
        return list(
            self.db.execute(
                "SELECT * FROM public_paths WHERE project_id=? AND disabled=0", (project_id,)
            )
        )

    def is_public(self, project_id: str, path: str) -> bool:
        """A path is public when it or one of its parent directories is shared."""
        return self.containing_public_path(project_id, path) is not None

    def containing_public_path(self, project_id: str, path: str) -> str | None:
        """The shared path that makes ``path`` public (``""`` shares the whole project), or
        ``None``. Any ``..`` segment is denied outright, as CoCalc's containing_public_path
        does (src/packages/util/misc.ts:1723 @5cb3315c30): ``shared/../private.txt`` starts
        with ``shared/`` but is not inside it."""
        if ".." in path.split("/") or "\x00" in path:
            return None
        path = "/".join(p for p in path.split("/") if p not in ("", "."))
        for row in self.public_paths(project_id):
            shared = "/".join(p for p in str(row["path"]).split("/") if p not in ("", "."))
            if shared == "" or path == shared or path.startswith(shared + "/"):
                return shared
        return None

    def set_stars(self, public_id: str, stars: list[str]) -> None:
        self.db.execute(
            "UPDATE public_paths SET stars=? WHERE id=?", (json.dumps(stars), public_id)
        )

    # -- copy operations ------------------------------------------------------------------------

    def insert_copy(self, **row: Any) -> str:
        copy_id = new_uuid()
        row = {"id": copy_id, "time": now_iso(), **row}
        names = ", ".join(row)
        marks = ", ".join("?" for _ in row)
        self.db.execute(f"INSERT INTO copy_paths ({names}) VALUES ({marks})", tuple(row.values()))
        return copy_id

    def copy_row(self, copy_id: str) -> Row | None:
        row: Row | None = self.db.execute(
            "SELECT * FROM copy_paths WHERE id=?", (copy_id,)
        ).fetchone()
        return row

    def update_copy(self, copy_id: str, **fields: Any) -> None:
        for name, value in fields.items():
            if name not in {"started", "finished", "error"}:
                raise ValueError(name)
            self.db.execute(f"UPDATE copy_paths SET {name}=? WHERE id=?", (value, copy_id))

    def delete_copy(self, copy_id: str) -> None:
        self.db.execute("DELETE FROM copy_paths WHERE id=?", (copy_id,))

    def query_copies(self, where: list[str], args: list[Any], limit: int, offset: int) -> list[Row]:
        sql = "SELECT * FROM copy_paths"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY time DESC LIMIT ? OFFSET ?"
        return list(self.db.execute(sql, [*args, limit, offset]))

    def unfinished_copies(self) -> list[Row]:
        return list(self.db.execute("SELECT * FROM copy_paths WHERE finished IS NULL"))

    # -- support tickets, client errors, messages -----------------------------------------------

    def add_ticket(self, account_id: str | None, email: str, subject: str, body: str) -> int:
        cur = self.db.execute(
            "INSERT INTO support_tickets (account_id, email_address, subject, body, created_at,"
            " updated_at, status) VALUES (?,?,?,?,?,?,?)",
            (account_id, email, subject, body, now_iso(), now_iso(), "new"),
        )
        return int(cur.lastrowid or 0)

    def tickets(self, account_id: str) -> list[Row]:
        return list(
            self.db.execute(
                "SELECT * FROM support_tickets WHERE account_id=? ORDER BY id", (account_id,)
            )
        )

    def log_client_error(self, account_id: str | None, error: str) -> None:
        self.db.execute(
            "INSERT INTO client_errors (account_id, error, time) VALUES (?,?,?)",
            (account_id, error, now_iso()),
        )

    def client_errors(self) -> list[Row]:
        return list(self.db.execute("SELECT * FROM client_errors ORDER BY id"))

    def add_message(
        self, from_id: str, to_ids: list[str], subject: str, body: str, reply_id: int | None
    ) -> int:
        cur = self.db.execute(
            "INSERT INTO messages (from_id, to_ids, subject, body, sent, reply_id)"
            " VALUES (?,?,?,?,?,?)",
            (from_id, json.dumps(to_ids), subject, body, now_iso(), reply_id),
        )
        return int(cur.lastrowid or 0)

    def messages_for(self, account_id: str, kind: str, limit: int, offset: int) -> list[Row]:
        if kind == "sent":
            sql, args = "SELECT * FROM messages WHERE from_id=?", [account_id]
        else:
            sql, args = "SELECT * FROM messages WHERE to_ids LIKE ?", [f'%"{account_id}"%']
        sql += " ORDER BY id DESC LIMIT ? OFFSET ?"
        return list(self.db.execute(sql, [*args, limit, offset]))
