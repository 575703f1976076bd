"""The conat RPC bridge: ``POST /api/conat/hub`` and ``POST /api/conat/project``.

Every function the two bridges serve at 5cb3315c30: the 57 hub functions of
``src/packages/conat/hub/api/*.ts`` (system, projects, db, purchases, jupyter, sync, org,
messages) and the 28 project functions of ``src/packages/conat/project/api/*.ts`` (system,
editor, sync). ``path`` is the RPC name; the parameters travel inside ``args`` as described by
``args_style``. The hub fills in the caller's ``account_id`` itself (``authFirst`` in
``conat/hub/api/util.ts``), so it is never a parameter here. The bridge's own default timeout is 15 s
(``DEFAULT_TIMEOUT = 15000`` ms in ``src/packages/server/api/{hub,project}-bridge.ts``).
"""

from __future__ import annotations

from typing import Any

from ._model import Endpoint, Param

SRC_HUB = "sagemathinc/cocalc:src/packages/conat/hub/api/*.ts; client: src/python/cocalc-api/src/cocalc_api/hub.py"
SRC_ORG = "sagemathinc/cocalc:src/packages/conat/hub/api/org.ts; client: src/python/cocalc-api/src/cocalc_api/org.py"
SRC_PROJECT = "sagemathinc/cocalc:src/packages/conat/project/api/system.ts; client: src/python/cocalc-api/src/cocalc_api/project.py"
SRC_EDITOR = "sagemathinc/cocalc:src/packages/conat/project/api/editor.ts @5cb3315c30"
SRC_PSYNC = "sagemathinc/cocalc:src/packages/conat/project/api/sync.ts @5cb3315c30"
ERRORS = (
    'HTTP 200 {"error":"..."} -> CoCalcAPIError, or the class the error table gives the text '
    '(AuthenticationError for "must be signed in and MUST provide an api key ...", '
    'PermissionDeniedError for "user must be a collaborator on the project", '
    "UnknownEndpointError for \"Error: unknown function '...'\", FileNotFoundOnServerError for "
    '"Error: ENOENT: ...")',
)

PROJECT_ID = Param("project_id", "string(uuid)", required=True, doc="the project")
ORG_NAME = Param("name", "string", required=True, doc="name of the organization")
ORG_USER = Param("user", "string", required=True, doc="email address or account_id")


def _response(result_model: str | None) -> str:
    """What the docstring says is returned."""
    if result_model is None:
        return "the RPC's result as parsed JSON (its shape is not pinned down)"
    if result_model == "None":
        return "nothing: the RPC returns no value"
    return "the RPC's result"


def hub(path: str, summary: str, *params: Param, **kw: Any) -> Endpoint:
    """A hub RPC; keeps the table below one line per idea."""
    return Endpoint(
        api="conat/hub",
        path=path,
        summary=summary,
        params=params,
        errors=ERRORS,
        source=SRC_ORG if path.startswith("org.") else SRC_HUB,
        auth="required (account API key; cookies are refused)",
        response=_response(kw.get("result_model")),
        **kw,
    )


def project(path: str, summary: str, *params: Param, **kw: Any) -> Endpoint:
    """A project RPC; ``project_id`` travels at the top level of the body, not in ``args``."""
    source = kw.pop("source", SRC_PROJECT)
    return Endpoint(
        api="conat/project",
        path=path,
        summary=summary,
        params=params,
        errors=ERRORS,
        source=source,
        auth="required (collaborator, or a project API key)",
        response=_response(kw.get("result_model")),
        **kw,
    )


ENDPOINTS: tuple[Endpoint, ...] = (
    # hub.system
    hub(
        "system.ping",
        "Ping the hub; returns the server time.",
        idempotent=True,
        result_model="misc:ConatPong",
    ),
    hub(
        "system.test",
        "Which account the API key belongs to, and the server's clock.",
        idempotent=True,
        result_model="misc:ConatWhoAmI",
    ),
    hub(
        "system.getNames",
        "Displayed names of the given accounts (account_id -> profile).",
        Param("account_ids", "uuid[]", required=True, doc="account ids"),
        idempotent=True,
        args_style="positional",
        result_model="dict[accounts:AccountName]",
    ),
    hub(
        "system.userSearch",
        "Search users by name or email address (an exact email finds only that user).",
        Param("query", "string", required=True, doc="partial name, email address, ..."),
        Param("limit", "number", doc="at most this many results (capped at 50 unless admin)"),
        Param("admin", "boolean", doc="admin search (site admins only)"),
        Param("only_email", "boolean", doc="match email addresses only"),
        idempotent=True,
        result_model="list[accounts:AccountSearchHit]",
    ),
    hub(
        "system.getCustomize",
        "The server's customization settings (all, or the named fields); no key needed.",
        Param("fields", "string[]", doc="only these settings"),
        args_style="positional",
        idempotent=True,
    ),
    hub(
        "system.terminate",
        "Terminate a hub service (site admins only; for development).",
        Param("service", '"database"|"api"', required=True, doc="which service"),
        args_style="positional",
        result_model="None",
    ),
    hub(
        "system.userTracking",
        "Record a user-tracking event for your account.",
        Param("event", "string", required=True, doc="event name"),
        Param("value", "object", required=True, doc="event data"),
        result_model="None",
    ),
    hub(
        "system.logClientError",
        "Log a client-side error for your account.",
        Param("event", "string", required=True, doc="what happened"),
        Param("error", "string", required=True, doc="the error text"),
        result_model="None",
    ),
    hub(
        "system.webappError",
        "Report a web-app error (the fields of CoCalc's webapp_errors table).",
        Param("name", "string", doc="error name"),
        Param("message", "string", doc="error message"),
        Param("comment", "string", doc="comment"),
        Param("stacktrace", "string", doc="stack trace"),
        Param("file", "string", doc="source file"),
        Param("path", "string", doc="path"),
        Param("lineNumber", "number", doc="line"),
        Param("columnNumber", "number", doc="column"),
        Param("severity", "string", doc="severity"),
        result_model="None",
    ),
    hub(
        "system.manageApiKeys",
        "Get, create, edit or delete your API keys (or a project's).",
        Param("action", '"get"|"delete"|"create"|"edit"', required=True, doc="what to do"),
        Param("project_id", "string(uuid)", doc="a project's keys instead of your account's"),
        Param("name", "string", doc="key name (create, edit)"),
        Param("expire", "string(date)", doc="expiry, ISO 8601 (create, edit)"),
        Param("id", "number", doc="the key (edit, delete)"),
    ),
    hub(
        "system.generateUserAuthToken",
        "An auth token to act as another user (admins; or with that user's password).",
        Param("user_account_id", "string(uuid)", required=True, doc="the user"),
        Param("password", "string", doc="the user's password (non-admins)"),
        result_model="str",
    ),
    hub(
        "system.revokeUserAuthToken",
        "Revoke an auth token made by system.generateUserAuthToken.",
        Param("authToken", "string", required=True, doc="the token"),
        args_style="positional",
        result_model="None",
    ),
    hub(
        "system.adminResetPasswordLink",
        "A password-reset link for another user, without the site part (site admins only).",
        Param("user_account_id", "string(uuid)", required=True, doc="the user"),
        result_model="str",
    ),
    hub(
        "system.sendEmailVerification",
        "Send the email-address verification mail to your address.",
        Param("only_verify", "boolean", doc="only the verification, no welcome text"),
        result_model="None",
    ),
    hub(
        "system.deletePassport",
        "Unlink a single-sign-on identity from your account.",
        Param("strategy", "string", required=True, doc="the SSO strategy"),
        Param("id", "string", required=True, doc="the identity at that strategy"),
        result_model="None",
    ),
    hub(
        "system.adminSalesloftSync",
        "Sync the given accounts to Salesloft (site admins only).",
        Param("account_ids", "uuid[]", required=True, doc="accounts"),
        result_model="None",
    ),
    hub(
        "system.userSalesloftSync",
        "Sync your own account to Salesloft.",
        result_model="None",
    ),
    # hub.projects
    hub(
        "projects.copyPathBetweenProjects",
        "Copy a path from one project to another (or within one).",
        Param("src_project_id", "string(uuid)", required=True, doc="source project"),
        Param("src_path", "string", required=True, doc="path in the source project"),
        Param("target_project_id", "string(uuid)", doc="target project (default: the source)"),
        Param("target_path", "string", doc="path in the target (default: src_path)"),
        Param("overwrite_newer", "boolean", doc="overwrite newer files in the target"),
        Param("delete_missing", "boolean", doc="delete target files missing from the source"),
        Param("backup", "boolean", doc="keep backup files of what is overwritten"),
        Param("timeout", "number", doc="seconds the copy may take; also the RPC timeout"),
        Param("bwlimit", "number", doc="rsync bandwidth limit"),
        Param("scheduled", "string(date)", doc="kucalc only: not before this time"),
        Param("public", "boolean", doc="kucalc only: may copy from the share server's files"),
        Param("exclude", "string[]", doc="rsync --exclude patterns"),
        # The hub always waits for the copy (server/conat/api/projects.ts:37-41 @5cb3315c30),
        # longer than the bridge's 15 s default: the RPC timeout follows the copy's own.
        timeout_param="timeout",
        default_timeout=300.0,
        result_model="None",
    ),
    hub(
        "projects.createProject",
        "Create a project; returns its project_id.",
        Param("title", "string", doc="title"),
        Param("description", "string", doc="description"),
        Param("license", "string", doc="license id(s), comma separated"),
        Param("public_path_id", "string", doc="populate from this shared path"),
        Param("image", "string", doc="software image id"),
        Param("start", "boolean", doc="start it at once"),
        Param("noPool", "boolean", doc="do not take a prebuilt project from the pool"),
        Param("ephemeral", "number", doc="delete after this many milliseconds"),
        Param("customize", "object", doc="customization settings (e.g. disableInternet)"),
        Param("project_id", "string(uuid)", doc="site admins only: the id to use"),
        result_model="str",
    ),
    hub(
        "projects.addCollaborator",
        "Add collaborator(s); parallel lists add account_id[i] to project_id[i]; or redeem an "
        "invite token (token_id) instead of naming the project.",
        Param("account_id", "uuid|uuid[]", required=True, doc="account id(s)"),
        Param("project_id", "uuid|uuid[]", doc="project id(s); not with token_id"),
        Param("token_id", "string|string[]", doc="project invite token(s); not with project_id"),
        args_style="opts",
        one_of=(("project_id", "token_id"),),
        result_model="projects:CollaboratorsAdded",
    ),
    hub(
        "projects.inviteCollaborator",
        "Add an existing account as collaborator and email them an invitation.",
        Param("project_id", "string(uuid)", required=True, doc="the project"),
        Param("account_id", "string(uuid)", required=True, doc="the account invited"),
        Param("title", "string", doc="project title for the mail"),
        Param("link2proj", "string", doc="link to the project for the mail"),
        Param("replyto", "string", doc="reply-to address"),
        Param("replyto_name", "string", doc="reply-to name"),
        Param("email", "string", doc="the mail's body (HTML)"),
        Param("subject", "string", doc="the mail's subject"),
        args_style="opts",
        result_model="None",
    ),
    hub(
        "projects.inviteCollaboratorWithoutAccount",
        "Invite by email address(es) someone without an account; they become a collaborator "
        "when they sign up with that address.",
        Param("project_id", "string(uuid)", required=True, doc="the project"),
        Param("title", "string", required=True, doc="project title for the mail"),
        Param("link2proj", "string", required=True, doc="link to the project for the mail"),
        Param("to", "string", required=True, doc="email address(es), comma or space separated"),
        Param("email", "string", required=True, doc="the mail's body (HTML)"),
        Param("replyto", "string", doc="reply-to address"),
        Param("replyto_name", "string", doc="reply-to name"),
        Param("subject", "string", doc="the mail's subject"),
        args_style="opts",
        result_model="None",
    ),
    hub(
        "projects.changeUserType",
        "Make a collaborator an owner, or an owner a collaborator.",
        Param("project_id", "string(uuid)", required=True, doc="the project"),
        Param("target_account_id", "string(uuid)", required=True, doc="the user changed"),
        Param("new_group", '"owner"|"collaborator"', required=True, doc="the new role"),
        args_style="opts",
        result_model="None",
    ),
    hub(
        "projects.setQuotas",
        "Set a project's admin quotas (site admins only).",
        PROJECT_ID,
        Param("memory", "number", doc="memory limit, MB"),
        Param("memory_request", "number", doc="memory request, MB"),
        Param("cpu_shares", "number", doc="CPU shares"),
        Param("cores", "number", doc="cores"),
        Param("disk_quota", "number", doc="disk, MB"),
        Param("mintime", "number", doc="idle timeout, seconds"),
        Param("network", "number", doc="1: network access"),
        Param("member_host", "number", doc="1: member hosting"),
        Param("always_running", "number", doc="1: always running"),
        result_model="None",
    ),
    hub(
        "projects.removeCollaborator",
        "Remove a collaborator from a project.",
        Param("project_id", "string(uuid)", required=True, doc="the project"),
        Param("account_id", "string(uuid)", required=True, doc="the collaborator"),
        args_style="opts",
        result_model="None",
    ),
    hub("projects.start", "Start a project.", PROJECT_ID, idempotent=True, result_model="None"),
    hub("projects.stop", "Stop a project.", PROJECT_ID, idempotent=True, result_model="None"),
    hub(
        "projects.deleteProject",
        "Delete a project (soft delete).",
        PROJECT_ID,
        aliases=("delete",),  # cocalc-api: hub.projects.delete
        result_model="None",
    ),
    hub(
        "projects.touch",
        "Mark a project as used (keeps it running).",
        PROJECT_ID,
        idempotent=True,
        result_model="None",
    ),
    hub(
        "projects.state",
        "The project's run state.",
        PROJECT_ID,
        idempotent=True,
        result_model="projects:ProjectState",
    ),
    hub(
        "projects.status",
        "The project's detailed status (its processes, ports, session).",
        PROJECT_ID,
        idempotent=True,
        result_model="projects:ProjectStatus",
    ),
    # hub.db, hub.jupyter, hub.sync, hub.messages
    hub(
        "db.userQuery",
        "A user query: a get when any value is null, otherwise a set.",
        Param(
            "query", "object", required=True, doc="{table: {field: value|null}} or {table: [{...}]}"
        ),
        Param("options", "array", doc="query options, e.g. [{limit: 10}]"),
        aliases=("query",),  # cocalc-api: hub.db.query
    ),
    hub(
        "db.touch",
        "Record that you used a project (or a file in it).",
        Param("project_id", "string(uuid)", doc="the project"),
        Param("path", "string", doc="a file in it"),
        Param("action", "string", doc="what was done (default: edit)"),
        result_model="None",
    ),
    hub(
        "db.getLegacyTimeTravelInfo",
        "Where a file's pre-2025 edit history is: {uuid, users}.",
        PROJECT_ID,
        Param("path", "string", required=True, doc="the file"),
        idempotent=True,
    ),
    hub(
        "db.getLegacyTimeTravelPatches",
        "A file's pre-2025 edit history, as JSON text of {patches: [...]}.",
        Param("uuid", "string", required=True, doc="from db.getLegacyTimeTravelInfo"),
        Param("timeout", "number", doc="seconds; also the RPC timeout"),
        timeout_param="timeout",
        idempotent=True,
        result_model="str",
    ),
    hub(
        "db.fileUseTimes",
        "When a user opened or edited a file.",
        PROJECT_ID,
        Param("path", "string", required=True, doc="the file"),
        Param("target_account_id", "string(uuid)", required=True, doc="whose use"),
        Param("limit", "number", doc="at most this many timestamps"),
        Param("access_times", "boolean", doc="include access times (server default true)"),
        Param("edit_times", "boolean", doc="include edit times (server default false)"),
        Param("timeout", "number", doc="seconds; also the RPC timeout"),
        timeout_param="timeout",
        idempotent=True,
        result_model="misc:FileUseTimes",
    ),
    hub(
        "db.removeBlobTtls",
        "Keep the given blobs forever.",
        Param("uuids", "string[]", required=True, doc="blob ids"),
        result_model="None",
    ),
    # hub.purchases
    hub(
        "purchases.getBalance",
        "Your account balance.",
        idempotent=True,
        result_model="float",
    ),
    hub(
        "purchases.getMinBalance",
        "The lowest balance your account may reach.",
        idempotent=True,
        result_model="float",
    ),
    hub(
        "jupyter.kernels",
        "Available Jupyter kernels (global, or of one project).",
        Param("project_id", "string(uuid)", doc="the project (default: the global anonymous one)"),
        idempotent=True,
    ),
    hub(
        "jupyter.execute",
        "Execute code with a Jupyter kernel (or fetch an earlier result by hash).",
        Param("input", "string", doc="code to run"),
        Param("kernel", "string", doc="kernel name (not needed with hash)"),
        Param("history", "string[]", doc="earlier inputs, evaluated first without output"),
        Param("hash", "string", doc="the hash of an earlier execution, instead of input"),
        Param("tag", "string", doc="a tag for the execution's record"),
        Param("project_id", "string(uuid)", doc="the project (default: the global anonymous one)"),
        Param("path", "string", doc="file path context"),
        default_timeout=120.0,
        one_of=(("input", "hash"),),
    ),
    hub(
        "sync.history",
        "The complete edit history of a file (compressed patches).",
        PROJECT_ID,
        Param("path", "string", required=True, doc="the file"),
        idempotent=True,
    ),
    hub(
        "messages.send",
        "Send an internal message; returns its id.",
        Param("subject", "string", required=True, doc="plain-text subject"),
        Param("body", "string", required=True, doc="markdown body"),
        Param("to_ids", "string[]", required=True, doc="account ids or email addresses"),
        Param("reply_id", "number", doc="the message replied to"),
        result_model="int",
    ),
    hub(
        "messages.get",
        "Your messages.",
        Param("limit", "number", doc="at most this many"),
        Param("offset", "number", doc="skip this many"),
        Param("type", '"received"|"sent"|"new"|"starred"|"liked"', doc="which messages"),
        Param("cutoff", "string(date)", doc="only messages strictly newer than this"),
        idempotent=True,
        result_model="list[misc:Message]",
    ),
    # hub.org
    hub(
        "org.getAll",
        "The organizations you belong to (all of them for a site admin).",
        idempotent=True,
        result_model="list[org:Organization]",
    ),
    hub(
        "org.create",
        "Create an organization (site admins only); the name can never change.",
        Param("name", "string", required=True, doc="globally unique, at most 39 characters"),
        result_model="str",
    ),
    hub(
        "org.get",
        "One organization.",
        ORG_NAME,
        idempotent=True,
        result_model="org:Organization",
    ),
    hub(
        "org.set",
        "Set properties of an organization.",
        ORG_NAME,
        Param("title", "string", doc="title"),
        Param("description", "string", doc="description"),
        Param("email_address", "string", doc="contact address (not an account)"),
        Param("link", "string", doc="website"),
        result_model="None",
    ),
    hub(
        "org.addAdmin",
        "Make a user an admin of the organization.",
        ORG_NAME,
        ORG_USER,
        result_model="None",
    ),
    hub(
        "org.addUser",
        "Make a user a member of the organization (site admins only).",
        ORG_NAME,
        ORG_USER,
        result_model="None",
    ),
    hub(
        "org.createUser",
        "Create an account in the organization; returns its account_id.",
        ORG_NAME,
        Param("email", "string", required=True, doc="email address"),
        Param("firstName", "string", doc="first name"),
        Param("lastName", "string", doc="last name"),
        Param("password", "string", doc="password (random if not given)"),
        result_model="str",
    ),
    hub(
        "org.createToken",
        "A token granting temporary access to an account: {token, url}.",
        ORG_USER,
        result_model="org:OrgToken",
    ),
    hub(
        "org.expireToken",
        "Expire a token made by org.createToken now.",
        Param("token", "string", required=True, doc="the token"),
        result_model="None",
    ),
    hub(
        "org.getUsers",
        "Every member of the organization.",
        ORG_NAME,
        idempotent=True,
        result_model="list[org:OrgMember]",
    ),
    hub(
        "org.removeUser",
        "Remove a user from the organization.",
        ORG_NAME,
        ORG_USER,
        result_model="None",
    ),
    hub(
        "org.removeAdmin",
        "Remove an admin from the organization.",
        ORG_NAME,
        ORG_USER,
        result_model="None",
    ),
    hub(
        "org.message",
        "Message every member of the organization.",
        ORG_NAME,
        Param("subject", "string", required=True, doc="plain-text subject"),
        Param("body", "string", required=True, doc="markdown body"),
        result_model="None",
    ),
    # project.system
    project("system.ping", "Ping the project.", idempotent=True, result_model="misc:ConatPong"),
    project(
        "system.test",
        "Which project the key reaches, and the server's clock.",
        idempotent=True,
        result_model="misc:ConatWhoAmI",
    ),
    project(
        "system.exec",
        "Run a command in the project (ExecuteCodeOptions -> ExecuteCodeOutput, as v2 exec).",
        Param("command", "string", doc="program or shell command (required unless async_get)"),
        Param("args", "string[]", doc="arguments"),
        Param("path", "string", doc="working directory, relative to HOME"),
        Param("cwd", "string", doc="working directory (absolute)"),
        Param(
            "timeout", "number", doc="seconds before the command is killed; also the RPC timeout"
        ),
        Param("max_output", "number", doc="cap on stdout and stderr, in characters"),
        Param("bash", "boolean", doc="run through bash"),
        Param("env", "object", doc="extra environment variables"),
        Param("err_on_exit", "boolean", doc="a non-zero exit is an error (server default true)"),
        Param("async_call", "boolean", doc="start a job and return at once (with its job_id)"),
        Param("async_get", "string(job_id)", doc="poll this job instead (command is ignored)"),
        Param("async_await", "boolean", doc="with async_get: answer when the job has finished"),
        Param("async_stats", "boolean", doc="with async_get: include CPU and memory samples"),
        Param("aggregate", "any", doc="calls with the same value are run once"),
        Param("ulimit_timeout", "boolean", doc="enforce the timeout with ulimit (bash only)"),
        Param("compute_server_id", "number", doc="run on this compute server"),
        timeout_param="timeout",
        default_timeout=60.0,
        one_of=(("command", "async_get"),),
        result_model="exec:ExecResult",
    ),
    project(
        "system.listing",
        "List a directory of the project (name, size, mtime, isdir).",
        Param("path", "string", required=True, doc="directory, relative to HOME"),
        Param("hidden", "boolean", doc="include entries whose name starts with a dot"),
        idempotent=True,
        result_model="list[files:DirectoryEntry]",
    ),
    project(
        "system.readTextFileFromProject",
        "Read a text file of the project.",
        Param("path", "string", required=True, doc="file, relative to HOME"),
        idempotent=True,
        result_model="str",
    ),
    project(
        "system.writeTextFileToProject",
        "Write (create or replace) a text file of the project.",
        Param("path", "string", required=True, doc="file, relative to HOME"),
        Param("content", "string", required=True, doc="the new contents", bytes_as_utf8=True),
        result_model="None",
    ),
    project(
        "system.jupyterExecute",
        "Execute code with a Jupyter kernel inside the project.",
        Param("input", "string", required=True, doc="code to run"),
        Param("kernel", "string", required=True, doc="kernel name"),
        Param("history", "string[]", doc="earlier inputs"),
        Param("path", "string", doc="file path context"),
        Param("hash", "string", doc="an earlier execution's hash"),
        Param("pool", "object", doc="kernel pool: {size, timeout_s}"),
        Param("limits", "object", doc="{timeout_ms, timeout_ms_per_cell, max_output, ...}"),
        Param(
            "timeout",
            "number",
            doc="seconds; sets the RPC timeout only: the project never reads it (use limits)",
        ),
        timeout_param="timeout",
        default_timeout=120.0,
    ),
    project(
        "system.listJupyterKernels", "Running Jupyter kernels in the project.", idempotent=True
    ),
    project(
        "system.stopJupyterKernel",
        "Stop a running Jupyter kernel.",
        Param("pid", "number", required=True, doc="the kernel's process id"),
    ),
    project("system.terminate", "Stop the project's API service.", result_model="None"),
    project(
        "system.version",
        "The version number of the project's code.",
        idempotent=True,
        result_model="int",
    ),
    project(
        "system.deleteFiles",
        "Delete files or directories of the project.",
        Param("paths", "string[]", required=True, doc="paths, relative to HOME"),
        result_model="None",
    ),
    project(
        "system.moveFiles",
        "Move files or directories into a directory.",
        Param("paths", "string[]", required=True, doc="paths, relative to HOME"),
        Param("dest", "string", required=True, doc="target directory"),
        result_model="None",
    ),
    project(
        "system.renameFile",
        "Rename a file or directory.",
        Param("src", "string", required=True, doc="current path"),
        Param("dest", "string", required=True, doc="new path"),
        result_model="None",
    ),
    project(
        "system.realpath",
        "The canonical path of a path (symbolic links resolved).",
        Param("path", "string", required=True, doc="path, relative to HOME"),
        args_style="positional",
        idempotent=True,
        result_model="str",
    ),
    project(
        "system.canonicalPaths",
        "Canonical forms of several paths.",
        Param("paths", "string[]", required=True, doc="paths, relative to HOME"),
        args_style="positional",
        idempotent=True,
    ),
    project(
        "system.configuration",
        "The project's capabilities (main: installed tools; x11; ...).",
        Param("aspect", "string", required=True, doc='e.g. "main" or "x11"'),
        Param("no_cache", "boolean", doc="recompute instead of the cached answer"),
        args_style="positional",
        idempotent=True,
    ),
    project(
        "system.signal",
        "Send a signal to processes of the project (e.g. 15 or 9 to stop an async exec job).",
        Param("signal", "number", required=True, doc="signal number"),
        Param("pid", "number", doc="one process id"),
        Param("pids", "array", doc="several process ids"),
        result_model="None",
    ),
    # project.editor
    project(
        "editor.newFile",
        "Create a file (aware of CoCalc's templates).",
        Param("path", "string", required=True, doc="path, relative to HOME"),
        args_style="positional",
        result_model="None",
        source=SRC_EDITOR,
    ),
    project(
        "editor.jupyterStripNotebook",
        "A notebook's content with its outputs stripped.",
        Param("path_ipynb", "string", required=True, doc="the .ipynb file"),
        args_style="positional",
        idempotent=True,
        result_model="str",
        source=SRC_EDITOR,
    ),
    project(
        "editor.jupyterNbconvert",
        "Run nbconvert on a notebook (NbconvertParams).",
        Param("args", "string[]", required=True, doc="nbconvert arguments"),
        Param("directory", "string", doc="working directory"),
        Param("timeout", "number", doc="seconds; also the RPC timeout"),
        timeout_param="timeout",
        default_timeout=120.0,
        result_model="None",
        source=SRC_EDITOR,
    ),
    project(
        "editor.jupyterRunNotebook",
        "Run a notebook (nbgrader's RunNotebookOptions); returns the result as JSON text.",
        Param("path", "string", required=True, doc="the notebook"),
        Param("ipynb", "string", required=True, doc="its content"),
        Param("nbgrader", "boolean", doc="nbgrader mode"),
        Param("limits", "object", doc="time and output limits"),
        default_timeout=300.0,
        result_model="str",
        source=SRC_EDITOR,
    ),
    project(
        "editor.jupyterKernelLogo",
        "A kernel's logo: {filename, base64}.",
        Param("kernel_name", "string", required=True, doc="the kernel"),
        Param("opts", "object", doc="{noCache: true} to skip the cache"),
        args_style="positional",
        idempotent=True,
        source=SRC_EDITOR,
    ),
    project(
        "editor.jupyterKernels",
        "The Jupyter kernels installed in the project (kernel specs).",
        Param("noCache", "boolean", doc="skip the cache"),
        idempotent=True,
        source=SRC_EDITOR,
    ),
    project(
        "editor.formatterString",
        "Format source code; returns a patch that formats it.",
        Param("str", "string", required=True, doc="the code"),
        Param("options", "object", required=True, doc="formatter options ({parser: ...})"),
        Param("path", "string", doc="file path (clang only)"),
        idempotent=True,
        source=SRC_EDITOR,
    ),
    project(
        "editor.printSageWS",
        "Print a Sage worksheet to PDF next to it; returns the PDF's path.",
        Param("path", "string", required=True, doc="the .sagews file"),
        Param("options", "object", doc="{title, author, date, contents, subdir, timeout, ...}"),
        default_timeout=120.0,
        result_model="str",
        source=SRC_EDITOR,
    ),
    project(
        "editor.createTerminalService",
        "Start the terminal service for a terminal file.",
        Param("term_path", "string", required=True, doc="the terminal's path"),
        Param("opts", "object", required=True, doc="{path, command?, args?, env?, cwd?}"),
        args_style="positional",
        result_model="None",
        source=SRC_EDITOR,
    ),
    # project.sync
    project(
        "sync.close",
        "Close a file's sync session in the project.",
        Param("path", "string", required=True, doc="the file"),
        args_style="positional",
        result_model="None",
        source=SRC_PSYNC,
    ),
)
