"""Replaying exchanges recorded from a real CoCalc hub against the emulator.

The recordings (``tests/samples/real/``, format in its README.md) label every uuid by role or
project, and write keys and passwords as ``<KEY:role>`` / ``<PASSWORD:role>``. The replay builds
the same world (roles, projects, files), sends each request with the labels replaced by the
emulator's own ids, and compares status, content type, exact error text and the answer's shape
after mapping the emulator's ids back to labels. Paths the recording marks ``volatile`` compare
by type only.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from cocalc_async.testing import Emulator

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "real"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
TITLE = re.compile(r"<title[^>]*>([^<]*)</title>")
#: Keys whose values change from run to run wherever they appear (the recordings' README:
#: "values under keys such as now, time, created, start, pid, id are volatile in general").
VOLATILE_KEYS = ("now", "time", "created", "start", "pid", "id", "server_time", "sent")
#: Longest wait a recording's ``sleep_before`` or poll interval may impose on the replay.
MAX_SLEEP = 2.0


@dataclass
class Session:
    """The exchanges of one recording session (a folder with its ``_context.json``) recorded in
    one hub mode, replayed into one fresh emulator."""

    name: str
    context: dict[str, Any]
    #: ``v2_validation`` of the recorded hub (``COCALC_DISABLE_API_VALIDATION``)
    validation: bool
    exchanges: list[dict[str, Any]]


def load_sessions(root: Path = SAMPLES) -> list[Session]:
    """Every exchange under ``root`` (flows flattened into their steps), grouped by session and
    hub mode, in recording order. A folder without ``_context.json`` belongs to its parent's."""
    groups: dict[tuple[Path, bool], list[tuple[int, int, dict[str, Any]]]] = {}
    for path in sorted(root.rglob("*.json")):
        if path.name.startswith("_"):
            continue
        ctx_dir = path.parent
        while not (ctx_dir / "_context.json").exists() and ctx_dir != root:
            ctx_dir = ctx_dir.parent
        data = json.loads(path.read_text(encoding="utf-8"))
        seq = int(data.get("seq") or 0)
        steps = data["steps"] if data.get("flow") else [data]
        mode = (steps[0].get("hub_mode") or data.get("hub_mode") or {}).get("v2_validation", True)
        flow = data["id"] if data.get("flow") else None
        rows = groups.setdefault((ctx_dir, bool(mode)), [])
        for i, step in enumerate(steps):
            rows.append((seq, i, {**step, "_file": str(path.relative_to(root)), "_flow": flow}))
    sessions = []
    for (ctx_dir, validation), rows in sorted(
        groups.items(), key=lambda g: (str(g[0][0]), g[0][1])
    ):
        rows.sort(key=lambda r: (r[0], r[1]))
        context = json.loads((ctx_dir / "_context.json").read_text(encoding="utf-8"))
        name = str(ctx_dir.relative_to(root)) + ("" if validation else " (no validation)")
        sessions.append(Session(name, context, validation, [r[2] for r in rows]))
    return sessions


def slow_flows(exchanges: list[dict[str, Any]], limit_ms: float) -> set[str]:
    """Exchanges (whole flows, since later steps use what earlier ones made) that took the
    recorded hub longer than ``limit_ms``, with their waits."""
    out: set[str] = set()
    for ex in exchanges:
        took = float(ex.get("elapsed_ms") or 0) + 1000 * float(ex.get("sleep_before") or 0)
        poll = ex.get("poll") or {}
        took += 1000 * float(poll.get("interval", 0)) * max(0, int(poll.get("attempts", 1)) - 1)
        if took > limit_ms:
            out.add(ex["_flow"] or ex["id"])
    return out


@dataclass
class World:
    """The emulator set up as the recorded hub was, and the label <-> id maps."""

    emu: Emulator
    context: dict[str, Any]
    keys: dict[str, str] = field(default_factory=dict)
    passwords: dict[str, str] = field(default_factory=dict)
    #: label (``account:admin``, ``project:p1``, ``captured:proj:life``) -> the emulator's id
    ids: dict[str, str] = field(default_factory=dict)
    #: recorded uuid -> label
    labels: dict[str, str] = field(default_factory=dict)
    #: captured name -> the value captured from the emulator's answer
    captured: dict[str, Any] = field(default_factory=dict)
    #: recorded process id -> the emulator's (a job's ``pid``, which ``system.signal`` names)
    pids: dict[int, int] = field(default_factory=dict)

    @classmethod
    def build(cls, emu: Emulator, context: dict[str, Any]) -> World:
        world = cls(emu, context)
        world.labels.update(context["ids"])
        for role, info in context["roles"].items():
            password = f"Replay-{role}-{secrets.token_hex(6)}"
            world.passwords[role] = password
            if "created during recording" in str(info.get("note", "")):
                continue  # its id is learned from the answer that creates it
            if role == "instructor":
                # the seeded account plays the instructor, so no extra account shows in searches
                account_id = emu.account_id
                emu.store.update_account(
                    account_id,
                    first_name=info["first_name"],
                    last_name=info["last_name"],
                    email_address=info["email"],
                )
                emu.store.set_password(account_id, password)
                key = emu.api_key
            else:
                account_id, key = emu.create_account(
                    info["first_name"],
                    info["last_name"],
                    info["email"],
                    password,
                    admin=bool(info.get("admin")),
                )
            world.keys[role] = key
            world.ids[f"account:{role}"] = account_id
        for label, info in context["projects"].items():
            owner = world.ids[f"account:{info['owner']}"]
            pid = emu.create_project(owner, info["title"], info.get("description", ""))
            for role in info.get("collaborators", []):
                emu.add_collaborator(pid, world.ids[f"account:{role}"])
            for path, text in info.get("files", {}).items():
                target = emu.project_dir(pid) / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
            world.ids[f"project:{label}"] = pid
        for kind, uuid in context["nonexistent"].items():
            world.ids[f"{kind}:nonexistent"] = uuid
        world.keys["badkey"] = "sk-" + secrets.token_hex(12)
        return world

    # -- recorded -> emulator ---------------------------------------------------------------------

    def to_emulator(self, value: Any, labels: dict[str, str]) -> Any:
        if isinstance(value, str):
            return self._sub_string(value, labels)
        if isinstance(value, list):
            return [self.to_emulator(v, labels) for v in value]
        if isinstance(value, dict):
            return {k: self._sub_pid(k, self.to_emulator(v, labels)) for k, v in value.items()}
        return value

    def _sub_pid(self, key: str, value: Any) -> Any:
        """A recorded pid (``signal``'s ``pid`` / ``pids``) named the recorded hub's process:
        send the emulator's process of the same job instead (an unknown pid stays as it is)."""
        if key == "pid" and isinstance(value, int) and not isinstance(value, bool):
            return self.pids.get(value, value)
        if key == "pids" and isinstance(value, list):
            return [self.pids.get(v, v) if isinstance(v, int) else v for v in value]
        return value

    def _sub_string(self, text: str, labels: dict[str, str]) -> Any:
        whole = UUID.fullmatch(text)
        if whole:
            label = labels.get(text) or self.labels.get(text)
            if label and label.startswith("captured:"):
                return self.captured.get(label[len("captured:") :], text)
        text = re.sub(r"<KEY:(\w+)>", lambda m: self.keys.get(m.group(1), m.group(0)), text)
        text = re.sub(
            r"<PASSWORD:(\w+)>", lambda m: self.passwords.get(m.group(1), m.group(0)), text
        )

        def uuid(m: re.Match[str]) -> str:
            label = labels.get(m.group(0)) or self.labels.get(m.group(0))
            if label is None:
                return m.group(0)
            if label.startswith("captured:"):
                got = self.captured.get(label[len("captured:") :])
                return got if isinstance(got, str) else m.group(0)
            return self.ids.get(label, m.group(0))

        return UUID.sub(uuid, text)

    def learn(self, recorded: Any, actual: Any, labels: dict[str, str]) -> None:
        """Bind a labelled uuid of the recorded answer that the world does not know yet (an
        account or project made during the recording) to the uuid at the same place in ours."""
        if isinstance(recorded, str) and isinstance(actual, str):
            made = re.fullmatch(r"<KEY:(\w+)>", recorded)
            if made and made.group(1) not in self.keys:
                self.keys[made.group(1)] = actual  # a key the recording created
                return
            label = labels.get(recorded) or self.labels.get(recorded)
            if UUID.fullmatch(recorded) and UUID.fullmatch(actual) and label:
                known = set(self.ids.values()) | {
                    v for v in self.captured.values() if isinstance(v, str)
                }
                if label.startswith("captured:"):
                    self.captured.setdefault(label[len("captured:") :], actual)
                elif label not in self.ids and actual not in known:
                    self.ids[label] = actual
        elif isinstance(recorded, dict) and isinstance(actual, dict):
            pid, got = recorded.get("pid"), actual.get("pid")
            if isinstance(pid, int) and isinstance(got, int):
                self.pids.setdefault(pid, got)  # a job started: its process, here and there
            for key in recorded.keys() & actual.keys():
                self.learn(recorded[key], actual[key], labels)
        elif isinstance(recorded, list) and isinstance(actual, list):
            for r, a in zip(recorded, actual, strict=False):
                self.learn(r, a, labels)

    # -- emulator -> labels (for comparing) -------------------------------------------------------

    def reverse(self) -> dict[str, str]:
        out = {v: k for k, v in self.ids.items() if isinstance(v, str)}
        for name, value in self.captured.items():
            if isinstance(value, str) and UUID.fullmatch(value):
                out[value] = f"captured:{name}"
        return out

    def label_recorded(self, value: Any, labels: dict[str, str]) -> Any:
        def sub(text: str) -> str:
            return UUID.sub(
                lambda m: "{" + (labels.get(m.group(0)) or self.labels.get(m.group(0), "?")) + "}",
                text,
            )

        return _map_strings(value, sub)

    def label_actual(self, value: Any) -> Any:
        rev = self.reverse()
        home = str(self.emu.ctx.files.root) if self.emu.ctx.files.root else None
        keys = {v: f"<KEY:{k}>" for k, v in self.keys.items()}

        def sub(text: str) -> str:
            if home:
                text = text.replace(home, "<projects>")
            for key, mark in keys.items():
                text = text.replace(key, mark)
            return UUID.sub(lambda m: "{" + rev.get(m.group(0), "?") + "}", text)

        return _map_strings(value, sub)


def _map_strings(value: Any, fn: Any) -> Any:
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, list):
        return [_map_strings(v, fn) for v in value]
    if isinstance(value, dict):
        # keys too: get-names answers are keyed by account id
        return {fn(k): _map_strings(v, fn) for k, v in value.items()}
    return value


def _kind(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return type(value).__name__
    if isinstance(value, (int, float)):
        return "number"
    return type(value).__name__


def _volatile(path: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        if pattern == "*":
            return True
        parts, mine = pattern.split("."), path.split(".") if path else []
        if len(parts) == len(mine) and all(
            p in ("*", m) for p, m in zip(parts, mine, strict=False)
        ):
            return True
        if len(parts) == 1 and mine and mine[-1] == parts[0]:
            return True  # a bare key ("pid", "time") is volatile wherever it appears
    return False


def differences(recorded: Any, actual: Any, volatile: list[str], path: str = "") -> list[str]:
    """Where ``actual`` departs from ``recorded`` (empty when they agree)."""
    if _volatile(path, volatile):
        if _kind(recorded) != _kind(actual):
            return [f"{path or '<body>'}: type {_kind(actual)}, recorded {_kind(recorded)}"]
        return []
    if isinstance(recorded, dict) and isinstance(actual, dict):
        out: list[str] = []
        for key in sorted(set(recorded) | set(actual)):
            sub = f"{path}.{key}" if path else key
            if key not in actual:
                out.append(f"{sub}: missing")
            elif key not in recorded:
                out.append(f"{sub}: not recorded ({json.dumps(actual[key])[:80]})")
            else:
                out.extend(differences(recorded[key], actual[key], volatile, sub))
        return out
    if isinstance(recorded, list) and isinstance(actual, list):
        if len(recorded) != len(actual):
            return [f"{path or '<body>'}: {len(actual)} items, recorded {len(recorded)}"]
        if _keyed_by_id(recorded) and _keyed_by_id(actual):
            # rows the hub orders by id (collaborators: jsonb key order) come in the order of
            # the ids, and the emulator's ids are not the recorded ones: compare as sets
            recorded, actual = sorted(recorded, key=_row_key), sorted(actual, key=_row_key)
        out = []
        for i, (r, a) in enumerate(zip(recorded, actual, strict=False)):
            out.extend(differences(r, a, volatile, f"{path}.{i}" if path else str(i)))
        return out
    if _kind(recorded) == "number" and _kind(actual) == "number" and recorded == actual:
        return []
    if recorded != actual or _kind(recorded) != _kind(actual):
        shown = json.dumps(actual, ensure_ascii=False)[:160]
        want = json.dumps(recorded, ensure_ascii=False)[:160]
        return [f"{path or '<body>'}: {shown}, recorded {want}"]
    return []


def _keyed_by_id(rows: list[Any]) -> bool:
    return bool(rows) and all(isinstance(r, dict) and "account_id" in r for r in rows)


def _row_key(row: Any) -> str:
    return json.dumps(row, sort_keys=True, default=str)


def _dig(value: Any, path: str) -> Any:
    if not path or path == "*":  # "*": the whole answer (the second recording's captures)
        return value
    for part in path.split("."):
        if isinstance(value, list):
            value = value[int(part)]
        elif isinstance(value, dict):
            value = value.get(part)
        else:
            return None
    return value


@dataclass
class Outcome:
    id: str
    problems: list[str]

    @property
    def agrees(self) -> bool:
        return not self.problems


async def send(
    world: World, session: aiohttp.ClientSession, ex: dict[str, Any]
) -> tuple[int, str, Any]:
    labels: dict[str, str] = ex.get("ids") or {}
    headers = {}
    role = ex["role"]
    if role != "none":
        # a role whose key was never made here (its creation differed) sends a wrong key
        # a role the recording made its key for ("<KEY:new>" in the answer that created it)
        key = world.keys.get(role) or world.keys.get("new") or world.keys["badkey"]
        headers["Authorization"] = "Basic " + base64.b64encode(f"{key}:".encode()).decode()
    body = world.to_emulator(ex.get("request_body"), labels)
    url = world.emu.url + world.to_emulator(ex["path"], labels)
    kwargs: dict[str, Any] = {"headers": headers}
    if body is not None:
        kwargs["json"] = body
    async with session.request(ex["method"], url, **kwargs) as resp:
        raw = await resp.read()
        ctype = resp.headers.get("Content-Type", "")
    if ctype.startswith("application/json"):
        try:
            return resp.status, ctype, json.loads(raw)
        except ValueError:
            pass
    return resp.status, ctype, raw.decode("utf-8", "replace")


async def replay_one(world: World, session: aiohttp.ClientSession, ex: dict[str, Any]) -> Outcome:
    if ex.get("sleep_before"):
        await asyncio.sleep(min(float(ex["sleep_before"]), MAX_SLEEP))
    poll = ex.get("poll")
    status, ctype, body = await send(world, session, ex)
    if poll:
        for _ in range(int(poll.get("max", 1)) - 1):
            if isinstance(body, dict) and body.get(poll["field"]) in poll["until"]:
                break
            await asyncio.sleep(min(float(poll.get("interval", 1)), MAX_SLEEP))
            status, ctype, body = await send(world, session, ex)
    for name, path in (ex.get("capture") or {}).items():
        world.captured[name] = _dig(body, path)
    problems: list[str] = []
    if status != ex["status"]:
        problems.append(f"status {status}, recorded {ex['status']}")
    want_type = ex["content_type"].split(";")[0].strip()
    if ctype.split(";")[0].strip() != want_type:
        problems.append(f"content type {ctype!r}, recorded {ex['content_type']!r}")
    if ex["response_kind"] == "html":
        m = TITLE.search(body if isinstance(body, str) else "")
        title = m.group(1) if m else None
        want = ex.get("html_title")
        if want is None:  # a recording without the field: read the title from its body
            mm = TITLE.search(str(ex.get("response_body") or ""))
            want = mm.group(1) if mm else None
        if title != want:
            problems.append(f"html title {title!r}, recorded {want!r}")
        return Outcome(ex["id"], problems)
    labels: dict[str, str] = ex.get("ids") or {}
    world.learn(ex.get("response_body"), body, labels)
    recorded = world.label_recorded(ex.get("response_body"), labels)
    actual = world.label_actual(body)
    volatile = [*(ex.get("volatile") or []), *VOLATILE_KEYS]
    problems.extend(differences(recorded, actual, volatile))
    return Outcome(ex["id"], problems)
