// @ts-check
// One topic's page (/forum/t/{id}), live on thread:{id}: posts, replies with @mention
// autocomplete, reactions that show mine and can be taken back, editing my posts (their
// earlier versions viewable), deleting my replies, flagging, following, and for its
// moderators the topic's and the posts' moderation in place.

import { ApiError, announce, api, byId, byIdAs, clientId, el, live, when } from "./live.js";
import {
  FLAG_REASONS,
  REACTIONS,
  keepLineBreaks,
  linkMentions,
  openDialog,
  refocus,
  whyNotPosting,
} from "./forum-shared.js";
import { attachMentions } from "./forum-mentions.js";
import { memberCard } from "./member-card.js";
import { hidePost, restorePost, suspendMember, topicActionForm } from "./moderation-actions.js";

/**
 * @typedef {import("./forum-shared.js").Post} Post
 * @typedef {import("./forum-shared.js").Thread} Thread
 * @typedef {import("./forum-shared.js").Category} Category
 * @typedef {import("./forum-shared.js").Posting} Posting
 * @typedef {{thread: Thread, last_read: number, moderator: boolean, posts: Post[],
 *   follow: string, posting: Posting}} PostsPage
 */

const threadId = Number(byId("topic").dataset.threadId);
const topic = "thread:" + threadId;
const PAGE = 100;

const state = {
  me: "",
  moderator: false,
  /** @type {Post | null} */
  replyTo: null,
  last: 0,
  /** @type {Map<number, Post>} */
  posts: new Map(),
  /** @type {Map<number, Set<string>>} */
  mine: new Map(),
  /** @type {Thread | null} */
  thread: null,
  /** @type {Posting | null} */
  posting: null,
  /** @type {Category[] | null} */
  categories: null,
  gone: false,
};

const postsList = byId("posts");
const replyForm = byIdAs("reply", HTMLFormElement);
const replyBody = byIdAs("reply-body", HTMLTextAreaElement);
const replyError = byId("reply-error");
const followSelect = byIdAs("thread-follow", HTMLSelectElement);

live.listen({
  onEvent(frame) {
    if (frame.topic !== topic) return;
    const data = frame.data;
    switch (frame.event) {
      case "post.created":
        upsert(data);
        if (data.author.handle !== state.me) announce("New post by " + data.author.name);
        markRead(data.number);
        break;
      case "post.restored":
        upsert(data);
        break;
      case "post.edited": {
        const post = state.posts.get(data.id);
        if (post) {
          upsert({ ...post, html: data.html, edited_at: data.edited_at });
          announce("Post #" + post.number + " was edited");
        }
        break;
      }
      case "post.hidden":
      case "post.deleted": {
        const post = state.posts.get(data.id);
        if (!post) break;
        const hidden = frame.event === "post.hidden";
        upsert({ ...post, html: "", hidden: hidden || post.hidden, deleted: !hidden });
        if (hidden && state.moderator) refetch(post.number); // its text, for its moderators
        break;
      }
      case "reaction.updated": {
        const post = state.posts.get(data.post);
        if (post) {
          post.reactions = data.reactions;
          renderReactions(post);
        }
        break;
      }
      case "thread.updated":
        if (data.deleted || (data.hidden && !state.moderator)) {
          topicGone();
        } else {
          renderThread(data.thread);
          refetch(state.last); // whether I may still post, as the server sees it
        }
        break;
    }
  },
  onError(frame) {
    if (frame.topic === topic && frame.code === "forbidden") topicGone();
    if (frame.code === "rate_limited" && frame.retry_after) {
      replyError.textContent = "Slow down: your post goes out in " + Math.ceil(frame.retry_after) + " s.";
    }
  },
  onResync(frame) {
    if (frame.topic === topic) load();
  },
});

function topicGone() {
  state.gone = true;
  byId("thread-state").textContent = "This topic is no longer available.";
  replyForm.hidden = true;
  byId("reply-why").hidden = true;
}

async function load() {
  state.me = (await api("GET", "/forum/me")).handle;
  let after = 0;
  for (;;) {
    /** @type {PostsPage} */
    let page;
    try {
      page = await api("GET", "/forum/threads/" + threadId + "/posts?limit=" + PAGE + "&after=" + after);
    } catch (problem) {
      if (problem instanceof ApiError && problem.status === 404) topicGone();
      else byId("thread-state").textContent = problem instanceof Error ? problem.message : String(problem);
      return;
    }
    takePage(page);
    if (page.posts.length < PAGE) break;
    after = page.posts[page.posts.length - 1].number;
  }
  markRead(state.last);
  if (location.hash) {
    const target = document.getElementById(location.hash.slice(1));
    if (target) target.scrollIntoView();
  }
}

/** @param {PostsPage} page */
function takePage(page) {
  const wasModerator = state.moderator;
  state.moderator = page.moderator;
  state.posting = page.posting;
  followSelect.value = page.follow;
  renderThread(page.thread);
  if (state.moderator !== wasModerator) {
    for (const post of state.posts.values()) upsert(post);
  }
  for (const p of page.posts) upsert(p);
  renderPosting();
  if (state.moderator) showModeration();
}

/** Fetch posts from number ``from`` on again (a hidden post's text, the posting rights). @param {number} from */
async function refetch(from) {
  try {
    takePage(await api("GET", "/forum/threads/" + threadId + "/posts?limit=" + PAGE + "&after=" + Math.max(0, from - 1)));
  } catch {
    // the next event or reload tells
  }
}

/** @param {Thread} t */
function renderThread(t) {
  state.thread = t;
  byId("thread-title").textContent = t.title;
  document.title = t.title + " · eDietitian Community";
  const back = byIdAs("back-to-category", HTMLAnchorElement);
  back.href = "/forum?c=" + t.category;
  const notes = [];
  if (t.pinned) notes.push("Pinned");
  if (t.locked) notes.push("Locked by a moderator");
  if (!t.open) notes.push("Closed: read-only");
  if (t.slow_mode_seconds) notes.push("Slow mode: one post every " + t.slow_mode_seconds + " s");
  byId("thread-state").textContent = notes.join(" · ");
}

function renderPosting() {
  if (state.gone || !state.posting) return;
  const allowed = state.posting.allowed;
  replyForm.hidden = !allowed;
  const why = byId("reply-why");
  why.hidden = allowed;
  why.textContent = allowed ? "" : whyNotPosting(state.posting);
  for (const post of state.posts.values()) {
    renderActions(post);
    renderReactions(post);
  }
}

/** What I may do here besides replying: react and flag unless suspended (reacting only
 * while the topic is open), edit my posts while it is open and unlocked. */
function may() {
  const suspended = Boolean(state.posting && state.posting.code === "suspended") || state.gone;
  const open = Boolean(state.thread && state.thread.open);
  const locked = Boolean(state.thread && state.thread.locked);
  return {
    reply: Boolean(state.posting && state.posting.allowed) && !state.gone,
    react: !suspended && open,
    flag: !suspended,
    edit: !suspended && open && !locked,
  };
}

// --- posts -------------------------------------------------------------------------------

/** @param {Post} p */
function upsert(p) {
  state.last = Math.max(state.last, p.number);
  if (p.mine) state.mine.set(p.id, new Set(p.mine));
  const old = state.posts.get(p.id);
  if (old && old.hidden_html && p.hidden && !p.hidden_html) p.hidden_html = old.hidden_html;
  if (old && old.source && p.source === undefined && p.html === old.html) p.source = old.source;
  state.posts.set(p.id, p);
  const node = el("li", { className: "post", id: "post-" + p.number });
  node.dataset.post = String(p.id);
  // The author's name opens their community card (a member who is gone has no handle).
  const card = p.author.handle ? memberCard(p.author.handle, p.author.name, "card-" + p.id) : null;
  const meta = el(
    "p",
    { className: "meta" },
    "#" + p.number + " · ",
    card ? card.button : p.author.name,
    " (@" + p.author.handle + ") · ",
    el("time", { dateTime: p.created_at, textContent: when(p.created_at) }),
  );
  if (p.edited_at && !p.deleted) {
    const edited = el("button", { type: "button", className: "link-button edited", textContent: "edited" });
    edited.setAttribute("aria-label", "edited: see the earlier versions of #" + p.number);
    edited.addEventListener("click", () => showRevisions(p));
    meta.append(" · ", edited);
  }
  node.append(meta);
  if (card) node.append(card.card);
  if (p.reply_to) {
    node.append(el("p", { className: "quote", textContent: "replying to #" + p.reply_to.number + " by " + p.reply_to.author.name }));
  }
  const body = el("div", { className: "body" });
  if (p.deleted) {
    node.classList.add("gone");
    body.textContent = "This post was deleted.";
  } else if (p.hidden) {
    node.classList.add("gone");
    body.textContent = "This post was hidden by moderation.";
  } else {
    body.innerHTML = p.html; // sanitized by the server (bleach)
    linkMentions(body);
    keepLineBreaks(body);
  }
  node.append(body);
  if (p.hidden && !p.deleted && state.moderator && p.hidden_html) {
    const hiddenBody = el("div", { className: "body hidden-text" });
    hiddenBody.innerHTML = p.hidden_html; // sanitized by the server (bleach)
    keepLineBreaks(hiddenBody);
    node.append(
      el("details", { className: "hidden-text-box" }, el("summary", { textContent: "Hidden text (moderators only)" }), hiddenBody),
    );
  }
  node.append(el("div", { className: "reactions", role: "group", ariaLabel: "Reactions to #" + p.number }));
  node.append(el("div", { className: "actions" }));
  const existing = postsList.querySelector('[data-post="' + p.id + '"]');
  const focused = existing && document.activeElement instanceof HTMLElement && existing.contains(document.activeElement) ? document.activeElement : null;
  if (existing) existing.replaceWith(node);
  else {
    const after = [...postsList.querySelectorAll(".post")].find((n) => Number(n.id.slice(5)) > p.number);
    if (after) after.before(node);
    else postsList.append(node);
  }
  renderReactions(p);
  renderActions(p);
  if (focused) {
    const emoji = focused.dataset.emoji;
    const same = emoji ? node.querySelector('[data-emoji="' + emoji + '"]') : null;
    if (same instanceof HTMLElement) same.focus();
    else refocus(focused);
  }
}

/** @param {number} id */
function nodeOf(id) {
  return /** @type {HTMLElement | null} */ (postsList.querySelector('[data-post="' + id + '"]'));
}

/** The reaction buttons, updated in place (focus stays where it is). @param {Post} p */
function renderReactions(p) {
  const node = nodeOf(p.id);
  if (!node) return;
  const box = /** @type {HTMLElement} */ (node.querySelector(".reactions"));
  if (p.hidden || p.deleted) {
    box.replaceChildren();
    return;
  }
  const mine = state.mine.get(p.id) || new Set();
  for (const emoji of REACTIONS) {
    let button = /** @type {HTMLButtonElement | null} */ (box.querySelector('[data-emoji="' + emoji + '"]'));
    if (!button) {
      const made = el("button", { type: "button", className: "reaction" });
      made.dataset.emoji = emoji;
      made.addEventListener("click", () => {
        const current = state.posts.get(p.id) || p;
        react(current, emoji, made.getAttribute("aria-pressed") !== "true");
      });
      box.append(made);
      button = made;
    }
    const n = p.reactions[emoji] || 0;
    button.textContent = n ? emoji + " " + n : emoji;
    button.setAttribute("aria-label", "react " + emoji + (n ? ", " + n : ""));
    button.setAttribute("aria-pressed", String(mine.has(emoji)));
    button.disabled = !may().react;
  }
}

/** @param {Post} p @param {string} emoji @param {boolean} on */
async function react(p, emoji, on) {
  replyError.textContent = "";
  /** @type {{reactions: Record<string, number>, mine: string[]}} */
  let answer;
  try {
    const ack = await live.request({ type: "forum.react", post: p.id, emoji, on });
    answer = { reactions: ack.reactions, mine: ack.mine };
  } catch (problem) {
    if (!(problem instanceof ApiError) || problem.code !== "offline") {
      showError(p, problem);
      return;
    }
    try {
      const counts = on
        ? await api("POST", "/forum/posts/" + p.id + "/reactions", { emoji })
        : await api("DELETE", "/forum/posts/" + p.id + "/reactions/" + encodeURIComponent(emoji));
      const mine = new Set(state.mine.get(p.id) || []);
      if (on) mine.add(emoji);
      else mine.delete(emoji);
      answer = { reactions: counts, mine: [...mine] };
    } catch (failed) {
      showError(p, failed);
      return;
    }
  }
  state.mine.set(p.id, new Set(answer.mine));
  const current = state.posts.get(p.id) || p;
  current.reactions = answer.reactions;
  renderReactions(current);
  announce(on ? "You reacted " + emoji : "Reaction " + emoji + " taken back");
}

/** @param {Post} p @param {unknown} problem */
function showError(p, problem) {
  const node = nodeOf(p.id);
  const message = problem instanceof Error ? problem.message : String(problem);
  const box = node ? node.querySelector(".post-error") : null;
  if (box) box.textContent = message;
  else replyError.textContent = message;
}

/** @param {Post} p */
function renderActions(p) {
  const node = nodeOf(p.id);
  if (!node) return;
  const actions = /** @type {HTMLElement} */ (node.querySelector(".actions"));
  actions.replaceChildren();
  const error = el("p", { className: "error post-error", role: "alert" });
  const mine = p.author.handle === state.me;
  const shown = !p.hidden && !p.deleted;
  const allowed = may();
  if (shown && allowed.reply) {
    const reply = button("Reply", "Reply to #" + p.number);
    reply.addEventListener("click", () => replyTo(p));
    actions.append(reply);
  }
  if (shown && mine) {
    if (allowed.edit) {
      const edit = button("Edit", "Edit #" + p.number);
      edit.addEventListener("click", () => startEdit(p));
      actions.append(edit);
    }
    if (p.number > 1) {
      const remove = button("Delete", "Delete #" + p.number);
      remove.addEventListener("click", () => deletePost(p));
      actions.append(remove);
    }
  }
  if (shown && !mine && allowed.flag) {
    const flag = button("Flag", "Flag #" + p.number);
    flag.addEventListener("click", () => flagPost(p));
    actions.append(flag);
  }
  if (state.moderator && !p.deleted) {
    const what = "#" + p.number + " by " + p.author.name;
    if (p.hidden) {
      const restore = button("Restore", "Restore #" + p.number);
      restore.addEventListener("click", () => restorePost(p.id, what));
      actions.append(restore);
    } else {
      const hide = button("Hide", "Hide #" + p.number);
      hide.addEventListener("click", () => hidePost(p.id, what));
      actions.append(hide);
    }
    if (p.author_id && !mine) {
      const suspend = button("Suspend author", "Suspend the author of #" + p.number);
      const userId = p.author_id;
      suspend.addEventListener("click", () => suspendMember(userId, p.author.name));
      actions.append(suspend);
    }
  }
  actions.append(error);
}

/** @param {string} text @param {string} label */
function button(text, label) {
  const made = el("button", { type: "button", textContent: text });
  if (label !== text) made.setAttribute("aria-label", label);
  return made;
}

// --- replying, editing, deleting, flagging ----------------------------------------------

/** @param {Post} p */
function replyTo(p) {
  state.replyTo = p;
  const note = byId("replying-to");
  note.hidden = false;
  note.textContent = "Replying to #" + p.number + " by " + p.author.name;
  byId("cancel-reply-to").hidden = false;
  replyBody.focus();
}

function clearReplyTo() {
  state.replyTo = null;
  byId("replying-to").hidden = true;
  byId("cancel-reply-to").hidden = true;
}
byId("cancel-reply-to").addEventListener("click", () => {
  clearReplyTo();
  replyBody.focus();
});

replyForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = replyBody.value.trim();
  if (!body) return;
  replyError.textContent = "";
  /** @type {import("./live.js").Frame} */
  const frame = { type: "forum.reply", id: clientId(), thread: threadId, body };
  if (state.replyTo) frame.reply_to = state.replyTo.id;
  replyBody.value = "";
  clearReplyTo();
  try {
    // Idempotent by its id: if the socket is down, it goes out after the reconnect.
    const ack = await live.request(frame, { resend: true });
    replyError.textContent = "";
    refetch(ack.number); // my post with its text as I wrote it (to edit it)
  } catch (problem) {
    replyBody.value = body;
    replyError.textContent = problem instanceof Error ? problem.message : String(problem);
    refetch(state.last); // a lock or a suspension since the page loaded: say so
  }
});

attachMentions(replyBody, byId("mention-list"), () => replyForm.requestSubmit());

/** @param {Post} p */
function startEdit(p) {
  const node = nodeOf(p.id);
  if (!node) return;
  const body = /** @type {HTMLElement} */ (node.querySelector(".body"));
  const id = "edit-" + p.id;
  const area = el("textarea", { id, rows: 4, maxLength: 20000, required: true });
  const error = el("p", { className: "error", role: "alert" });
  const cancel = el("button", { type: "button", className: "secondary", textContent: "Cancel" });
  const form = el(
    "form",
    { className: "stack edit-form" },
    el("label", { htmlFor: id, textContent: "Edit post #" + p.number }),
    area,
    el("div", { className: "actions-row" }, el("button", { type: "submit", textContent: "Save" }), cancel),
    error,
  );
  area.value = p.source ?? htmlToText(p.html);
  body.hidden = true;
  body.after(form);
  area.focus();
  const close = () => {
    form.remove();
    body.hidden = false;
    const again = nodeOf(p.id)?.querySelector('button[aria-label="Edit #' + p.number + '"]');
    if (again instanceof HTMLElement) again.focus();
  };
  cancel.addEventListener("click", close);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    try {
      const changed = await api("PATCH", "/forum/posts/" + p.id, { body: area.value });
      upsert(changed);
      announce("Your post is saved");
      close();
    } catch (problem) {
      error.textContent = problem instanceof Error ? problem.message : String(problem);
    }
  });
}

/** The text of a post's HTML, for editing: paragraphs and line breaks as typed. @param {string} html */
function htmlToText(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  for (const br of doc.querySelectorAll("br")) br.replaceWith("\n");
  const blocks = [...doc.body.children].map((child) => child.textContent || "");
  return blocks.length ? blocks.join("\n\n") : doc.body.textContent || "";
}

/** @param {Post} p */
async function showRevisions(p) {
  const dialog = byIdAs("revisions-dialog", HTMLDialogElement);
  const list = byId("revisions");
  list.replaceChildren(el("li", { className: "muted", textContent: "Loading…" }));
  openDialog(dialog, /** @type {HTMLElement} */ (dialog.querySelector("[data-close]")));
  try {
    /** @type {{html: string, replaced_at: string}[]} */
    const revisions = await api("GET", "/forum/posts/" + p.id + "/revisions");
    list.replaceChildren();
    for (const r of revisions) {
      const body = el("div", { className: "body" });
      body.innerHTML = r.html; // sanitized by the server (bleach)
      list.append(el("li", {}, el("p", { className: "meta", textContent: "Until " + when(r.replaced_at) }), body));
    }
    if (!revisions.length) list.append(el("li", { className: "muted", textContent: "No earlier versions." }));
  } catch (problem) {
    list.replaceChildren(el("li", { className: "error", textContent: problem instanceof Error ? problem.message : "" }));
  }
}

/** @param {Post} p */
function deletePost(p) {
  const dialog = byIdAs("delete-dialog", HTMLDialogElement);
  const error = byId("delete-error");
  error.textContent = "";
  const form = /** @type {HTMLFormElement} */ (dialog.querySelector("form"));
  form.onsubmit = async (event) => {
    event.preventDefault();
    try {
      await api("DELETE", "/forum/posts/" + p.id);
    } catch (problem) {
      error.textContent = problem instanceof Error ? problem.message : String(problem);
      return;
    }
    dialog.close("deleted");
    announce("Your reply is deleted");
    replyBody.focus();
  };
  openDialog(dialog, /** @type {HTMLElement} */ (dialog.querySelector("[data-close]")));
}

/** @param {Post} p */
function flagPost(p) {
  const dialog = byIdAs("flag-dialog", HTMLDialogElement);
  const reasons = byId("flag-reasons");
  const note = byIdAs("flag-note", HTMLTextAreaElement);
  const error = byId("flag-error");
  byId("flag-heading").textContent = "Flag post #" + p.number + " by " + p.author.name;
  reasons.replaceChildren();
  for (const [value, label] of FLAG_REASONS) {
    const input = el("input", { type: "radio", name: "flag-reason", value, id: "flag-" + value, required: true });
    reasons.append(el("div", { className: "choice" }, input, el("label", { htmlFor: input.id, textContent: label })));
  }
  note.value = "";
  error.textContent = "";
  const form = byIdAs("flag-form", HTMLFormElement);
  form.onsubmit = async (event) => {
    event.preventDefault();
    const chosen = /** @type {HTMLInputElement | null} */ (reasons.querySelector("input:checked"));
    if (!chosen) {
      error.textContent = "Choose a reason.";
      return;
    }
    try {
      await api("POST", "/forum/posts/" + p.id + "/flags", { reason: chosen.value, note: note.value.trim() });
    } catch (problem) {
      error.textContent = problem instanceof Error ? problem.message : String(problem);
      return;
    }
    dialog.close("sent");
    announce("Thank you: the moderators will look at post #" + p.number);
    const node = nodeOf(p.id);
    const box = node ? node.querySelector(".post-error") : null;
    if (box) {
      box.classList.remove("error");
      box.textContent = "Flagged for the moderators.";
    }
  };
  openDialog(dialog, /** @type {HTMLElement} */ (reasons.querySelector("input")));
}

// --- following, reading, moderation ---------------------------------------------------------

followSelect.addEventListener("change", async () => {
  const note = byId("thread-follow-note");
  try {
    await api("PUT", "/forum/follows", { level: followSelect.value, thread: threadId });
    note.textContent = "Saved.";
  } catch (problem) {
    note.textContent = problem instanceof Error ? problem.message : "Not saved";
  }
});

/** @param {number} number */
function markRead(number) {
  if (number > 0) live.send({ type: "forum.read", thread: threadId, number });
}

async function showModeration() {
  const box = byIdAs("moderate", HTMLDetailsElement);
  if (!state.thread) return;
  if (!state.categories) state.categories = await api("GET", "/forum/categories");
  box.hidden = false;
  const body = byId("moderate-body");
  if (body.childElementCount) return;
  body.replaceChildren(
    topicActionForm(state.thread, state.categories || [], (changed) => {
      renderThread(changed);
    }),
  );
}

// Follow first, then read: a post made in between arrives live, and one shown twice is the
// same element (posts are placed by id).
live.follow(topic);
load();
