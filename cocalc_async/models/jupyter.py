"""Jupyter and LLM evaluation."""

from __future__ import annotations

import attrs

from .._types import Json


@attrs.frozen
class JupyterExecuteResult:
    """v1 ``jupyter_execute_response`` and v2 ``jupyter/execute`` (no output on a cache miss)."""

    output: list[Json] | None = None
    total_time_s: float | None = None
    time: Json = None
    created: Json = None
    success: bool | None = None


@attrs.frozen
class JupyterKernels:
    kernels: list[Json]
    project_id: str | None = None


@attrs.frozen
class ChatGPTResponse:
    """v1 ``chatgpt_response``."""

    text: str


@attrs.frozen
class RunningKernel:
    """One row of conat project ``system.listJupyterKernels``."""

    pid: int
    connectionFile: str | None = None
    kernel_name: str | None = None


@attrs.frozen
class KernelStopped:
    """conat project ``system.stopJupyterKernel``: ``success`` is False when none had that pid."""

    success: bool


@attrs.frozen
class KernelLogo:
    """conat project ``editor.jupyterKernelLogo``: the logo file's name and its bytes, base64."""

    filename: str
    base64: str
