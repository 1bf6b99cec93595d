// @ts-check
// /events/new: an organiser makes an event. Start and end are typed as local date-times
// of the event's time zone; they are sent as times with a UTC offset (the API refuses
// times without one).

import { ApiError, api, byId, byIdAs } from "./live.js";
import { checkedZone, localToIso, optionalNumber } from "./events-common.js";

const form = byIdAs("event-form", HTMLFormElement);
const error = byId("new-error");
const field = (/** @type {string} */ id) => byIdAs(id, HTMLInputElement);

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const zone = checkedZone(field("new-zone"), error);
  if (zone === null) return;
  const data = new FormData(form);
  try {
    const made = await api("POST", "/events", {
      title: field("new-title").value.trim(),
      description: byIdAs("new-description", HTMLTextAreaElement).value.trim(),
      kind: String(data.get("kind") || "virtual"),
      category: field("new-category").value.trim(),
      venue: field("new-venue").value.trim(),
      address: field("new-address").value.trim(),
      region: field("new-region").value.trim(),
      time_zone: zone,
      starts_at: localToIso(field("new-starts").value, zone),
      ends_at: localToIso(field("new-ends").value, zone),
      capacity: optionalNumber(field("new-capacity")),
    });
    location.assign("/events/" + made.id);
  } catch (failure) {
    error.textContent =
      failure instanceof ApiError || failure instanceof Error ? failure.message : String(failure);
  }
});
