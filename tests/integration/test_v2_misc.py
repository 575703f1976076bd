"""v2 ``exec``, ``latex``, ``user-query``, ``messages/*``, ``support/*`` and ``public-paths/*``."""

from __future__ import annotations

import shutil

import pytest

from cocalc_async.errors import CoCalcAPIError
from cocalc_async.models.exec import ExecResult
from cocalc_async.models.files import LatexResult
from cocalc_async.models.misc import Messages, MessageSent
from cocalc_async.models.query import QueryResult
from cocalc_async.models.support import SupportTickets, SupportTicketUrl

from .harness import Env, Key, case, family, run


@case("v2", "exec")
async def exec_(env: Env) -> None:
    out = await env.client.v2.exec(project_id=env.project_id, command="echo", args=["v2"])
    assert isinstance(out, ExecResult)
    assert (out.stdout, out.exit_code) == ("v2\n", 0)
    job = await env.client.v2.exec(project_id=env.project_id, command="echo done", async_call=True)
    assert job.job_id
    # CoCalc's poll form: no command (a validating hub would run it again), async_stats given
    done = await env.client.v2.exec(
        project_id=env.project_id, async_get=job.job_id, async_await=True, async_stats=False
    )
    assert done.status == "completed"
    assert done.stdout == "done\n"


@case("v2", "latex")
async def latex(env: Env) -> None:
    doc = r"\documentclass{article}\begin{document}Hi\end{document}"
    call = env.client.v2.latex(path="doc.tex", content=doc, project_id=env.project_id)
    if shutil.which("latexmk"):
        out = await call
        assert isinstance(out, LatexResult)
        assert out.url
    else:  # the server's answer when compilation fails
        with pytest.raises(CoCalcAPIError):
            await call
    assert (env.emu.project_dir(env.project_id) / "doc.tex").read_text() == doc


@case("v2", "user-query")
async def user_query(env: Env) -> None:
    out = await env.client.v2.user_query(query={"accounts": {"first_name": None}})
    assert isinstance(out, QueryResult)
    assert out.query == {"accounts": {"first_name": "Ada"}}


@case("v2", "messages/send")
async def messages_send(env: Env) -> None:
    other, key = env.other_account()
    out = await env.client.v2.messages.send(to_ids=[other], subject="Hello", body="**hi**")
    assert isinstance(out, MessageSent)
    assert out.id > 0
    inbox = await env.client_for(key).v2.messages.get(type="received")
    assert [m["subject"] for m in inbox.messages] == ["Hello"]


@case("v2", "messages/get")
async def messages_get(env: Env) -> None:
    other, key = env.other_account()
    await env.client_for(key).v2.messages.send(
        to_ids=[env.emu.account_id], subject="Question", body="?"
    )
    out = await env.client.v2.messages.get(limit=10)
    assert isinstance(out, Messages)
    assert [(m["from_id"], m["subject"]) for m in out.messages] == [(other, "Question")]


@case("v2", "support/create-ticket")
async def support_create_ticket(env: Env) -> None:
    out = await env.client.v2.support.create_ticket(
        options={"email": "instructor@example.com", "subject": "Help", "body": "Please"}
    )
    assert isinstance(out, SupportTicketUrl)
    assert out.url.startswith("https://")


@case("v2", "support/tickets")
async def support_tickets(env: Env) -> None:
    await env.client.v2.support.create_ticket(
        options={"email": "instructor@example.com", "subject": "Help", "body": "Please"}
    )
    out = await env.client.v2.support.tickets()
    assert isinstance(out, SupportTickets)
    assert [t.subject for t in out.tickets] == ["Help"]


def _publish(env: Env, path: str = "pub") -> str:
    return env.emu.store.set_public_path(env.project_id, path, "shared")


def _stars(env: Env, public_id: str) -> list[str]:
    import json

    row = env.emu.store.public_path(public_id)
    assert row is not None
    stars: list[str] = json.loads(row["stars"])
    return stars


@case("v2", "public-paths/listing-cached")
async def public_paths_listing_cached(env: Env) -> None:
    public_id = _publish(env)
    out = await env.client.v2.public_paths.listing_cached()
    assert isinstance(out, list)
    assert [(p["id"], p["path"]) for p in out if isinstance(p, dict)] == [(public_id, "pub")]


@case("v2", "public-paths/save")
async def public_paths_save(env: Env) -> None:
    public_id = _publish(env)
    assert await env.client.v2.public_paths.save(id=public_id) == {}
    with pytest.raises(CoCalcAPIError, match="no such public path"):
        await env.client.v2.public_paths.save(id="0" * 40)


@case("v2", "public-paths/star")
async def public_paths_star(env: Env) -> None:
    public_id = _publish(env)
    assert await env.client.v2.public_paths.star(id=public_id) == {}
    assert _stars(env, public_id) == [env.emu.account_id]


@case("v2", "public-paths/unstar")
async def public_paths_unstar(env: Env) -> None:
    public_id = _publish(env)
    await env.client.v2.public_paths.star(id=public_id)
    assert await env.client.v2.public_paths.unstar(id=public_id) == {}
    assert _stars(env, public_id) == []


@pytest.mark.parametrize(
    "key",
    family("v2", ("exec", "latex", "user-query", "messages/", "support/", "public-paths/")),
    ids=lambda k: k[1],
)
async def test_v2_misc(key: Key) -> None:
    await run(key)
