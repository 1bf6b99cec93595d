// @ts-check
// A customer's profile as shared with their care team (/care/customers/{id}), read-only,
// for a dietitian or medical provider in that team (GET /api/customers/{id}/profile,
// which leaves out what is not shared and writes the read in the customer's access log).
// Reloaded when the customer changes something the care team may see (health:{id}).
// When access ends (the socket's subscription refused or dropped: consent withdrawn, the
// care team left; or the read answering 404) the values leave the page and it says so.

import { ApiError, announce, api, byId, el, live } from "./live.js";
import { bySection, valueText } from "./profile-common.js";
import { reason, showStatus } from "./settings-common.js";

/** @typedef {import("./profile-common.js").Profile} Profile */

const customerId = Number(byId("customer").dataset.customerId);
const box = byId("shared-sections");
const topic = "health:" + customerId;
let ended = false;

/** @param {Profile} profile */
function render(profile) {
  box.replaceChildren();
  if (profile.fields.length === 0) {
    box.append(el("p", { className: "panel" }, profile.customer.name + " shares nothing of their profile with their care team yet."));
    return;
  }
  for (const group of bySection(profile.fields)) {
    const headingId = "s-" + group.section;
    const list = el("dl", { className: "shared" });
    for (const f of group.fields) {
      list.append(el("dt", {}, f.label), el("dd", { dataset: { key: f.key } }, valueText(f, f.value)));
    }
    const section = el("section", { className: "panel" }, el("h2", { id: headingId }, group.label), list);
    section.setAttribute("aria-labelledby", headingId);
    box.append(section);
  }
}

/** Access ended: nothing of the profile stays on the page. */
function accessEnded() {
  if (ended) return;
  ended = true;
  unfollow();
  unlisten();
  box.replaceChildren();
  showStatus("shared-status", "Access ended: this profile is no longer shared with you.", true);
}

/** @param {boolean} changed whether the customer just changed something */
async function load(changed) {
  if (ended) return;
  try {
    /** @type {Profile} */
    const profile = await api("GET", "/customers/" + customerId + "/profile");
    if (ended) return;
    render(profile);
    showStatus("shared-status", "");
    if (changed) announce(profile.customer.name + "’s profile changed: shown as it is now.");
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      accessEnded();
      return;
    }
    box.replaceChildren();
    showStatus("shared-status", "Could not load the profile: " + reason(error), true);
  }
}

const unfollow = live.follow(topic);
const unlisten = live.listen({
  onEvent(frame) {
    if (frame.topic === topic && frame.event === "health.changed" && frame.data && frame.data.what === "profile") {
      load(true);
    }
  },
  onError(frame) {
    // Refused on subscribing, or dropped when rights narrowed (docs/realtime-protocol.md).
    if (frame.topic === topic && frame.code === "forbidden") accessEnded();
  },
});
load(false);
