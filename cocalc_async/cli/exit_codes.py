"""The CLI's exit codes (documented in docs/cli.md) and which error maps to which."""

from __future__ import annotations

OK = 0
#: The operation ran and did not succeed: a student failed, a copy failed, a command exited
#: non-zero, a wait timed out.
FAILED = 1
#: Bad command line, unreadable JSON or roster.
USAGE = 2
#: No API key, or an unusable URL.
CONFIG = 3
#: The key was refused, or lacks access.
AUTH = 4
#: The server refused the call for another reason.
API = 5
#: The server could not be reached, or did not answer in time.
CONNECTION = 6
#: Ctrl-C.
INTERRUPTED = 130


class UsageError(Exception):
    """A mistake on the command line found after parsing (bad JSON, an unreadable file)."""


class ConfigError(Exception):
    """Something needed to reach the server is missing."""


def exit_code_for(exc: BaseException) -> int:
    from ..errors import (
        APIConnectionError,
        APIError,
        AuthenticationError,
        OperationError,
        PermissionDeniedError,
    )

    if isinstance(exc, (AuthenticationError, PermissionDeniedError)):
        return AUTH
    if isinstance(exc, APIConnectionError):
        return CONNECTION
    if isinstance(exc, APIError):
        return API
    if isinstance(exc, OperationError):
        return FAILED
    if isinstance(exc, UsageError):
        return USAGE
    if isinstance(exc, ConfigError):
        return CONFIG
    if isinstance(exc, (KeyboardInterrupt,)):
        return INTERRUPTED
    return FAILED
