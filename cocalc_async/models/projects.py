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
