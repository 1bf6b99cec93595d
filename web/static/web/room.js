// A live room (event:{id}): chat, questions with upvotes, polls, raised hands, a head
// count; hosts also get the room's controls and the attendee list.
"use strict";

(function () {
  const { api, clientId, el } = window.Live;
  const $ = (id) => document.getElementById(id);
  const eventId = Number($("room").dataset.eventId);
  const topic = "event:" + eventId;
  const state = { host: false, pending: new Map(), poll: null, myHand: false };

  const live = window.Live.connect(
    {
      onReady() {
        for (const frame of state.pending.values()) live.send(frame);
      },
      onEvent(frame) {
        const data = frame.data;
        switch (frame.event) {
          case "room.chat": addChat(data); break;
          case "room.settings": renderSettings(data); break;
          case "room.question": upsertQuestion(data); break;
          case "room.question_votes": patchQuestion(data.question, (n) => { n.querySelector(".votes").textContent = data.votes; }); break;
          case "room.question_answered": patchQuestion(data.question, (n) => n.classList.add("answered")); break;
          case "room.question_hidden":
            patchQuestion(data.question, (n) => n.remove());
            $("hidden-count").textContent = data.hidden + " hidden by the hosts";
            break;
          case "room.poll": renderPoll(data); break;
          case "room.hands": renderHands(data.raised); break;
          case "presence.count": $("head-count").textContent = data.count; if (state.host) loadPresent(); break;
        }
      },
      onAck(frame) { state.pending.delete(frame.id); },
      onError(frame) {
        if (frame.topic === topic && frame.code === "forbidden") {
          $("room-state").textContent = "You are not in this room.";
          $("chat-form").hidden = true;
          return;
        }
        state.pending.delete(frame.id);
        $("chat-error").textContent = frame.message;
      },
      onResync() { loadChat(); },
    },
    $("ws-state"),
  );

  // --- chat ----------------------------------------------------------------------------

  function addChat(m) {
    if (document.querySelector('[data-chat="' + m.id + '"]')) return;
    const body = el("div", { className: "body" });
    body.innerHTML = m.html;  // sanitized by the server (bleach)
    const item = el("li", { className: "message" }, el("div", { className: "meta", textContent: m.author.name + (m.author.host ? " (host)" : "") }), body);
    item.dataset.chat = m.id;
    $("chat").append(item);
    $("chat").scrollTop = $("chat").scrollHeight;
  }

  async function loadChat() {
    for (const m of await api("GET", "/events/" + eventId + "/room/chat")) addChat(m);
  }

  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = $("chat-body").value.trim();
    if (!body) return;
    $("chat-error").textContent = "";
    const frame = { type: "room.chat", id: clientId(), event: eventId, body };
    state.pending.set(frame.id, frame);
    live.send(frame);
    $("chat-body").value = "";
  });

  $("chat-body").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $("chat-form").requestSubmit();
    }
  });

  function renderSettings(s) {
    const notes = [];
    if (s.chat_mode === "hosts") notes.push("Only hosts may write in the chat");
    if (s.chat_mode === "nobody") notes.push("The chat is closed");
    if (s.chat_slow_seconds) notes.push("Slow mode: " + s.chat_slow_seconds + " s");
    if (s.ended) notes.push("The session has ended");
    $("room-state").textContent = notes.join(" · ");
    $("chat-mode").value = s.chat_mode;
  }

  // --- questions -------------------------------------------------------------------------

  function upsertQuestion(q) {
    let item = document.querySelector('[data-question="' + q.id + '"]');
    if (!item) {
      item = el("li");
      item.dataset.question = q.id;
      $("questions").append(item);
    }
    const up = el("button", { type: "button", textContent: "▲ " });
    up.setAttribute("aria-label", "upvote");
    up.append(el("span", { className: "votes", textContent: String(q.votes) }));
    up.addEventListener("click", () => live.send({ type: "room.upvote", id: clientId(), question: q.id }));
    item.replaceChildren(up, " ", el("span", { className: "text", textContent: q.body }), el("span", { className: "muted", textContent: " · " + q.author }));
    if (q.answered) item.classList.add("answered");
    if (state.host) {
      for (const action of ["answer", "hide"]) {
        const button = el("button", { type: "button", textContent: action === "answer" ? "Answered" : "Hide" });
        button.addEventListener("click", () => api("POST", "/events/" + eventId + "/room/questions/" + q.id + "/" + action).catch((e) => alert(e.message)));
        item.append(" ", button);
      }
    }
  }

  function patchQuestion(id, change) {
    const item = document.querySelector('[data-question="' + id + '"]');
    if (item) change(item);
  }

  $("ask-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = $("ask-body").value.trim();
    if (body) live.send({ type: "room.ask", id: clientId(), event: eventId, body });
    $("ask-body").value = "";
  });

  // --- polls and hands -------------------------------------------------------------------

  function renderPoll(p) {
    state.poll = p;
    const box = $("poll");
    box.replaceChildren(el("p", { textContent: p.question + (p.closed ? " (closed)" : "") }));
    p.options.forEach((label, i) => {
      const button = el("button", { type: "button", className: "option", textContent: label + " · " + p.counts[i] });
      button.disabled = p.closed;
      button.addEventListener("click", () => live.send({ type: "room.vote", id: clientId(), poll: p.id, option: i }));
      box.append(el("div", null, button));
    });
    if (state.host && !p.closed) {
      const close = el("button", { type: "button", textContent: "Close the poll" });
      close.addEventListener("click", () => api("POST", "/events/" + eventId + "/room/polls/" + p.id + "/close"));
      box.append(close);
    }
  }

  $("poll-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const options = $("poll-options").value.split(",").map((o) => o.trim()).filter(Boolean);
    try {
      await api("POST", "/events/" + eventId + "/room/polls", { question: $("poll-question").value, options });
      $("poll-form").reset();
    } catch (error) { alert(error.message); }
  });

  function renderHands(raised) {
    const list = $("hands");
    list.replaceChildren();
    for (const h of raised) {
      const item = el("li", null, el("span", { textContent: "✋ " + h.name }));
      if (state.host) {
        const lower = el("button", { type: "button", textContent: "Lower" });
        lower.addEventListener("click", () => api("DELETE", "/events/" + eventId + "/room/hands/" + h.user));
        item.append(" ", lower);
      }
      list.append(item);
    }
  }

  $("hand").addEventListener("click", () => {
    state.myHand = !state.myHand;
    live.send({ type: "room.hand", event: eventId, up: state.myHand });
    $("hand").textContent = state.myHand ? "Lower my hand" : "Raise my hand";
  });

  // --- hosts ------------------------------------------------------------------------------

  async function loadPresent() {
    const present = await api("GET", "/events/" + eventId + "/room/present");
    $("head-count").textContent = present.count;
    if (!state.host) return;
    const list = $("attendees");
    list.replaceChildren();
    for (const a of present.attendees) {
      const item = el("li", null, el("span", { textContent: a.name }));
      item.dataset.attendee = a.user;
      for (const action of ["mute", "unmute", "remove"]) {
        const button = el("button", { type: "button", textContent: action[0].toUpperCase() + action.slice(1) });
        button.addEventListener("click", () => api("POST", "/events/" + eventId + "/room/attendees/" + a.user + "/" + action).catch((e) => alert(e.message)));
        item.append(" ", button);
      }
      list.append(item);
    }
    renderHands(present.hands);
  }

  $("chat-mode").addEventListener("change", () => api("PATCH", "/events/" + eventId + "/room", { chat_mode: $("chat-mode").value }));
  $("end-session").addEventListener("click", () => {
    if (confirm("End the session for everyone?")) api("POST", "/events/" + eventId + "/room/end");
  });

  async function load() {
    const roomInfo = await api("GET", "/events/" + eventId + "/room");
    state.host = roomInfo.host;
    $("room-title").textContent = roomInfo.title;
    renderSettings(roomInfo);
    $("host-controls").hidden = !state.host;
    $("poll-form").hidden = !state.host;
    $("attendees-box").hidden = !state.host;
    await loadChat();
    const qa = await api("GET", "/events/" + eventId + "/room/questions");
    for (const q of qa.questions) upsertQuestion(q);
    if (qa.hidden) $("hidden-count").textContent = qa.hidden + " hidden by the hosts";
    await loadPresent();
  }

  // Follow first, then read what is there: nothing said in between is missed.
  live.subscribe(topic);
  load().catch(() => {
    $("room-state").textContent = "You are not in this room.";
    $("chat-form").hidden = true;
  });
})();
