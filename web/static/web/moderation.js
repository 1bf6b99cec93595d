// @ts-check
// The moderation page: the review queue (flagged posts, the most flagged first, with
// their hidden text, reasons and notes; a Refresh button and a count, as no socket event
// announces a new flag), upholding or dismissing flags, hiding and restoring posts, topic
// actions, category slow mode, suspensions and the moderation log.

import { announce, api, byId, byIdAs, el, when } from "./live.js";
import { FLAG_REASONS, askReason, keepLineBreaks, linkMentions } from "./forum-shared.js";
import { hidePost, restorePost, suspendMember, topicActionForm } from "./moderation-actions.js";

/**
 * @typedef {import("./forum-shared.js").Post} Post
 * @typedef {import("./forum-shared.js").Category} Category
 * @typedef {import("./forum-shared.js").Thread} Thread
 * @typedef {{post: Post, thread: {id: number, title: string}, open_flags: number,
 *   flags: {reason: string, note: string, at: string}[]}} QueueItem
 * @typedef {{at: string, moderator: string, action: string, target: {kind: string, id: number},
 *   category: number | null, reason: string, data: Record<string, unknown>}} LogEntry
 * @typedef {{id: number, user: number, name: string, until: string, reason: string}} Suspension
 */

const REASON_LABELS = new Map(FLAG_REASONS.map(([value, label]) => [value, label]));
/** @type {Category[]} */
let categories = [];

/** @param {unknown} problem */
function message(problem) {
  return problem instanceof Error ? problem.message : String(problem);
}

async function loadQueue() {
  const list = byId("queue");
  const count = byId("queue-count");
  /** @type {QueueItem[]} */
  let items;
  try {
    items = await api("GET", "/forum/moderation/queue");
  } catch (problem) {
    count.textContent = message(problem);
    return;
  }
  count.textContent = items.length === 1 ? "1 flagged post" : items.length + " flagged posts";
  list.replaceChildren();
  if (!items.length) list.append(el("li", { className: "muted", textContent: "Nothing to review." }));
  for (const item of items) list.append(queueItem(item));
}

/** @param {QueueItem} item */
function queueItem(item) {
  const p = item.post;
  const what = "#" + p.number + " by " + p.author.name + " in “" + item.thread.title + "”";
  const body = el("div", { className: "body" });
  const html = p.hidden_html || p.html;
  body.innerHTML = html; // sanitized by the server (bleach)
  linkMentions(body);
  keepLineBreaks(body);
  const flags = el("ul", { className: "flags" });
  for (const f of item.flags) {
    flags.append(
      el("li", {},
        el("strong", { textContent: REASON_LABELS.get(f.reason) || f.reason }),
        f.note ? el("span", { textContent: ": “" + f.note + "”" }) : null,
        " ",
        el("span", { className: "muted", textContent: when(f.at) }),
      ),
    );
  }
  const resolve = (/** @type {string} */ outcome) =>
    askReason(
      {
        title: outcome === "upheld" ? "Uphold the flags" : "Dismiss the flags",
        what: outcome === "upheld" ? "The post stays hidden from members: " + what : "The post is shown to members again: " + what,
        confirm: outcome === "upheld" ? "Uphold" : "Dismiss",
      },
      (reason) => api("POST", "/forum/moderation/posts/" + p.id + "/resolve", { outcome, reason }),
    ).then((done) => done && afterAction(outcome === "upheld" ? "Flags upheld" : "Flags dismissed"));
  const actions = el("div", { className: "actions-row" });
  const uphold = el("button", { type: "button", textContent: "Uphold" });
  uphold.setAttribute("aria-label", "Uphold the flags on " + what);
  uphold.addEventListener("click", () => resolve("upheld"));
  const dismiss = el("button", { type: "button", className: "secondary", textContent: "Dismiss" });
  dismiss.setAttribute("aria-label", "Dismiss the flags on " + what);
  dismiss.addEventListener("click", () => resolve("dismissed"));
  actions.append(uphold, dismiss);
  const toggle = el("button", { type: "button", className: "secondary", textContent: p.hidden ? "Restore" : "Hide" });
  toggle.setAttribute("aria-label", (p.hidden ? "Restore " : "Hide ") + what);
  toggle.addEventListener("click", async () => {
    const done = p.hidden ? await restorePost(p.id, what) : await hidePost(p.id, what);
    if (done) afterAction(p.hidden ? "Post restored" : "Post hidden");
  });
  actions.append(toggle);
  if (p.author_id) {
    const userId = p.author_id;
    const suspend = el("button", { type: "button", className: "danger", textContent: "Suspend author" });
    suspend.setAttribute("aria-label", "Suspend " + p.author.name);
    suspend.addEventListener("click", async () => {
      if (await suspendMember(userId, p.author.name)) afterAction(p.author.name + " is suspended");
    });
    actions.append(suspend);
  }
  const topicBox = el("details", { className: "topic-box" }, el("summary", { textContent: "Topic actions" }));
  topicBox.addEventListener(
    "toggle",
    async () => {
      if (!topicBox.open || topicBox.querySelector("form")) return;
      const thread = await topicOf(item.thread.id, topicBox);
      if (thread) topicBox.append(topicActionForm(thread, categories, () => afterAction("")));
    },
  );
  const headingId = "queue-post-" + p.id;
  const article = el("article", {},
      el(
        "h3",
        { id: headingId },
        el("a", { href: "/forum/t/" + item.thread.id + "#post-" + p.number, textContent: item.thread.title }),
        " · #" + p.number,
      ),
      el(
        "p",
        { className: "meta" },
        p.author.name + " (@" + p.author.handle + ") · " + item.open_flags + (item.open_flags === 1 ? " flag" : " flags") + " · ",
        el("span", { className: "tag", textContent: p.hidden ? "hidden from members" : "shown to members" }),
      ),
      el("p", { className: "visually-hidden", textContent: p.hidden ? "The hidden text:" : "The text:" }),
      body,
      flags,
      actions,
      topicBox,
  );
  article.setAttribute("aria-labelledby", headingId);
  return el("li", { className: "queue-item" }, article);
}

/** @param {number} id @param {HTMLElement} where @returns {Promise<Thread | null>} */
async function topicOf(id, where) {
  try {
    const page = await api("GET", "/forum/threads/" + id + "/posts?limit=1");
    return page.thread;
  } catch (problem) {
    where.append(el("p", { className: "error", textContent: message(problem) }));
    return null;
  }
}

/** @param {string} said */
function afterAction(said) {
  if (said) announce(said);
  loadQueue();
  loadLog();
  loadSuspensions();
}

async function loadLog() {
  const list = byId("log");
  try {
    /** @type {LogEntry[]} */
    const entries = await api("GET", "/forum/moderation/log");
    list.replaceChildren();
    if (!entries.length) list.append(el("li", { className: "muted", textContent: "Nothing yet." }));
    for (const e of entries.slice(0, 50)) {
      const extra = Object.entries(e.data).map(([k, v]) => k + " " + String(v)).join(", ");
      list.append(
        el("li", {},
          el("time", { dateTime: e.at, textContent: when(e.at) }),
          " · " + e.moderator + ": ",
          el("strong", { textContent: e.action.replace(/_/g, " ") }),
          " " + e.target.kind + " " + e.target.id + (extra ? " (" + extra + ")" : ""),
          el("span", { className: "muted", textContent: " — " + e.reason }),
        ),
      );
    }
  } catch (problem) {
    list.replaceChildren(el("li", { className: "error", textContent: message(problem) }));
  }
}

async function loadSuspensions() {
  const list = byId("suspensions");
  try {
    /** @type {Suspension[]} */
    const found = await api("GET", "/forum/moderation/suspensions");
    list.replaceChildren();
    if (!found.length) list.append(el("li", { className: "muted", textContent: "Nobody is suspended." }));
    for (const s of found) {
      const lift = el("button", { type: "button", className: "secondary", textContent: "Lift" });
      lift.setAttribute("aria-label", "Lift the suspension of " + s.name);
      lift.addEventListener("click", async () => {
        const done = await askReason(
          { title: "Lift the suspension of " + s.name, confirm: "Lift it" },
          (reason) => api("DELETE", "/forum/moderation/suspensions/" + s.id + "?reason=" + encodeURIComponent(reason)),
        );
        if (done) afterAction("Suspension lifted");
      });
      list.append(
        el("li", {},
          el("strong", { textContent: s.name }),
          " until " + when(s.until) + " — " + s.reason + " ",
          lift,
        ),
      );
    }
  } catch (problem) {
    list.replaceChildren(el("li", { className: "error", textContent: message(problem) }));
  }
}

async function loadCategories() {
  categories = await api("GET", "/forum/categories");
  const select = byIdAs("slow-category", HTMLSelectElement);
  select.replaceChildren();
  for (const c of categories) {
    select.append(el("option", { value: String(c.id), textContent: c.name + (c.slow_mode_seconds ? " (slow: " + c.slow_mode_seconds + " s)" : "") }));
  }
}

byIdAs("category-slow", HTMLFormElement).addEventListener("submit", async (event) => {
  event.preventDefault();
  const note = byId("slow-note");
  const reason = byIdAs("slow-reason", HTMLInputElement);
  try {
    await api("POST", "/forum/moderation/categories/" + byIdAs("slow-category", HTMLSelectElement).value + "/slow_mode", {
      seconds: Number(byIdAs("slow-seconds", HTMLInputElement).value),
      reason: reason.value.trim(),
    });
    note.textContent = "Slow mode set.";
    reason.value = "";
    await loadCategories();
    loadLog();
  } catch (problem) {
    note.textContent = message(problem);
  }
});

byIdAs("topic-pick", HTMLFormElement).addEventListener("submit", async (event) => {
  event.preventDefault();
  const box = byId("topic-actions");
  box.replaceChildren();
  const thread = await topicOf(Number(byIdAs("topic-id", HTMLInputElement).value), box);
  if (thread) {
    box.append(el("p", {}, el("a", { href: "/forum/t/" + thread.id, textContent: thread.title })));
    box.append(topicActionForm(thread, categories, () => loadLog()));
  }
});

byId("queue-refresh").addEventListener("click", () => {
  loadQueue();
  announce("Queue refreshed");
});
byId("log-refresh").addEventListener("click", () => loadLog());

loadCategories().then(loadQueue);
loadLog();
loadSuspensions();
