// @ts-check
// /events/{id}: an event's times (mine, and its own zone when they differ), place, RSVP
// (a place, the waitlist, giving it up) answered on the page, its calendar file, the live
// room when it is near; for the organiser: attendees, a message to everyone going, edit
// and cancel (with a reason, in a dialog).

import { ApiError, announce, api, byId, byIdAs, el, me } from "./live.js";
import {
  ROOM_OPENS_MINUTES,
  isoToLocal,
  localToIso,
  optionalNumber,
  placesText,
  roomWindow,
  sameClock,
  statusText,
  timeRange,
  whereText,
} from "./events-common.js";

/** @typedef {import("./events-common.js").EventData} EventData */

const root = byId("event");
const eventId = Number(root.dataset.eventId);
const manages = root.dataset.manages === "1";
const seriesId = Number(root.dataset.seriesId || 0);
const path = "/events/" + eventId;
const take = byIdAs("rsvp-take", HTMLButtonElement);
const giveUp = byIdAs("rsvp-give-up", HTMLButtonElement);
const rsvpError = byId("rsvp-error");

/** @type {EventData | null} */
let current = null;
/** Enrolled in the class this event is a session of. */
let enrolled = false;

/** @param {unknown} error */
function message(error) {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

/** A place (an RSVP going, an enrolment, or organising it). @param {EventData} e */
function hasPlace(e) {
  return e.my_status === "going" || enrolled || manages;
}

/** @param {EventData} e */
function render(e) {
  current = e;
  byId("event-title").textContent = e.title;
  document.title = e.title + " · eDietitian Community";
  let when = timeRange(e.starts_at, e.ends_at) + " (your time, " + me.zone + ")";
  byId("event-when").replaceChildren(when);
  if (!sameClock(me.zone, e.time_zone, e.starts_at)) {
    when = timeRange(e.starts_at, e.ends_at, e.time_zone) + " (" + e.time_zone + ", the event's time)";
    byId("event-when").append(el("br"), when);
  }
  byId("event-where").textContent = whereText(e) + (e.region ? " · region " + e.region : "");
  byId("event-organiser").textContent = e.organiser;
  byId("event-places").textContent = placesText(e);
  byId("event-description").textContent = e.description;
  const cancelled = byId("event-cancelled");
  cancelled.hidden = !e.cancelled;
  cancelled.textContent = e.cancelled ? "This event was cancelled." : "";
  const opener = document.getElementById("cancel-open");
  if (opener) opener.hidden = e.cancelled;
  renderPlace(e);
  renderRoom(e);
}

/** @param {EventData} e */
function renderPlace(e) {
  const line = byId("my-status");
  const started = new Date(e.starts_at).getTime() <= Date.now();
  const full = e.capacity !== null && e.going >= e.capacity;
  take.hidden = true;
  giveUp.hidden = true;
  if (seriesId) {
    line.textContent = enrolled
      ? "You are enrolled in the class: you have a place in this session."
      : manages
        ? "You organise this class."
        : "This is a session of a class: enrol in the class to take a place.";
    return;
  }
  if (manages && !e.my_status) {
    line.textContent = "You organise this event.";
    return;
  }
  line.textContent =
    statusText(e.my_status) ||
    (e.cancelled ? "" : started ? "This event has started." : full ? "The event is full: you may join the waitlist." : "You have no place yet.");
  if (e.cancelled) return;
  if (e.my_status === "going" || e.my_status === "waitlisted") {
    giveUp.hidden = false;
    giveUp.textContent = e.my_status === "going" ? "Give up my place" : "Leave the waitlist";
  } else if (!started) {
    take.hidden = false;
    take.textContent = full ? "Join the waitlist" : "Take a place";
  }
}

/** @param {EventData} e */
function renderRoom(e) {
  const box = byId("room-box");
  box.hidden = e.kind !== "virtual" || e.cancelled || !hasPlace(e);
  if (box.hidden) return;
  const link = byId("room-link");
  const wait = byId("room-wait");
  const note = byId("room-note");
  const state = roomWindow(e.starts_at, e.ends_at);
  link.hidden = state !== "open";
  wait.hidden = state === "open";
  note.textContent =
    state === "soon"
      ? "The room opens " + ROOM_OPENS_MINUTES + " minutes before the start."
      : state === "over"
        ? "The event is over."
        : "The room is open.";
}

async function load() {
  /** @type {EventData} */
  const e = await api("GET", path);
  if (seriesId) {
    const series = await api("GET", "/classes/" + seriesId);
    enrolled = Boolean(series.me_enrolled);
    const line = byId("event-series");
    line.hidden = false;
    line.replaceChildren("A session of the class ", el("a", { href: "/classes/" + seriesId }, series.title), ".");
  }
  render(e);
  if (manages) loadAttendees();
}

/** @param {"PUT" | "DELETE"} method */
async function changePlace(method) {
  rsvpError.textContent = "";
  take.disabled = giveUp.disabled = true;
  try {
    const answer = await api(method, path + "/rsvp");
    const e = await api("GET", path);
    render(e);
    const said =
      answer.status === "going"
        ? "You have a place."
        : answer.status === "waitlisted"
          ? "The event is full: you are on the waitlist."
          : "You gave up your place.";
    byId("my-status").textContent = said;
    announce(said);
    take.disabled = giveUp.disabled = false;
    // The button that now stands where the pressed one was.
    (giveUp.hidden ? take : giveUp).focus();
    if (manages) loadAttendees();
  } catch (error) {
    rsvpError.textContent = message(error);
  } finally {
    take.disabled = giveUp.disabled = false;
  }
}

take.addEventListener("click", () => changePlace("PUT"));
giveUp.addEventListener("click", () => changePlace("DELETE"));

// The room opens and closes with the clock.
window.setInterval(() => {
  if (current) renderRoom(current);
}, 30000);

// --- the organiser ------------------------------------------------------------------------

async function loadAttendees() {
  const list = byId("attendees");
  try {
    /** @type {{user: number, name: string, status: string, since: string}[]} */
    const people = await api("GET", path + "/attendees");
    list.replaceChildren(
      ...people.map((p) =>
        el("li", {}, p.name, " ", el("span", { className: "tag" }, p.status === "going" ? "going" : "waitlisted")),
      ),
    );
    if (!people.length) list.replaceChildren(el("li", { className: "muted" }, "Nobody has signed up yet."));
  } catch (error) {
    list.replaceChildren(el("li", { className: "error" }, message(error)));
  }
}

function setUpOrganiser() {
  const messageForm = byIdAs("message-form", HTMLFormElement);
  messageForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    byId("message-error").textContent = "";
    byId("message-result").textContent = "";
    const body = byIdAs("message-body", HTMLTextAreaElement);
    try {
      const sent = await api("POST", path + "/message", { body: body.value.trim() });
      byId("message-result").textContent = "Sent to " + sent.sent + (sent.sent === 1 ? " person." : " people.");
      body.value = "";
    } catch (error) {
      byId("message-error").textContent = message(error);
    }
  });

  const editBox = byIdAs("edit-box", HTMLDetailsElement);
  const field = (/** @type {string} */ id) => byIdAs(id, HTMLInputElement);
  editBox.addEventListener("toggle", () => {
    if (!editBox.open || !current) return;
    const e = current;
    for (const node of document.querySelectorAll(".edit-zone")) node.textContent = e.time_zone;
    field("edit-title").value = e.title;
    byIdAs("edit-description", HTMLTextAreaElement).value = e.description;
    field("edit-venue").value = e.venue;
    field("edit-address").value = e.address;
    field("edit-starts").value = isoToLocal(e.starts_at, e.time_zone);
    field("edit-ends").value = isoToLocal(e.ends_at, e.time_zone);
    field("edit-capacity").value = e.capacity === null ? "" : String(e.capacity);
    field("edit-title").focus();
  });
  byIdAs("edit-form", HTMLFormElement).addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    byId("edit-error").textContent = "";
    byId("edit-result").textContent = "";
    try {
      /** @type {Record<string, unknown>} */
      const changes = {
        title: field("edit-title").value,
        description: byIdAs("edit-description", HTMLTextAreaElement).value,
        venue: field("edit-venue").value,
        address: field("edit-address").value,
        starts_at: localToIso(field("edit-starts").value, current.time_zone),
        ends_at: localToIso(field("edit-ends").value, current.time_zone),
      };
      const capacity = optionalNumber(field("edit-capacity"));
      if (capacity !== null) changes.capacity = capacity;
      render(await api("PATCH", path, changes));
      byId("edit-result").textContent = "Saved: everyone signed up is told.";
    } catch (error) {
      byId("edit-error").textContent = message(error);
    }
  });

  const dialog = byIdAs("cancel-dialog", HTMLDialogElement);
  const opener = byIdAs("cancel-open", HTMLButtonElement);
  opener.addEventListener("click", () => {
    byId("cancel-error").textContent = "";
    dialog.showModal();
    byIdAs("cancel-reason", HTMLTextAreaElement).focus();
  });
  byId("cancel-keep").addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    if (!opener.hidden) opener.focus();
  });
  byIdAs("cancel-form", HTMLFormElement).addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const reason = byIdAs("cancel-reason", HTMLTextAreaElement).value.trim();
      render(await api("POST", path + "/cancel", { reason }));
      dialog.close();
      byId("event-title").focus();
      announce("The event is cancelled; everyone signed up is told.");
    } catch (error) {
      byId("cancel-error").textContent = message(error);
    }
  });
}

if (manages) setUpOrganiser();
load().catch((error) => {
  byId("load-error").textContent = "Could not load the event: " + message(error);
});
