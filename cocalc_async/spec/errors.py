"""The error table: how CoCalc's answers map to the SDK's typed errors. Data only.

Each :class:`ErrorRule` is one row: a match rule on the server's error text (exact, prefix or
regular expression), and/or on the HTTP status, the API or the body's shape, then the error kind
it names. The first row that matches wins, so specific rows come before general ones. Every row
names where its text comes from (a CoCalc source line at 5cb3315c30, or an answer recorded from a
real hub) and carries an ``example``: the server's exact text, which ``tests/spec`` classifies.

A row names a *kind* (``AuthenticationError``), not where the answer came from: the classifier
raises the kind's ``StatusError`` form when the text came with a non-2xx status and its
``ResponseError`` form when it came in a 2xx body (``cocalc_async/errors.py`` says why). A kind
that only ever arrives in a body (``BridgeTimeoutError``) matches only bodies; the same text with
a non-2xx status is classified by the status.

Matching ignores one leading ``"Error: "`` (the conat bridges send ``String(err)``, the v2 routes
``err.message``, so the same throw reaches a caller both ways). The raised error keeps the
server's text exactly as sent.

The code generator writes the table to ``cocalc_async/_generated/error_table.py``, which
``_sansio.classify_response`` reads.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

import attrs

Match: TypeAlias = Literal["exact", "prefix", "regex", "code", "shape"]
#: Answers recognised by their shape rather than a text.
Shape: TypeAlias = Literal["invalid_body", "latex_failed", "html_404"]


@attrs.frozen
class ErrorRule:
    """One row of the error table."""

    id: str
    #: The kind (a class name in ``cocalc_async.errors``); what is raised is its form for the answer.
    error: str
    match: Match
    #: The exact text, the prefix, the regular expression (``re.search``; a named group
    #: ``retry_after`` gives the wait hint in seconds, ``path`` the file a ``FileNotFound`` names),
    #: or for ``"code"`` the error's machine code (a Node error object's ``code``: ``ENOENT``).
    pattern: str = ""
    #: The server's text (or, for shapes, body) this row was written from; a test classifies it.
    example: str = ""
    source: str = ""
    #: Only answers with this HTTP status (``None``: a 2xx body error or a 400/401/403/429 answer).
    status: int | None = None
    #: Only answers of this API (``"v1"``, ``"v2"``, ``"conat"`` for both bridges).
    api: str | None = None
    #: Only this endpoint path (``"latex"``).
    path: str | None = None
    shape: Shape | None = None


SRC = "@5cb3315c30"

RULES: tuple[ErrorRule, ...] = (
    # --- shapes ---------------------------------------------------------------------------
    ErrorRule(
        "v2-invalid-request-body",
        "InvalidParametersError",
        "shape",
        shape="invalid_body",
        status=400,
        example='{"message": "Invalid request body.", "errors": [{"code": "invalid_type", '
        '"expected": "string", "received": "undefined", "path": ["project_id"], '
        '"message": "Required"}]}',
        source="next-rest-framework's input validation, on outside production: "
        f"src/packages/next/lib/api/framework.ts:12 {SRC}",
    ),
    ErrorRule(
        "v2-latex-compile-failed",
        "LatexError",
        "shape",
        shape="latex_failed",
        api="v2",
        path="latex",
        example='{"compile": {"event": "error", "id": "0ebff323-18f9-4e04-b18b-bdf51ab233f3", '
        '"error": "Error executing command \'latexmk -pdf -f -g -bibtex -deps '
        "-synctex=1 -interaction=nonstopmode a.tex' with args 'undefined' -- "
        'latexmk: command not found"}, '
        '"pdf": {"event": "error", "error": "ENOENT: no such file or directory"}}',
        source=f"src/packages/next/pages/api/v2/latex.ts:80-107 {SRC} (no top-level error "
        "unless reading the PDF throws); recorded from a real hub (v2/latex, no latexmk)",
    ),
    ErrorRule(
        "http-404-page",
        "EndpointNotServedError",
        "shape",
        shape="html_404",
        status=404,
        example="<title>404 Page Not Found</title>",
        source="Next.js's 404 page for any path without a route: recorded v1-ping, "
        "v2-unknown-route; API v1 was deleted on 2025-05-29 (c7956b572e)",
    ),
    # --- throttles ------------------------------------------------------------------------
    ErrorRule(
        "throttle",
        "RateLimitError",
        "regex",
        r"(?i)too many (?:requests|attempts)[^;]*"
        r"(?:;\s*try again in (?P<retry_after>\d+(?:\.\d+)?) seconds?)?",
        example="too many requests to messages/get; try again in 1 second "
        "(rule: at most 3 requests per second)",
        source=f"src/packages/util/api/throttle.ts:158 {SRC}",
    ),
    ErrorRule(
        "v1-user-auth-wait",
        "RateLimitError",
        "regex",
        r"(?i)^banned -- please wait at least (?P<retry_after>\d+(?:\.\d+)?)s\b",
        example="banned -- please wait at least 60s before trying again",
        source="v1 user_auth after a wrong password: hub/auth-token.coffee (v1 era)",
    ),
    # --- parameters and endpoints ---------------------------------------------------------
    ErrorRule(
        "v1-invalid-parameters",
        "InvalidParametersError",
        "regex",
        r"(?i)^invalid parameters\b",
        example="invalid parameters 'Error: misc.defaults -- TypeError: got an unexpected "
        "argument 'exclude_history' '",
        source="v1 hub/api/handler.coffee:56-58 at 72a8eed725 (the last commit with v1)",
    ),
    ErrorRule(
        "v1-unknown-endpoint",
        "UnknownEndpointError",
        "regex",
        r"(?i)^unknown endpoint\b|is not part of the HTTP API|^unknown message event type",
        example="endpoint 'metrics' is not part of the HTTP API",
        source="v1 hub/api/handler.coffee:48-53, 165 at 72a8eed725",
    ),
    ErrorRule(
        "conat-unknown-function",
        "UnknownEndpointError",
        "prefix",
        "unknown function '",
        example="Error: unknown function 'system.noSuchFunction'",
        source=f"src/packages/server/conat/api/index.ts:186, "
        f"src/packages/project/conat/api/index.ts:167 {SRC}",
    ),
    # --- authentication -------------------------------------------------------------------
    ErrorRule(
        "no-api-key",
        "AuthenticationError",
        "exact",
        "You must provide authentication via an API key.",
        example="You must provide authentication via an API key.",
        source=f"src/packages/server/auth/api.ts:8 {SRC}; recorded hub-ping-nokey",
    ),
    ErrorRule(
        "conat-hub-bad-key",
        "AuthenticationError",
        "exact",
        "must be signed in and MUST provide an api key (cookies are not allowed)",
        example="must be signed in and MUST provide an api key (cookies are not allowed)",
        source=f"src/packages/next/pages/api/conat/hub.ts:29 {SRC}; recorded hub-ping-badkey",
    ),
    ErrorRule(
        "conat-project-bad-key",
        "AuthenticationError",
        "exact",
        "must sign in as project or account",
        example="must sign in as project or account",
        source=f"src/packages/next/pages/api/conat/project.ts:30 {SRC}; recorded prj-exec-badkey",
    ),
    ErrorRule(
        "anonymous-user-query",
        "AuthenticationError",
        "regex",
        r"^FATAL: anonymous (?:get|set) queries not allowed for table '",
        example="FATAL: anonymous get queries not allowed for table 'accounts'",
        source=f"src/packages/database/postgres-user-queries.coffee:1012 {SRC} (a wrong key "
        "makes the caller anonymous)",
    ),
    ErrorRule(
        "signed-in-as-owner-or-manager",
        "PermissionDeniedError",
        "regex",
        r"(?i)must be signed in as (?:a|the) |^signed in user must be ",
        example="must be signed in as a manager of the license",
        source=f"src/packages/next/pages/api/v2/licenses/get-projects-with-license.ts:31, 38, "
        f"src/packages/server/purchases/renew-subscription.ts:38 {SRC} (signed in, but not as "
        "the right user: checked before the signed-in row, which would match too)",
    ),
    ErrorRule(
        "must-be-signed-in",
        "AuthenticationError",
        "regex",
        r"(?i)\bmust be signed in\b",
        example="user must be signed in",
        source=f"src/packages/conat/hub/api/util.ts:18, src/packages/next/pages/api/v2/"
        f"accounts/ban.ts:29 ('must be signed in'), projects/get.ts:18 ('Must be signed in.') "
        f"{SRC}; recorded v2-exec-badkey, v2-projects-create-badkey",
    ),
    ErrorRule(
        "unknown-authorization-type",
        "AuthenticationError",
        "prefix",
        "Unknown authorization type",
        example="Unknown authorization type 'Digest'",
        source=f"src/packages/server/auth/api.ts:17 {SRC}",
    ),
    ErrorRule(
        "v1-key-texts",
        "AuthenticationError",
        "regex",
        r"(?i)No account found\. Is your API key wrong\?|User is BANNED|not signed in"
        r"|invalid api key",
        example="No account found. Is your API key wrong?",
        source="v1 hub/api/handler.coffee (v1 era), as CoCalc's v1 API docs quote it",
    ),
    # --- permission -----------------------------------------------------------------------
    ErrorRule(
        "not-a-collaborator",
        "PermissionDeniedError",
        "exact",
        "user must be a collaborator on the project",
        example="user must be a collaborator on the project",
        source=f"src/packages/next/pages/api/v2/exec.ts:52, "
        f"src/packages/next/pages/api/conat/project.ts:51 {SRC}; recorded prj-exec-stranger",
    ),
    ErrorRule(
        "call-project-not-a-collaborator",
        "PermissionDeniedError",
        "exact",
        "callProject -- authenticated user must be a collaborator on the project",
        example="callProject -- authenticated user must be a collaborator on the project",
        source=f"src/packages/server/projects/call.ts:21 {SRC}",
    ),
    ErrorRule(
        "start-not-a-collaborator",
        "PermissionDeniedError",
        "exact",
        "must be a collaborator to start project",
        example="must be a collaborator to start project",
        source=f"src/packages/next/pages/api/v2/projects/start.ts:31 {SRC}; "
        "recorded v2-projects-start-nonexistent",
    ),
    ErrorRule(
        "state-not-a-collaborator",
        "PermissionDeniedError",
        "exact",
        "must be collaborator on project to get state",
        example="Error: must be collaborator on project to get state",
        source=f"src/packages/server/conat/api/projects.ts:132 {SRC}",
    ),
    ErrorRule(
        "not-an-owner",
        "PermissionDeniedError",
        "regex",
        r"^must be an owner to (?:delete|restore) a project$",
        example="must be an owner to delete a project",
        source=f"src/packages/server/projects/delete.ts:50, "
        f"src/packages/next/pages/api/v2/projects/restore.ts:37 {SRC}; "
        "recorded v2-projects-delete-stranger",
    ),
    ErrorRule(
        "collaborator-texts",
        "PermissionDeniedError",
        "regex",
        r"^(?:permission denied -- )?(?:user |you )?must be (?:a )?collaborator(?: on| to|$)",
        example="user must be collaborator on source project",
        source=f"src/packages/server/conat/api/projects.ts:23, src/packages/server/conat/api/"
        f"sync.ts:21, src/packages/server/jupyter/execute.ts:136, src/packages/next/pages/api/v2/"
        f"projects/stop.ts:31, compute/get-detailed-state.ts:51 {SRC}",
    ),
    ErrorRule(
        "owner-or-admin-texts",
        "PermissionDeniedError",
        "regex",
        r"^(?:you must be the owner of |only the owner of |only (?:site )?admins? "
        r"(?:can|may|are allowed) )",
        example="you must be the owner of the compute server",
        source=f"src/packages/next/pages/api/v2/compute/get-api-key.ts:45, "
        f"projects/set-admin-quotas.ts:34 ('only admins can set project quotas'), "
        f"src/packages/server/compute/set-server-owner.ts:30 {SRC}",
    ),
    ErrorRule(
        "user-query-admin",
        "PermissionDeniedError",
        "exact",
        "FATAL: user must be an admin",
        example="FATAL: user must be an admin",
        source=f"src/packages/database/postgres-user-queries.coffee:293 {SRC}",
    ),
    ErrorRule(
        "add-self",
        "PermissionDeniedError",
        "regex",
        r'^cannot add self to ".*" -- must be ',
        example='cannot add self to "c3c610d3-7640-46c5-967c-b8bebd52862f" -- must be an admin',
        source=f"src/packages/server/projects/collab.ts:365, 378 {SRC}",
    ),
    ErrorRule(
        "no-access",
        "PermissionDeniedError",
        "regex",
        r"(?i)(?:does|do) not have (?:\w+ )?access|^ACCESS BLOCKED\b",
        example="user 1ebd74a6-ae25-4489-9ccb-a8a07b708ed6 does not have write access to "
        "project c3c610d3-7640-46c5-967c-b8bebd52862f",
        source=f"src/packages/server/projects/collab.ts:268, src/packages/hub/copy-path.ts:400, "
        f"src/packages/database/postgres-user-queries.coffee:1142 ('FATAL: you do not have read "
        f"access to this project -- ...') {SRC}",
    ),
    ErrorRule(
        "ownership-error",
        "PermissionDeniedError",
        "prefix",
        "OwnershipError: ",
        example="OwnershipError: Only project owners can change user types",
        source=f"src/packages/server/projects/collaborators.ts:264 {SRC}; recorded "
        "hubfn-projects-changeUserType-owner-by-collab",
    ),
    ErrorRule(
        "site-admin",
        "PermissionDeniedError",
        "regex",
        r"^must be a site admin$|^user must be an admin of the organization or site-admin$"
        r"|^Only users in the group 'admin' are allowed",
        example="Error: must be a site admin",
        source=f"src/packages/server/conat/api/org.ts:48, 77, "
        f"src/packages/next/lib/api/assert-trusted.ts:25 {SRC}; recorded hub-org-getall",
    ),
    ErrorRule(
        "admin-texts",
        "PermissionDeniedError",
        "regex",
        r"(?i)not allowed to call|permission denied|must be an admin|only admins",
        example="EACCES: permission denied, open '/etc/x'",
        source="texts of older hubs and of Node (EACCES), kept from the v1 era",
    ),
    # --- not found ------------------------------------------------------------------------
    ErrorRule(
        "enoent",
        "FileNotFoundOnServerError",
        "regex",
        r"^ENOENT: no such file or directory(?:, \w+ '(?P<path>.*)')?$",
        example="ENOENT: no such file or directory, stat "
        "'<projects>/c3c610d3-7640-46c5-967c-b8bebd52862f/nope'",
        source="Node's fs error text, recorded from a real hub: v2/projects/copy-path of a "
        "missing source; conat project readTextFileFromProject of 'nope.txt' "
        "(Error: ENOENT: no such file or directory, open 'nope.txt')",
    ),
    ErrorRule(
        "enoent-object",
        "FileNotFoundOnServerError",
        "code",
        "ENOENT",
        example='{"code": "ENOENT", "errno": -2, "syscall": "open", "path": "a.txt"}',
        source="a serialised Node error object ({code, syscall, path}) in a body",
    ),
    ErrorRule(
        "compute-control-not-implemented",
        "NotImplementedOnServerError",
        "exact",
        "NOT implemented yet",
        example="NOT implemented yet",
        api="v2",
        path="compute/control",
        source=f"src/packages/next/pages/api/v2/compute/control.ts:23 {SRC} (since 9fbd097ff1)",
    ),
    ErrorRule(
        "bridge-timeout",
        "BridgeTimeoutError",
        "regex",
        r"^timeout - call(?:Hub|Project): .*code='408'",
        example="timeout - callHub: subject='project.56f12e8c-c5fe-44dd-b141-54eabfc7a249.0.api.-', "
        "name='system.exec', code='408' ",
        source=f"src/packages/server/api/hub-bridge.ts:42, src/packages/conat/core/client.ts:1892 "
        f"{SRC}; recorded prj-exec-20s-nobody-timeout (the bridge's 15 s default)",
    ),
    ErrorRule(
        "v2-exec-hub-gave-up",
        "ProjectCallTimeoutError",
        "exact",
        "undefined",
        example="undefined",
        api="v2",
        path="exec",
        source=f"src/packages/server/projects/connection/handle-message.ts:80, 93, "
        f"src/packages/next/pages/api/v2/exec.ts:21 {SRC}; recorded "
        "flow-exec-async-90s-timeout300 (a poll cut off at about 60 s)",
    ),
    ErrorRule(
        "async-job-missing",
        "NotFoundError",
        "regex",
        r"^Async operation '.*' does not exist\.$",
        example="Error: Async operation '00000000-1111-4222-8333-444444444444' does not exist.",
        source=f"src/packages/backend/execute-code.ts:161 {SRC}",
    ),
    ErrorRule(
        "handler-parameter-texts",
        "InvalidParametersError",
        "regex",
        r"^\w+ must be a valid uuid$|^all account id's must be valid uuid's, but "
        r"|^invalid account_id or project_id -- all must be valid uuid's$"
        r"|^path must be specified|^New group must be either 'owner' or 'collaborator'$"
        r"|^invalid email address '|^FATAL: invalid user_query of '"
        r"|^kernel must be specified in hash is not specified$",
        example="target_project_id must be a valid uuid",
        source=f"a production hub's own parameter checks (no schema validation): "
        f"src/packages/next/pages/api/v2/projects/copy-path.ts:87-91, copy-path-status.ts:29, "
        f"latex.ts:35, src/packages/server/projects/collab.ts:296, is-collaborator.ts:15, "
        f"collaborators.ts:512, src/packages/util/project-ownership.ts:182, "
        f"src/packages/database/postgres-user-queries.coffee:210, "
        f"src/packages/server/jupyter/execute.ts:92 {SRC}",
    ),
    ErrorRule(
        "api-key-not-found",
        "NotFoundError",
        "regex",
        r"^no api key with id \d+$",
        example="no api key with id 999999",
        source=f"src/packages/server/api/manage.ts:254 {SRC}; recorded "
        "flow-api-key-expire/edit-missing",
    ),
    ErrorRule(
        "copy-id-not-found",
        "NotFoundError",
        "exact",
        "copy_id not found",
        example="copy_id not found",
        source=f"src/packages/next/pages/api/v2/projects/copy-path-status.ts:41 {SRC}; "
        "recorded v2-copy-status-random",
    ),
)
