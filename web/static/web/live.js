// @ts-check
// What every page shares (ES module, no build step; docs/adr/0013-web-front-end.md):
// the JSON API with the session's CSRF token, an element builder, and the tab's one socket
// on /ws/ (docs/realtime-protocol.md). The socket reconnects with backoff, keeps a cursor
// per durable topic, resubscribes from it after a reconnect and drops events already seen.
// Every part of a page (the shell's bell, the page itself) listens on the same socket.

/**
 * @typedef {{id: number, display_name: string, role: string}} ReadyUser
 * @typedef {{
 *   type: string, topic?: string, seq?: number | null, event?: string, data?: any,
 *   id?: string, code?: string, message?: string, retry_after?: number,
 *   online?: number[], user?: ReadyUser, [field: string]: any
 * }} Frame
 * @typedef {{
 *   onReady?: () => void, onEvent?: (frame: Frame) => void, onAck?: (frame: Frame) => void,
 *   onError?: (frame: Frame) => void, onSubscribed?: (frame: Frame) => void,
 *   onResync?: (frame: Frame) => void, onState?: (state: string) => void
 * }} Handlers
 * @typedef {{id: number, name: string, role: string, zone: string}} Me
 */

/** Who is signed in, as the server rendered it on <body>. */
export const me = /** @type {Me} */ ({
  id: Number(document.body.dataset.userId || 0),
  name: document.body.dataset.userName || "",
  role: document.body.dataset.userRole || "",
  zone: document.body.dataset.userZone || "UTC",
});

/** An API refusal: the server's ``code`` and ``message`` (docs/api.md). */
export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {any} body */
  constructor(status, code, message, body) {
    super(message);
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export function csrf() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/**
 * Call the JSON API (``path`` after ``/api``). Resolves with the parsed body (null for 204).
 * @param {string} method @param {string} path @param {unknown} [body]
 * @returns {Promise<any>}
 */
export async function api(method, path, body) {
  const response = await fetch("/api" + path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  if (response.status !== 204) {
    const text = await response.text();
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const message = (data && (data.message || data.detail)) || response.statusText;
    throw new ApiError(response.status, (data && data.code) || "error", String(message), data);
  }
  return data;
}

/**
 * An element with properties and children (text or nodes); null and undefined are skipped.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Partial<HTMLElementTagNameMap[K]> & {dataset?: Record<string, string>}} [props]
 * @param {...(Node | string | number | null | undefined | false)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  if (props) {
    const { dataset, ...rest } = props;
    Object.assign(node, rest);
    if (dataset) Object.assign(node.dataset, dataset);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "number" ? String(child) : child);
  }
  return node;
}

/** An element that must be on the page. @param {string} id @returns {HTMLElement} */
export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error("missing #" + id);
  return node;
}

/**
 * An element of a given class that must be on the page.
 * @template {HTMLElement} T
 * @param {string} id @param {new () => T} type @returns {T}
 */
export function byIdAs(id, type) {
  const node = byId(id);
  if (!(node instanceof type)) throw new Error("#" + id + " is not a " + type.name);
  return node;
}

export function clientId() {
  return "web-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
}

/** A date and time in the member's own zone. @param {string | Date} value @param {Intl.DateTimeFormatOptions} [options] */
export function when(value, options) {
  const date = typeof value === "string" ? new Date(value) : value;
  return date.toLocaleString(undefined, {
    timeZone: me.zone,
    dateStyle: "medium",
    timeStyle: "short",
    ...options,
  });
}

/** The short time of a message. @param {string} value */
export function clock(value) {
  return new Date(value).toLocaleTimeString(undefined, {
    timeZone: me.zone,
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** Say something to screen-reader users (and show it) in the shell's live region. @param {string} text */
export function announce(text) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  window.setTimeout(() => (region.textContent = text), 50);
}

/** The tab's one socket: topics followed by count, cursors, and every listener. */
class LiveSocket {
  constructor() {
    /** @type {WebSocket | null} */
    this.socket = null;
    this.ready = false;
    this.backoff = 500;
    /** @type {Record<string, number>} */
    this.cursors = {};
    /** @type {Map<string, number>} */
    this.followers = new Map();
    /** @type {Set<Handlers>} */
    this.listeners = new Set();
    /** @type {Map<string, {frame: Frame, resolve: (f: Frame) => void, reject: (e: Error) => void, resend: boolean}>} */
    this.pending = new Map();
    this.state = "connecting";
    /** @type {ReadyUser | null} */
    this.user = null;
  }

  start() {
    if (this.socket || !me.id) return;
    this.open();
  }

  open() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(scheme + "://" + location.host + "/ws/");
    this.socket = socket;
    socket.onmessage = (event) => this.onFrame(JSON.parse(event.data));
    socket.onclose = (event) => {
      this.ready = false;
      this.setState("reconnecting");
      if (event.code === 4403) {
        // Asked a moment later: a request sent with the old session cookie before the
        // answer to a password change landed would take the new cookie away.
        window.setTimeout(() => this.afterAccessEnded(3), 1000);
        return;
      }
      if (event.code === 4401) {
        this.toSignIn();
        return;
      }
      window.setTimeout(() => this.open(), this.backoff);
      this.backoff = Math.min(this.backoff * 2, 10000);
    };
  }

  /**
   * Access ended (a sign-out, a password change). A password changed from this very
   * session keeps it (its answer, with the new cookie, lands after the close): then
   * reconnect; else sign in again.
   * @param {number} tries
   */
  afterAccessEnded(tries) {
    fetch("/api/me", { credentials: "same-origin" }).then(
      (r) => {
        if (r.ok) this.open();
        else if (tries > 1) window.setTimeout(() => this.afterAccessEnded(tries - 1), 1000);
        else this.toSignIn();
      },
      () => window.setTimeout(() => this.open(), this.backoff),
    );
  }

  toSignIn() {
    location.href = "/login?next=" + encodeURIComponent(location.pathname);
  }

  /** @param {string} state */
  setState(state) {
    this.state = state;
    for (const node of document.querySelectorAll("[data-live-state]")) node.textContent = state;
    this.emit("onState", state);
  }

  /**
   * @template {keyof Handlers} K
   * @param {K} name @param {any} arg
   */
  emit(name, arg) {
    for (const listener of [...this.listeners]) {
      const handler = listener[name];
      if (handler) /** @type {(a: any) => void} */ (handler).call(listener, arg);
    }
  }

  /** @param {Frame} frame */
  onFrame(frame) {
    switch (frame.type) {
      case "ready":
        this.ready = true;
        this.backoff = 500;
        this.user = frame.user || null;
        this.setState("connected");
        for (const topic of this.followers.keys()) this.sendSubscribe(topic);
        for (const entry of this.pending.values()) {
          if (entry.resend) this.send(entry.frame);
        }
        this.emit("onReady", undefined);
        break;
      case "subscribed":
        if (frame.topic && frame.seq !== null && frame.seq !== undefined) {
          this.cursors[frame.topic] = frame.seq;
        }
        this.emit("onSubscribed", frame);
        break;
      case "resync":
        if (frame.topic && typeof frame.seq === "number") this.cursors[frame.topic] = frame.seq;
        this.emit("onResync", frame);
        break;
      case "event":
        if (frame.topic && typeof frame.seq === "number") {
          if (frame.seq <= (this.cursors[frame.topic] || 0)) return; // already seen
          this.cursors[frame.topic] = frame.seq;
        }
        this.emit("onEvent", frame);
        break;
      case "ack": {
        const entry = frame.id ? this.pending.get(frame.id) : undefined;
        if (entry && frame.id) {
          this.pending.delete(frame.id);
          entry.resolve(frame);
        }
        this.emit("onAck", frame);
        break;
      }
      case "error": {
        const entry = frame.id ? this.pending.get(frame.id) : undefined;
        if (entry && frame.id) {
          if (frame.code === "rate_limited" && entry.resend) {
            const retry = entry.frame;
            window.setTimeout(() => this.send(retry), Math.ceil((frame.retry_after || 1) * 1000));
          } else {
            this.pending.delete(frame.id);
            entry.reject(new ApiError(400, frame.code || "error", frame.message || "refused", frame));
          }
        }
        if (![...this.listeners].some((l) => l.onError)) {
          console.warn("server:", frame.code, frame.message);
        }
        this.emit("onError", frame);
        break;
      }
    }
  }

  /** Send a frame now if the socket is open. @param {Frame} frame */
  send(frame) {
    if (this.ready && this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  /**
   * Send an action with a fresh ``id``; resolves with its ``ack``, rejects with its
   * ``error``. ``resend``: send it again after a reconnect until acked (idempotent actions).
   * @param {Frame} frame @param {{resend?: boolean}} [options] @returns {Promise<Frame>}
   */
  request(frame, options) {
    const id = frame.id || clientId();
    const full = { ...frame, id };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { frame: full, resolve, reject, resend: Boolean(options && options.resend) });
      if (!this.send(full) && !(options && options.resend)) {
        this.pending.delete(id);
        reject(new ApiError(0, "offline", "Not connected: try again in a moment", null));
      }
    });
  }

  /** @param {string} topic */
  sendSubscribe(topic) {
    /** @type {Frame} */
    const frame = { type: "subscribe", topic };
    if (this.cursors[topic] !== undefined) frame.since = this.cursors[topic];
    return this.send(frame);
  }

  /**
   * Follow a topic (again after every reconnect) until the returned function is called.
   * Several parts of a page may follow one topic; it is left when the last lets go.
   * ``since`` sets the cursor when the topic is not followed yet.
   * @param {string} topic @param {number} [since] @returns {() => void}
   */
  follow(topic, since) {
    const count = this.followers.get(topic) || 0;
    this.followers.set(topic, count + 1);
    const cursor = this.cursors[topic];
    if (count === 0) {
      if (since !== undefined) this.cursors[topic] = since;
      this.sendSubscribe(topic);
    } else if (since !== undefined && (cursor === undefined || since < cursor)) {
      // Followed already (by the shell) from a later point, or with no cursor yet: follow
      // again from this part's own point, so it misses nothing between (the server
      // replays; listeners take events by id, so one seen twice changes nothing).
      this.cursors[topic] = since;
      this.sendSubscribe(topic);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.followers.get(topic) || 1) - 1;
      if (left > 0) {
        this.followers.set(topic, left);
        return;
      }
      this.followers.delete(topic);
      delete this.cursors[topic];
      this.send({ type: "unsubscribe", topic });
    };
  }

  /** Listen to the socket until the returned function is called. @param {Handlers} handlers */
  listen(handlers) {
    this.listeners.add(handlers);
    if (this.ready && handlers.onReady) handlers.onReady();
    return () => this.listeners.delete(handlers);
  }
}

/** The tab's socket, shared by the shell and the page. */
export const live = new LiveSocket();
live.start();
