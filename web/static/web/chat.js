// @ts-check
// The chat page: conversations over HTTP, live messages on the tab's one socket
// (docs/realtime-protocol.md). The socket resumes each followed topic from its cursor after
// a reconnect; a send keeps its id until acked, so a retry is stored once. On a phone the
// page shows the list or the open conversation, with a way back.

import { api, ApiError, announce, byIdAs, clientId, el, live, me } from "./live.js";
import {
  clearMessages,
  notSent,
  patchMessage,
  sent,
  showMessage,
  showOlder,
  showPending,
  showSeen,
  shownRange,
} from "./chat-messages.js";
import { setUpContactSearch, setUpGroupForm } from "./chat-people.js";

/** @typedef {import("./chat-types.js").Conversation} Conversation */
/** @typedef {import("./chat-types.js").Message} Message */
/** @typedef {import("./chat-types.js").HistoryPage} HistoryPage */
/** @typedef {import("./live.js").Frame} Frame */

const PAGE = 50;

const root = byIdAs("chat", HTMLDivElement);
const conversationList = byIdAs("conversation-list", HTMLUListElement);
const emptyNote = byIdAs("conversations-empty", HTMLParagraphElement);
const title = byIdAs("thread-title", HTMLHeadingElement);
const presence = byIdAs("thread-presence", HTMLParagraphElement);
const earlier = byIdAs("load-earlier", HTMLButtonElement);
const typing = byIdAs("typing", HTMLParagraphElement);
const composer = byIdAs("composer", HTMLFormElement);
const textarea = byIdAs("body", HTMLTextAreaElement);
const composerError = byIdAs("composer-error", HTMLParagraphElement);
const back = byIdAs("back", HTMLButtonElement);

const state = {
  /** @type {Conversation[]} */
  conversations: [],
  /** @type {Conversation | null} */
  current: null,
  /** @type {(() => void) | null} */
  release: null,
  /** Who is online, per conversation topic (from every `subscribed` frame and change,
   * whichever part of the page followed the topic first). @type {Map<string, Set<number>>} */
  online: new Map(),
  /** @type {number | null} the `before` cursor of the next older page */
  nextBefore: null,
  /** @type {number | undefined} */
  typingTimer: undefined,
  lastTypingSent: 0,
  readSeq: 0,
};

const topic = () => (state.current ? "dm:" + state.current.id : "");

/** @param {Conversation} c */
function conversationName(c) {
  if (c.title) return c.title;
  const others = c.members.filter((m) => m.id !== me.id).map((m) => m.name);
  return others.join(", ") || "Just you";
}

/** @param {"list" | "thread"} view */
function showView(view) {
  root.dataset.view = view;
}

// --- conversations ---------------------------------------------------------------------

async function loadConversations() {
  state.conversations = /** @type {Conversation[]} */ (await api("GET", "/conversations"));
  if (state.current) {
    const id = state.current.id;
    const fresh = state.conversations.find((c) => c.id === id);
    if (fresh) state.current = fresh;
  }
  renderConversations();
}

function renderConversations() {
  emptyNote.hidden = state.conversations.length > 0;
  conversationList.replaceChildren(
    ...state.conversations.map((c) => {
      const current = c.id === state.current?.id;
      const unread = current ? 0 : c.unread;
      const button = el(
        "button",
        { type: "button", dataset: { conversation: String(c.id) } },
        el("span", { className: "name" }, conversationName(c)),
        c.kind === "group" ? el("span", { className: "tag" }, "group") : null,
        unread > 0 ? el("span", { className: "badge" }, String(unread)) : null,
        unread > 0 ? el("span", { className: "visually-hidden" }, " unread") : null,
      );
      button.setAttribute("aria-current", String(current));
      button.addEventListener("click", () => openConversation(c.id, { focus: true }));
      return el("li", {}, button);
    }),
  );
}

/**
 * Show a conversation: its newest page, then follow its topic from the newest shown.
 * @param {number} id @param {{focus?: boolean}} [options]
 */
async function openConversation(id, options) {
  let conversation = state.conversations.find((c) => c.id === id);
  if (!conversation) {
    try {
      conversation = /** @type {Conversation} */ (await api("GET", "/conversations/" + id));
    } catch (failure) {
      composerError.textContent =
        failure instanceof ApiError && failure.status === 404
          ? "That conversation is not there, or you are not in it."
          : "The conversation did not open: try again.";
      return;
    }
    state.conversations.unshift(conversation);
  }
  if (state.release) state.release();
  state.release = null;
  state.current = conversation;
  state.readSeq = 0;
  composerError.textContent = "";
  typing.textContent = "";
  clearMessages();
  title.textContent = conversationName(conversation);
  renderPresence();
  renderConversations();
  showView("thread");
  composer.hidden = false;
  if (options?.focus) title.focus();

  const page = /** @type {HistoryPage} */ (
    await api("GET", `/conversations/${id}/messages?limit=${PAGE}`)
  );
  if (state.current?.id !== id) return; // another one was opened meanwhile
  for (const m of page.items.slice().reverse()) showMessage(m, m.seq || 0);
  state.nextBefore = page.next_before;
  earlier.hidden = state.nextBefore === null;
  // Follow from the newest message shown: the server replays what came after it.
  state.release = live.follow("dm:" + id, shownRange().newest);
  showSeen(conversation);
  markRead();
}

/**
 * After each (re)subscription, merge the newest page: the replay covers what came after
 * the socket's cursor, but the topic may have been followed (by the shell) before any
 * cursor was known, and then nothing is replayed. Merging is idempotent and keeps seq order.
 */
async function catchUp() {
  const c = state.current;
  if (!c) return;
  try {
    const page = /** @type {HistoryPage} */ (
      await api("GET", `/conversations/${c.id}/messages?limit=${PAGE}`)
    );
    if (state.current?.id !== c.id) return;
    for (const m of page.items.slice().reverse()) showMessage(m, m.seq || 0);
    showSeen(c);
    markRead();
  } catch {
    // the next subscription tries again
  }
}

async function loadEarlier() {
  if (!state.current || state.nextBefore === null) return;
  const id = state.current.id;
  earlier.disabled = true;
  try {
    const page = /** @type {HistoryPage} */ (
      await api("GET", `/conversations/${id}/messages?limit=${PAGE}&before=${state.nextBefore}`)
    );
    if (state.current?.id !== id) return;
    showOlder(page.items);
    state.nextBefore = page.next_before;
    earlier.hidden = state.nextBefore === null;
    announce(page.items.length + " earlier messages loaded");
    if (earlier.hidden) title.focus();
    if (state.current) showSeen(state.current);
  } catch (failure) {
    composerError.textContent = failure instanceof Error ? failure.message : "Not loaded";
  } finally {
    earlier.disabled = false;
  }
}

function renderPresence() {
  const c = state.current;
  if (!c) return;
  const others = c.members.filter((m) => m.id !== me.id);
  presence.replaceChildren(
    ...others.flatMap((m, i) => {
      const here = state.online.get(topic())?.has(m.id) || false;
      return [
        i ? ", " : "",
        el("span", { className: "dot" + (here ? " online" : ""), ariaHidden: "true" }),
        m.name + (here ? " (online)" : " (away)"),
      ];
    }),
  );
}

/** Tell the server what I have read, and the shell to count again. */
async function markRead() {
  const c = state.current;
  const newest = shownRange().newest;
  if (!c || !newest || newest <= state.readSeq) return;
  state.readSeq = newest;
  try {
    await live.request({ type: "dm.read", conversation: c.id, seq: newest });
  } catch (failure) {
    if (failure instanceof ApiError && failure.code === "offline") {
      await api("POST", `/conversations/${c.id}/read`, { seq: newest }).catch(() => undefined);
    }
  }
  c.unread = 0;
  document.dispatchEvent(new Event("unread-changed"));
}

// --- the socket ------------------------------------------------------------------------

/** @param {Frame} frame */
function onEvent(frame) {
  const data = frame.data || {};
  const here = state.current !== null && frame.topic === topic();
  switch (frame.event) {
    case "message.created":
      if (here && typeof frame.seq === "number") {
        showMessage(/** @type {Message} */ (data), frame.seq);
        if (data.sender.id !== me.id) {
          typing.textContent = "";
          if (!data.deleted) announce("New message from " + data.sender.name);
          if (document.visibilityState === "visible") markRead();
        }
        if (state.current) showSeen(state.current);
      } else if (frame.topic?.startsWith("dm:")) {
        loadConversations();
      }
      break;
    case "message.edited":
    case "message.deleted":
      if (here) {
        patchMessage(data);
        if (state.current) showSeen(state.current);
      }
      break;
    case "read.updated":
      if (here && state.current) {
        const member = state.current.members.find((m) => m.id === data.user_id);
        if (member) member.last_read_seq = Math.max(member.last_read_seq || 0, data.seq);
        if (data.user_id !== me.id) showSeen(state.current);
      }
      break;
    case "typing.started":
      if (here) showTyping(data.user_id);
      break;
    case "presence.changed":
      if (frame.topic?.startsWith("dm:")) {
        const online = state.online.get(frame.topic) || new Set();
        if (data.online) online.add(data.user_id);
        else online.delete(data.user_id);
        state.online.set(frame.topic, online);
        if (here) renderPresence();
      }
      break;
    case "conversation.added":
    case "notification.created":
      loadConversations();
      break;
  }
}

/** @param {number} userId */
function showTyping(userId) {
  const who = state.current?.members.find((m) => m.id === userId);
  typing.textContent = (who ? who.name : "Someone") + " is typing…";
  window.clearTimeout(state.typingTimer);
  state.typingTimer = window.setTimeout(() => (typing.textContent = ""), 4000);
}

live.listen({
  onEvent,
  onSubscribed(frame) {
    if (frame.topic?.startsWith("dm:") && frame.online) {
      state.online.set(frame.topic, new Set(frame.online));
      if (frame.topic === topic()) renderPresence();
    }
    if (frame.topic === topic()) catchUp();
  },
  onResync(frame) {
    // Too far behind for a replay: reload what is shown; the cursor continues from there.
    if (frame.topic === topic() && state.current) openConversation(state.current.id);
  },
  onReady() {
    // Who wrote while this tab was away: the list's order and counts.
    loadConversations().catch(() => undefined);
  },
});

// --- sending ---------------------------------------------------------------------------

composer.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = textarea.value.trim();
  const c = state.current;
  if (!body || !c) return;
  const id = clientId();
  showPending(id, body);
  textarea.value = "";
  composerError.textContent = "";
  try {
    // Resent after a reconnect until acked; the server stores it once by its id.
    const ack = await live.request(
      { type: "dm.send", id, conversation: c.id, body },
      { resend: true },
    );
    sent(id, Number(ack.message), Number(ack.seq));
    if (state.current) showSeen(state.current);
  } catch (failure) {
    const reason = failure instanceof Error ? failure.message : "refused";
    notSent(id, reason);
    composerError.textContent = "Not sent: " + reason;
  }
});

textarea.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    composer.requestSubmit();
    return;
  }
  const now = Date.now();
  if (state.current && now - state.lastTypingSent > 3000) {
    state.lastTypingSent = now;
    live.send({ type: "dm.typing", conversation: state.current.id });
  }
});

earlier.addEventListener("click", loadEarlier);

back.addEventListener("click", () => {
  const id = state.current?.id;
  showView("list");
  const button = id && conversationList.querySelector(`[data-conversation="${id}"]`);
  if (button instanceof HTMLElement) button.focus();
});

document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") markRead();
});

/** @param {Conversation} conversation */
async function started(conversation) {
  await loadConversations();
  await openConversation(conversation.id, { focus: true });
}

setUpContactSearch(started);
setUpGroupForm(started);

loadConversations().then(async () => {
  const query = new URLSearchParams(location.search);
  const wanted = Number(query.get("conversation"));
  if (wanted > 0) openConversation(wanted, { focus: true });
  // `?with={member}`: the direct conversation with them (made once), as a page links it.
  const other = Number(query.get("with"));
  if (!(wanted > 0) && other > 0 && other !== me.id) {
    try {
      started(/** @type {Conversation} */ (await api("POST", "/conversations", { members: [other] })));
    } catch {
      announce("That conversation could not be opened.");
    }
  }
});
