// @ts-check
// /care/customers/{id}/alerts: the rules watching one customer (GET /api/alert-rules?
// customer_id=), a threshold changed for them only (an override of the default, POST or
// PATCH /api/alert-rules), and their alert history (GET /api/alerts?customer_id=&status=all).
// When the care team's access ends (care-access.js, or a read answering 404) the rules and
// alerts leave the page and it says why.

import { ApiError, api, byId, el } from "./live.js";
import { alertItem, onAlertChanges, readFailure } from "./alerts-common.js";
import { ACCESS_ENDED, whenAccessEnds } from "./care-access.js";
import { reason, showStatus } from "./settings-common.js";

/**
 * @typedef {{
 *   id: number, name: string, kind: string, test: string | null, unit: string,
 *   threshold: number | null, days: number | null, severity: string,
 *   customer_id: number | null, overrides_id: number | null, active: boolean
 * }} Rule
 */

const root = byId("customer-alerts");
const customerId = Number(root.dataset.customerId);
// The dietitian changes thresholds; a medical provider of the care team reads them.
const mayChange = root.dataset.mayAnswer === "true";
const rulesBody = byId("rules-body");
const history = byId("history-list");
let ended = false;

function accessEnded() {
  if (ended) return;
  ended = true;
  rulesBody.replaceChildren();
  history.replaceChildren();
  showStatus("rules-status", "");
  showStatus("history-status", ACCESS_ENDED, true);
}

/** @param {unknown} error @param {string} statusId */
function failed(error, statusId) {
  if (error instanceof ApiError && error.status === 404) accessEnded();
  else showStatus(statusId, readFailure(error), true);
}

const WHEN = {
  above: "at or above", below: "under", mean_above: "mean at or above", mean_below: "mean under",
  drop: "falls by more than", rise: "rises by more than", missing: "nothing logged for",
};

/** @param {Rule} rule */
function firesWhen(rule) {
  const what = rule.test || (rule.kind === "missing" ? "check-ins" : "mood");
  const words = WHEN[/** @type {keyof typeof WHEN} */ (rule.kind)] || rule.kind;
  if (rule.kind === "missing") return what + ": " + words + " " + rule.days + " days";
  const days = rule.days ? " over " + rule.days + " days" : "";
  return what + " " + words + " " + rule.threshold + " " + rule.unit + days;
}

/** @param {Rule} rule */
function changeForm(rule) {
  const inputId = "threshold-" + rule.id;
  const input = el("input", { id: inputId, name: "threshold", inputMode: "decimal", value: String(rule.threshold ?? "") });
  const form = el(
    "form",
    {},
    el("label", { htmlFor: inputId }, "Threshold for this customer (" + rule.unit + ")"),
    input,
    el("button", { type: "submit", className: "secondary" }, "Save"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const threshold = Number(input.value);
    try {
      if (rule.customer_id === null) {
        await api("POST", "/alert-rules", { customer_id: customerId, overrides_id: rule.id, threshold });
      } else {
        await api("PATCH", "/alert-rules/" + rule.id, { threshold });
      }
      showStatus("rules-status", "Saved: " + rule.name);
      loadRules();
    } catch (error) {
      showStatus("rules-status", "Not saved: " + reason(error), true);
    }
  });
  return form;
}

async function loadRules() {
  if (ended) return;
  try {
    /** @type {Rule[]} */
    const rules = await api("GET", "/alert-rules?customer_id=" + customerId);
    if (ended) return;
    rulesBody.replaceChildren();
    for (const rule of rules) {
      const scope = rule.customer_id === null ? "default" : rule.overrides_id ? "changed for this customer" : "for this customer";
      rulesBody.append(
        el(
          "tr",
          {},
          el("td", {}, rule.name, el("br"), el("span", { className: "muted" }, scope + (rule.active ? "" : ", off"))),
          el("td", {}, firesWhen(rule)),
          el("td", {}, el("span", { className: "severity " + rule.severity }, rule.severity)),
          el("td", {}, rule.kind === "missing" || !mayChange ? "" : changeForm(rule)),
        ),
      );
    }
  } catch (error) {
    failed(error, "rules-status");
  }
}

async function loadHistory() {
  if (ended) return;
  try {
    const alerts = await api("GET", "/alerts?status=all&limit=200&customer_id=" + customerId);
    if (ended) return;
    history.replaceChildren();
    if (alerts.length === 0) history.append(el("li", { className: "muted" }, "No alerts so far."));
    for (const alert of alerts) {
      history.append(alertItem(alert, { showCustomer: false, statusId: "history-status", done: loadHistory }));
    }
  } catch (error) {
    failed(error, "history-status");
  }
}

// Both read when the socket is ready; again when an alert changed, or (care.activity "access") what I may see of them narrowed.
onAlertChanges(() => {
  loadHistory();
  loadRules();
}, customerId);
whenAccessEnds(customerId, accessEnded);
