"""``Emulator``: a real aiohttp server with real state that behaves like a hub built from
today's CoCalc (v2 and the conat bridges; every ``/api/v1/*`` path is the 404 page).

    async with Emulator() as emu:
        emu.url, emu.api_key, emu.account_id      # a seeded instructor account
        account_id, key = emu.create_account()
        emu.faults.add("v2/projects/get", "http_502")
        emu.requests.count("v2/projects/get")

``Emulator(v1=True)`` also serves the removed API v1; ``single_user=True`` plays a single-user
hub (copies before answering, ``copy_id: ""``) and ``api_validation=False`` a production hub (no
v2 schema checks). docs/emulator.md says what each changes.

It binds 127.0.0.1 unless told otherwise, and refuses any other address without
``allow_remote=True`` (and then every request needs a valid key): the emulator runs commands for
whoever holds a key.
"""

from __future__ import annotations

import importlib
import ipaddress
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any

from aiohttp import web

from .admin import ADMIN_TOKEN
from .context import Context, Settings
from .faults import Faults
from .request_log import RequestLog
from .safety import check_bind, error_middleware, key_required_middleware
from .store import Store

#: Modules with ``register(app, ctx)`` that add routes. The embed pages (issue 8) add theirs here.
ROUTE_MODULES: list[str] = [
    "cocalc_async.testing.v1",
    "cocalc_async.testing.v2",
    "cocalc_async.testing.conat",
    "cocalc_async.testing.web",  # the embed pages (issue 8)
    "cocalc_async.testing.admin",  # /_emulator/faults, behind the start-up admin token
]
LISTEN_BACKLOG = 4096  # the soak opens 500 connections at once; the default 128 would drop some
SEED_EMAIL = "instructor@example.com"
SEED_PASSWORD = "instructor-password"


def build_app(ctx: Context) -> web.Application:
    # the per-API body limits are enforced by dispatch; this is only aiohttp's outer bound
    # error_middleware: an unexpected exception answers in the hub's error form, never a 500
    app = web.Application(client_max_size=8 * 1024 * 1024, middlewares=[error_middleware])
    for name in ROUTE_MODULES:
        importlib.import_module(name).register(app, ctx)
    return app


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def warn_if_exposed(host: str) -> None:
    """Warn before binding anything but loopback: the emulator runs commands."""
    if not _is_loopback(host):
        warnings.warn(
            f"the CoCalc emulator is binding {host}: anyone who can reach it and holds"
            " a key can run commands on this machine",
            RuntimeWarning,
            stacklevel=3,
        )


class Emulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        data_dir: str | Path | None = None,
        allow_remote: bool = False,
        v1: bool = False,
        single_user: bool = False,
        api_validation: bool = True,
        **settings: Any,
    ) -> None:
        """``v1``: also serve the removed API v1. ``single_user``: copy before answering, as a
        single-user hub does (``copy_id: ""``). ``api_validation``: check v2 input with
        CoCalc's schemas first, as a development hub does (``False``: a production hub).
        Further ``settings`` are the fields of ``context.Settings``."""
        # a non-loopback host without allow_remote is refused here, before anything starts
        check_bind(host, allow_remote)
        self.host = host
        #: Reachable beyond loopback: then every request must carry a valid API key.
        self.allow_remote = allow_remote
        #: The bearer token of ``/_emulator/faults`` for this run (set by ``start``).
        self.admin_token = ""
        self.port = port
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.settings = Settings(
            v1=v1, single_user=single_user, api_validation=api_validation, **settings
        )
        self._ctx: Context | None = None
        self._runner: web.AppRunner | None = None
        self.account_id = ""
        self.api_key = ""
        self.url = ""

    # -- life cycle -------------------------------------------------------------------------------

    async def start(self) -> Emulator:
        check_bind(self.host, self.allow_remote)
        warn_if_exposed(self.host)
        store_path = None
        if self.data_dir is not None:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            store_path = self.data_dir / "emulator.sqlite3"
        ctx = Context(Store(store_path), self.data_dir, self.settings)
        self._ctx = ctx
        self._seed(ctx)
        ctx.copies.resume_unfinished()
        app = build_app(ctx)
        self.admin_token = app[ADMIN_TOKEN]
        if self.allow_remote:  # on loopback too: the same rule wherever it listens
            app.middlewares.append(key_required_middleware(ctx))
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, backlog=LISTEN_BACKLOG)
        await site.start()
        self._runner = runner
        # port 0 means "any free port": ask the runner which one the OS gave us
        port = int(runner.addresses[0][1])
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{host}:{port}"
        return self

    def _seed(self, ctx: Context) -> None:
        """The instructor account: created once, and given a fresh key on every start (keys are
        stored hashed, so an old key cannot be shown again, but it keeps working)."""
        account_id = ctx.store.meta_get("seed_account_id")
        if account_id is None:
            account_id = ctx.store.create_account(
                first_name="Ada",
                last_name="Instructor",
                email_address=SEED_EMAIL,
                password=SEED_PASSWORD,
            )
            ctx.store.meta_set("seed_account_id", account_id)
        self.account_id = account_id
        self.api_key = ctx.store.create_api_key(account_id, name="emulator")[1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._ctx is not None:
            await self._ctx.close()
            self._ctx = None

    async def __aenter__(self) -> Emulator:
        return await self.start()

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    # -- what tests use -------------------------------------------------------------------------

    @property
    def ctx(self) -> Context:
        if self._ctx is None:
            raise RuntimeError("the emulator is not running")
        return self._ctx

    @property
    def faults(self) -> Faults:
        return self.ctx.faults

    @property
    def requests(self) -> RequestLog:
        return self.ctx.requests

    @property
    def store(self) -> Store:
        return self.ctx.store

    def create_account(
        self,
        first_name: str = "Test",
        last_name: str = "User",
        email_address: str | None = None,
        password: str | None = None,
        *,
        admin: bool = False,
        legacy_key: bool = False,
    ) -> tuple[str, str]:
        """A new account and an API key for it (``sk-…``, or ``sk_…`` with ``legacy_key``).

        ``admin=True`` puts it in group ``admin``: its key may create accounts (v2
        ``auth/sign-up``) and call the site-admin functions. Pending email invitations for
        ``email_address`` make it a collaborator at once, as on the real hub."""
        store = self.ctx.store
        account_id = store.create_account(
            first_name=first_name,
            last_name=last_name,
            email_address=email_address,
            password=password,
            admin=admin,
        )
        key = (
            store.set_legacy_key(account_id) if legacy_key else store.create_api_key(account_id)[1]
        )
        return account_id, key

    def create_project(
        self, account_id: str | None = None, title: str = "", description: str = ""
    ) -> str:
        pid = self.ctx.store.create_project(account_id or self.account_id, title, description)
        self.ctx.files.home(pid)
        return pid

    def add_collaborator(self, project_id: str, account_id: str) -> None:
        self.ctx.store.add_user(project_id, account_id)
        self.ctx.keys.invalidate()

    def create_project_key(self, project_id: str, account_id: str | None = None) -> str:
        """A project-specific key, created by ``account_id`` (default: the instructor)."""
        return self.ctx.store.create_api_key(account_id or self.account_id, project_id=project_id)[
            1
        ]

    def invites(self, project_id: str) -> list[dict[str, Any]]:
        """The email invitations sent for a project (conat ``projects.inviteCollaborator*``),
        oldest first: ``email_address``, ``invited_by``, ``time`` (epoch seconds) and
        ``pending`` (no account has that email yet; it joins the project when one is made)."""
        out = []
        for row in self.ctx.store.invites(project_id):
            email = str(row["email_address"])
            pending = (
                any(
                    a.get("project_id") == project_id
                    for a in self.ctx.store.creation_actions(email)
                )
                and self.ctx.store.account_by_email(email) is None
            )
            out.append({"email_address": email, "invited_by": row["invited_by"],
                        "time": float(row["time"]), "pending": pending})  # fmt: skip
        return out

    def ban(self, account_id: str, banned: bool = True) -> None:
        self.ctx.store.set_banned(account_id, banned)
        self.ctx.keys.invalidate()

    def project_dir(self, project_id: str) -> Path:
        """The real directory holding a project's files."""
        return self.ctx.files.home(project_id)

    def __repr__(self) -> str:
        return f"<Emulator url={self.url or None!r}>"
