"""One-off conversion: the reference endpoints JSON -> ``cocalc_async/spec/v1.py``, ``v2_*.py``.

Usage: python scripts/generate_spec.py ENDPOINTS_JSON
The output was then curated by hand (the spec files are the source of truth; this script is kept
only to show where the data came from). Re-running it would overwrite the curation.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "cocalc_async" / "spec"
EXAMPLES = json.loads(
    (Path(__file__).resolve().parent / "generate_spec_seed_examples.json").read_text()
)

REMOVED = {
    "delete_account",
    "forgot_password",
    "reset_forgot_password",
    "unlink_passport",
    "metrics",
    "start_metrics",
}

V1_MODELS = {
    "add_collaborator": "common:Success",
    "add_license_to_project": "common:Success",
    "change_email_address": "accounts:ChangedEmailAddress",
    "change_password": "accounts:ChangedPassword",
    "chatgpt": "jupyter:ChatGPTResponse",
    "copy_path_between_projects": "copy:CopyStarted",
    "copy_path_delete": "copy:CopyPathDeleted",
    "copy_path_status": "copy:CopyPathStatusResponse",
    "copy_public_path_between_projects": "common:Success",
    "create_account": "accounts:AccountCreated",
    "create_project": "projects:ProjectCreated",
    "create_support_ticket": "support:SupportTicketUrl",
    "delete_account": "accounts:AccountDeleted",
    "disconnect_from_project": "common:Success",
    "forgot_password": "accounts:ForgotPasswordResponse",
    "get_available_upgrades": "accounts:AvailableUpgrades",
    "get_support_tickets": "support:SupportTickets",
    "get_syncdoc_history": "files:SyncdocHistory",
    "get_usernames": "accounts:UsernameMap",
    "invite_collaborator": "common:Success",
    "invite_noncloud_collaborators": "projects:InviteNoncloudResponse",
    "jupyter_execute": "jupyter:JupyterExecuteResult",
    "jupyter_kernels": "jupyter:JupyterKernels",
    "log_client_error": "common:Success",
    "metrics": "common:Success",
    "openai_embeddings_remove": "common:Success",
    "openai_embeddings_save": "common:Success",
    "openai_embeddings_search": "common:Success",
    "ping": "misc:Pong",
    "project_exec": "exec:ExecResult",
    "public_get_directory_listing": "files:PublicDirectoryListing",
    "public_get_text_file": "files:PublicTextFile",
    "purchase_license": "misc:PurchaseLicenseResponse",
    "query": "query:QueryResult",
    "read_text_file_from_project": "files:TextFileRead",
    "remove_collaborator": "common:Success",
    "remove_license_from_project": "common:Success",
    "reset_forgot_password": "accounts:ResetForgotPasswordResponse",
    "start_metrics": "common:Success",
    "stripe_cancel_subscription": "common:Success",
    "stripe_create_source": "common:Success",
    "stripe_create_subscription": "common:Success",
    "stripe_delete_source": "common:Success",
    "stripe_get_charges": "misc:StripeCharges",
    "stripe_get_coupon": "misc:StripeCoupon",
    "stripe_get_customer": "misc:StripeCustomer",
    "stripe_get_invoices": "misc:StripeInvoices",
    "stripe_get_plans": "misc:StripePlans",
    "stripe_get_subscriptions": "misc:StripeSubscriptions",
    "stripe_set_default_source": "common:Success",
    "stripe_update_source": "common:Success",
    "stripe_update_subscription": "common:Success",
    "touch_project": "common:Success",
    "unlink_passport": "common:Success",
    "user_auth": "accounts:AuthToken",
    "user_search": "accounts:UserSearchResult",
    "write_text_file_to_project": "common:Success",
}
V1_IDEMPOTENT = {
    "ping",
    "get_available_upgrades",
    "get_support_tickets",
    "get_syncdoc_history",
    "get_usernames",
    "copy_path_status",
    "public_get_directory_listing",
    "public_get_text_file",
    "read_text_file_from_project",
    "user_search",
    "jupyter_kernels",
    "touch_project",
    "write_text_file_to_project",
    "disconnect_from_project",
    "stripe_get_charges",
    "stripe_get_coupon",
    "stripe_get_customer",
    "stripe_get_invoices",
    "stripe_get_plans",
    "stripe_get_subscriptions",
}
STATUS_OK = "common:StatusResponse"
V2_MODELS = {
    "accounts/ban": STATUS_OK,
    "accounts/remove-ban": STATUS_OK,
    "accounts/delete": STATUS_OK,
    "accounts/send-verification-email": STATUS_OK,
    "accounts/set-email-address": STATUS_OK,
    "accounts/set-name": STATUS_OK,
    "accounts/set-password": STATUS_OK,
    "accounts/sign-out": STATUS_OK,
    "accounts/get-email-address": "accounts:EmailAddress",
    "accounts/get-names": "accounts:AccountNames",
    "accounts/profile": "accounts:ProfileResponse",
    "accounts/search": "list[accounts:AccountSearchHit]",
    "api-keys": "accounts:ApiKeysResponse",
    "auth/ephemeral": "auth:EphemeralAccount",
    "auth/has-password": "auth:HasPassword",
    "auth/password-reset": "auth:PasswordResetSent",
    "auth/password-strength": "auth:PasswordStrength",
    "auth/redeem-password-reset": "auth:SignedIn",
    "auth/sign-in": "auth:SignedIn",
    "auth/sign-up": "auth:SignedIn",
    "auth/unlink-strategy": STATUS_OK,
    "exec": "exec:ExecResult",
    "jupyter/execute": "jupyter:JupyterExecuteResult",
    "jupyter/kernels": "jupyter:JupyterKernels",
    "latex": "files:LatexResult",
    "licenses/check-disk-name": "misc:DiskNameAvailable",
    "messages/get": "misc:Messages",
    "messages/send": "misc:MessageSent",
    "projects/collaborators/add": STATUS_OK,
    "projects/collaborators/remove": STATUS_OK,
    "projects/collaborators/change-user-type": STATUS_OK,
    "projects/collaborators/list": "list[projects:Collaborator]",
    "projects/copy-path": "copy:CopyPathStarted",
    "projects/copy-path-status": "copy:CopyPathStatus",
    "projects/create": "projects:ProjectCreated",
    "projects/delete": STATUS_OK,
    "projects/restore": STATUS_OK,
    "projects/start": STATUS_OK,
    "projects/stop": STATUS_OK,
    "projects/touch": STATUS_OK,
    "projects/update": STATUS_OK,
    "projects/write-text-file": STATUS_OK,
    "projects/set-admin-quotas": STATUS_OK,
    "projects/get": "list[projects:ProjectSummary]",
    "projects/get-one": "projects:ProjectRef",
    "projects/filename-search": "list[projects:FilenameHit]",
    "support/create-ticket": "support:SupportTicketUrl",
    "support/tickets": "support:SupportTickets",
    "user-query": "query:QueryResult",
}
V2_IDEMPOTENT_PREFIXES = ("get", "list", "search", "check-", "is-", "has-", "requires-")
V2_IDEMPOTENT = {
    "accounts/profile",
    "auth/password-strength",
    "auth/sso-strategies",
    "customize",
    "guesslang",
    "support/tickets",
    "public-paths/listing-cached",
    "file-access",
    "projects/copy-path-status",
    "projects/filename-search",
    "projects/start",
    "projects/stop",
    "projects/touch",
    "jupyter/kernels",
    "licenses/get-license",
    "licenses/get-managed",
    "licenses/get-projects",
    "licenses/get-projects-with-license",
    "news/list",
    "vouchers/recent-vouchers",
    "shopping/cart/recent-purchases",
    "shopping/cart/processing",
    "accounts/get-names",
    "accounts/get-email-address",
    "messages/get",
    "bookmarks/get",
    "salesloft/money",
    "purchases/cost-to-resume-subscription",
}
# Named "get-..." but with side effects: never repeat them blindly.
V2_NOT_IDEMPOTENT = {
    "compute/get-api-key",
    "projects/get-one",
    "purchases/stripe/get-checkout-session",
    "vouchers/get-voucher-codes",
    "purchases/get-current-checkout-session",
}
TIMEOUTS: dict[tuple[str, str], dict[str, Any]] = {
    ("v1", "project_exec"): {"timeout_param": "timeout", "default_timeout": 40.0},
    ("v1", "copy_path_between_projects"): {"default_timeout": 300.0, "max_timeout": 240.0},
    ("v1", "copy_public_path_between_projects"): {"default_timeout": 300.0, "max_timeout": 240.0},
    ("v1", "jupyter_execute"): {"default_timeout": 120.0},
    ("v1", "chatgpt"): {"default_timeout": 120.0},
    ("v2", "exec"): {"timeout_param": "timeout", "default_timeout": 90.0},
    ("v2", "latex"): {"timeout_param": "timeout", "default_timeout": 60.0},
    ("v2", "projects/copy-path"): {"default_timeout": 300.0, "max_timeout": 240.0},
    ("v2", "projects/call"): {"default_timeout": 75.0, "max_timeout": 60.0},
    ("v2", "jupyter/execute"): {"default_timeout": 120.0},
    ("v2", "llm/evaluate"): {"default_timeout": 120.0},
    ("v2", "openai/chatgpt"): {"default_timeout": 120.0},
}
V1_ERRORS = (
    'HTTP 200 {"event":"error","error":...} -> APIResponseError (PermissionDeniedError for access)',
    'HTTP 400 {"error":"invalid parameters ..."} -> InvalidParametersError',
    'HTTP 400 {"error":"No account found. Is your API key wrong?"} -> AuthenticationError',
)
V2_ERRORS = (
    'HTTP 200 {"error":"..."} -> APIResponseError (AuthenticationError for "must be signed in")',
)
V2_FILES = {
    "v2_accounts": ("accounts/", "auth/", "api-keys", "bookmarks/"),
    "v2_projects": ("projects/", "exec", "latex", "jupyter/", "user-query"),
    "v2_compute": ("compute/", "internal/"),
    "v2_billing": ("purchases/", "billing/", "shopping/", "vouchers/"),
}


def v2_file(path: str) -> str:
    for name, prefixes in V2_FILES.items():
        if any(path == p or path.startswith(p) for p in prefixes):
            return name
    return "v2_misc"


def lit(v: Any) -> str:
    return repr(v)


def param_src(p: dict[str, Any], api: str, event: str) -> str:
    args = [lit(p["name"]), lit(p["type"])]
    if p["required"]:
        args.append("required=True")
    if p["default"] is not None:
        args.append(f"default={lit(p['default'])}")
    if p["doc"]:
        args.append(f"doc={lit(p['doc'])}")
    if api == "v1" and p["name"] == "id" and event != "unlink_passport":
        args.append("exposed=False")
    return f"        Param({', '.join(args)}),"


def endpoint_src(e: dict[str, Any]) -> str:
    api = e["version"]
    path = e["path"].split(f"/api/{api}/", 1)[1]
    fields: list[str] = [f"api={lit(api)}", f"path={lit(path)}", f"summary={lit(e['doc'])}"]
    if e["params"]:
        ps = "\n".join(param_src(p, api, path) for p in e["params"])
        fields.append(f"params=(\n{ps}\n    )")
    success = e["success"]
    if api == "v1":
        event = success.split()[0] if success and success[0].isalpha() else None
        if event and event not in ("handler", "(none;", "(hub->client", "error"):
            fields.append(f"success_event={lit(event)}")
    fields.append(f"response={lit(success)}")
    model = (V1_MODELS if api == "v1" else V2_MODELS).get(path)
    if model:
        fields.append(f"result_model={lit(model)}")
    if api == "v1":
        idem = path in V1_IDEMPOTENT
    else:
        last = path.rsplit("/", 1)[-1]
        idem = (path in V2_IDEMPOTENT or last.startswith(V2_IDEMPOTENT_PREFIXES)) and (
            path not in V2_NOT_IDEMPOTENT
        )
    fields.append(f"idempotent={idem}")
    for k, v in TIMEOUTS.get((api, path), {}).items():
        fields.append(f"{k}={lit(v)}")
    if api == "v1":
        if path in REMOVED:
            fields += ['status="removed-from-http"', 'removed_date="2019-05-13"']
        else:
            fields.append('status="legacy"')
        fields.append(f"availability={lit(e['availability'])}")
        if e["in_seed_doc"]:
            fields.append("in_seed_doc=True")
        exs = EXAMPLES.get(path, [])
        if exs:
            fields.append("examples=(\n" + "".join(f"        {lit(x)},\n" for x in exs) + "    )")
        fields.append("errors=V1_ERRORS")
        fields.append("auth='required'")
    else:
        fields.append(f"auth={lit(e['auth'])}")
        fields.append("errors=V2_ERRORS")
        if "see source" in success:
            fields.append("params_auto=True")
    fields.append(f"source={lit(e['source'])}")
    return "Endpoint(\n" + "".join(f"    {f},\n" for f in fields) + ")"


def write(name: str, doc: str, entries: list[str], errors: str) -> None:
    body = ",\n".join(entries)
    text = (
        f'"""{doc}"""\n\nfrom __future__ import annotations\n\n'
        "from ._model import Endpoint, Param\n\n"
        f"{errors}\n\n"
        f"ENDPOINTS: tuple[Endpoint, ...] = (\n{body},\n)\n"
    )
    (OUT / f"{name}.py").write_text(text)


def main() -> None:
    data = json.loads(Path(sys.argv[1]).read_text())
    v1 = [endpoint_src(e) for e in data if e["version"] == "v1"]
    write(
        "v1",
        "The 57 v1 endpoints (POST /api/v1/<event>), as served 2017-2025.",
        v1,
        f"V1_ERRORS = {V1_ERRORS!r}",
    )
    groups: dict[str, list[str]] = {}
    for e in data:
        if e["version"] == "v2" and not e["path"].endswith("/api/v2/index"):
            path = e["path"].split("/api/v2/", 1)[1]
            groups.setdefault(v2_file(path), []).append(endpoint_src(e))
    for name, entries in groups.items():
        write(
            name,
            f"v2 endpoints (POST /api/v2/<path>): {name[3:]}.",
            entries,
            f"V2_ERRORS = {V2_ERRORS!r}",
        )


if __name__ == "__main__":
    main()
