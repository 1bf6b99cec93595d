// @ts-check
// A live room (event:{id}): chat, questions with upvotes, polls, raised hands and a head
// count; hosts also get the room's controls and the attendee list. What the room was
// like when the page opened comes from the API (GET .../room gives the latest poll, my
// vote and my hand); what changes after comes on the socket.

import { ApiError, announce, api, byId, byIdAs, el, live, me } from "./live.js";
import { act, eventId, message, roomPath, state } from "./room-common.js";
import { renderHand, renderHands, renderPoll, showPoll } from "./room-poll.js";
import { loadQuestions, onQuestionEvent } from "./room-questions.js";

/**
 * @typedef {{id: number, event: number, author: {id: number, name: string, host: boolean},
 *   client_id: string, html: string, created_at: string}} Chat
 * @typedef {{event: number, chat_mode: string, chat_slow_seconds: number, ended: boolean}} Settings
 * @typedef {import("./room-common.js").Person} Person
 */

const inside = byId("room").dataset.inside === "1";
const topic = "event:" + eventId;

/**
 * The member is not (or no longer) in the room: say so, and the way in when there is one.
 * @param {string} why @param {boolean} [wayIn]
 */
function shutOut(why, wayIn = true) {
  byId("room-state").textContent = why;
  byId("room-way-in").hidden = !wayIn;
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
        if (data.removed) shutOut("The host removed you from this room.", false);
        else renderComposer();
      }
      break;
    case "room.question":
    case "room.question_votes":
    case "room.question_answered":
    case "room.question_hidden":
      onQuestionEvent(frame.event, data);
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
  await loadQuestions();
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
