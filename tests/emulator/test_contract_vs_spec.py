"""The SDK's spec against the emulator's contract: endpoint names, parameter names, required flags.

The two are written independently (the spec by hand from CoCalc's docs and handlers, the contract
extracted from CoCalc's source with provenance), so where they disagree one of them is wrong or
the difference is deliberate. Every disagreement must be listed in ``EXPLAINED`` with a reason;
an unlisted one fails, and so does a listed one that no longer occurs (the table stays honest).
"""

from __future__ import annotations

from cocalc_async.spec import ENDPOINTS
from cocalc_async.testing import contract

#: One disagreement: (api, endpoint, kind, detail). ``kind`` is ``only-in-sdk``,
#: ``only-in-emulator``, ``param-only-in-sdk``, ``param-only-in-emulator`` or
#: ``required-differs`` (detail ``<param>: sdk=<bool> emulator=<bool>``).
Row = tuple[str, str, str, str]


def contract_endpoints() -> dict[tuple[str, str], dict[str, bool] | None]:
    """(api, endpoint) -> {param: required}; ``None`` where the contract could not read the
    argument type (then only the name is compared)."""
    out: dict[tuple[str, str], dict[str, bool] | None] = {}
    for event, entry in contract.load("v1")["events"].items():
        # v1's "id" is the request id every message carries; both sides have it
        out[("v1", event)] = {p["name"]: p["required"] for p in entry["params"]}
    for route, entry in contract.v2_routes().items():
        out[("v2", route)] = {p["name"]: p["required"] for p in entry["params"]}
    for bridge in ("hub", "project"):
        for name, entry in contract.conat_functions(bridge).items():
            params = entry["params"]
            out[(f"conat/{bridge}", name)] = (
                None if params is None else {p["name"]: p["required"] for p in params}
            )
    return out


def spec_endpoints() -> dict[tuple[str, str], dict[str, bool]]:
    return {e.key: {p.name: bool(p.required) for p in e.params} for e in ENDPOINTS}


def disagreements() -> list[Row]:
    ours, sdk = contract_endpoints(), spec_endpoints()
    rows: list[Row] = []
    for key in sorted(set(ours) | set(sdk)):
        api, path = key
        if key not in ours:
            rows.append((api, path, "only-in-sdk", ""))
            continue
        if key not in sdk:
            rows.append((api, path, "only-in-emulator", ""))
            continue
        mine, theirs = ours[key], sdk[key]
        if mine is None:
            continue
        for name, required in theirs.items():
            if name not in mine:
                rows.append((api, path, "param-only-in-sdk", name))
            elif mine[name] != required:
                detail = f"{name}: sdk={required} emulator={mine[name]}"
                rows.append((api, path, "required-differs", detail))
        rows.extend((api, path, "param-only-in-emulator", n) for n in mine if n not in theirs)
    return rows


# -- the reasons ----------------------------------------------------------------------------------

V1_HISTORY = (
    "the SDK's v1 spec covers v1's whole life (2017-2025); this event was no API(...) event of"
    " message.js at 2db78fc4f7 or 72a8eed725, so the emulator answers as that hub did"
)
V1_NO_COROUTINE = (
    "an API(...) event of message.js with no SDK coroutine: the hub had no working handler"
    " behind it (jupyter_start_pool) or it is the reply-shaped twin of a request the SDK wraps"
)
V1_FIELD_GONE = "message.js no longer had the field at 2db78fc4f7: the v1 validator rejects it"
V2_HANDLER_CHECK = (
    "no zod schema checks it before the handler: CoCalc's handler answers {error} without it,"
    " and the SDK marks it required so the call fails before it is sent"
)
V2_SCHEMA_UNION = (
    "the zod schema is a union and only some branches require it (exec: a poll has no command;"
    " sign-up: an anonymous sign-up has no email); the SDK requires it for the form it sends"
)
V2_SDK_OPTIONAL = (
    "CoCalc's zod schema requires it (a validating hub answers HTTP 400 without it); the SDK"
    " marks it optional: an SDK spec defect to fix"
)
V2_SDK_EXTRA = (
    "the SDK offers a parameter the handler never reads (bookmarks/*: no-op handlers;"
    " compute/control: 'NOT implemented yet'); sending it changes nothing"
)
V2_SDK_LACKS = "the handler or schema reads it; the SDK does not expose it"
CONAT_SDK_LACKS = "CoCalc's argument type declares this field; the SDK does not expose it"
CONAT_SDK_EXTRA = (
    "the SDK sends a field CoCalc's TypeScript argument type does not declare (the server may"
    " still read it through an untyped path, or ignores it)"
)
CONAT_OPTIONAL_IN_TS = (
    "CoCalc's TypeScript type marks it optional (another field may replace it); the SDK requires"
    " it for the form it sends"
)
CONAT_SDK_OPTIONAL = "CoCalc's TypeScript type requires it; the SDK marks it optional"

# GENERATED-EXPLAINED-START
EXPLAINED: dict[Row, str] = {
    ("conat/hub", "db.userQuery", "param-only-in-emulator", "project_id"): CONAT_SDK_LACKS,
    (
        "conat/hub",
        "org.createUser",
        "required-differs",
        "firstName: sdk=False emulator=True",
    ): CONAT_SDK_OPTIONAL,
    (
        "conat/hub",
        "org.createUser",
        "required-differs",
        "lastName: sdk=False emulator=True",
    ): CONAT_SDK_OPTIONAL,
    (
        "conat/hub",
        "org.createUser",
        "required-differs",
        "password: sdk=False emulator=True",
    ): CONAT_SDK_OPTIONAL,
    (
        "conat/hub",
        "projects.copyPathBetweenProjects",
        "param-only-in-emulator",
        "wait_until_done",
    ): CONAT_SDK_LACKS,
    (
        "conat/hub",
        "projects.copyPathBetweenProjects",
        "param-only-in-emulator",
        "debug_delay_ms",
    ): CONAT_SDK_LACKS,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "name"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "message"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "comment"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "stacktrace"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "file"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "path"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "lineNumber"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "columnNumber"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "severity"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "browser"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "mobile"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "responsive"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "user_agent"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "smc_version"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "build_date"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "smc_git_rev"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "uptime"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-sdk", "start_time"): CONAT_SDK_EXTRA,
    ("conat/hub", "system.webappError", "param-only-in-emulator", "opts"): CONAT_SDK_LACKS,
    (
        "conat/project",
        "editor.createTerminalService",
        "param-only-in-sdk",
        "term_path",
    ): CONAT_SDK_EXTRA,
    (
        "conat/project",
        "editor.createTerminalService",
        "param-only-in-emulator",
        "termPath",
    ): CONAT_SDK_LACKS,
    (
        "conat/project",
        "editor.jupyterKernelLogo",
        "param-only-in-sdk",
        "kernel_name",
    ): CONAT_SDK_EXTRA,
    (
        "conat/project",
        "editor.jupyterKernelLogo",
        "param-only-in-emulator",
        "kernelName",
    ): CONAT_SDK_LACKS,
    ("conat/project", "editor.printSageWS", "param-only-in-sdk", "path"): CONAT_SDK_EXTRA,
    ("conat/project", "editor.printSageWS", "param-only-in-sdk", "options"): CONAT_SDK_EXTRA,
    ("conat/project", "system.configuration", "param-only-in-sdk", "no_cache"): CONAT_SDK_EXTRA,
    ("conat/project", "system.exec", "param-only-in-emulator", "home"): CONAT_SDK_LACKS,
    ("conat/project", "system.exec", "param-only-in-emulator", "uid"): CONAT_SDK_LACKS,
    ("conat/project", "system.exec", "param-only-in-emulator", "gid"): CONAT_SDK_LACKS,
    ("conat/project", "system.exec", "param-only-in-emulator", "verbose"): CONAT_SDK_LACKS,
    ("conat/project", "system.exec", "param-only-in-emulator", "filesystem"): CONAT_SDK_LACKS,
    ("conat/project", "system.exec", "param-only-in-emulator", "streamCB"): CONAT_SDK_LACKS,
    ("conat/project", "system.jupyterExecute", "param-only-in-sdk", "timeout"): CONAT_SDK_EXTRA,
    ("v1", "change_password", "param-only-in-sdk", "email_address"): V1_FIELD_GONE,
    ("v1", "copy_path_between_projects", "param-only-in-sdk", "exclude_history"): V1_FIELD_GONE,
    ("v1", "copy_public_path_between_projects", "param-only-in-sdk", "exclude"): V1_FIELD_GONE,
    ("v1", "delete_account", "only-in-sdk", ""): V1_HISTORY,
    ("v1", "forgot_password", "only-in-sdk", ""): V1_HISTORY,
    ("v1", "jupyter_start_pool", "only-in-emulator", ""): V1_NO_COROUTINE,
    ("v1", "metrics", "only-in-sdk", ""): V1_HISTORY,
    ("v1", "reset_forgot_password", "only-in-sdk", ""): V1_HISTORY,
    ("v1", "start_metrics", "only-in-sdk", ""): V1_HISTORY,
    ("v1", "stripe_customer", "only-in-emulator", ""): V1_NO_COROUTINE,
    ("v1", "stripe_get_plans", "only-in-sdk", ""): V1_HISTORY,
    ("v1", "stripe_plans", "only-in-emulator", ""): V1_NO_COROUTINE,
    ("v1", "unlink_passport", "only-in-sdk", ""): V1_HISTORY,
    (
        "v2",
        "accounts/get-names",
        "required-differs",
        "account_ids: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "accounts/send-verification-email",
        "param-only-in-emulator",
        "email_address",
    ): V2_SDK_LACKS,
    (
        "v2",
        "accounts/sign-out",
        "required-differs",
        "all: sdk=False emulator=True",
    ): V2_SDK_OPTIONAL,
    ("v2", "api-keys", "required-differs", "action: sdk=True emulator=False"): V2_HANDLER_CHECK,
    (
        "v2",
        "auth/ephemeral",
        "required-differs",
        "registrationToken: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "auth/password-reset",
        "required-differs",
        "email: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "auth/password-strength",
        "required-differs",
        "password: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "auth/redeem-password-reset",
        "required-differs",
        "password: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "auth/redeem-password-reset",
        "required-differs",
        "passwordResetId: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "auth/redeem-verify-email",
        "required-differs",
        "email_address: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "auth/redeem-verify-email",
        "required-differs",
        "token: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    ("v2", "auth/sign-in", "required-differs", "email: sdk=True emulator=False"): V2_HANDLER_CHECK,
    (
        "v2",
        "auth/sign-in",
        "required-differs",
        "password: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    ("v2", "auth/sign-up", "required-differs", "terms: sdk=True emulator=False"): V2_SCHEMA_UNION,
    ("v2", "auth/sign-up", "required-differs", "email: sdk=True emulator=False"): V2_SCHEMA_UNION,
    (
        "v2",
        "auth/sign-up",
        "required-differs",
        "password: sdk=True emulator=False",
    ): V2_SCHEMA_UNION,
    ("v2", "auth/sign-up", "param-only-in-emulator", "anonymous"): V2_SDK_LACKS,
    ("v2", "auth/sign-up", "param-only-in-emulator", "reCaptchaToken"): V2_SDK_LACKS,
    (
        "v2",
        "auth/unlink-strategy",
        "required-differs",
        "name: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "billing/cancel-subscription",
        "required-differs",
        "id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "billing/create-payment-method",
        "required-differs",
        "id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "billing/delete-payment-method",
        "required-differs",
        "id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    ("v2", "bookmarks/add", "param-only-in-sdk", "type"): V2_SDK_EXTRA,
    ("v2", "bookmarks/add", "param-only-in-sdk", "project_id"): V2_SDK_EXTRA,
    ("v2", "bookmarks/add", "param-only-in-sdk", "stars"): V2_SDK_EXTRA,
    ("v2", "bookmarks/get", "param-only-in-sdk", "type"): V2_SDK_EXTRA,
    ("v2", "bookmarks/get", "param-only-in-sdk", "project_id"): V2_SDK_EXTRA,
    ("v2", "bookmarks/remove", "param-only-in-sdk", "type"): V2_SDK_EXTRA,
    ("v2", "bookmarks/remove", "param-only-in-sdk", "project_id"): V2_SDK_EXTRA,
    ("v2", "bookmarks/remove", "param-only-in-sdk", "stars"): V2_SDK_EXTRA,
    ("v2", "bookmarks/set", "param-only-in-sdk", "type"): V2_SDK_EXTRA,
    ("v2", "bookmarks/set", "param-only-in-sdk", "project_id"): V2_SDK_EXTRA,
    ("v2", "bookmarks/set", "param-only-in-sdk", "stars"): V2_SDK_EXTRA,
    ("v2", "compute/check-in", "param-only-in-emulator", "storage_sha1"): V2_SDK_LACKS,
    ("v2", "compute/control", "param-only-in-sdk", "id"): V2_SDK_EXTRA,
    ("v2", "compute/control", "param-only-in-sdk", "action"): V2_SDK_EXTRA,
    ("v2", "compute/create-server", "param-only-in-emulator", "idle_timeout"): V2_SDK_LACKS,
    ("v2", "exec", "param-only-in-emulator", "home"): V2_SDK_LACKS,
    ("v2", "exec", "param-only-in-emulator", "uid"): V2_SDK_LACKS,
    ("v2", "exec", "param-only-in-emulator", "gid"): V2_SDK_LACKS,
    (
        "v2",
        "licenses/check-disk-name",
        "required-differs",
        "name: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "licenses/get-projects-with-license",
        "required-differs",
        "license_id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    ("v2", "llm/evaluate", "required-differs", "input: sdk=True emulator=False"): V2_HANDLER_CHECK,
    (
        "v2",
        "messages/send",
        "required-differs",
        "subject: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    ("v2", "messages/send", "required-differs", "body: sdk=True emulator=False"): V2_HANDLER_CHECK,
    ("v2", "news/edit", "required-differs", "title: sdk=True emulator=False"): V2_HANDLER_CHECK,
    ("v2", "news/edit", "required-differs", "text: sdk=True emulator=False"): V2_HANDLER_CHECK,
    (
        "v2",
        "openai/chatgpt",
        "required-differs",
        "input: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/call",
        "required-differs",
        "project_id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    ("v2", "projects/call", "required-differs", "mesg: sdk=True emulator=False"): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/copy-path",
        "required-differs",
        "src_project_id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/copy-path",
        "required-differs",
        "path: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/copy-path",
        "required-differs",
        "target_project_id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/copy-path-status",
        "required-differs",
        "copy_id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/copy-url",
        "required-differs",
        "project_id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/copy-url",
        "required-differs",
        "url: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/course/set-course-info",
        "required-differs",
        "project_id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/course/set-course-info",
        "required-differs",
        "course: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/filename-search",
        "required-differs",
        "search: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/public-path-license",
        "required-differs",
        "public_path_id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/public-path-license",
        "required-differs",
        "project_id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/touch",
        "required-differs",
        "project_id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/write-text-file",
        "required-differs",
        "project_id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/write-text-file",
        "required-differs",
        "path: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "projects/write-text-file",
        "required-differs",
        "content: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "public-paths/save",
        "required-differs",
        "id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "public-paths/star",
        "required-differs",
        "id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "public-paths/unstar",
        "required-differs",
        "id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "purchases/stripe/delete-payment-method",
        "required-differs",
        "payment_method: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "purchases/stripe/set-default-payment-method",
        "required-differs",
        "default_payment_method: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "salesloft/money",
        "required-differs",
        "account_id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "support/create-ticket",
        "required-differs",
        "options: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    ("v2", "token-action", "required-differs", "token: sdk=True emulator=False"): V2_HANDLER_CHECK,
    (
        "v2",
        "vouchers/get-voucher-codes",
        "required-differs",
        "id: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "vouchers/redeem",
        "required-differs",
        "code: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "vouchers/set-voucher-code-notes",
        "required-differs",
        "code: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
    (
        "v2",
        "vouchers/set-voucher-code-notes",
        "required-differs",
        "notes: sdk=True emulator=False",
    ): V2_HANDLER_CHECK,
}
# GENERATED-EXPLAINED-END


def test_the_contract_is_not_empty() -> None:
    ours = contract_endpoints()
    assert sum(1 for api, _ in ours if api == "v2") > 150
    assert sum(1 for api, _ in ours if api == "conat/hub") == 57
    assert sum(1 for api, _ in ours if api == "conat/project") == 28
    assert ours[("v1", "copy_path_between_projects")] is not None


def test_every_disagreement_is_explained() -> None:
    unexplained = [row for row in disagreements() if row not in EXPLAINED]
    assert unexplained == [], "\n".join(map(repr, unexplained))


def test_every_explanation_still_applies() -> None:
    current = set(disagreements())
    stale = [row for row in EXPLAINED if row not in current]
    assert stale == [], "explained but no longer true:\n" + "\n".join(map(repr, stale))
