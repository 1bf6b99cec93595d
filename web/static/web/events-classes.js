// @ts-check
// /classes: the classes a member may see (wellness education, and those of their region),
// with their places and next session.

import { api, byId, el } from "./live.js";
import { tag, timeRange } from "./events-common.js";

/** @typedef {import("./events-common.js").ClassData} ClassData */

const list = byId("classes-list");
const status = byId("classes-status");

/** @param {ClassData} c */
export function classPlaces(c) {
  if (c.capacity === null) return c.enrolled + " enrolled · no limit";
  if (c.enrolled >= c.capacity) return "Full (" + c.capacity + " places)";
  return c.enrolled + " of " + c.capacity + " places taken";
}

/** @param {ClassData} c */
function card(c) {
  const now = Date.now();
  const next = c.sessions.find((s) => !s.cancelled && new Date(s.ends_at).getTime() > now);
  return el(
    "li",
    { className: "panel event-card" },
    el("h2", {}, el("a", { href: "/classes/" + c.id }, c.title)),
    el(
      "p",
      { className: "tags" },
      tag(c.wellness_education ? "For everyone" : "Region " + c.region),
      " ",
      tag(c.kind === "virtual" ? "Virtual" : "In person"),
      " ",
      tag(c.sessions.length + (c.sessions.length === 1 ? " session" : " sessions")),
    ),
    el("p", {}, next ? "Next: " + timeRange(next.starts_at, next.ends_at) : "No sessions to come."),
    el("p", { className: "places" }, classPlaces(c)),
    c.me_enrolled ? el("p", { className: "mine" }, el("strong", {}, "You are enrolled.")) : null,
  );
}

api("GET", "/classes")
  .then((/** @type {ClassData[]} */ found) => {
    list.replaceChildren(...found.map(card));
    status.textContent = found.length ? found.length + (found.length === 1 ? " class." : " classes.") : "No classes yet.";
  })
  .catch((error) => {
    status.textContent = "Could not load the classes: " + (error instanceof Error ? error.message : String(error));
  });
