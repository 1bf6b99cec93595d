// @ts-check
// /classes/new: an organiser makes a class: its first session as a local date-time of
// its time zone, how long each lasts, every how many days, and how many sessions.

import { ApiError, api, byId, byIdAs } from "./live.js";
import { checkedZone, localToIso, optionalNumber } from "./events-common.js";

const form = byIdAs("class-form", HTMLFormElement);
const error = byId("new-error");
const field = (/** @type {string} */ id) => byIdAs(id, HTMLInputElement);

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const zone = checkedZone(field("new-zone"), error);
  if (zone === null) return;
  const data = new FormData(form);
  const regional = data.get("audience") === "region";
  try {
    const made = await api("POST", "/classes", {
      title: field("new-title").value.trim(),
      description: byIdAs("new-description", HTMLTextAreaElement).value.trim(),
      wellness_education: !regional,
      region: regional ? field("new-region").value.trim() : "",
      kind: String(data.get("kind") || "virtual"),
      venue: field("new-venue").value.trim(),
      address: field("new-address").value.trim(),
      capacity: optionalNumber(field("new-capacity")),
      time_zone: zone,
      first_start: localToIso(field("new-first").value, zone),
      duration_minutes: Number(field("new-duration").value),
      every_days: Number(field("new-every").value),
      sessions: Number(field("new-sessions").value),
    });
    location.assign("/classes/" + made.id);
  } catch (failure) {
    error.textContent =
      failure instanceof ApiError || failure instanceof Error ? failure.message : String(failure);
  }
});
