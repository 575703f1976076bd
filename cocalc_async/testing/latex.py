"""v2 ``latex``: write the source, run latexmk in the project, answer like CoCalc.

next/pages/api/v2/latex.ts @5cb3315c30 sends the project two messages and returns the project's
replies as they are: ``compile`` is the reply to ``project_exec`` (``project_exec_output``, or an
``{"event": "error", "id", "error"}`` message when the command fails, err_on_exit being on) and
``pdf`` the reply to ``read_file_from_project`` (an error message when there is no PDF). A failed
compile is therefore no top-level error: only a thrown exception sets ``error`` (latex.ts:109).
Without latexmk the command fails as in a project lacking it."""

from __future__ import annotations

import hashlib
import os
import uuid
from typing import Any

from .context import Context
from .exec import ExecError, ExecOptions, parse_timeout, run
from .files import FileError
from .replies import HandlerError

DEFAULT_COMMAND = "latexmk -pdf -f -g -bibtex -deps -synctex=1 -interaction=nonstopmode"


async def compile_latex(ctx: Context, project_id: str, p: dict[str, Any]) -> dict[str, Any]:
    path = str(p["path"])
    try:
        if p.get("content") is not None:
            ctx.files.write_text(project_id, path, str(p["content"]))
        source = ctx.files.resolve(project_id, path)
    except FileError as err:
        raise HandlerError(str(err)) from None
    command = f"{p.get('command') or DEFAULT_COMMAND} {os.path.basename(path)}"
    opts = ExecOptions(
        command=command, timeout=parse_timeout(p.get("timeout"), 30), err_on_exit=False, bash=True
    )
    home = ctx.files.home(project_id)
    try:
        out = await run(opts, source.parent, home, ctx.groups)
        compiled: dict[str, Any] = {"event": "project_exec_output", "id": str(uuid.uuid4()),
                                    "type": "blocking", "stdout": out.stdout,
                                    "stderr": out.stderr, "exit_code": out.exit_code}  # fmt: skip
        if out.exit_code != 0:
            text = (
                f"command '{command}' exited with nonzero code {out.exit_code}"
                f" -- stderr='{out.stderr[:1024]}'"
            )
            compiled = _error(
                f"Error executing command '{command}' with args 'undefined' -- {text}"
            )
    except ExecError as err:
        compiled = _error(
            f"Error executing command '{command}' with args 'undefined' -- {err.text}"
        )
    pdf = source.with_suffix(".pdf")
    try:
        data = ctx.files.read_bytes(project_id, str(pdf.relative_to(home)))
    except (FileError, ValueError) as err:
        return {"compile": compiled, "pdf": _error(str(err))}
    digest = hashlib.sha1(data).hexdigest()
    return {
        "compile": compiled,
        "url": f"/blobs/{pdf.name}?uuid={digest}",
        "pdf": {
            "path": str(pdf.relative_to(home)),
            "size": len(data),
            "sha1": digest,
        },
    }


def _error(text: str) -> dict[str, Any]:
    """The project's error reply message (message.error in util/message.js)."""
    return {"event": "error", "id": str(uuid.uuid4()), "error": text}
