// cocalc-embed.js: talk to a CoCalc IFrame with window.postMessage (CoCalc's "IFrame
// communication" protocol), as promises. No dependencies; an ES module.
//
//   import { CoCalcEmbed } from "/static/cocalc-embed.js";
//   const cocalc = new CoCalcEmbed(document.getElementById("cocalc"));
//   await cocalc.ready();                       // CoCalc answers `status`
//   await cocalc.open(projectId, "notes.md");   // resolves on {status: "done"}
//   const { open_files } = await cocalc.status();
//   await cocalc.closeall();
//
// Messages are {action, ...fields}; replies are {status: "ack" | "done" | "error", ...}.
// Each request carries an `id` the reply echoes, so concurrent requests are told apart. A reply
// without an `id` (a server that does not echo it) goes to the oldest pending request.
//
// Security: replies are accepted only from the IFrame's window AND from CoCalc's origin, so
// another frame cannot forge a "done". Requests are sent with that origin as targetOrigin, so
// if the IFrame navigated elsewhere, the browser drops them instead of leaking them.

export class CoCalcEmbedError extends Error {
  constructor(message, reply) {
    super(message);
    this.name = "CoCalcEmbedError";
    this.reply = reply; // the {status: "error", mesg, ...} object, or undefined for a timeout
  }
}

export class CoCalcEmbedTimeout extends CoCalcEmbedError {
  constructor(action, ms) {
    super(`no reply to "${action}" within ${ms} ms`, undefined);
    this.name = "CoCalcEmbedTimeout";
  }
}

let counter = 0;

function nextId() {
  counter += 1;
  return `cocalc-embed-${Date.now().toString(36)}-${counter}`;
}

export class CoCalcEmbed {
  // iframe: the <iframe> element showing CoCalc's /app.
  // options.origin: CoCalc's origin (default: the origin of iframe.src).
  // options.timeout: milliseconds to wait for a final reply (default 10000).
  constructor(iframe, { origin, timeout = 10000 } = {}) {
    if (!iframe || iframe.tagName !== "IFRAME") {
      throw new TypeError("CoCalcEmbed needs the <iframe> element showing CoCalc");
    }
    this.iframe = iframe;
    this.origin = origin ?? new URL(iframe.src, window.location.href).origin;
    this.timeout = timeout;
    this.pending = new Map(); // id -> {action, resolve, reject, onAck, timer}
    this.listener = (event) => this.onMessage(event);
    window.addEventListener("message", this.listener, false);
  }

  // Open a file; resolves with the "done" reply. onAck(reply) is called on the "ack".
  open(project_id, path, { onAck, timeout } = {}) {
    return this.send("open", { project_id, path }, { onAck, timeout });
  }

  // Close every open file; resolves with {status: "done", mesg: "all files are closed"}.
  closeall({ timeout } = {}) {
    return this.send("closeall", {}, { timeout });
  }

  // A snapshot: {connection: {...}, open_files: {project_id: [path, ...]}, ...}.
  status({ timeout } = {}) {
    return this.send("status", {}, { timeout });
  }

  // Resolve once CoCalc answers `status` (it ignores messages until it has loaded).
  async ready({ timeout = this.timeout, interval = 250 } = {}) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) throw new CoCalcEmbedTimeout("status", timeout);
      try {
        return await this.status({ timeout: Math.min(interval, left) });
      } catch (err) {
        if (!(err instanceof CoCalcEmbedTimeout)) throw err;
      }
    }
  }

  // Send any action; resolves on "done" (or a reply without status), rejects on "error".
  send(action, fields = {}, { onAck, timeout = this.timeout } = {}) {
    const target = this.iframe.contentWindow;
    if (!target) return Promise.reject(new CoCalcEmbedError("the IFrame has no window yet"));
    const id = nextId();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CoCalcEmbedTimeout(action, timeout));
      }, timeout);
      this.pending.set(id, { action, resolve, reject, onAck, timer });
      target.postMessage({ ...fields, action, id }, this.origin);
    });
  }

  onMessage(event) {
    // Both checks matter: the origin says who, the source says which frame.
    if (event.origin !== this.origin || event.source !== this.iframe.contentWindow) return;
    const reply = event.data;
    if (reply === null || typeof reply !== "object") return;
    let id = typeof reply.id === "string" ? reply.id : undefined;
    if (id === undefined) id = this.pending.keys().next().value;
    const entry = id === undefined ? undefined : this.pending.get(id);
    if (!entry) return;
    if (reply.status === "ack") {
      if (entry.onAck) entry.onAck(reply);
      return;
    }
    clearTimeout(entry.timer);
    this.pending.delete(id);
    if (reply.status === "error") {
      entry.reject(new CoCalcEmbedError(String(reply.mesg ?? "CoCalc reported an error"), reply));
    } else {
      entry.resolve(reply);
    }
  }

  // Stop listening and fail whatever is still pending.
  dispose() {
    window.removeEventListener("message", this.listener, false);
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new CoCalcEmbedError("disposed"));
      this.pending.delete(id);
    }
  }
}
