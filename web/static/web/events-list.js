// @ts-check
// /events: the upcoming events a member may see, with filters (kind, near me, dates);
// /events?mine=1: "My calendar", the events I have a place in or wait for and the
// sessions of my classes, in time order.

import { api, byId, byIdAs, el } from "./live.js";
import { placesText, statusText, tag, timeRange, whereText } from "./events-common.js";

/** @typedef {import("./events-common.js").EventData} EventData */
/** @typedef {import("./events-common.js").ClassData} ClassData */

const page = byId("events-page");
const mine = page.dataset.mine === "1";
const region = page.dataset.region || "";
const list = byId("events-list");
const status = byId("events-status");

/** @param {EventData} e */
function eventCard(e) {
  const mineText = statusText(e.my_status);
  return el(
    "li",
    { className: "panel event-card", dataset: { event: String(e.id) } },
    el("h2", {}, el("a", { href: "/events/" + e.id }, e.title)),
    el("p", { className: "when" }, timeRange(e.starts_at, e.ends_at)),
    el(
      "p",
      { className: "tags" },
      tag(e.kind === "virtual" ? "Virtual" : "In person"),
      " ",
      e.region ? tag("Region " + e.region) : null,
      " ",
      e.category ? tag(e.category) : null,
    ),
    el("p", {}, whereText(e)),
    el("p", { className: "places" }, placesText(e)),
    mineText ? el("p", { className: "mine" }, el("strong", {}, mineText)) : null,
  );
}

/**
 * A session of one of my classes, as a calendar line.
 * @param {ClassData} c @param {import("./events-common.js").Session} s @param {number} n
 */
function sessionCard(c, s, n) {
  return el(
    "li",
    { className: "panel event-card", dataset: { event: String(s.event) } },
    el("h2", {}, el("a", { href: "/events/" + s.event }, c.title + " (" + n + "/" + c.sessions.length + ")")),
    el("p", { className: "when" }, timeRange(s.starts_at, s.ends_at)),
    el("p", { className: "tags" }, tag("Class"), " ", tag(c.kind === "virtual" ? "Virtual" : "In person")),
    el("p", { className: "mine" }, el("strong", {}, "You are enrolled in this class."), " ", el("a", { href: "/classes/" + c.id }, "The class")),
  );
}

function filterQuery() {
  const params = new URLSearchParams();
  const kind = byIdAs("filter-kind", HTMLSelectElement).value;
  const start = byIdAs("filter-start", HTMLInputElement).value;
  const end = byIdAs("filter-end", HTMLInputElement).value;
  if (kind) params.set("kind", kind);
  if (start) params.set("start", start);
  if (end) params.set("end", end);
  return params.toString();
}

async function showUpcoming() {
  const error = byId("filter-error");
  error.textContent = "";
  const start = byIdAs("filter-start", HTMLInputElement).value;
  const end = byIdAs("filter-end", HTMLInputElement).value;
  if (start && end && end < start) {
    error.textContent = "The end date is before the start date.";
    return;
  }
  status.textContent = "Loading…";
  const query = filterQuery();
  /** @type {EventData[]} */
  let found = await api("GET", "/events" + (query ? "?" + query : ""));
  if (byIdAs("filter-near", HTMLInputElement).checked) {
    found = found.filter((e) => e.region === region);
  }
  list.replaceChildren(...found.map(eventCard));
  status.textContent = found.length === 1 ? "1 event." : found.length + " events.";
  if (!found.length) status.textContent = "No upcoming events match.";
}

async function showMine() {
  /** @type {[EventData[], ClassData[]]} */
  const [events, classes] = await Promise.all([api("GET", "/events"), api("GET", "/classes")]);
  /** @type {{at: string, card: HTMLElement, id: number}[]} */
  const items = [];
  for (const e of events) {
    if (e.my_status === "going" || e.my_status === "waitlisted") {
      items.push({ at: e.starts_at, card: eventCard(e), id: e.id });
    }
  }
  const now = Date.now();
  for (const c of classes) {
    if (!c.me_enrolled) continue;
    c.sessions.forEach((s, i) => {
      if (s.cancelled || new Date(s.ends_at).getTime() <= now) return;
      if (items.some((item) => item.id === s.event)) return;
      items.push({ at: s.starts_at, card: sessionCard(c, s, i + 1), id: s.event });
    });
  }
  items.sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime());
  list.replaceChildren(...items.map((item) => item.card));
  status.textContent = items.length
    ? items.length + (items.length === 1 ? " item." : " items.")
    : "Nothing in your calendar yet: take a place in an event or enrol in a class.";
}

/** @param {unknown} error */
function failed(error) {
  status.textContent = "";
  list.replaceChildren(el("li", { className: "error" }, "Could not load: " + (error instanceof Error ? error.message : String(error))));
}

if (mine) {
  showMine().catch(failed);
} else {
  const form = byIdAs("filters", HTMLFormElement);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    showUpcoming().catch(failed);
  });
  form.addEventListener("change", () => showUpcoming().catch(failed));
  form.addEventListener("reset", () => window.setTimeout(() => showUpcoming().catch(failed)));
  showUpcoming().catch(failed);
}
