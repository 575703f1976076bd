"""The project bridge's functions: ``system.*``, ``editor.*`` and ``sync.close``
(src/packages/conat/project/api/*.ts, served by src/packages/project/conat/api/*.ts
@5cb3315c30). A project calls them with positional ``args`` (``f(...args)``), so each gets
``{"args": [...]}``; the bridge prefixes ``Error: `` to every text raised here.

Paths are relative to the project's home, as a project process runs there. The emulator has
no Jupyter kernels, formatters or terminals: those answer as a project without them would,
or with an error that says so.
"""

from __future__ import annotations

import datetime
import json
import os
import posixpath
import shutil
import stat
from collections.abc import Awaitable, Callable
from typing import Any

from ._util import now_iso, now_ms
from .auth import Principal
from .conat_registry import PROJECT, PROJECT_RAW_ARGS, BareError
from .context import Context
from .exec import options_from
from .files import FileError, node_error
from .replies import HandlerError
from .v2_projects import exec_v2

#: ``version()`` answers the build's smc-version (src/packages/util/smc-version.js @5cb3315c30).
SMC_VERSION = 1783081032
#: ``get_configuration``'s probes (src/packages/project/configuration.ts @5cb3315c30): each name
#: is looked up on PATH as the project does with ``which``. The lists of names are the ones a
#: real project answered with (recorded: prjfn-configuration-main, prjfn-configuration-x11).
FORMATTERS = ("rustfmt", "python", "clang-format", "bib-biber", "latex", "html", "css", "gofmt",
              "babel", "markdown", "json", "formatR", "typescript", "yaml", "black", "autopep8",
              "yapf3", "zig", "tidy")  # fmt: skip
X11_APPS = ("unknown_test", "drracket", "emacs", "gvim", "inkscape", "gimp", "krita", "vscode",
            "terminal", "firefox", "gitk", "gitg", "idle", "okular", "libreoffice", "lowriter",
            "localc", "loimpress", "nteract", "wxmaxima", "rstudio", "octave", "texmacs",
            "texstudio", "openmodelica", "pspp", "gnumeric", "scribus", "spyder", "gchempaint",
            "diffpdf", "massif-visualizer", "kcachegrind", "dia", "pycharm", "intellij",
            "avogadro", "shotwell", "evince", "calibre", "qgis", "grass", "ds9", "xcas",
            "gnome-system-monitor", "gedit", "scilab", "cadabra2", "vqe-playground", "kbibtex",
            "texmaker", "zotero", "jurism", "xfractint", "sqlitebrowser")  # fmt: skip


def _have(name: str) -> bool:
    return shutil.which({"formatR": "R", "bib-biber": "biber"}.get(name, name)) is not None


def main_capabilities(home: str) -> dict[str, Any]:
    hashsums = {name: _have(name) for name in ("sha1sum", "sha256sum", "md5sum")}
    formatting = {name: _have(name) for name in FORMATTERS}
    formatting["prettier"] = True  # a library of the project itself
    jupyter: Any = False
    if _have("jupyter"):
        jupyter = {"lab": _have("jupyter-lab"), "notebook": _have("jupyter-notebook"),
                   "kernelspec": _have("jupyter-kernelspec")}  # fmt: skip
    latex = hashsums["sha1sum"] and all(_have(n) for n in ("pdflatex", "latexmk", "synctex"))
    return {
        "jupyter": jupyter, "rserver": _have("rserver"), "formatting": formatting,
        "hashsums": hashsums, "latex": latex, "sage": _have("sage"), "x11": _have("xpra"),
        "rmd": _have("R") and _have("pandoc"), "qmd": _have("quarto"), "jq": _have("jq"),
        "spellcheck": _have("aspell"), "library": False, "sshd": _have("sshd"),
        "html2pdf": _have("chromium") or _have("google-chrome"), "pandoc": _have("pandoc"),
        "vscode": _have("code-server"), "julia": _have("julia"), "homeDirectory": home,
    }  # fmt: skip


NOT_HERE = "is not available in the CoCalc emulator"


def spawn_kernel_error(kernel: Any) -> str:
    """What the project's kernel pool says when the kernel cannot start: no kernel spec is
    installed (recorded: prjfn-jupyterExecute, text of jupyter/kernel/launch-kernel.ts:201-207
    wrapped by the kernel's spawn; the space before the blank line is CoCalc's)."""
    if kernel is None:
        return "cannot spawn since no kernel is set"  # recorded: prjfn-jupyterExecute-nokernel
    return (
        "**Unable to Spawn Jupyter Kernel:**\n\n"
        f'Error: No spec available for kernel "{kernel}".  Available specs: [] \n\n'
        "Try this in a terminal to help debug this (or contact support): "
        f"`jupyter console --kernel={kernel}`\n\n"
        "Once you fix the problem, explicitly restart this kernel to test here."
    )


ProjectFn = Callable[[Context, Principal, str, dict[str, Any]], Awaitable[Any]]


def project(name: str) -> Callable[[ProjectFn], ProjectFn]:
    def register(fn: ProjectFn) -> ProjectFn:
        PROJECT[name] = fn
        PROJECT_RAW_ARGS.add(name)
        return fn

    return register


def _arg(a: dict[str, Any], i: int = 0) -> Any:
    args = a["args"]
    return args[i] if len(args) > i else None


def _opts(a: dict[str, Any], field: str) -> dict[str, Any]:
    """The first argument destructured as ``{field, ...}``: undefined is a TypeError."""
    first = _arg(a)
    if first is None:
        raise HandlerError(
            f"TypeError: Cannot destructure property '{field}' of 'undefined' as it is undefined."
        )
    return first if isinstance(first, dict) else {}


def _file_error(err: FileError) -> HandlerError:
    return HandlerError(str(err))


def _absolute(ctx: Context, pid: str, err: FileError, syscall: str, path: str) -> HandlerError:
    """A missing file named as Node names it when the project joined HOME and the path."""
    if err.code != "ENOENT":
        return _file_error(err)
    full = posixpath.join(str(ctx.files.home(pid)), path)
    return HandlerError(f"ENOENT: no such file or directory, {syscall} '{full}'")


@project("system.ping")
async def ping(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    return {"now": now_ms()}


@project("system.test")
async def test(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    """The bridge injects ``project_id`` into the first argument (project-bridge.ts:76-85)."""
    return {"project_id": pid, "server_time": now_ms()}


@project("system.terminate")
async def terminate(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    return None


@project("system.version")
async def version(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    return SMC_VERSION


@project("system.exec")
async def exec_(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    """``handleExecShellCode`` (src/packages/project/exec_shell_code.ts): ``type``, ``stdout``,
    ``stderr``, ``exit_code`` first, then an async job's own fields."""
    opts = _arg(a)
    if not isinstance(opts, dict):
        raise HandlerError("TypeError: Cannot read properties of undefined (reading 'command')")
    try:
        out = await exec_v2(ctx, who, {**opts, "project_id": pid})
    except HandlerError as err:
        raise _bare_exec_error(opts, err) from None
    head = {k: out[k] for k in ("type", "stdout", "stderr", "exit_code") if k in out}
    return {**head, **{k: v for k, v in out.items() if k not in head}}


def _bare_exec_error(opts: dict[str, Any], err: HandlerError) -> HandlerError:
    """executeCode fails with a string, so the project's ``${err}`` is that string itself
    (recorded: prj-exec-err-on-exit-true, prj-exec-args-timeout-2), without the ``Error
    executing command …`` wrapping of v2 exec nor an ``Error: ``."""
    text = err.error
    try:
        parsed = options_from({**opts}, 60)
    except HandlerError:
        return err
    prefix = f"Error executing command '{parsed.command}' with args '{','.join(parsed.args)}' -- "
    if isinstance(text, str) and text.startswith(prefix):
        return BareError(text[len(prefix) :])
    return err


@project("system.readTextFileFromProject")
async def read_text(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    path = _opts(a, "path").get("path")
    if not isinstance(path, str):
        raise HandlerError(
            'TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string'
        )
    try:
        return ctx.files.read_text(pid, path)
    except FileError as err:
        raise _file_error(err) from None


@project("system.writeTextFileToProject")
async def write_text(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    opts = _opts(a, "path")
    path, content = opts.get("path"), opts.get("content")
    if not isinstance(path, str):
        raise HandlerError(
            'TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string'
        )
    if not isinstance(content, str):
        raise HandlerError(
            'TypeError [ERR_INVALID_ARG_TYPE]: The "data" argument must be of type string'
        )
    try:
        ctx.files.write_text(pid, path, content)
    except FileError as err:
        raise _file_error(err) from None
    return None


@project("system.listing")
async def listing(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    """``getListing`` (src/packages/backend/get-listing.ts): name, mtime in seconds with
    milliseconds, size (a directory's size is its number of entries), ``isdir``/``issymlink``
    only when true. Symlinks are not followed out of the project."""
    opts = _opts(a, "path")
    path = str(opts.get("path") or "")
    hidden = bool(opts.get("hidden"))
    try:
        entries = ctx.files.listing(pid, path, hidden)
        directory = ctx.files.resolve(pid, path or ".", "scandir")
    except FileError as err:
        # getListing opens HOME/path (recorded: prjfn-listing-missing)
        raise _absolute(ctx, pid, err, "opendir", path) from None
    out = []
    for entry in entries:
        item: dict[str, Any] = {"name": entry["name"]}
        full = directory / entry["name"]
        try:
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                item["issymlink"] = True
                item["link_target"] = os.readlink(full)
            item["mtime"] = round(st.st_mtime * 1000) / 1000
            if entry.get("isdir"):
                item["isdir"] = True
                names = os.listdir(full)
                item["size"] = len(names if hidden else [n for n in names if n[:1] != "."])
            else:
                item["size"] = st.st_size
        except OSError as err:
            item["error"] = f"Error: {err.strerror}"
        out.append(item)
    return out


@project("system.deleteFiles")
async def delete_files(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    """``rimraf``: a path that is not there is no error (backend/files/delete-files.ts)."""
    paths = _opts(a, "paths").get("paths")
    if not isinstance(paths, list):
        raise HandlerError("TypeError: Cannot read properties of undefined (reading 'map')")
    for path in paths:
        try:
            ctx.files.delete(pid, str(path))
        except FileError as err:
            if err.code != "ENOENT":
                raise _file_error(err) from None
    return None


def _move(ctx: Context, pid: str, src: str, dest: str) -> None:
    """fs-extra ``move`` without overwrite: it lstats the source first (recorded:
    prjfn-renameFile-missing), and an existing destination is refused."""
    try:
        if not os.path.lexists(ctx.files.resolve(pid, src, "lstat")):
            raise _absolute(ctx, pid, node_error("ENOENT", "lstat", src), "lstat", src)
        if ctx.files.resolve(pid, dest, "rename").exists():
            raise HandlerError("dest already exists.")
        ctx.files.move(pid, src, dest)
    except FileError as err:
        raise _file_error(err) from None


@project("system.moveFiles")
async def move_files(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    """Each path into the directory ``dest`` (backend/files/move-files.ts)."""
    opts = _opts(a, "paths")
    paths, dest = opts.get("paths"), str(opts.get("dest") or "")
    if not isinstance(paths, list):
        raise HandlerError("TypeError: paths is not iterable")
    for path in paths:
        _move(ctx, pid, str(path), posixpath.join(dest, posixpath.basename(str(path).rstrip("/"))))
    return None


@project("system.renameFile")
async def rename_file(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    opts = _opts(a, "src")
    src, dest = opts.get("src"), opts.get("dest")
    if src == dest:
        return None  # rename-file.ts: a no-op
    _move(ctx, pid, str(src), str(dest))
    return None


def _relative(ctx: Context, pid: str, path: str) -> str:
    home = ctx.files.home(pid).resolve()
    real = ctx.files.resolve(pid, path, "realpath")
    if not real.exists():
        # realpath(HOME + "/" + path) (recorded: prjfn-canonicalPaths)
        raise _absolute(ctx, pid, node_error("ENOENT", "realpath", path), "realpath", path)
    return "" if real == home else str(real.relative_to(home))


@project("system.realpath")
async def realpath(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    """``realpath(path)``: the path with symlinks resolved, relative to the home; the path
    itself when nothing changes (browser-websocket/realpath.ts)."""
    path = _arg(a)
    if not isinstance(path, str):
        raise HandlerError(
            'TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string'
        )
    try:
        return _relative(ctx, pid, path) or path
    except FileError as err:
        raise _file_error(err) from None


@project("system.canonicalPaths")
async def canonical_paths(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    paths = _arg(a)
    if not isinstance(paths, list):
        raise HandlerError("TypeError: paths is not iterable")
    try:
        return [_relative(ctx, pid, str(p)) for p in paths]
    except FileError as err:
        raise _file_error(err) from None


@project("system.configuration")
async def configuration(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    """``get_configuration(aspect)`` (src/packages/project/configuration.ts:364-395): ``main``
    and ``x11``; any other aspect answers nothing."""
    aspect = _arg(a)
    stamp = now_iso(datetime.datetime.now(datetime.timezone.utc))
    if aspect == "main":
        return {"timestamp": stamp, "capabilities": main_capabilities(str(ctx.files.home(pid)))}
    if aspect == "x11":
        return {"timestamp": stamp, "capabilities": {name: _have(name) for name in X11_APPS}}
    return None


@project("system.jupyterExecute")
async def jupyter_execute(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    """No kernel is installed in the emulator's projects."""
    opts = _opts(a, "kernel")
    raise HandlerError(spawn_kernel_error(opts.get("kernel")))


@project("system.listJupyterKernels")
async def list_jupyter_kernels(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    return []


@project("system.stopJupyterKernel")
async def stop_jupyter_kernel(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    _opts(a, "pid")
    return {"success": False}


@project("editor.newFile")
async def new_file(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    """An empty file unless it exists (src/packages/backend/misc/new-file.ts; no templates)."""
    path = _arg(a)
    if not path:
        return None
    try:
        if not ctx.files.resolve(pid, str(path)).exists():
            ctx.files.write_text(pid, str(path), "")
    except FileError as err:
        raise _file_error(err) from None
    return None


@project("editor.jupyterStripNotebook")
async def strip_notebook(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    """The notebook as JSON text with every output emptied and attachments dropped
    (src/packages/jupyter/nbgrader/jupyter-parse.ts)."""
    path = _arg(a)
    try:
        text = ctx.files.read_text(pid, str(path))
    except FileError as err:
        raise _file_error(err) from None
    try:
        obj = json.loads(text)
    except ValueError as err:
        raise HandlerError(f"SyntaxError: {err}") from None
    if isinstance(obj, dict) and isinstance(obj.get("cells"), list):
        for cell in obj["cells"]:
            if isinstance(cell, dict):
                if cell.get("outputs") is not None:
                    cell["outputs"] = []
                cell.pop("attachments", None)
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


@project("editor.jupyterKernels")
async def jupyter_kernels(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    return []


@project("editor.jupyterKernelLogo")
async def jupyter_kernel_logo(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    raise HandlerError(f"no such kernel '{_arg(a)}'")  # jupyter/kernel/logo.ts:46


def _unavailable(what: str) -> ProjectFn:
    async def fn(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
        raise HandlerError(f"{what} {NOT_HERE}")

    return fn


@project("editor.formatterString")
async def formatter_string(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    """Python goes to yapf, which the emulator's projects lack (recorded:
    prjfn-editor-formatterString; project/formatters/python-format.ts:69). Prettier's
    languages cannot be formatted here."""
    options = _opts(a, "str").get("options")
    parser = options.get("parser") if isinstance(options, dict) else None
    if parser in ("python", "yapf"):
        raise HandlerError('Formatting utility "yapf" is not installed')
    raise HandlerError(f"code formatting ({parser}) {NOT_HERE}")


for _name, _what in (
    ("editor.jupyterNbconvert", "nbconvert (Jupyter)"),
    ("editor.jupyterRunNotebook", "running a notebook (Jupyter)"),
    ("editor.printSageWS", "printing a Sage worksheet"),
    ("editor.createTerminalService", "a terminal service"),
):
    project(_name)(_unavailable(_what))


@project("sync.close")
async def sync_close(ctx: Context, who: Principal, pid: str, a: dict[str, Any]) -> Any:
    return None  # the project logs "TODO: close path" and answers nothing
