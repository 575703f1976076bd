"""Everything a handler needs, in one object: the store and the services around it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .auth import KeyResolver, Principal, key_fingerprint
from .copy import CopyService
from .exec import ProcessGroups
from .exec_jobs import ExecJobs
from .faults import Faults
from .files import ProjectFiles
from .request_log import RequestLog
from .store import Store
from .throttle import Throttle


@dataclass
class Settings:
    #: Serve the removed API v1 (as its validator answered in the last release that had it).
    #: Off by default: a hub built from current CoCalc answers every ``/api/v1/*`` path with the
    #: Next.js 404 page (v1 was deleted on 2025-05-29, c7956b572e).
    v1: bool = False
    #: A single-user hub (``cocalc-docker``/personal mode, the one the recordings come from):
    #: copies run synchronously and answer ``copy_id: ""``. Off: a multi-user hub, whose copies
    #: run in the background under a real ``copy_id``.
    single_user: bool = False
    #: v2 input is validated with CoCalc's zod schemas (HTTP 400 ``Invalid request body.``), as
    #: with ``NODE_ENV != production``; ``False`` answers as a production hub (cocalc.com), where
    #: each handler meets bad input with its own error.
    api_validation: bool = True
    #: Seconds a copy job spends queued plus running.
    copy_delay: float = 0.05
    #: v2 per-account throttle (src/packages/util/api/throttle.ts); on by default, as on the real server.
    throttle: bool = True
    #: After a wrong v1 ``user_auth`` password, that caller may not ask for that user's token
    #: again for this long (BAN_TIME_MS in hub/auth-token.coffee); off with ``throttle=False``.
    user_auth_ban_s: float = 60.0
    #: Body limits: v1 used bodyParser's 500kb in 2021; Next.js allows 1 MB.
    v1_body_limit: int = 500 * 1024
    v2_body_limit: int = 1024 * 1024
    #: How many requests ``emu.requests`` keeps (counters are kept for all).
    request_log_size: int = 10_000
    #: Origins whose postMessage ``/app`` answers (``"*"``, exact, or ``"http://host:*"``);
    #: ``None`` means loopback pages only (``testing/web/state.py``).
    embed_origins: tuple[str, ...] | None = None


class Context:
    def __init__(self, store: Store, data_dir: Path | None, settings: Settings) -> None:
        self.settings = settings
        self.store = store
        self.keys = KeyResolver(store)
        self.files = ProjectFiles(data_dir / "projects" if data_dir else None)
        self.groups = ProcessGroups()
        self.jobs = ExecJobs(self.groups)
        self.copies = CopyService(store, self.files, settings.copy_delay)
        self.throttle = Throttle(enabled=settings.throttle)
        #: (caller account_id, user account_id) -> monotonic time of the last wrong password.
        self.user_auth_bans: dict[tuple[str, str], float] = {}
        self.faults = Faults()
        self.requests = RequestLog(settings.request_log_size)

    fingerprint = staticmethod(key_fingerprint)

    # -- access: CoCalc's isCollaborator, with the project-key trick -----------------------------

    def is_collaborator(self, who: Principal | None, project_id: str) -> bool:
        if who is None:
            return False
        if who.project_id is not None:
            return who.project_id == project_id
        # an admin is no collaborator (src/packages/server/projects/is-collaborator.ts:10-33
        # @5cb3315c30); the routes that let admins in check the group themselves
        return self.store.is_collaborator(who.account_id, project_id)

    async def close(self) -> None:
        await self.copies.close()
        await self.jobs.close()
        self.groups.kill_all()
        self.store.close()
        self.files.close()
