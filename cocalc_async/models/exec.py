"""Running commands: v1 ``project_exec``, v2 ``exec`` and conat ``system.exec``."""

from __future__ import annotations

import attrs

from .._types import Json


@attrs.frozen
class ExecResult:
    """A finished command, or (``type == "async"``) the state of an async job.

    v2 async fields (``job_id``, ``status``, ...) stay ``None`` for a blocking call.
    """

    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0
    type: str = "blocking"
    job_id: str | None = None
    start: float | None = None
    status: str | None = None
    pid: int | None = None
    #: A number in the code although the zod schema says string.
    elapsed_s: Json = None
    stats: Json = None

    @property
    def running(self) -> bool:
        """An async job that has not ended yet."""
        return self.type == "async" and self.status == "running"
