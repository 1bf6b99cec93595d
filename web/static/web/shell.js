// @ts-check
// The shell around every page: the notification bell (a live unread count and a list:
// mark read, go to the thing), the unread direct-message count on "Messages", and the
// unread total in the tab's title. It follows ``user:{me}`` and the member's most recent
// conversations on the tab's one socket, which the page shares.

import { announce, api, el, live, me, when } from "./live.js";

/** How many conversations the shell follows for the unread count. A message in one it
 * does not follow comes as a ``dm.message`` notice (the server sends one to members not
 * following the conversation), which makes the shell count again. Every page load opens
 * the socket anew, so this stays small. */
const FOLLOWED_CONVERSATIONS = 20;

/**
 * @typedef {{id: number, kind: string, title: string, body: string, url: string,
 *   data: Record<string, any>, created_at: string, read_at: string | null}} Notice
 * @typedef {{id: number, unread: number, last_seq: number | null}} ConversationSummary
 */

const bell = /** @type {HTMLButtonElement | null} */ (document.getElementById("bell"));
const panel = document.getElementById("bell-panel");
const list = document.getElementById("bell-list");
const bellCount = document.getElementById("bell-count");
const dmCount = document.getElementById("dm-count");

const state = {
  unreadNotices: 0,
  unreadMessages: 0,
  /** @type {Notice[]} */
  notices: [],
  loaded: false,
  /** @type {Map<number, () => void>} */
  followed: new Map(),
  /** @type {number | undefined} */
  refreshTimer: undefined,
  /** @type {number | undefined} */
  noticeTimer: undefined,
};

function render() {
  if (bellCount) {
    bellCount.textContent = state.unreadNotices > 0 ? String(state.unreadNotices) : "";
    bellCount.hidden = state.unreadNotices === 0;
  }
  if (bell) {
    const label =
      state.unreadNotices === 1
        ? "Notifications, 1 unread"
        : state.unreadNotices > 1
          ? "Notifications, " + state.unreadNotices + " unread"
          : "Notifications";
    bell.setAttribute("aria-label", label);
  }
  if (dmCount) {
    dmCount.textContent = state.unreadMessages > 0 ? String(state.unreadMessages) : "";
    dmCount.hidden = state.unreadMessages === 0;
    const link = dmCount.closest("a");
    if (link) {
      if (state.unreadMessages > 0) link.setAttribute("aria-label", "Messages, " + state.unreadMessages + " unread");
      else link.removeAttribute("aria-label");
    }
  }
  renderTitle();
  if (list && state.loaded) renderList();
}

/** The tab's title starts with the unread total: "(3) Forum · eDietitian Community". */
function renderTitle() {
  const total = state.unreadNotices + state.unreadMessages;
  const title = document.title.replace(/^\(\d+\) /, "");
  const wanted = total > 0 ? "(" + total + ") " + title : title;
  if (document.title !== wanted) document.title = wanted;
}

// A page may retitle itself once it has loaded (a topic, an event): count on its title.
const titleNode = document.querySelector("title");
if (titleNode) {
  new MutationObserver(renderTitle).observe(titleNode, { childList: true, characterData: true, subtree: true });
}

function renderList() {
  if (!list) return;
  if (state.notices.length === 0) {
    list.replaceChildren(el("li", { className: "muted empty" }, "Nothing new. Replies, mentions, reminders and messages show here."));
    return;
  }
  list.replaceChildren(
    ...state.notices.map((notice) => {
      const link = el(
        "a",
        { href: notice.url || "/notifications", className: "notice-link" },
        el("span", { className: "notice-title" }, notice.title),
        notice.body ? el("span", { className: "notice-body" }, notice.body) : null,
        el("time", { className: "notice-time", dateTime: notice.created_at }, when(notice.created_at)),
      );
      link.addEventListener("click", () => markRead([notice.id]));
      return el("li", { className: notice.read_at ? "notice" : "notice unread", dataset: { id: String(notice.id) } },
        notice.read_at ? null : el("span", { className: "visually-hidden" }, "Unread: "),
        link);
    }),
  );
}

async function loadNotices() {
  const page = await api("GET", "/notifications?limit=20");
  state.notices = /** @type {Notice[]} */ (page.items);
  state.loaded = true;
  render();
}

async function loadUnreadNotices() {
  const data = await api("GET", "/notifications/unread-count");
  state.unreadNotices = data.unread_count;
  render();
}

/** @param {number[] | "all"} ids */
async function markRead(ids) {
  const body = ids === "all" ? { all: true } : { ids };
  const data = await api("POST", "/notifications/read", body);
  state.unreadNotices = data.unread_count;
  const now = new Date().toISOString();
  for (const notice of state.notices) {
    if (ids === "all" || ids.includes(notice.id)) notice.read_at = notice.read_at || now;
  }
  render();
}

/** The unread direct messages, from the member's conversations; follows the newest. */
async function loadConversations() {
  const conversations = /** @type {ConversationSummary[]} */ (await api("GET", "/conversations"));
  state.unreadMessages = conversations.reduce((sum, c) => sum + (c.unread || 0), 0);
  const wanted = new Set(conversations.slice(0, FOLLOWED_CONVERSATIONS).map((c) => c.id));
  for (const [id, release] of state.followed) {
    if (!wanted.has(id)) {
      release();
      state.followed.delete(id);
    }
  }
  for (const id of wanted) {
    if (!state.followed.has(id)) state.followed.set(id, live.follow("dm:" + id));
  }
  render();
}

/** Count the unread notices again soon (a burst of notices makes one request). */
function refreshNotices() {
  window.clearTimeout(state.noticeTimer);
  state.noticeTimer = window.setTimeout(() => {
    loadUnreadNotices().catch(() => undefined);
  }, 150);
}

/** Count again soon (several events in a burst make one request). */
function refreshConversations() {
  window.clearTimeout(state.refreshTimer);
  state.refreshTimer = window.setTimeout(() => {
    loadConversations().catch(() => undefined);
  }, 400);
}

function openPanel() {
  if (!bell || !panel) return;
  panel.hidden = false;
  bell.setAttribute("aria-expanded", "true");
  loadNotices().catch(() => undefined);
  const first = panel.querySelector("button, a");
  if (first instanceof HTMLElement) first.focus();
}

function closePanel(returnFocus = true) {
  if (!bell || !panel || panel.hidden) return;
  panel.hidden = true;
  bell.setAttribute("aria-expanded", "false");
  if (returnFocus) bell.focus();
}

if (me.id && bell && panel) {
  bell.addEventListener("click", () => (panel.hidden ? openPanel() : closePanel()));
  document.getElementById("bell-read-all")?.addEventListener("click", () => {
    markRead("all").then(() => announce("All notifications marked read")).catch(() => undefined);
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closePanel();
  });
  document.addEventListener("click", (event) => {
    const target = event.target;
    if (target instanceof Node && !panel.contains(target) && !bell.contains(target)) closePanel(false);
  });
  // Other parts of the page (the chat) say when they read messages.
  document.addEventListener("unread-changed", refreshConversations);

  live.follow("user:" + me.id);
  live.listen({
    onReady() {
      loadUnreadNotices().catch(() => undefined);
      loadConversations().catch(() => undefined);
    },
    onEvent(frame) {
      const data = frame.data;
      switch (frame.event) {
        case "notification.created":
          if (frame.topic !== "user:" + me.id || !data.title) break;
          if (data.kind === "dm.message") refreshConversations();
          state.notices = [data, ...state.notices.filter((n) => n.id !== data.id)].slice(0, 20);
          // Counted by the server (a replay after a reconnect must not count twice).
          refreshNotices();
          announce("New notification: " + data.title);
          render();
          break;
        case "notification.read":
        case "notification.withdrawn": {
          state.unreadNotices = data.unread_count;
          /** @type {number[]} */
          const ids = data.ids;
          if (frame.event === "notification.withdrawn") {
            state.notices = state.notices.filter((n) => !ids.includes(n.id));
          } else {
            const now = new Date().toISOString();
            for (const n of state.notices) if (ids.includes(n.id)) n.read_at = n.read_at || now;
          }
          render();
          break;
        }
        case "conversation.added":
          refreshConversations();
          break;
        case "message.created":
          if (data.sender && data.sender.id !== me.id) refreshConversations();
          break;
        case "message.deleted":
        case "read.updated":
          refreshConversations();
          break;
      }
    },
  });
}
