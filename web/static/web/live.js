// What every page shares: the JSON API with the session's CSRF token, and one socket on
// /ws/ (docs/realtime-protocol.md) that reconnects with backoff, keeps a cursor per
// durable topic, resubscribes from it after a reconnect and drops events already seen.
"use strict";

window.Live = (function () {
  function csrf() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function api(method, path, body) {
    const response = await fetch("/api" + path, {
      method,
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = response.status === 204 ? null : await response.json();
    if (!response.ok) throw new Error((data && data.message) || response.statusText);
    return data;
  }

  // An element with properties and children (text or nodes): the pages build with it.
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  function clientId() {
    return "web-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }

  // handlers: onReady(), onEvent(frame), onAck(frame), onError(frame),
  // onSubscribed(frame), onResync(frame); status: an element told the socket's state.
  function connect(handlers, status) {
    const live = { socket: null, ready: false, backoff: 500, cursors: {}, followed: new Set() };
    const say = (text) => { if (status) status.textContent = text; };

    function open() {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      const socket = new WebSocket(scheme + "://" + location.host + "/ws/");
      live.socket = socket;
      socket.onmessage = (event) => onFrame(JSON.parse(event.data));
      socket.onclose = (event) => {
        live.ready = false;
        say("reconnecting (" + event.code + ")");
        if (event.code === 4401 || event.code === 4403) {
          location.href = "/login?next=" + encodeURIComponent(location.pathname);
          return;
        }
        setTimeout(open, live.backoff);
        live.backoff = Math.min(live.backoff * 2, 10000);
      };
    }

    function onFrame(frame) {
      switch (frame.type) {
        case "ready":
          live.ready = true;
          live.backoff = 500;
          say("connected");
          for (const topic of live.followed) subscribe(topic);
          if (handlers.onReady) handlers.onReady();
          break;
        case "subscribed":
          if (frame.seq !== null && frame.seq !== undefined) live.cursors[frame.topic] = frame.seq;
          if (handlers.onSubscribed) handlers.onSubscribed(frame);
          break;
        case "resync":
          live.cursors[frame.topic] = frame.seq;
          if (handlers.onResync) handlers.onResync(frame);
          break;
        case "event":
          if (frame.seq !== undefined) {
            if (frame.seq <= (live.cursors[frame.topic] || 0)) return;  // already seen
            live.cursors[frame.topic] = frame.seq;
          }
          if (handlers.onEvent) handlers.onEvent(frame);
          break;
        case "ack":
          if (handlers.onAck) handlers.onAck(frame);
          break;
        case "error":
          if (handlers.onError) handlers.onError(frame);
          else console.warn("server:", frame.code, frame.message);
          break;
      }
    }

    function send(frame) {
      if (live.ready && live.socket.readyState === WebSocket.OPEN) {
        live.socket.send(JSON.stringify(frame));
        return true;
      }
      return false;
    }

    // Follow a topic (again after every reconnect); ``since`` sets its cursor first.
    function subscribe(topic, since) {
      if (since !== undefined) live.cursors[topic] = since;
      live.followed.add(topic);
      const frame = { type: "subscribe", topic };
      if (live.cursors[topic] !== undefined) frame.since = live.cursors[topic];
      return send(frame);
    }

    function unsubscribe(topic) {
      live.followed.delete(topic);
      return send({ type: "unsubscribe", topic });
    }

    open();
    return { send, subscribe, unsubscribe, cursors: live.cursors };
  }

  return { api, csrf, clientId, connect, el };
})();
