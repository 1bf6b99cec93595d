// @ts-check
// The notifications page: newest first, older ones on request, all or unread only; new
// notices arrive live on the tab's socket (the shell follows ``user:{me}``).

import { announce, api, byId, byIdAs, el, live, me, when } from "./live.js";

/** @typedef {{id: number, kind: string, title: string, body: string, url: string,
 *   created_at: string, read_at: string | null}} Notice */

const PAGE = 30;
const listNode = byId("notifications");
const status = byId("notifications-status");
const more = byIdAs("more", HTMLButtonElement);
const state = {
  /** @type {Notice[]} */
  notices: [],
  unreadOnly: false,
  total: 0,
};

/** @param {Notice} notice */
function item(notice) {
  const link = el(
    "a",
    { href: notice.url || "#", className: "notice-link" },
    el("span", { className: "notice-title" }, notice.title),
    notice.body ? el("span", { className: "notice-body" }, notice.body) : null,
    el("time", { className: "notice-time", dateTime: notice.created_at }, when(notice.created_at)),
  );
  link.addEventListener("click", () => {
    if (!notice.read_at) markRead([notice.id]).catch(() => undefined);
  });
  const node = el(
    "li",
    { className: notice.read_at ? "notice" : "notice unread", dataset: { id: String(notice.id) } },
    notice.read_at ? null : el("span", { className: "visually-hidden" }, "Unread: "),
    link,
  );
  if (!notice.read_at) {
    const button = el("button", { type: "button", className: "link-button" }, "Mark read");
    button.setAttribute("aria-label", "Mark read: " + notice.title);
    button.addEventListener("click", () => {
      markRead([notice.id])
        .then(() => {
          announce("Marked read");
          const again = listNode.querySelector('[data-id="' + notice.id + '"] a');
          if (again instanceof HTMLElement) again.focus();
        })
        .catch(showError);
    });
    node.append(button);
  }
  return node;
}

function render() {
  const shown = state.unreadOnly ? state.notices.filter((n) => !n.read_at) : state.notices;
  if (shown.length === 0) {
    listNode.replaceChildren(
      el("li", { className: "muted empty" }, state.unreadOnly ? "Nothing unread." : "No notifications yet."),
    );
  } else {
    listNode.replaceChildren(...shown.map(item));
  }
  more.hidden = state.notices.length >= state.total;
}

/** @param {unknown} error */
function showError(error) {
  status.textContent = error instanceof Error ? error.message : "Something went wrong";
}

/** @param {boolean} reset */
async function load(reset) {
  const offset = reset ? 0 : state.notices.length;
  const query = "?limit=" + PAGE + "&offset=" + offset + (state.unreadOnly ? "&unread=true" : "");
  const page = await api("GET", "/notifications" + query);
  const items = /** @type {Notice[]} */ (page.items);
  state.total = page.count;
  state.notices = reset ? items : [...state.notices, ...items.filter((n) => !state.notices.some((m) => m.id === n.id))];
  render();
}

/** @param {number[] | "all"} ids */
async function markRead(ids) {
  await api("POST", "/notifications/read", ids === "all" ? { all: true } : { ids });
  const now = new Date().toISOString();
  for (const n of state.notices) if (ids === "all" || ids.includes(n.id)) n.read_at = n.read_at || now;
  render();
}

for (const radio of document.querySelectorAll('input[name="show"]')) {
  radio.addEventListener("change", (event) => {
    const target = /** @type {HTMLInputElement} */ (event.target);
    state.unreadOnly = target.value === "unread";
    load(true).catch(showError);
  });
}
byId("read-all").addEventListener("click", () => {
  markRead("all").then(() => announce("All notifications marked read")).catch(showError);
});
more.addEventListener("click", () => {
  const before = state.notices.length;
  load(false)
    .then(() => {
      const next = listNode.children[before];
      const link = next && next.querySelector("a");
      if (link) link.focus();
    })
    .catch(showError);
});

live.listen({
  onReady() {
    load(true).catch(showError);
  },
  onEvent(frame) {
    if (frame.topic !== "user:" + me.id) return;
    const data = frame.data;
    if (frame.event === "notification.created" && data.title) {
      state.notices = [data, ...state.notices.filter((n) => n.id !== data.id)];
      state.total += 1;
      render();
    } else if (frame.event === "notification.withdrawn") {
      /** @type {number[]} */
      const ids = data.ids;
      state.notices = state.notices.filter((n) => !ids.includes(n.id));
      render();
    } else if (frame.event === "notification.read") {
      /** @type {number[]} */
      const ids = data.ids;
      const now = new Date().toISOString();
      for (const n of state.notices) if (ids.includes(n.id)) n.read_at = n.read_at || now;
      render();
    }
  },
});
