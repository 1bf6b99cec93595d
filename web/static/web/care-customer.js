// @ts-check
// A customer's profile as shared with their care team (/care/customers/{id}), read-only,
// for a dietitian or medical provider in that team (GET /api/customers/{id}/profile,
// which leaves out what is not shared and writes the read in the customer's access log).
// Reloaded when the customer changes something the care team may see (health:{id}).

import { ApiError, announce, api, byId, el, live } from "./live.js";
import { bySection, valueText } from "./profile-common.js";
import { reason, showStatus } from "./settings-common.js";

/** @typedef {import("./profile-common.js").Profile} Profile */

const customerId = Number(byId("customer").dataset.customerId);
const box = byId("shared-sections");
const topic = "health:" + customerId;

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

/** @param {boolean} changed whether the customer just changed something */
async function load(changed) {
  try {
    /** @type {Profile} */
    const profile = await api("GET", "/customers/" + customerId + "/profile");
    render(profile);
    showStatus("shared-status", "");
    if (changed) announce(profile.customer.name + "’s profile changed: shown as it is now.");
  } catch (error) {
    box.replaceChildren();
    const gone = error instanceof ApiError && error.status === 404;
    showStatus(
      "shared-status",
      gone ? "This profile is no longer shared with you." : "Could not load the profile: " + reason(error),
      true,
    );
  }
}

live.follow(topic);
live.listen({
  onEvent(frame) {
    if (frame.topic === topic && frame.event === "health.changed" && frame.data && frame.data.what === "profile") {
      load(true);
    }
  },
});
load(false);
