"""The script of the emulator's ``/app`` page: seed 002's postMessage protocol.

It runs in the browser. Messages from an origin outside the allow-list are ignored (the real
feature is limited to specific domains); every reply goes back to the sender's window, with the
sender's origin as ``targetOrigin``, and echoes ``action`` and ``id`` when the request had one.
File access is decided by the server (``/app/_embed/file``), never by this script.
"""

from __future__ import annotations

APP_SCRIPT = r"""
"use strict";
const CONFIG = JSON.parse(document.getElementById("cocalc-config").textContent);
const openFiles = new Map(); // project_id -> [path, ...], in opening order

function originAllowed(origin) {
  return CONFIG.allowed_origins.some((pattern) => {
    if (pattern === "*") return true;
    if (pattern.endsWith(":*")) {
      let url;
      try { url = new URL(origin); } catch (e) { return false; }  // e.g. the origin "null"
      return `${url.protocol}//${url.hostname}:*` === pattern;
    }
    return pattern === origin;
  });
}

function render(projectId, path, content) {
  const tabs = document.getElementById("tabs");
  tabs.replaceChildren();
  for (const [pid, paths] of openFiles) {
    for (const p of paths) {
      const li = document.createElement("li");
      li.textContent = p;
      li.dataset.projectId = pid;
      tabs.appendChild(li);
    }
  }
  const editor = document.getElementById("editor");
  if (projectId === undefined) {
    editor.textContent = "";
    delete editor.dataset.path;
  } else {
    editor.textContent = content;
    editor.dataset.projectId = projectId;
    editor.dataset.path = path;
  }
}

async function openFile(projectId, path) {
  const query = new URLSearchParams({ project_id: projectId, path });
  const resp = await fetch(`${CONFIG.prefix}/app/_embed/file?${query}`, { credentials: "same-origin" });
  const body = await resp.json();
  if (!resp.ok) return body.error || `HTTP ${resp.status}`;
  const paths = openFiles.get(projectId) || [];
  if (!paths.includes(path)) paths.push(path);
  openFiles.set(projectId, paths);
  render(projectId, path, body.content);
  return null;
}

async function connection() {
  const started = performance.now();
  try {
    const resp = await fetch(`${CONFIG.prefix}/app/_embed/ping`, { credentials: "same-origin" });
    const body = await resp.json();
    return { connected: resp.ok, state: resp.ok ? "connected" : "signed_out", ping_ms: Math.round(performance.now() - started), hub: location.origin, account_id: body.account_id || null };
  } catch (e) {
    return { connected: false, state: "disconnected", ping_ms: null, hub: location.origin };
  }
}

window.addEventListener("message", async (event) => {
  if (event.source === window || !event.source) return;
  if (!originAllowed(event.origin)) {
    console.warn(`cocalc: ignored a message from ${event.origin} (not in the allow-list)`);
    return;
  }
  const mesg = event.data;
  if (mesg === null || typeof mesg !== "object") return;
  const base = { action: mesg.action };
  if (mesg.id !== undefined) base.id = mesg.id;
  const reply = (fields) => event.source.postMessage({ ...base, ...fields }, event.origin);
  switch (mesg.action) {
    case "open": {
      const { project_id: projectId, path } = mesg;
      if (typeof projectId !== "string" || typeof path !== "string" || !path) {
        reply({ status: "error", mesg: "open needs project_id and path" });
        return;
      }
      reply({ status: "ack", project_id: projectId, path });
      const error = await openFile(projectId, path);
      if (error) reply({ status: "error", mesg: error, project_id: projectId, path });
      else reply({ status: "done", project_id: projectId, path });
      return;
    }
    case "closeall":
      openFiles.clear();
      render();
      reply({ status: "done", mesg: "all files are closed" });
      return;
    case "status":
      reply({ status: "done", connection: await connection(), open_files: Object.fromEntries(openFiles) });
      return;
    default:
      reply({ status: "error", mesg: `unknown action ${JSON.stringify(mesg.action)}` });
  }
}, false);

const banner = document.getElementById("banner");
banner.textContent = "CoCalc is ready";
banner.classList.add("ready");
banner.hidden = false;
"""
