"""The server-side exec timeout is ``exec_timeout`` in Python and ``timeout`` on the wire.

``timeout=`` still works for one deprecation cycle (DeprecationWarning, the same request);
giving both names is a TypeError before anything is sent.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from cocalc_async._generated.conat import Conat
from cocalc_async._generated.v1 import V1
from cocalc_async._generated.v2 import V2
from cocalc_async.spec import ENDPOINTS

PID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"


class Recorder:
    """A ``Caller`` that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, Any], float | None]] = []

    async def call(
        self,
        api: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        request_timeout: float | None = None,
        max_retries: int | None = None,
        idempotent: bool | None = None,
    ) -> Any:
        self.calls.append((api, path, dict(params or {}), request_timeout))
        return {"type": "blocking", "stdout": "", "stderr": "", "exit_code": 0}


async def _v2(caller: Recorder, **kw: Any) -> None:
    await V2(caller).exec(project_id=PID, command="ls", **kw)


async def _v1(caller: Recorder, **kw: Any) -> None:
    await V1(caller).project_exec(project_id=PID, command="ls", **kw)


async def _conat(caller: Recorder, **kw: Any) -> None:
    await Conat(caller).project.system.exec(PID, command="ls", **kw)


def _sent_timeout(api: str, params: dict[str, Any]) -> Any:
    return params["args"][0]["timeout"] if api.startswith("conat/") else params["timeout"]


CALLS = [_v2, _v1, _conat]


@pytest.mark.parametrize("send", CALLS, ids=lambda f: f.__name__)
async def test_exec_timeout_is_sent_as_timeout(send: Any) -> None:
    caller = Recorder()
    await send(caller, exec_timeout=300)
    (api, _path, params, http_timeout) = caller.calls[0]
    assert _sent_timeout(api, params) == 300
    # The HTTP wait outlasts the command's own limit, so the server answers first.
    assert http_timeout is not None
    assert http_timeout > 300
    if api.startswith("conat/"):
        assert params["timeout"] == 300_000  # the bridge's RPC timeout, in ms


@pytest.mark.parametrize("send", CALLS, ids=lambda f: f.__name__)
async def test_the_old_name_warns_and_sends_the_same_request(send: Any) -> None:
    new, old = Recorder(), Recorder()
    await send(new, exec_timeout=45)
    with pytest.warns(DeprecationWarning, match="timeout= is deprecated, use exec_timeout="):
        await send(old, timeout=45)
    assert old.calls == new.calls


@pytest.mark.parametrize("send", CALLS, ids=lambda f: f.__name__)
async def test_both_names_is_a_type_error_before_sending(send: Any) -> None:
    caller = Recorder()
    with pytest.raises(TypeError, match="give exec_timeout= only"):
        await send(caller, exec_timeout=45, timeout=45)
    assert caller.calls == []


@pytest.mark.parametrize("send", CALLS, ids=lambda f: f.__name__)
async def test_neither_name_sends_no_timeout(send: Any) -> None:
    caller = Recorder()
    await send(caller)
    api, _path, params, _t = caller.calls[0]
    body = params["args"][0] if api.startswith("conat/") else params
    assert "timeout" not in body


def test_every_renamed_parameter_is_rendered_under_its_python_name() -> None:
    renamed = [(e, p) for e in ENDPOINTS for p in e.params if p.py_name]
    assert {(e.api, e.path) for e, _ in renamed} == {
        ("v2", "exec"),
        ("v1", "project_exec"),
        ("conat/project", "system.exec"),
    }
    methods: dict[tuple[str, str], Callable[..., Any]] = {
        ("v2", "exec"): V2.exec,
        ("v1", "project_exec"): V1.project_exec,
        ("conat/project", "system.exec"): Conat(Recorder()).project.system.exec,
    }
    for e, p in renamed:
        sig = inspect.signature(methods[e.key])
        assert p.py_name is not None
        assert p.py_name in sig.parameters
        assert p.deprecated_name in sig.parameters
        assert sig.parameters[p.py_name].kind is inspect.Parameter.KEYWORD_ONLY


@pytest.mark.parametrize("send", CALLS, ids=lambda f: f.__name__)
async def test_a_bad_exec_timeout_is_named_as_the_caller_wrote_it(send: Any) -> None:
    caller = Recorder()
    with pytest.raises(ValueError, match="parameter 'exec_timeout' must be a positive number"):
        await send(caller, exec_timeout=0)
    with pytest.raises(TypeError, match="parameter 'exec_timeout' must be"):
        await send(caller, exec_timeout="soon")
    assert caller.calls == []
