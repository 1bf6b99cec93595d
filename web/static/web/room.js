// @ts-check
// A live room (event:{id}): chat, questions with upvotes, polls, raised hands and a head
// count; hosts also get the room's controls and the attendee list. What the room was
// like when the page opened comes from the API (GET .../room gives the latest poll, my
// vote and my hand); what changes after comes on the socket.

import { ApiError, announce, api, byId, byIdAs, el, live, me } from "./live.js";

/**
 * @typedef {{id: number, event: number, author: {id: number, name: string, host: boolean},
 *   client_id: string, html: string, created_at: string}} Chat
 * @typedef {{id: number, event: number, author: string, body: string, votes: number,
 *   answered: boolean, created_at: string}} Question
 * @typedef {{id: number, event: number, question: string, options: string[],
 *   counts: number[], closed: boolean}} Poll
 * @typedef {{event: number, chat_mode: string, chat_slow_seconds: number, ended: boolean}} Settings
 * @typedef {{user: number, name: string, host?: boolean}} Person
 */

const root = byId("room");
const eventId = Number(root.dataset.eventId);
const inside = root.dataset.inside === "1";
const topic = "event:" + eventId;
const roomPath = "/events/" + eventId + "/room";

const state = {
  host: false,
  ended: false,
  muted: false,
  chatMode: "everyone",
  /** @type {Poll | null} */
  poll: null,
  /** @type {number | null} */
  myVote: null,
  myHand: false,
};

/** @param {unknown} error */
function message(error) {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

/**
 * Send a room action; resolves with its ack. Room actions name the event by its id in
 * ``event`` (the field an event frame uses for the event's name).
 * @param {Record<string, unknown>} frame @param {boolean} [resend]
 */
function act(frame, resend) {
  return live.request(/** @type {import("./live.js").Frame} */ (frame), { resend: Boolean(resend) });
}

/** The member is not (or no longer) in the room: say so, and the way in. */
function shutOut(/** @type {string} */ why) {
  byId("room-state").textContent = why;
  byId("room-way-in").hidden = false;
  byId("room-panels").hidden = true;
  byId("host-controls").hidden = true;
}

// --- chat ----------------------------------------------------------------------------------

/** @param {Chat} m */
function addChat(m) {
  const list = byId("chat");
  if (list.querySelector('[data-chat="' + m.id + '"]')) return;
  const body = el("div", { className: "body" });
  const html = m.html;
  body.innerHTML = html; // sanitized by the server (bleach)
  const item = el(
    "li",
    { className: "message" + (m.author.id === me.id ? " mine" : ""), dataset: { chat: String(m.id) } },
    el("div", { className: "meta" }, m.author.name + (m.author.host ? " (host)" : "")),
    body,
  );
  list.append(item);
  list.scrollTop = list.scrollHeight;
}

async function loadChat() {
  /** @type {Chat[]} */
  const messages = await api("GET", roomPath + "/chat");
  for (const m of messages) addChat(m);
}

const chatForm = byIdAs("chat-form", HTMLFormElement);
const chatBody = byIdAs("chat-body", HTMLTextAreaElement);

chatForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = chatBody.value.trim();
  if (!body || chatBody.disabled) return;
  byId("chat-error").textContent = "";
  chatBody.value = "";
  try {
    await act({ type: "room.chat", event: eventId, body }, true);
  } catch (error) {
    byId("chat-error").textContent = message(error);
    if (!chatBody.value) chatBody.value = body;
  }
});

chatBody.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    chatForm.requestSubmit();
  }
});

/** Who may write now, said next to the composer, and the composer off when I may not. */
function renderComposer() {
  /** @type {string} */
  let why = "";
  if (state.ended) why = "The session has ended: the chat is closed.";
  else if (state.chatMode === "nobody") why = "The host has closed the chat.";
  else if (state.chatMode === "hosts" && !state.host) why = "Only hosts may write in the chat now.";
  else if (state.muted && !state.host) why = "The host has muted you.";
  const note = byId("chat-note");
  note.hidden = !why;
  note.textContent = why;
  const closed = Boolean(why);
  chatBody.disabled = closed;
  chatForm.querySelector("button")?.toggleAttribute("disabled", closed);
  const ask = byIdAs("ask-body", HTMLInputElement);
  ask.disabled = state.ended || (state.muted && !state.host);
  byIdAs("ask-form", HTMLFormElement).querySelector("button")?.toggleAttribute("disabled", ask.disabled);
  byIdAs("hand", HTMLButtonElement).disabled = state.ended;
}

/** @param {Settings} s @param {boolean} [live] */
function renderSettings(s, live) {
  const wasEnded = state.ended;
  state.ended = s.ended;
  state.chatMode = s.chat_mode;
  const notes = [];
  if (s.ended) notes.push("The host ended the session");
  if (!s.ended && s.chat_mode === "hosts") notes.push("Only hosts may write in the chat");
  if (!s.ended && s.chat_mode === "nobody") notes.push("The chat is closed");
  if (!s.ended && s.chat_slow_seconds) notes.push("Slow mode: one message every " + s.chat_slow_seconds + " s");
  byId("room-state").textContent = notes.length ? notes.join(" · ") + "." : "";
  byIdAs("chat-mode", HTMLSelectElement).value = s.chat_mode;
  byIdAs("chat-mode", HTMLSelectElement).disabled = s.ended;
  byIdAs("end-session", HTMLButtonElement).disabled = s.ended;
  byIdAs("poll-form", HTMLFormElement).hidden = !state.host || s.ended;
  renderComposer();
  if (live && s.ended && !wasEnded) announce("The host ended the session.");
}

// --- questions -----------------------------------------------------------------------------

/** @param {Question} q */
function upsertQuestion(q) {
  const list = byId("questions");
  let item = list.querySelector('[data-question="' + q.id + '"]');
  if (!(item instanceof HTMLLIElement)) {
    item = el("li", { className: "question", dataset: { question: String(q.id) } });
    list.append(item);
  }
  const parts = [
    el("p", { className: "question-body" }, q.body),
    el(
      "p",
      { className: "question-meta" },
      q.author + " · ",
      el("span", { className: "votes" }, q.votes),
      q.votes === 1 ? " vote" : " votes",
    ),
  ];
  item.replaceChildren(...parts);
  const actions = el("div", { className: "actions-row" });
  if (q.answered) {
    item.classList.add("answered");
    actions.append(el("span", { className: "tag answered-tag" }, "✓ Answered"));
  } else {
    const up = el("button", { type: "button", className: "secondary small" });
    up.append(el("span", { ariaHidden: "true" }, "▲ "), "Upvote");
    up.addEventListener("click", async () => {
      byId("ask-error").textContent = "";
      try {
        await act({ type: "room.upvote", question: q.id });
      } catch (error) {
        byId("ask-error").textContent = message(error);
      }
    });
    actions.append(up);
  }
  if (state.host && !q.answered) {
    for (const action of ["answer", "hide"]) {
      const button = el(
        "button",
        { type: "button", className: "secondary small" },
        action === "answer" ? "Mark answered" : "Hide",
      );
      button.addEventListener("click", () =>
        api("POST", roomPath + "/questions/" + q.id + "/" + action).catch((error) => {
          byId("ask-error").textContent = message(error);
        }),
      );
      actions.append(button);
    }
  }
  item.append(actions);
}

/** @param {number} id */
function questionItem(id) {
  return byId("questions").querySelector('[data-question="' + id + '"]');
}

/** @type {Map<number, Question>} */
const questions = new Map();

/** @param {Question} q */
function showQuestion(q) {
  questions.set(q.id, q);
  upsertQuestion(q);
}

const askForm = byIdAs("ask-form", HTMLFormElement);
askForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = byIdAs("ask-body", HTMLInputElement);
  const body = input.value.trim();
  if (!body) return;
  byId("ask-error").textContent = "";
  input.value = "";
  try {
    await act({ type: "room.ask", event: eventId, body });
  } catch (error) {
    byId("ask-error").textContent = message(error);
    if (!input.value) input.value = body;
  }
});

// --- polls and hands -----------------------------------------------------------------------

function renderPoll() {
  const p = state.poll;
  const box = byId("poll");
  if (!p) {
    box.replaceChildren(el("p", { className: "muted" }, "No poll yet."));
    return;
  }
  box.replaceChildren(el("p", { className: "poll-question" }, p.question + (p.closed ? " (closed)" : "")));
  p.options.forEach((label, i) => {
    const button = el("button", { type: "button", className: "option" }, label + " · " + p.counts[i]);
    button.disabled = p.closed || state.myVote !== null;
    button.setAttribute("aria-pressed", String(state.myVote === i));
    button.addEventListener("click", async () => {
      byId("poll-error").textContent = "";
      try {
        await act({ type: "room.vote", poll: p.id, option: i });
        state.myVote = i;
        renderPoll();
      } catch (error) {
        byId("poll-error").textContent = message(error);
      }
    });
    box.append(el("div", {}, button));
  });
  if (state.myVote !== null) {
    box.append(el("p", { className: "muted" }, "Your vote: " + p.options[state.myVote] + "."));
  }
  if (state.host && !p.closed) {
    const close = el("button", { type: "button", className: "secondary" }, "Close the poll");
    close.addEventListener("click", () =>
      api("POST", roomPath + "/polls/" + p.id + "/close").catch((error) => {
        byId("poll-error").textContent = message(error);
      }),
    );
    box.append(close);
  }
}

/** @param {Poll} p */
function showPoll(p) {
  if (!state.poll || state.poll.id !== p.id) state.myVote = null;
  state.poll = p;
  renderPoll();
}

byIdAs("poll-form", HTMLFormElement).addEventListener("submit", async (event) => {
  event.preventDefault();
  byId("poll-error").textContent = "";
  const options = byIdAs("poll-options", HTMLInputElement)
    .value.split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  try {
    const question = byIdAs("poll-question", HTMLInputElement).value;
    showPoll(await api("POST", roomPath + "/polls", { question, options }));
    byIdAs("poll-form", HTMLFormElement).reset();
  } catch (error) {
    byId("poll-error").textContent = message(error);
  }
});

function renderHand() {
  const button = byIdAs("hand", HTMLButtonElement);
  button.textContent = state.myHand ? "Lower my hand" : "Raise my hand";
  button.setAttribute("aria-pressed", String(state.myHand));
}

/** @param {Person[]} raised */
function renderHands(raised) {
  state.myHand = raised.some((h) => h.user === me.id);
  renderHand();
  const list = byId("hands");
  list.replaceChildren(
    ...raised.map((h) => {
      const item = el("li", {}, el("span", {}, "✋ " + h.name));
      if (state.host) {
        const lower = el("button", { type: "button", className: "secondary small" }, "Lower");
        lower.addEventListener("click", () =>
          api("DELETE", roomPath + "/hands/" + h.user).catch((error) => {
            byId("hand-error").textContent = message(error);
          }),
        );
        item.append(" ", lower);
      }
      return item;
    }),
  );
}

byIdAs("hand", HTMLButtonElement).addEventListener("click", async () => {
  byId("hand-error").textContent = "";
  const up = !state.myHand;
  try {
    await act({ type: "room.hand", event: eventId, up });
    state.myHand = up;
    renderHand();
    announce(up ? "Your hand is raised." : "Your hand is lowered.");
  } catch (error) {
    byId("hand-error").textContent = message(error);
  }
});

// --- hosts ---------------------------------------------------------------------------------

async function loadPresent() {
  /** @type {{count: number, attendees: Person[], hands: Person[]}} */
  const present = await api("GET", roomPath + "/present");
  byId("head-count").textContent = String(present.count);
  if (!state.host) return;
  const list = byId("attendees");
  list.replaceChildren(
    ...present.attendees.map((a) => {
      const item = el("li", { dataset: { attendee: String(a.user) } }, el("span", {}, a.name));
      if (a.host || a.user === me.id) {
        item.append(" ", el("span", { className: "tag" }, "host"));
        return item;
      }
      for (const action of ["mute", "unmute", "remove"]) {
        const button = el(
          "button",
          { type: "button", className: action === "remove" ? "danger small" : "secondary small" },
          action[0].toUpperCase() + action.slice(1),
        );
        button.addEventListener("click", () =>
          api("POST", roomPath + "/attendees/" + a.user + "/" + action).catch((error) => {
            byId("host-error").textContent = message(error);
          }),
        );
        item.append(" ", button);
      }
      return item;
    }),
  );
  renderHands(present.hands);
}

const endDialog = byIdAs("end-dialog", HTMLDialogElement);
byIdAs("chat-mode", HTMLSelectElement).addEventListener("change", () => {
  const mode = byIdAs("chat-mode", HTMLSelectElement).value;
  api("PATCH", roomPath, { chat_mode: mode }).catch((error) => {
    byId("host-error").textContent = message(error);
  });
});
byId("end-session").addEventListener("click", () => {
  endDialog.showModal();
  byId("end-keep").focus();
});
byId("end-keep").addEventListener("click", () => endDialog.close());
endDialog.addEventListener("close", () => {
  const opener = byIdAs("end-session", HTMLButtonElement);
  if (!opener.disabled) opener.focus();
  else byId("room-title").focus();
});
byId("end-confirm").addEventListener("click", async () => {
  try {
    renderSettings(await api("POST", roomPath + "/end"), true);
  } catch (error) {
    byId("host-error").textContent = message(error);
  }
  endDialog.close();
});

// --- the socket ----------------------------------------------------------------------------

/** @param {import("./live.js").Frame} frame */
function onEvent(frame) {
  if (frame.topic !== topic) return;
  const data = frame.data;
  switch (frame.event) {
    case "room.chat":
      addChat(data);
      break;
    case "room.settings":
      renderSettings(data, true);
      break;
    case "room.attendee":
      if (data.user === me.id) {
        state.muted = data.muted;
        if (data.removed) shutOut("The host removed you from this room.");
        else renderComposer();
      }
      break;
    case "room.question":
      showQuestion(data);
      break;
    case "room.question_votes": {
      const q = questions.get(data.question);
      if (q) showQuestion({ ...q, votes: data.votes });
      break;
    }
    case "room.question_answered": {
      const q = questions.get(data.question);
      if (q) {
        showQuestion({ ...q, answered: true });
        const item = questionItem(q.id);
        if (item) byId("questions").append(item); // answered ones go last
      }
      break;
    }
    case "room.question_hidden":
      questions.delete(data.question);
      questionItem(data.question)?.remove();
      byId("hidden-count").textContent = data.hidden + " hidden by the hosts";
      break;
    case "room.poll":
      showPoll(data);
      break;
    case "room.hands":
      renderHands(data.raised);
      break;
    case "presence.count":
      byId("head-count").textContent = String(data.count);
      if (state.host) loadPresent().catch(() => undefined);
      break;
  }
}

async function load() {
  const info = await api("GET", roomPath);
  state.host = info.host;
  byId("room-title").textContent = info.title;
  byId("host-controls").hidden = !state.host;
  byId("attendees-box").hidden = !state.host;
  state.myVote = info.my_vote;
  state.poll = info.poll;
  state.myHand = info.hand_raised;
  renderSettings(info);
  renderPoll();
  renderHand();
  await loadChat();
  const qa = await api("GET", roomPath + "/questions");
  for (const q of qa.questions) showQuestion(q);
  if (qa.hidden) byId("hidden-count").textContent = qa.hidden + " hidden by the hosts";
  await loadPresent();
}

if (inside) {
  live.listen({
    onEvent,
    onError(frame) {
      if (frame.topic === topic && !frame.id && frame.code === "forbidden") {
        shutOut("You are not in this room.");
      }
    },
    onResync(frame) {
      if (frame.topic === topic) loadChat().catch(() => undefined);
    },
  });
  // Follow first, then read what is there: nothing said in between is missed.
  live.follow(topic);
  load().catch((error) => {
    if (error instanceof ApiError && error.status === 404) shutOut("You are not in this room.");
    else byId("room-state").textContent = "Could not load the room: " + message(error);
  });
}
