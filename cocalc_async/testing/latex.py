"""v2 ``latex``: write the source, run latexmk in the project, answer like CoCalc.

Without latexmk the command fails as it would in a project lacking it, and the answer is the
server's failure shape: ``{"compile": {...}, "error": "..."}``."""

from __future__ import annotations

import hashlib
import os
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
    try:
        out = await run(opts, source.parent, ctx.files.home(project_id), ctx.groups)
        compiled: dict[str, Any] = {
            "stdout": out.stdout,
            "stderr": out.stderr,
            "exit_code": out.exit_code,
        }
    except ExecError as err:
        compiled = {"stdout": err.stdout, "stderr": err.stderr or err.text, "exit_code": 1}
    pdf = source.with_suffix(".pdf")
    if not pdf.is_file():
        return {
            "compile": compiled,
            "error": f"Unable to compile LaTeX: no PDF was created (exit code {compiled['exit_code']})",
        }
    data = pdf.read_bytes()
    digest = hashlib.sha1(data).hexdigest()
    return {
        "compile": compiled,
        "url": f"/blobs/{pdf.name}?uuid={digest}",
        "pdf": {
            "path": str(pdf.relative_to(ctx.files.home(project_id))),
            "size": len(data),
            "sha1": digest,
        },
    }
