// @ts-check
// The forum page: categories (mine first), the topics of the one chosen (live on
// forum:{id}), how closely I follow it, a new topic where I may post (else why not), and
// search. One topic's page is forum-thread.js.

import { announce, api, byId, byIdAs, clientId, el, live } from "./live.js";
import { whyNotPosting } from "./forum-shared.js";
import { attachMentions } from "./forum-mentions.js";

/**
 * @typedef {import("./forum-shared.js").Thread} Thread
 * @typedef {import("./forum-shared.js").Category} Category
 * @typedef {import("./forum-shared.js").Posting} Posting
 * @typedef {{category: Category, threads: Thread[], follow: string, posting: Posting,
 *   moderator: boolean}} ThreadsPage
 * @typedef {{thread: number, title: string, category: number, post: number | null,
 *   excerpt: string}} Hit
 */

const state = {
  /** @type {number | null} */
  current: null,
  /** @type {(() => void) | null} */
  release: null,
};

const threadsList = byId("threads");
const newThread = byIdAs("new-thread", HTMLFormElement);
const followSelect = byIdAs("category-follow", HTMLSelectElement);

live.listen({
  onEvent(frame) {
    if (state.current === null || frame.topic !== "forum:" + state.current) return;
    if (frame.event === "thread.created") {
      addThread(frame.data.thread, true);
      announce("New topic: " + frame.data.thread.title);
    }
    if (frame.event === "thread.updated" || frame.event === "thread.removed") {
      loadThreads(state.current);
    }
  },
});

async function loadCategories() {
  // What the address asked for when the page opened: a search submitted while the
  // categories load writes its own query there, and runs it itself.
  const params = new URLSearchParams(location.search);
  const list = byId("categories");
  list.replaceChildren();
  /** @type {Category[]} */
  const categories = await api("GET", "/forum/categories");
  for (const c of categories) {
    const button = el("button", { type: "button", textContent: c.name }, " ");
    button.dataset.category = String(c.id);
    if (!c.for_you) button.append(el("span", { className: "tag", textContent: "elsewhere" }));
    if (!c.open) button.append(el("span", { className: "tag", textContent: "closed" }));
    button.addEventListener("click", () => openCategory(c.id, true));
    list.append(el("li", {}, button));
  }
  const wanted = Number(params.get("c"));
  if (wanted) await openCategory(wanted, false);
  const query = params.get("q");
  if (query) {
    byIdAs("search-q", HTMLInputElement).value = query;
    await search(query, false);
  }
}

/** @param {number} id @param {boolean} focus */
async function openCategory(id, focus) {
  if (state.release) state.release();
  state.current = id;
  for (const button of document.querySelectorAll("#categories button")) {
    button.setAttribute("aria-current", String(/** @type {HTMLElement} */ (button).dataset.category === String(id)));
  }
  const page = await loadThreads(id);
  state.release = live.follow("forum:" + id);
  history.replaceState(null, "", "/forum?c=" + id);
  if (!page) return;
  followSelect.value = page.follow;
  byId("category-follow-row").hidden = false;
  byId("category-follow-note").textContent = "";
  newThread.hidden = !page.posting.allowed;
  const why = byId("new-thread-why");
  why.hidden = page.posting.allowed;
  why.textContent = page.posting.allowed ? "" : whyNotPosting(page.posting);
  if (focus) byId("category-name").focus();
}

/** @param {number} id @returns {Promise<ThreadsPage | null>} */
async function loadThreads(id) {
  /** @type {ThreadsPage} */
  let page;
  try {
    page = await api("GET", "/forum/categories/" + id + "/threads");
  } catch (problem) {
    byId("category-name").textContent = "This category cannot be shown";
    byId("category-note").textContent = problem instanceof Error ? problem.message : "";
    return null;
  }
  byId("category-name").textContent = page.category.name;
  byId("category-note").textContent = page.category.description;
  threadsList.replaceChildren();
  for (const t of page.threads) addThread(t, false);
  if (!page.threads.length) threadsList.append(el("li", { className: "muted", textContent: "No topics yet." }));
  return page;
}

/** @param {Thread} t @param {boolean} first */
function addThread(t, first) {
  const item = el("li", {},
    el("a", { href: "/forum/t/" + t.id, textContent: t.title }),
    el("span", { className: "muted", textContent: "by " + t.author.name + " · " + t.posts + " posts" }),
  );
  item.dataset.thread = String(t.id);
  if (t.pinned) item.append(el("span", { className: "tag", textContent: "pinned" }));
  if (t.locked) item.append(el("span", { className: "tag", textContent: "locked" }));
  if (!t.open) item.append(el("span", { className: "tag", textContent: "closed" }));
  if (t.unread && t.unread > 0) {
    item.append(el("span", { className: "badge", textContent: String(t.unread) }, el("span", { className: "visually-hidden", textContent: " unread" })));
  }
  const empty = threadsList.querySelector("li.muted");
  if (empty) empty.remove();
  if (first) threadsList.prepend(item);
  else threadsList.append(item);
}

followSelect.addEventListener("change", async () => {
  const note = byId("category-follow-note");
  try {
    await api("PUT", "/forum/follows", { level: followSelect.value, category: state.current });
    note.textContent = "Saved.";
  } catch (problem) {
    note.textContent = problem instanceof Error ? problem.message : "Not saved";
  }
});

newThread.addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = byId("new-thread-error");
  error.textContent = "";
  try {
    const made = await api("POST", "/forum/categories/" + state.current + "/threads", {
      title: byIdAs("thread-title", HTMLInputElement).value,
      body: byIdAs("thread-body", HTMLTextAreaElement).value,
      client_id: clientId(),
    });
    location.href = "/forum/t/" + made.thread.id;
  } catch (problem) {
    error.textContent = problem instanceof Error ? problem.message : String(problem);
  }
});

let searches = 0; // the latest search started: only its answer is shown

/** @param {string} query @param {boolean} focus */
async function search(query, focus) {
  const mine = ++searches;
  const section = byId("search-results-section");
  const results = byId("search-results");
  const note = byId("search-note");
  section.hidden = false;
  results.replaceChildren();
  note.textContent = "Searching…";
  try {
    /** @type {Hit[]} */
    const hits = await api("GET", "/forum/search?q=" + encodeURIComponent(query));
    if (mine !== searches) return;
    note.textContent = hits.length ? hits.length + " topics found for “" + query + "”" : "Nothing found for “" + query + "”";
    for (const hit of hits) {
      const href = "/forum/t/" + hit.thread + (hit.post ? "#post-" + hit.post : "");
      results.append(
        el("li", {},
          el("a", { href, textContent: hit.title }),
          hit.excerpt ? el("span", { className: "muted excerpt", textContent: hit.excerpt }) : null,
        ),
      );
    }
  } catch (problem) {
    if (mine !== searches) return;
    note.textContent = problem instanceof Error ? problem.message : String(problem);
  }
  if (focus) byId("search-heading").focus();
}

byIdAs("search", HTMLFormElement).addEventListener("submit", (event) => {
  event.preventDefault();
  const query = byIdAs("search-q", HTMLInputElement).value.trim();
  const params = new URLSearchParams(location.search);
  params.set("q", query);
  history.replaceState(null, "", "/forum?" + params.toString());
  search(query, true);
});

attachMentions(byIdAs("thread-body", HTMLTextAreaElement), byId("thread-mention-list"), null);
loadCategories();
