"""Projects and collaborators."""

from __future__ import annotations

from datetime import datetime

import attrs

from .._types import Json


@attrs.frozen
class ProjectCreated:
    """v1 ``project_created`` and v2 ``projects/create``."""

    project_id: str


@attrs.frozen
class ProjectState:
    """conat ``projects.state`` (CoCalc's ``ProjectState``): ``state`` is e.g. ``running``,
    ``opened``, ``starting``; ``ip`` is where the project runs."""

    state: str | None = None
    time: datetime | None = None
    ip: str | None = None
    error: str | None = None


@attrs.frozen
class ProjectRef:
    """v2 ``projects/get-one``."""

    project_id: str
    title: str | None = None


@attrs.frozen
class ProjectSummary:
    """One row of v2 ``projects/get``."""

    project_id: str
    title: str | None = None
    description: str | None = None
    name: str | None = None


@attrs.frozen
class Collaborator:
    """One row of v2 ``projects/collaborators/list``."""

    account_id: str
    first_name: str | None = None
    last_name: str | None = None


@attrs.frozen
class FilenameHit:
    """One row of v2 ``projects/filename-search``."""

    project_id: str
    filename: str
    time: Json = None


@attrs.frozen
class InviteNoncloudResponse:
    """v1 ``invite_noncloud_collaborators_resp``."""

    mesg: str


@attrs.frozen
class CollaboratorsAdded:
    """conat ``projects.addCollaborator``: the project(s) the account(s) joined (as a list, also
    when the server names one project; empty when it named none)."""

    project_id: list[str] = attrs.field(factory=list)


@attrs.frozen
class ProjectMemory:
    """The ``memory`` of a project's status, as ``smem`` reports it (kB)."""

    count: int | None = None
    pss: float | None = None
    rss: float | None = None
    swap: float | None = None
    uss: float | None = None


@attrs.frozen
class ProjectStatus:
    """conat ``projects.status`` (CoCalc's ``ProjectStatus``, util/db-schema/projects.ts:643
    @5cb3315c30). Its keys ``project.pid``, ``hub-server.port`` ... are read with ``.`` and ``-``
    as ``_`` (``project_pid``, ``hub_server_port``); ``start_ts`` is in milliseconds."""

    project_pid: int | None = None
    hub_server_port: int | None = None
    browser_server_port: int | None = None
    sage_server_port: int | None = None
    sage_server_pid: int | None = None
    start_ts: float | None = None
    session_id: str | None = None
    version: int | None = None
    disk_MB: float | None = None
    installed: bool | None = None
    memory: ProjectMemory | None = None
