// @ts-check
// /care/alerts: a professional's open alerts across the customers in their care, newest
// first (GET /api/alerts), acknowledged or resolved with a note (by a dietitian: the page
// holds no form for a medical provider); read again live, and when what I may see of a
// customer narrowed (``care.activity`` "access": their alerts leave the list).

import { api, byId, el } from "./live.js";
import { alertItem, onAlertChanges, readFailure } from "./alerts-common.js";
import { showStatus } from "./settings-common.js";

/** @typedef {import("./alerts-common.js").Alert} Alert */

const list = byId("alert-list");

async function load() {
  try {
    /** @type {Alert[]} */
    const alerts = await api("GET", "/alerts?status=unresolved&limit=200");
    list.replaceChildren();
    if (alerts.length === 0) list.append(el("li", { className: "muted" }, "No open alerts."));
    for (const alert of alerts) {
      list.append(alertItem(alert, { showCustomer: true, statusId: "alerts-status", done: load }));
    }
  } catch (error) {
    showStatus("alerts-status", readFailure(error), true);
  } finally {
    list.setAttribute("aria-busy", "false");
  }
}

onAlertChanges(load);
