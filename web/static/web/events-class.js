// @ts-check
// /classes/{id}: a class and its sessions (each linking to its event page and, for those
// with a place, its live room when it is near); enrol or leave (409 full shown clearly).

import { ApiError, announce, api, byId, byIdAs, el } from "./live.js";
import { roomWindow, tag, timeRange } from "./events-common.js";

/** @typedef {import("./events-common.js").ClassData} ClassData */

const seriesId = Number(byId("class").dataset.classId);
const enrol = byIdAs("enrol", HTMLButtonElement);
const leave = byIdAs("leave", HTMLButtonElement);
const error = byId("enrol-error");

/** @param {ClassData} c */
function places(c) {
  if (c.capacity === null) return c.enrolled + " enrolled · no limit";
  if (c.enrolled >= c.capacity) return "Full: all " + c.capacity + " places are taken";
  return c.enrolled + " of " + c.capacity + " places taken";
}

/** @param {ClassData} c */
function render(c) {
  byId("class-audience").textContent = c.wellness_education
    ? "Everyone (general wellness education)"
    : "Members of region " + c.region;
  byId("class-organiser").textContent = c.organiser;
  byId("class-places").textContent = places(c);
  byId("class-description").textContent = c.description;
  const full = c.capacity !== null && c.enrolled >= c.capacity;
  byId("class-status").textContent = c.me_enrolled
    ? "You are enrolled: you have a place in every session."
    : full
      ? "The class is full."
      : "You are not enrolled.";
  enrol.hidden = c.me_enrolled;
  leave.hidden = !c.me_enrolled;
  const list = byId("sessions");
  list.replaceChildren(
    ...c.sessions.map((s, i) => {
      const item = el(
        "li",
        { className: "session" },
        el("a", { href: "/events/" + s.event }, "Session " + (i + 1) + ": " + timeRange(s.starts_at, s.ends_at)),
        s.cancelled ? el("span", {}, " ", tag("Cancelled")) : null,
      );
      if (c.kind === "virtual" && c.me_enrolled && !s.cancelled && roomWindow(s.starts_at, s.ends_at) === "open") {
        item.append(" ", el("a", { className: "button-link", href: "/events/" + s.event + "/room" }, "Join the live room"));
      }
      return item;
    }),
  );
}

async function load() {
  render(await api("GET", "/classes/" + seriesId));
}

/** @param {"PUT" | "DELETE"} method */
async function change(method) {
  error.textContent = "";
  enrol.disabled = leave.disabled = true;
  try {
    await api(method, "/classes/" + seriesId + "/enrollment");
    await load();
    const said = method === "PUT" ? "You are enrolled in the class." : "You left the class.";
    announce(said);
    enrol.disabled = leave.disabled = false;
    (method === "PUT" ? leave : enrol).focus();
  } catch (failure) {
    error.textContent =
      failure instanceof ApiError && failure.code === "full"
        ? "The class is full: no place is left."
        : failure instanceof Error
          ? failure.message
          : String(failure);
  } finally {
    enrol.disabled = leave.disabled = false;
  }
}

enrol.addEventListener("click", () => change("PUT"));
leave.addEventListener("click", () => change("DELETE"));
window.setInterval(() => load().catch(() => undefined), 60000);
load().catch((failure) => {
  byId("load-error").textContent = "Could not load the class: " + (failure instanceof Error ? failure.message : String(failure));
});
