"""v1 (2021): every event the emulator handles, through ``client.v1.*``."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from cocalc_async.errors import APIError, CoCalcAPIError, UnknownEndpointStatusError
from cocalc_async.models.accounts import (
    AccountCreated,
    AuthToken,
    AvailableUpgrades,
    ChangedEmailAddress,
    ChangedPassword,
    UsernameMap,
    UserSearchResult,
)
from cocalc_async.models.common import Success
from cocalc_async.models.copy import CopyPathDeleted, CopyPathStatusResponse, CopyStarted
from cocalc_async.models.exec import ExecResult
from cocalc_async.models.files import (
    PublicDirectoryListing,
    PublicTextFile,
    SyncdocHistory,
    TextFileRead,
)
from cocalc_async.models.misc import Pong
from cocalc_async.models.projects import InviteNoncloudResponse, ProjectCreated
from cocalc_async.models.query import QueryResult
from cocalc_async.models.support import SupportTickets, SupportTicketUrl

from .harness import Env, Key, case, family, run


@case("v1", "ping")
async def ping(env: Env) -> None:
    pong = await env.client.v1.ping()
    assert isinstance(pong, Pong)
    assert isinstance(pong.now, datetime)


@case("v1", "create_project")
async def create_project(env: Env) -> None:
    out = await env.client.v1.create_project(title="v1 project", description="d")
    assert isinstance(out, ProjectCreated)
    assert env.emu.store.project(out.project_id) is not None


@case("v1", "touch_project")
async def touch_project(env: Env) -> None:
    out = await env.client.v1.touch_project(project_id=env.project_id)
    assert isinstance(out, Success)
    assert out.event == "success"


@case("v1", "disconnect_from_project")
async def disconnect_from_project(env: Env) -> None:
    out = await env.client.v1.disconnect_from_project(project_id=env.project_id)
    assert isinstance(out, Success)
    assert out.event == "success"


@case("v1", "add_collaborator")
async def add_collaborator(env: Env) -> None:
    other, _ = env.other_account()
    out = await env.client.v1.add_collaborator(project_id=env.project_id, account_id=other)
    assert isinstance(out, Success)
    assert env.emu.store.is_collaborator(other, env.project_id)


@case("v1", "invite_collaborator")
async def invite_collaborator(env: Env) -> None:
    other, _ = env.other_account()
    out = await env.client.v1.invite_collaborator(
        project_id=env.project_id, account_id=other, title="Integration"
    )
    assert isinstance(out, Success)
    assert env.emu.store.is_collaborator(other, env.project_id)


@case("v1", "remove_collaborator")
async def remove_collaborator(env: Env) -> None:
    other, _ = env.other_account()
    env.emu.add_collaborator(env.project_id, other)
    out = await env.client.v1.remove_collaborator(project_id=env.project_id, account_id=other)
    assert isinstance(out, Success)
    assert not env.emu.store.is_collaborator(other, env.project_id)


@case("v1", "invite_noncloud_collaborators")
async def invite_noncloud_collaborators(env: Env) -> None:
    out = await env.client.v1.invite_noncloud_collaborators(
        project_id=env.project_id,
        to="new.person@example.com",
        email="Join my project",
        title="Integration",
        link2proj="https://cocalc.com/projects/x",
    )
    assert isinstance(out, InviteNoncloudResponse)
    assert "new.person@example.com" in str(out.mesg)


@case("v1", "get_usernames")
async def get_usernames(env: Env) -> None:
    other, _ = env.other_account()
    out = await env.client.v1.get_usernames(account_ids=[other])
    assert isinstance(out, UsernameMap)
    assert out.usernames[other].first_name == "Grace"


@case("v1", "user_search")
async def user_search(env: Env) -> None:
    env.other_account()
    out = await env.client.v1.user_search(query="grace.hopper@example.com")
    assert isinstance(out, UserSearchResult)
    assert [r.last_name for r in out.results] == ["Hopper"]


@case("v1", "user_auth")
async def user_auth(env: Env) -> None:
    other, _ = env.other_account()
    out = await env.client.v1.user_auth(account_id=other, password="a-long-password-1")
    assert isinstance(out, AuthToken)
    assert len(out.auth_token) == 24
    with pytest.raises(CoCalcAPIError, match="incorrect password"):
        await env.client.v1.user_auth(account_id=other, password="wrong-password")


@case("v1", "create_account")
async def create_account(env: Env) -> None:
    out = await env.client.v1.create_account(
        first_name="Alan",
        last_name="Turing",
        email_address="alan@example.com",
        password="a-long-password-2",
        agreed_to_terms=True,
    )
    assert isinstance(out, AccountCreated)
    assert env.emu.store.account(out.account_id) is not None


@case("v1", "change_password")
async def change_password(env: Env) -> None:
    other, key = env.other_account()
    out = await env.client_for(key).v1.change_password(
        account_id=other, old_password="a-long-password-1", new_password="a-newer-password-1"
    )
    assert isinstance(out, ChangedPassword)
    assert not out.error


@case("v1", "change_email_address")
async def change_email_address(env: Env) -> None:
    other, key = env.other_account()
    out = await env.client_for(key).v1.change_email_address(
        account_id=other, new_email_address="grace@navy.example.com", password="a-long-password-1"
    )
    assert isinstance(out, ChangedEmailAddress)
    assert out.ok


@case("v1", "project_exec")
async def project_exec(env: Env) -> None:
    out = await env.client.v1.project_exec(
        project_id=env.project_id, command="echo", args=["hello"], exec_timeout=10
    )
    assert isinstance(out, ExecResult)
    assert (out.stdout, out.exit_code) == ("hello\n", 0)


@case("v1", "write_text_file_to_project")
async def write_text_file_to_project(env: Env) -> None:
    out = await env.client.v1.write_text_file_to_project(
        project_id=env.project_id, path="notes/a.txt", content="written"
    )
    assert isinstance(out, Success)
    assert (env.emu.project_dir(env.project_id) / "notes/a.txt").read_text() == "written"


@case("v1", "read_text_file_from_project")
async def read_text_file_from_project(env: Env) -> None:
    (env.emu.project_dir(env.project_id) / "r.txt").write_text("read me")
    out = await env.client.v1.read_text_file_from_project(project_id=env.project_id, path="r.txt")
    assert isinstance(out, TextFileRead)
    assert out.content == "read me"
    with pytest.raises(CoCalcAPIError, match="ENOENT"):
        await env.client.v1.read_text_file_from_project(project_id=env.project_id, path="no.txt")


async def _publish(env: Env, path: str) -> None:
    await env.client.v1.query(query={"public_paths": {"project_id": env.project_id, "path": path}})


@case("v1", "public_get_text_file")
async def public_get_text_file(env: Env) -> None:
    home = env.emu.project_dir(env.project_id)
    (home / "pub").mkdir()
    (home / "pub/readme.md").write_text("# public")
    with pytest.raises(CoCalcAPIError, match="is not public"):
        await env.client.v1.public_get_text_file(project_id=env.project_id, path="pub/readme.md")
    await _publish(env, "pub")
    out = await env.client.v1.public_get_text_file(project_id=env.project_id, path="pub/readme.md")
    assert isinstance(out, PublicTextFile)
    assert out.data == "# public"


@case("v1", "public_get_directory_listing")
async def public_get_directory_listing(env: Env) -> None:
    home = env.emu.project_dir(env.project_id)
    (home / "pub").mkdir()
    (home / "pub/a.txt").write_text("a")
    await _publish(env, "pub")
    out = await env.client.v1.public_get_directory_listing(project_id=env.project_id, path="pub")
    assert isinstance(out, PublicDirectoryListing)
    assert [f.name for f in out.result.files] == ["a.txt"]


@case("v1", "query")
async def query(env: Env) -> None:
    out = await env.client.v1.query(
        query={"projects": {"project_id": env.project_id, "title": None}}
    )
    assert isinstance(out, QueryResult)
    assert out.query == {"projects": {"project_id": env.project_id, "title": "Integration"}}


async def _target(env: Env) -> str:
    (env.emu.project_dir(env.project_id) / "src.txt").write_text("copied")
    return env.emu.create_project(title="target")


@case("v1", "copy_path_between_projects")
async def copy_path_between_projects(env: Env) -> None:
    target = await _target(env)
    out = await env.client.v1.copy_path_between_projects(
        src_project_id=env.project_id, src_path="src.txt", target_project_id=target
    )
    assert isinstance(out, CopyStarted)
    assert out.copy_path_id
    done = await env.client.wait_for_copy(out.copy_path_id, interval=0.01, wait_timeout=10)
    assert done.done
    assert (env.emu.project_dir(target) / "src.txt").read_text() == "copied"


@case("v1", "copy_public_path_between_projects")
async def copy_public_path_between_projects(env: Env) -> None:
    target = await _target(env)
    await _publish(env, "src.txt")
    out = await env.client.v1.copy_public_path_between_projects(
        src_project_id=env.project_id, src_path="src.txt", target_project_id=target
    )
    assert isinstance(out, Success)
    for _ in range(200):
        if (env.emu.project_dir(target) / "src.txt").exists():
            break
        await asyncio.sleep(0.01)
    assert (env.emu.project_dir(target) / "src.txt").read_text() == "copied"


@case("v1", "copy_path_status")
async def copy_path_status(env: Env) -> None:
    target = await _target(env)
    started = await env.client.v1.copy_path_between_projects(
        src_project_id=env.project_id, src_path="src.txt", target_project_id=target
    )
    out = await env.client.v1.copy_path_status(src_project_id=env.project_id)  # pending=true
    assert isinstance(out, CopyPathStatusResponse)
    listed = out.data if isinstance(out.data, list) else [out.data]
    assert [c.copy_path_id for c in listed] == [started.copy_path_id]


@case("v1", "copy_path_delete")
async def copy_path_delete(env: Env) -> None:
    target = await _target(env)
    later = datetime.now(timezone.utc) + timedelta(hours=1)
    started = await env.client.v1.copy_path_between_projects(
        src_project_id=env.project_id,
        src_path="src.txt",
        target_project_id=target,
        scheduled=later.isoformat(),  # only scheduled copies can be deleted
    )
    out = await env.client.v1.copy_path_delete(copy_path_id=started.copy_path_id)
    assert isinstance(out, CopyPathDeleted)
    assert out.data == f"copy_path_id = '{started.copy_path_id}' deleted"
    with pytest.raises(CoCalcAPIError, match="Can't find copy operation"):
        await env.client.v1.copy_path_status(copy_path_id=started.copy_path_id)


@case("v1", "create_support_ticket")
async def create_support_ticket(env: Env) -> None:
    out = await env.client.v1.create_support_ticket(
        email_address="instructor@example.com", subject="Help", body="It broke"
    )
    assert isinstance(out, SupportTicketUrl)
    assert out.url


@case("v1", "get_support_tickets")
async def get_support_tickets(env: Env) -> None:
    await env.client.v1.create_support_ticket(
        email_address="instructor@example.com", subject="Help", body="It broke"
    )
    out = await env.client.v1.get_support_tickets()
    assert isinstance(out, SupportTickets)
    assert [t.subject for t in out.tickets] == ["Help"]


@case("v1", "log_client_error")
async def log_client_error(env: Env) -> None:
    out = await env.client.v1.log_client_error(error="TypeError: x is undefined")
    assert isinstance(out, Success)
    assert out.event == "success"


@case("v1", "get_available_upgrades")
async def get_available_upgrades(env: Env) -> None:
    out = await env.client.v1.get_available_upgrades()
    assert isinstance(out, AvailableUpgrades)
    assert out.available == {}


@case("v1", "get_syncdoc_history")
async def get_syncdoc_history(env: Env) -> None:
    out = await env.client.v1.get_syncdoc_history(string_id="a" * 40)
    assert isinstance(out, SyncdocHistory)
    assert out.history == []


# -- the events the emulator answers with CoCalc's "not configured"/"not available" errors -----

LICENSE = "6c28c5f4-3235-46be-b025-166b4dcaac7e"


async def _raises(coro: object, text: str, cls: type[APIError] = CoCalcAPIError) -> None:
    with pytest.raises(cls, match=text):
        await coro  # type: ignore[misc]


def _stripe(env: Env) -> dict[str, object]:
    v1 = env.client.v1
    return {
        "stripe_cancel_subscription": v1.stripe_cancel_subscription(subscription_id="sub_1"),
        "stripe_create_source": v1.stripe_create_source(token="tok_1"),
        "stripe_create_subscription": v1.stripe_create_subscription(plan="standard"),
        "stripe_delete_source": v1.stripe_delete_source(card_id="card_1"),
        "stripe_get_charges": v1.stripe_get_charges(limit=10),
        "stripe_get_coupon": v1.stripe_get_coupon(coupon_id="c1"),
        "stripe_get_customer": v1.stripe_get_customer(),
        "stripe_get_invoices": v1.stripe_get_invoices(limit=10),
        "stripe_get_plans": v1.stripe_get_plans(),
        "stripe_get_subscriptions": v1.stripe_get_subscriptions(limit=10),
        "stripe_set_default_source": v1.stripe_set_default_source(card_id="card_1"),
        "stripe_update_source": v1.stripe_update_source(card_id="card_1", info={"name": "A"}),
        "stripe_update_subscription": v1.stripe_update_subscription(subscription_id="sub_1"),
        "purchase_license": v1.purchase_license(info={"quantity": 1}),
    }


def _unavailable(env: Env) -> dict[str, object]:
    v1, pid = env.client.v1, env.project_id
    return {
        "jupyter_execute": v1.jupyter_execute(input="1+1", kernel="python3", project_id=pid),
        "jupyter_kernels": v1.jupyter_kernels(project_id=pid),
        "chatgpt": v1.chatgpt(text="hello"),
        "add_license_to_project": v1.add_license_to_project(project_id=pid, license_id=LICENSE),
        "remove_license_from_project": v1.remove_license_from_project(
            project_id=pid, license_id=LICENSE
        ),
    }


def _deprecated(env: Env) -> dict[str, object]:
    v1, pid = env.client.v1, env.project_id
    return {
        "openai_embeddings_remove": v1.openai_embeddings_remove(
            project_id=pid, path="a.md", data=[]
        ),
        "openai_embeddings_save": v1.openai_embeddings_save(project_id=pid, path="a.md", data=[]),
        "openai_embeddings_search": v1.openai_embeddings_search(scope="a", limit=5),
    }


def _error_case(name: str, table: str, text: str, cls: type[APIError] = CoCalcAPIError) -> None:
    async def fn(env: Env) -> None:
        builders = {"stripe": _stripe, "unavailable": _unavailable, "deprecated": _deprecated}
        coros = builders[table](env)
        try:
            await _raises(coros.pop(name), text, cls)
        finally:
            for c in coros.values():
                c.close()  # type: ignore[attr-defined]

    case("v1", name)(fn)


for _n in [
    "stripe_cancel_subscription",
    "stripe_create_source",
    "stripe_create_subscription",
    "stripe_delete_source",
    "stripe_get_charges",
    "stripe_get_coupon",
    "stripe_get_customer",
    "stripe_get_invoices",
    "stripe_get_subscriptions",
    "stripe_set_default_source",
    "stripe_update_source",
    "stripe_update_subscription",
    "purchase_license",
]:
    _error_case(_n, "stripe", "stripe billing not configured")
# message.js at 2db78fc4f7 and 72a8eed725 defines no stripe_get_plans (its plan list is stripe_plans)
# v1 answers an unknown event with HTTP 400: a status error, not one in a 200 body.
_error_case(
    "stripe_get_plans", "stripe", "^unknown endpoint 'stripe_get_plans'", UnknownEndpointStatusError
)
for _n in [
    "jupyter_execute",
    "jupyter_kernels",
    "chatgpt",
    "add_license_to_project",
    "remove_license_from_project",
]:
    _error_case(_n, "unavailable", "not available")
for _n in ["openai_embeddings_remove", "openai_embeddings_save", "openai_embeddings_search"]:
    _error_case(_n, "deprecated", "DEPRECATED")


# -- removed from the HTTP API on 2019-05-13: the coroutine warns, the server answers 400 -------


def _removed(env: Env) -> dict[str, Any]:
    v1 = env.client.v1
    return {
        "delete_account": lambda: v1.delete_account(account_id=env.emu.account_id),
        "forgot_password": lambda: v1.forgot_password(email_address="instructor@example.com"),
        "reset_forgot_password": lambda: v1.reset_forgot_password(
            reset_code="x" * 24, new_password="a-new-password-1"
        ),
        "unlink_passport": lambda: v1.unlink_passport(strategy="github", id="1"),
        "metrics": lambda: v1.metrics(metrics=[]),
        "start_metrics": lambda: v1.start_metrics(interval_s=60),
    }


def _removed_case(name: str) -> None:
    async def fn(env: Env) -> None:
        with (
            pytest.warns(DeprecationWarning, match="removed from CoCalc's HTTP API"),
            pytest.raises(APIError, match=f"endpoint '{name}' is not part of the HTTP API"),
        ):
            await _removed(env)[name]()

    case("v1", name)(fn)


for _n in ("delete_account", "forgot_password", "reset_forgot_password", "unlink_passport",
           "metrics", "start_metrics"):  # fmt: skip
    _removed_case(_n)


@pytest.mark.parametrize("key", family("v1"), ids=lambda k: k[1])
async def test_v1(key: Key) -> None:
    await run(key)
