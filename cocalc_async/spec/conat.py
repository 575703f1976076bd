"""The conat RPC bridge: ``POST /api/conat/hub`` and ``POST /api/conat/project``.

One entry per method the official ``cocalc-api`` client wraps (hub: system, projects, db, jupyter,
sync, messages, org; project: system). ``path`` is the RPC name; the parameters travel inside
``args`` as described by ``args_style``. The bridge's own default timeout is 15 s
(``DEFAULT_TIMEOUT = 15000`` ms in ``src/packages/server/api/{hub,project}-bridge.ts``).
"""

from __future__ import annotations

from typing import Any

from ._model import Endpoint, Param

SRC_HUB = "sagemathinc/cocalc:src/packages/conat/hub/api/*.ts; client: src/python/cocalc-api/src/cocalc_api/hub.py"
SRC_ORG = "sagemathinc/cocalc:src/packages/conat/hub/api/org.ts; client: src/python/cocalc-api/src/cocalc_api/org.py"
SRC_PROJECT = "sagemathinc/cocalc:src/packages/conat/project/api/system.ts; client: src/python/cocalc-api/src/cocalc_api/project.py"
ERRORS = (
    'HTTP 200 {"error":"..."} -> CoCalcAPIError (AuthenticationError for "must be signed in ...")',
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
    return Endpoint(
        api="conat/project",
        path=path,
        summary=summary,
        params=params,
        errors=ERRORS,
        source=SRC_PROJECT,
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
        Param("limit", "number", doc="at most this many results"),
        idempotent=True,
        result_model="list[accounts:AccountSearchHit]",
    ),
    # hub.projects
    hub(
        "projects.copyPathBetweenProjects",
        "Copy a path from one project to another (or within one).",
        Param("src_project_id", "string(uuid)", required=True, doc="source project"),
        Param("src_path", "string", required=True, doc="path in the source project"),
        Param("target_project_id", "string(uuid)", doc="target project (default: the source)"),
        Param("target_path", "string", doc="path in the target (default: src_path)"),
        result_model="None",
    ),
    hub(
        "projects.createProject",
        "Create a project; returns its project_id.",
        Param("title", "string", doc="title"),
        Param("description", "string", doc="description"),
        Param("license", "string", doc="license id(s), comma separated"),
        Param("public_path_id", "string", doc="populate from this shared path"),
        result_model="str",
    ),
    hub(
        "projects.addCollaborator",
        "Add collaborator(s); parallel lists add account_id[i] to project_id[i].",
        Param("project_id", "uuid|uuid[]", required=True, doc="project id(s)"),
        Param("account_id", "uuid|uuid[]", required=True, doc="account id(s)"),
        args_style="opts",
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
    hub("projects.status", "The project's detailed status.", PROJECT_ID, idempotent=True),
    # hub.db, hub.jupyter, hub.sync, hub.messages
    hub(
        "db.userQuery",
        "A user query: a get when any value is null, otherwise a set.",
        Param(
            "query", "object", required=True, doc="{table: {field: value|null}} or {table: [{...}]}"
        ),
        aliases=("query",),  # cocalc-api: hub.db.query
    ),
    hub(
        "jupyter.kernels",
        "Available Jupyter kernels (global, or of one project).",
        Param("project_id", "string(uuid)", doc="the project (default: the global anonymous one)"),
        idempotent=True,
    ),
    hub(
        "jupyter.execute",
        "Execute code with a Jupyter kernel.",
        Param("input", "string", required=True, doc="code to run"),
        Param("kernel", "string", required=True, doc="kernel name"),
        Param("history", "string[]", doc="earlier inputs, evaluated first without output"),
        Param("project_id", "string(uuid)", doc="the project (default: the global anonymous one)"),
        Param("path", "string", doc="file path context"),
        default_timeout=120.0,
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
        Param("command", "string", required=True, doc="program or shell command"),
        Param("args", "string[]", doc="arguments"),
        Param("path", "string", doc="working directory, relative to HOME"),
        Param("cwd", "string", doc="working directory (absolute)"),
        Param(
            "timeout", "number", doc="seconds before the command is killed; also the RPC timeout"
        ),
        Param("max_output", "number", doc="cap on stdout and stderr, in characters"),
        Param("bash", "boolean", doc="run through bash"),
        Param("env", "object", doc="extra environment variables"),
        Param("async_call", "boolean", doc="start a job and return at once"),
        Param("compute_server_id", "number", doc="run on this compute server"),
        timeout_param="timeout",
        default_timeout=60.0,
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
        Param("kernel", "string", doc="kernel name"),
        Param("history", "string[]", doc="earlier inputs"),
        Param("path", "string", doc="file path context"),
        Param("timeout", "number", doc="seconds; also the RPC timeout"),
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
)
