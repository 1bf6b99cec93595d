// The chat page: conversations over HTTP, live messages over the /ws/ protocol
// (docs/realtime-protocol.md). Reconnects and resumes each topic from its cursor; a send
// keeps its client id until acked, so a retry after a reconnect is stored once.
"use strict";

(function () {
  const root = document.getElementById("chat");
  const me = Number(root.dataset.userId);
  const $ = (id) => document.getElementById(id);
  const state = {
    conversations: [],
    current: null,        // conversation id shown
    unacked: new Map(),   // client id -> frame, resent after a reconnect
    online: new Set(),
    typingTimer: null,
    lastTypingSent: 0,
  };

  const { api, clientId } = window.Live;
  const live = window.Live.connect(
    {
      onReady() {
        for (const pending of state.unacked.values()) send(pending);
      },
      onSubscribed(frame) {
        if (frame.online && frame.topic === "dm:" + state.current) {
          state.online = new Set(frame.online);
          renderHeader();
        }
      },
      onResync(frame) {
        // Too far behind for a replay: reload what is shown, continue from the new cursor.
        if (frame.topic === "dm:" + state.current) openConversation(state.current);
      },
      onEvent,
      onAck,
      onError(frame) {
        if (frame.code === "rate_limited" && state.unacked.has(frame.id)) {
          const retry = state.unacked.get(frame.id);
          setTimeout(() => send(retry), Math.ceil(frame.retry_after * 1000));
        } else if (frame.id) failPending(frame.id, frame.message);
        else console.warn("server:", frame.code, frame.message);
      },
    },
    $("ws-state"),
  );
  const send = live.send;
  live.subscribe("user:" + me);

  function onEvent(frame) {
    const data = frame.data;
    switch (frame.event) {
      case "message.created":
        if (data.conversation === state.current) {
          upsertMessage(data, frame.seq);
          markRead(frame.seq);
        }
        break;
      case "message.edited":
      case "message.deleted":
        if (data.conversation === state.current) patchMessage(data);
        break;
      case "read.updated":
        if (data.conversation === state.current && data.user_id !== me) showSeen(data.seq);
        break;
      case "typing.started":
        if (data.conversation === state.current) showTyping(data.user_id);
        break;
      case "presence.changed":
        if (frame.topic === "dm:" + state.current) {
          if (data.online) state.online.add(data.user_id);
          else state.online.delete(data.user_id);
          renderHeader();
        }
        break;
      case "notification.created":
      case "notification.withdrawn":
      case "conversation.added":
        loadConversations();
        break;
    }
  }

  // --- conversations -----------------------------------------------------------------

  async function loadConversations() {
    state.conversations = await api("GET", "/conversations");
    const list = $("conversation-list");
    list.replaceChildren();
    for (const c of state.conversations) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.conversation = c.id;
      button.setAttribute("aria-current", String(c.id === state.current));
      const name = document.createElement("span");
      name.textContent = conversationName(c);
      button.append(name);
      if (c.unread > 0 && c.id !== state.current) {
        const badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = c.unread;
        badge.setAttribute("aria-label", c.unread + " unread");
        button.append(badge);
      }
      button.addEventListener("click", () => openConversation(c.id));
      item.append(button);
      list.append(item);
    }
  }

  function conversationName(c) {
    if (c.title) return c.title;
    const others = c.members.filter((m) => m.id !== me).map((m) => m.name);
    return others.join(", ") || "Just you";
  }

  async function openConversation(id) {
    if (state.current && state.current !== id) live.unsubscribe("dm:" + state.current);
    state.current = id;
    state.online = new Set();
    const page = await api("GET", "/conversations/" + id + "/messages?limit=50");
    const messages = $("messages");
    messages.replaceChildren();
    const items = page.items.slice().reverse();
    for (const m of items) upsertMessage(m, m.seq);
    const topic = "dm:" + id;
    // Follow from the newest message shown (or the start): the server replays the rest.
    live.subscribe(topic, items.length ? items[items.length - 1].seq : 0);
    $("composer").hidden = false;
    renderHeader();
    if (items.length) markRead(items[items.length - 1].seq);
    loadConversations();
  }

  function renderHeader() {
    const c = state.conversations.find((x) => x.id === state.current);
    const header = $("thread-header");
    header.replaceChildren();
    if (!c) { header.textContent = "Conversation"; return; }
    for (const m of c.members.filter((x) => x.id !== me)) {
      const dot = document.createElement("span");
      dot.className = "dot" + (state.online.has(m.id) ? " online" : "");
      dot.title = state.online.has(m.id) ? "here now" : "away";
      header.append(dot, document.createTextNode(m.name + " "));
    }
  }

  async function markRead(seq) {
    if (!state.current || !seq) return;
    if (!send({ type: "dm.read", conversation: state.current, seq })) {
      try { await api("POST", "/conversations/" + state.current + "/read", { seq }); } catch (e) { /* next time */ }
    }
  }

  // --- messages ----------------------------------------------------------------------

  function upsertMessage(m, seq) {
    const key = m.client_id && document.querySelector('[data-client-id="' + CSS.escape(m.client_id) + '"]');
    let item = key || document.querySelector('[data-message="' + m.id + '"]');
    if (!item) {
      item = document.createElement("li");
      $("messages").append(item);
    }
    item.className = "message" + (m.sender.id === me ? " mine" : "") + (m.deleted ? " deleted" : "");
    item.dataset.message = m.id;
    item.dataset.seq = seq;
    if (m.client_id) item.dataset.clientId = m.client_id;
    item.replaceChildren();
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = m.sender.name + " · " + new Date(m.created_at).toLocaleTimeString() + (m.edited_at ? " · edited" : "");
    const body = document.createElement("div");
    body.className = "body";
    if (m.deleted) body.textContent = "message deleted";
    else body.innerHTML = m.html;  // sanitized by the server (bleach) before it was stored
    item.append(meta, body);
    if (m.sender.id === me && !m.deleted) {
      const actions = document.createElement("div");
      actions.className = "actions";
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Delete";
      remove.addEventListener("click", () => {
        const frame = { type: "dm.delete", id: clientId(), message: m.id };
        if (!send(frame)) api("DELETE", "/messages/" + m.id).catch(alert);
      });
      actions.append(remove);
      item.append(actions);
    }
    item.scrollIntoView({ block: "end" });
  }

  function patchMessage(data) {
    const item = document.querySelector('[data-message="' + data.id + '"]');
    if (!item) return;
    const body = item.querySelector(".body");
    if (data.deleted_at) {
      item.classList.add("deleted");
      body.textContent = "message deleted";
      const actions = item.querySelector(".actions");
      if (actions) actions.remove();
    } else {
      body.innerHTML = data.html;
      item.querySelector(".meta").textContent += " · edited";
    }
  }

  function showSeen(seq) {
    document.querySelectorAll(".message.mine").forEach((item) => {
      item.title = Number(item.dataset.seq) <= seq ? "Seen" : "";
    });
  }

  function showTyping(userId) {
    const c = state.conversations.find((x) => x.id === state.current);
    const who = c && c.members.find((m) => m.id === userId);
    const line = $("typing");
    line.textContent = (who ? who.name : "Someone") + " is typing…";
    line.hidden = false;
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(() => { line.hidden = true; }, 4000);
  }

  function failPending(id, message) {
    const item = document.querySelector('[data-client-id="' + CSS.escape(id) + '"]');
    state.unacked.delete(id);
    if (item) {
      item.classList.remove("pending");
      item.title = "Not sent: " + message;
      item.querySelector(".meta").textContent += " · not sent: " + message;
    }
  }

  function onAck(frame) {
    state.unacked.delete(frame.id);
    const item = document.querySelector('[data-client-id="' + CSS.escape(frame.id) + '"]');
    if (item) item.classList.remove("pending");
  }

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const textarea = $("body");
    const body = textarea.value.trim();
    if (!body || !state.current) return;
    const frame = { type: "dm.send", id: clientId(), conversation: state.current, body };
    state.unacked.set(frame.id, frame);
    const item = document.createElement("li");
    item.className = "message mine pending";
    item.dataset.clientId = frame.id;
    const meta = document.createElement("div");
    meta.className = "meta";
    meta.textContent = root.dataset.userName + " · sending…";
    const text = document.createElement("div");
    text.className = "body";
    text.textContent = body;
    item.append(meta, text);
    $("messages").append(item);
    item.scrollIntoView({ block: "end" });
    textarea.value = "";
    send(frame);  // if the socket is down, it goes out on the next "ready"
  });

  $("body").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("composer").requestSubmit();
      return;
    }
    const now = Date.now();
    if (state.current && now - state.lastTypingSent > 3000) {
      state.lastTypingSent = now;
      send({ type: "dm.typing", conversation: state.current });
    }
  });

  // --- starting a conversation -------------------------------------------------------

  let searchTimer = null;
  $("contact-search").addEventListener("input", (event) => {
    clearTimeout(searchTimer);
    const q = event.target.value.trim();
    searchTimer = setTimeout(async () => {
      const results = $("contact-results");
      results.replaceChildren();
      if (q.length < 3) return; // the server searches names from 3 characters on
      for (const person of await api("GET", "/messaging/contacts?q=" + encodeURIComponent(q))) {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = person.name + " (" + person.role.replace("_", " ") + ")";
        button.addEventListener("click", async () => {
          const c = await api("POST", "/conversations", { members: [person.id] });
          results.replaceChildren();
          $("contact-search").value = "";
          await loadConversations();
          openConversation(c.id);
        });
        item.append(button);
        results.append(item);
      }
    }, 250);
  });
  $("new-conversation").addEventListener("submit", (event) => event.preventDefault());

  loadConversations().then(() => {
    const wanted = Number(new URLSearchParams(location.search).get("conversation"));
    if (wanted) openConversation(wanted);
  });
})();
