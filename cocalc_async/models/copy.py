"""Copying paths between projects, and the status of a copy."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import attrs

from .._types import Json


@attrs.frozen
class CopyPathStatus:
    """One copy operation (v1 ``CopyOp``; v2 ``projects/copy-path-status``).

    v2 names the error ``copy_error``; the converter files it under ``error`` so one type serves
    both. ``error`` may be an object (a Node error) on v1.
    """

    started: datetime | None = None
    finished: datetime | None = None
    error: Json = None
    copy_path_id: str | None = None
    time: datetime | None = None
    source_project_id: str | None = None
    source_path: str | None = None
    target_project_id: str | None = None
    target_path: str | None = None
    overwrite_newer: bool | None = None
    delete_missing: bool | None = None
    backup: bool | None = None
    scheduled: datetime | None = None
    exclude: list[str] | None = None

    @property
    def state(self) -> Literal["queued", "running", "succeeded", "failed"]:
        """Queued (not started), running, or finished with or without an error."""
        if self.finished is not None:
            return "failed" if self.error not in (None, "") else "succeeded"
        return "running" if self.started is not None else "queued"

    @property
    def done(self) -> bool:
        return self.finished is not None


@attrs.frozen
class CopyPathStatusResponse:
    """v1 ``copy_path_status_response``: one operation, or a list in list mode."""

    data: CopyPathStatus | list[CopyPathStatus]


@attrs.frozen
class CopyPathDeleted:
    """v1 ``copy_path_delete``: ``data`` is ``"copy_path_id = '<id>' deleted"``."""

    data: str


@attrs.frozen
class CopyStarted:
    """v1 ``copy_path_between_projects``: ``success``, or a ``copy_path_id`` to poll.

    An empty ``copy_path_id`` means the server already waited: never poll it (kucalc answers so when it waited for the copy).
    """

    event: str | None = None
    copy_path_id: str | None = None
    note: str | None = None

    @property
    def done(self) -> bool:
        return not self.copy_path_id


@attrs.frozen
class CopyPathStarted:
    """v2 ``projects/copy-path``: ``copy_id`` is ``""`` when the copy already finished."""

    copy_id: str = ""

    @property
    def done(self) -> bool:
        return not self.copy_id
