// @ts-check
// What the pages of events and classes share: the shapes the events API gives, times in
// the member's zone (and an event's own), local date-times of a zone turned into the
// API's times with a UTC offset, and when a live room may be joined.

import { el, me, when } from "./live.js";

/**
 * @typedef {{
 *   id: number, title: string, description: string, kind: string, category: string,
 *   organiser: string, venue: string, address: string, region: string, time_zone: string,
 *   starts_at: string, ends_at: string, starts_local: string, ends_local: string,
 *   capacity: number | null, going: number, cancelled: boolean, my_status: string | null
 * }} EventData
 * @typedef {{event: number, starts_at: string, ends_at: string, cancelled: boolean}} Session
 * @typedef {{
 *   id: number, title: string, description: string, organiser: string,
 *   wellness_education: boolean, region: string, kind: string, capacity: number | null,
 *   enrolled: number, me_enrolled: boolean, sessions: Session[]
 * }} ClassData
 */

/** A live room opens this long before its start. */
export const ROOM_OPENS_MINUTES = 15;

/** @param {string} zone */
function offsetMinutes(zone, /** @type {number} */ instant) {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  /** @type {Record<string, number>} */
  const n = {};
  for (const part of parts) if (part.type !== "literal") n[part.type] = Number(part.value);
  const asUtc = Date.UTC(n.year, n.month - 1, n.day, n.hour, n.minute, n.second);
  return Math.round((asUtc - instant) / 60000);
}

/** Whether the browser knows ``zone`` (an IANA name). @param {string} zone */
export function isZone(zone) {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return Boolean(zone);
  } catch {
    return false;
  }
}

/**
 * The time zone typed in an organiser's form (``#new-zone``), or null after saying in
 * ``error`` that it is unknown (focus goes back to the field).
 * @param {HTMLInputElement} field @param {HTMLElement} error @returns {string | null}
 */
export function checkedZone(field, error) {
  const zone = field.value.trim();
  if (isZone(zone)) return zone;
  error.textContent = "Unknown time zone: use a name such as America/Toronto.";
  field.focus();
  return null;
}

/**
 * A local date-time of a form (``2031-03-01T17:00``) in ``zone`` as the API takes it: an
 * ISO time with its UTC offset (in UTC). A time skipped by a clock change moves forward.
 * @param {string} local @param {string} zone @returns {string}
 */
export function localToIso(local, zone) {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!match) throw new Error("a date and time are needed");
  const [year, month, day, hour, minute] = match.slice(1).map(Number);
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  let instant = wall - offsetMinutes(zone, wall) * 60000;
  instant = wall - offsetMinutes(zone, instant) * 60000;
  return new Date(instant).toISOString();
}

/** An API time as a form's local date-time in ``zone``. @param {string} iso @param {string} zone */
export function isoToLocal(iso, zone) {
  const instant = new Date(iso).getTime();
  const shifted = new Date(instant + offsetMinutes(zone, instant) * 60000);
  return shifted.toISOString().slice(0, 16);
}

/**
 * "Mon, 1 Mar 2031, 12:00 – 13:00" in ``zone`` (the member's by default).
 * @param {string} start @param {string} end @param {string} [zone]
 */
export function timeRange(start, end, zone) {
  const options = { timeZone: zone || me.zone };
  const from = new Date(start);
  const to = new Date(end);
  const day = (/** @type {Date} */ d) =>
    d.toLocaleDateString(undefined, { ...options, dateStyle: "medium" });
  const sameDay = day(from) === day(to);
  const first = from.toLocaleString(undefined, {
    ...options,
    weekday: "short",
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
  const last = sameDay
    ? to.toLocaleTimeString(undefined, { ...options, hour: "2-digit", minute: "2-digit" })
    : when(to, { timeZone: zone || me.zone });
  return first + " – " + last;
}

/** Whether two zones show the same clock at ``iso``. @param {string} a @param {string} b @param {string} iso */
export function sameClock(a, b, iso) {
  const instant = new Date(iso).getTime();
  return a === b || offsetMinutes(a, instant) === offsetMinutes(b, instant);
}

/**
 * Where the live room stands now: not yet open, open, or over.
 * @param {string} start @param {string} end @param {number} [now]
 * @returns {"soon" | "open" | "over"}
 */
export function roomWindow(start, end, now) {
  const at = now === undefined ? Date.now() : now;
  if (at >= new Date(end).getTime()) return "over";
  if (at >= new Date(start).getTime() - ROOM_OPENS_MINUTES * 60000) return "open";
  return "soon";
}

/** What a member's RSVP status reads as. @param {string | null} status */
export function statusText(status) {
  if (status === "going") return "You have a place.";
  if (status === "waitlisted") return "You are on the waitlist.";
  return "";
}

/** Places of an event: taken, free, full. @param {EventData} e */
export function placesText(e) {
  if (e.capacity === null) return e.going + " going · no limit";
  if (e.going >= e.capacity) return "Full (" + e.capacity + (e.capacity === 1 ? " place" : " places") + ") · waitlist open";
  return e.going + " of " + e.capacity + " places taken";
}

/** Where an event is. @param {{kind: string, venue: string, address: string}} e */
export function whereText(e) {
  if (e.kind === "virtual") return "Online (live room)";
  return [e.venue, e.address].filter(Boolean).join(", ") || "In person";
}

/** A small label. @param {string} text */
export function tag(text) {
  return el("span", { className: "tag" }, text);
}

/** The number a form's field holds, or null when empty. @param {HTMLInputElement} input */
export function optionalNumber(input) {
  return input.value.trim() === "" ? null : Number(input.value);
}
