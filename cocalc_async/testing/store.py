"""The emulator's state: one SQLite database (standard library), in memory or in a data dir.

Accounts, API keys and auth tokens live here; projects and everything hanging off them are in
``store_projects``. All calls are synchronous: SQLite answers in microseconds, and keeping the
event loop single-threaded over one connection avoids any locking.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any, NamedTuple

from ._util import (
    decode62,
    encode62,
    hash_password,
    key_hash,
    new_uuid,
    now_iso,
    random_token,
    verify_password,
)
from .store_projects import ProjectStore

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
CREATE TABLE IF NOT EXISTS accounts (
  account_id TEXT PRIMARY KEY, email_address TEXT UNIQUE, first_name TEXT, last_name TEXT,
  password_hash TEXT, created TEXT, last_active TEXT, banned INTEGER DEFAULT 0,
  groups TEXT DEFAULT '[]', legacy_key_hash TEXT UNIQUE, editor_settings TEXT DEFAULT '{}');
CREATE TABLE IF NOT EXISTS api_keys (
  id INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT, project_id TEXT, expire REAL,
  created TEXT, name TEXT, trunc TEXT, hash TEXT, last_active TEXT);
CREATE TABLE IF NOT EXISTS auth_tokens (token TEXT PRIMARY KEY, account_id TEXT, expire REAL);
CREATE TABLE IF NOT EXISTS projects (
  project_id TEXT PRIMARY KEY, title TEXT, description TEXT, name TEXT, created TEXT,
  last_edited TEXT, deleted INTEGER DEFAULT 0, state TEXT DEFAULT 'opened', image TEXT);
CREATE TABLE IF NOT EXISTS project_users (
  project_id TEXT, account_id TEXT, grp TEXT, upgrades TEXT, PRIMARY KEY (project_id, account_id));
CREATE INDEX IF NOT EXISTS project_users_account ON project_users (account_id);
CREATE TABLE IF NOT EXISTS invitations (
  project_id TEXT, email_address TEXT, invited_by TEXT, time REAL,
  PRIMARY KEY (project_id, email_address));
CREATE TABLE IF NOT EXISTS public_paths (
  id TEXT PRIMARY KEY, project_id TEXT, path TEXT, description TEXT, disabled INTEGER DEFAULT 0,
  unlisted INTEGER DEFAULT 0, created TEXT, last_edited TEXT, stars TEXT DEFAULT '[]');
CREATE TABLE IF NOT EXISTS copy_paths (
  id TEXT PRIMARY KEY, time TEXT, source_project_id TEXT, source_path TEXT,
  target_project_id TEXT, target_path TEXT, overwrite_newer INTEGER, delete_missing INTEGER,
  backup INTEGER, exclude_history INTEGER, exclude TEXT, public INTEGER, timeout REAL,
  scheduled TEXT, started TEXT, finished TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS support_tickets (
  id INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT, email_address TEXT, subject TEXT,
  body TEXT, tags TEXT, created_at TEXT, updated_at TEXT, status TEXT);
CREATE TABLE IF NOT EXISTS client_errors (
  id INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT, error TEXT, time TEXT);
CREATE TABLE IF NOT EXISTS account_creation_actions (
  id TEXT PRIMARY KEY, email_address TEXT, action TEXT, expire REAL);
CREATE INDEX IF NOT EXISTS account_creation_actions_email
  ON account_creation_actions (email_address);
CREATE TABLE IF NOT EXISTS organizations (
  organization_id TEXT PRIMARY KEY, name TEXT UNIQUE, title TEXT, description TEXT, link TEXT,
  email_address TEXT, admin_account_ids TEXT DEFAULT '[]');
CREATE TABLE IF NOT EXISTS account_orgs (account_id TEXT PRIMARY KEY, org TEXT);
CREATE TABLE IF NOT EXISTS messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT, from_id TEXT, to_ids TEXT, subject TEXT, body TEXT,
  sent TEXT, reply_id INTEGER, read TEXT DEFAULT '[]');
"""

AUTH_TOKEN_TTL_S = 12 * 3600  # user_auth tokens last 12 hours on the real server
#: An email invitation waits this long for its account (``ttl: 60 * 60 * 24 * 14`` in
#: src/packages/server/projects/collaborators.ts:545 @5cb3315c30).
CREATION_ACTION_TTL_S = 14 * 24 * 3600


class KeyOwner(NamedTuple):
    """What an API key resolves to. A project key has ``project_id`` set."""

    account_id: str
    project_id: str | None


class Store(ProjectStore):
    """Everything the emulator remembers. ``path=None`` keeps it in memory."""

    def __init__(self, path: Path | None = None) -> None:
        self.db = sqlite3.connect(str(path) if path else ":memory:", isolation_level=None)
        self.db.row_factory = sqlite3.Row
        if path:
            # WAL keeps writes cheap; NORMAL is durable enough for an emulator's restart test.
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    def meta_get(self, k: str) -> str | None:
        row = self.db.execute("SELECT v FROM meta WHERE k=?", (k,)).fetchone()
        return None if row is None else str(row[0])

    def meta_set(self, k: str, v: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", (k, v))

    # -- accounts -------------------------------------------------------------------------------

    def create_account(
        self,
        *,
        first_name: str = "",
        last_name: str = "",
        email_address: str | None = None,
        password: str | None = None,
        admin: bool = False,
    ) -> str:
        account_id = new_uuid()
        self.db.execute(
            "INSERT INTO accounts (account_id, email_address, first_name, last_name,"
            " password_hash, created, last_active, groups) VALUES (?,?,?,?,?,?,?,?)",
            (
                account_id,
                email_address.lower() if email_address else None,
                first_name,
                last_name,
                hash_password(password) if password else None,
                now_iso(),
                None,  # last_active: unset until the account does something (db.touch)
                json.dumps(["admin"] if admin else []),
            ),
        )
        if email_address:
            self.run_creation_actions(account_id, email_address.lower())
        return account_id

    # -- email invitations waiting for their account ----------------------------------------

    def add_creation_action(
        self, email: str, project_id: str, group: str = "collaborator", ttl: float | None = None
    ) -> None:
        """Remember to add the account that ``email`` will have to a project (CoCalc's
        ``account_creation_actions`` table; each invite adds a row, none is replaced)."""
        action = {"action": "add_to_project", "group": group, "project_id": project_id}
        self.db.execute(
            "INSERT INTO account_creation_actions (id, email_address, action, expire)"
            " VALUES (?,?,?,?)",
            (new_uuid(), email.lower(), json.dumps(action),
             time.time() + (CREATION_ACTION_TTL_S if ttl is None else ttl)),
        )  # fmt: skip

    def creation_actions(self, email: str) -> list[dict[str, Any]]:
        """The unexpired actions waiting for ``email``, oldest first."""
        rows = self.db.execute(
            "SELECT action FROM account_creation_actions WHERE email_address=? AND expire>?"
            " ORDER BY rowid",
            (email.lower(), time.time()),
        )
        return [json.loads(r[0]) for r in rows]

    def run_creation_actions(self, account_id: str, email: str) -> int:
        """What ``accountCreationActions`` does for a new account: every pending
        ``add_to_project`` makes it a member (src/packages/server/accounts/
        account-creation-actions.ts:37-51 @5cb3315c30). Returns how many projects it joined."""
        joined = 0
        for action in self.creation_actions(email):
            if action.get("action") != "add_to_project":
                continue
            project_id = str(action.get("project_id"))
            if self.project(project_id) is None:
                continue
            if self.group_of(account_id, project_id) != "owner":
                self.add_user(project_id, account_id, str(action.get("group") or "collaborator"))
            joined += 1
        return joined

    def account(self, account_id: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM accounts WHERE account_id=?", (account_id,)
        ).fetchone()
        return row

    def account_by_email(self, email: str) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute(
            "SELECT * FROM accounts WHERE email_address=?", (email.lower(),)
        ).fetchone()
        return row

    def is_admin(self, account_id: str) -> bool:
        row = self.account(account_id)
        return row is not None and "admin" in json.loads(row["groups"])

    def touch_account(self, account_id: str) -> None:
        self.db.execute(
            "UPDATE accounts SET last_active=? WHERE account_id=?", (now_iso(), account_id)
        )

    def set_banned(self, account_id: str, banned: bool) -> None:
        self.db.execute(
            "UPDATE accounts SET banned=? WHERE account_id=?", (int(banned), account_id)
        )

    def update_account(self, account_id: str, **fields: Any) -> None:
        for name, value in fields.items():
            if name not in {"first_name", "last_name", "email_address", "editor_settings"}:
                raise ValueError(name)
            self.db.execute(f"UPDATE accounts SET {name}=? WHERE account_id=?", (value, account_id))

    def set_password(self, account_id: str, password: str) -> None:
        self.db.execute(
            "UPDATE accounts SET password_hash=? WHERE account_id=?",
            (hash_password(password), account_id),
        )

    def check_password(self, account_id: str, password: str) -> bool:
        row = self.account(account_id)
        return row is not None and verify_password(password, row["password_hash"])

    def search_accounts(self, term: str, limit: int) -> list[sqlite3.Row]:
        """Match an exact email, or every word as a prefix of the first or last name."""
        term = term.strip()
        if "@" in term:
            row = self.account_by_email(term)
            return [row] if row is not None else []
        words = [w.lower() for w in term.split() if w]
        if not words:
            return []
        out = []
        for row in self.db.execute("SELECT * FROM accounts ORDER BY created"):
            names = [(row["first_name"] or "").lower(), (row["last_name"] or "").lower()]
            if all(any(n.startswith(w) for n in names) for w in words):
                out.append(row)
                if len(out) >= limit:
                    break
        return out

    # -- API keys -------------------------------------------------------------------------------

    def set_legacy_key(self, account_id: str) -> str:
        """A legacy ``sk_`` key: one per account, replacing the old one."""
        key = "sk_" + random_token(24)
        self.db.execute(
            "UPDATE accounts SET legacy_key_hash=? WHERE account_id=?", (key_hash(key), account_id)
        )
        return key

    def create_api_key(
        self,
        account_id: str,
        *,
        project_id: str | None = None,
        name: str = "",
        expire: float | None = None,
    ) -> tuple[int, str]:
        """A new-style key ``sk-`` + 16 random chars + the row id in base62 (6 chars)."""
        cur = self.db.execute(
            "INSERT INTO api_keys (account_id, project_id, expire, created, name)"
            " VALUES (?,?,?,?,?)",
            (account_id, project_id, expire, now_iso(), name),
        )
        row_id = int(cur.lastrowid or 0)
        key = "sk-" + random_token(16) + encode62(row_id)
        self.db.execute(
            "UPDATE api_keys SET hash=?, trunc=? WHERE id=?",
            (key_hash(key), "sk-..." + key[-6:], row_id),
        )
        return row_id, key

    def list_api_keys(self, account_id: str, project_id: str | None = None) -> list[sqlite3.Row]:
        """A project's keys (whoever made them), or an account's own keys that belong to no
        project (src/packages/server/api/manage.ts:86-103 @5cb3315c30)."""
        if project_id:
            sql, args = "SELECT * FROM api_keys WHERE project_id=? ORDER BY id", (project_id,)
        else:
            sql = "SELECT * FROM api_keys WHERE account_id=? AND project_id IS NULL ORDER BY id"
            args = (account_id,)
        return list(self.db.execute(sql, args))

    def count_api_keys(self, account_id: str) -> int:
        row = self.db.execute("SELECT COUNT(*) FROM api_keys WHERE account_id=?", (account_id,))
        return int(row.fetchone()[0])

    def delete_api_key(self, key_id: int) -> None:
        self.db.execute("DELETE FROM api_keys WHERE id=?", (key_id,))

    def edit_api_key(self, key_id: int, name: str | None, expire: float | None) -> None:
        if name is not None:
            self.db.execute("UPDATE api_keys SET name=? WHERE id=?", (name, key_id))
        if expire is not None:
            self.db.execute("UPDATE api_keys SET expire=? WHERE id=?", (expire, key_id))

    def resolve_key(self, key: str) -> KeyOwner | None:
        """The account (or project) a key belongs to, as ``getAccountWithApiKey`` decides."""
        if not (key.startswith("sk_") or key.startswith("sk-")):
            return None
        digest = key_hash(key)
        row = self.db.execute(
            "SELECT account_id FROM accounts WHERE legacy_key_hash=?", (digest,)
        ).fetchone()
        if row is not None:
            return KeyOwner(row[0], None)
        if not key.startswith("sk-") or len(key) < 9:
            return None
        try:
            row_id = decode62(key[-6:])
        except ValueError:
            return None
        row = self.db.execute("SELECT * FROM api_keys WHERE id=?", (row_id,)).fetchone()
        if row is None or row["hash"] != digest:
            return None
        if row["expire"] is not None and row["expire"] < time.time():
            self.delete_api_key(row_id)  # the real server deletes an expired key on use
            return None
        project_id = row["project_id"]
        if project_id and not self.is_collaborator(row["account_id"], project_id):
            # a project key dies with its creator's membership
            self.delete_api_key(row_id)
            return None
        # getAccountWithApiKey records the use (manage.ts: last_active)
        self.db.execute("UPDATE api_keys SET last_active=? WHERE id=?", (now_iso(), row_id))
        return KeyOwner(row["account_id"], project_id)

    # -- auth tokens (user_auth) ----------------------------------------------------------------

    def create_auth_token(self, account_id: str, ttl_s: float = AUTH_TOKEN_TTL_S) -> str:
        token = random_token(24)
        self.db.execute(
            "INSERT INTO auth_tokens (token, account_id, expire) VALUES (?,?,?)",
            (token, account_id, time.time() + ttl_s),
        )
        return token

    def resolve_auth_token(self, token: str) -> str | None:
        """The account an unexpired auth token signs in as (the seam for the embed pages)."""
        row = self.db.execute(
            "SELECT account_id, expire FROM auth_tokens WHERE token=?", (token,)
        ).fetchone()
        if row is None or row["expire"] < time.time():
            return None
        return str(row["account_id"])

    def expire_auth_token(self, token: str) -> None:
        self.db.execute("UPDATE auth_tokens SET expire=0 WHERE token=?", (token,))
