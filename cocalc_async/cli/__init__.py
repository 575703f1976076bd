"""``cocalc-async``: the command line. ``main(argv)`` returns the exit code.

Only argparse is imported until a subcommand runs, so ``cocalc-async --help`` starts fast; the
client (and aiohttp) load when a command needs them. Exit codes: see :mod:`.exit_codes`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    from .parser import build_parser

    parser = build_parser()
    words = list(sys.argv[1:] if argv is None else argv)
    # `exec PROJECT [options] -- CMD...`: argparse cannot place options between a positional
    # and a trailing "--" list, so the command is cut off before parsing.
    tail: list[str] | None = None
    if "exec" in words and "--" in words[words.index("exec") :]:
        cut = words.index("--", words.index("exec"))
        words, tail = words[:cut], words[cut + 1 :]
    try:
        args = parser.parse_args(words)
    except SystemExit as exc:  # --help (0) and usage errors (2)
        return exc.code if isinstance(exc.code, int) else 2
    if tail is not None and args.command == "exec":
        args.cmd = [*args.cmd, *tail]
    if args.command == "serve":
        from ..testing.serve import run_from_args

        return run_from_args(args)
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    import asyncio

    from . import exit_codes
    from .output import error_line

    undo_debug_logging = _debug_logging() if args.debug else None
    try:
        return asyncio.run(_dispatch(args))
    except KeyboardInterrupt:
        error_line("interrupted")
        return exit_codes.INTERRUPTED
    except Exception as exc:
        report_error(exc, args)
        return exit_codes.exit_code_for(exc)
    finally:
        if undo_debug_logging is not None:
            undo_debug_logging()


def report_error(exc: BaseException, args: argparse.Namespace) -> None:
    """The error line (and under ``--debug`` the traceback) on stderr, every key form masked."""
    from .output import error_line

    if getattr(args, "debug", False):
        import traceback

        from .._redact import sanitize_exception

        sanitize_exception(exc, _cli_keys(args))
        print(_mask("".join(traceback.format_exception(exc)), args), file=sys.stderr)
    error_line(_mask(_describe(exc), args))


async def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from .course import demo

        return await demo(args)
    if args.command == "course":
        from .course import course

        return await course(args)
    from .commands import COMMANDS
    from .connect import open_client

    async with open_client(args) as client:
        return await COMMANDS[args.command](args, client)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def _mask(text: str, args: argparse.Namespace) -> str:
    # Errors never carry the key; this is the second line of defence for what the CLI prints
    # (tracebacks under --debug included): every key this process could have used is masked in
    # every form (raw, Basic base64, URL-encoded, escaped), even once its Client is gone.
    from .output import redact_line

    return redact_line(text, args)


def _cli_keys(args: argparse.Namespace) -> list[str]:
    from .output import cli_keys

    return cli_keys(args)


def _debug_logging() -> Callable[[], None]:
    """Log DEBUG to this stderr; returns what undoes it.

    ``main()`` may be called more than once in a process (tests, embedding programs), and a
    handler left on a stderr that has since been closed would fail on every later record.
    """
    import logging

    from .._logging import SecretsFilter

    logger = logging.getLogger("cocalc_async")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretsFilter())
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    def undo() -> None:
        logger.removeHandler(handler)
        logger.setLevel(level)

    return undo
