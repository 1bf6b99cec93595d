// @ts-check
// What the alert pages share: an alert as a list item (severity in words and by colour),
// its acknowledge / resolve form, and reading again when care.activity says an alert
// changed (the event carries no value: the page asks the API, which audits the read).

import { ApiError, announce, api, el, live, me, when } from "./live.js";
import { reason, showStatus } from "./settings-common.js";

/**
 * @typedef {{id: number, name: string}} Person
 * @typedef {{
 *   id: number, customer: Person, rule: {id: number, name: string, kind: string, test: string | null},
 *   severity: string, status: string, value: number | null, unit: string, raised_at: string,
 *   last_seen_at: string, count: number, acknowledged_by: Person | null,
 *   resolved_by: Person | null, note: string
 * }} Alert
 */

/** @param {Alert} alert */
function valueText(alert) {
  if (alert.value === null) return "";
  if (alert.unit === "d") return alert.value + " days without data";
  if (alert.unit === "%") return "changed by " + alert.value + "%";
  if (alert.unit === "mood") return "mood " + alert.value + " of 5";
  return alert.value + " " + alert.unit;
}

/**
 * One alert; ``answer``: its form (when not resolved), calling ``done`` after an answer.
 * @param {Alert} alert @param {{showCustomer: boolean, statusId: string, done: () => void}} options
 */
export function alertItem(alert, options) {
  const headingId = "alert-" + alert.id;
  // Under the page's title on /care/alerts; under the history's heading on a customer's.
  const heading = el(
    options.showCustomer ? "h2" : "h3",
    { id: headingId },
    el("span", { className: "severity " + alert.severity }, alert.severity),
    alert.rule.name,
  );
  const meta = [
    options.showCustomer ? el("a", { href: "/care/customers/" + alert.customer.id + "/alerts" }, alert.customer.name) : null,
    " " + valueText(alert),
    " · raised " + when(alert.raised_at),
    alert.count > 1 ? " · seen " + alert.count + " times, last " + when(alert.last_seen_at) : "",
    " · " + alert.status + (alert.acknowledged_by && alert.status === "acknowledged" ? " by " + alert.acknowledged_by.name : ""),
    alert.resolved_by ? " by " + alert.resolved_by.name : "",
  ];
  const item = el(
    "li",
    { className: "alert-item " + alert.severity, dataset: { alertId: String(alert.id) } },
    heading,
    el("p", { className: "alert-meta" }, ...meta),
    alert.note ? el("p", { className: "alert-note" }, alert.note) : null,
  );
  item.setAttribute("aria-labelledby", headingId);
  // The page holds the form only for whoever may answer (the dietitian): a medical
  // provider reads alerts, and is offered nothing the API would refuse.
  const template = /** @type {HTMLTemplateElement | null} */ (document.getElementById("answer-form"));
  if (alert.status !== "resolved" && template) item.append(answerForm(alert, template, options));
  return item;
}

/**
 * @param {Alert} alert @param {HTMLTemplateElement} template
 * @param {{statusId: string, done: () => void}} options
 */
function answerForm(alert, template, options) {
  const form = /** @type {HTMLFormElement} */ (template.content.firstElementChild?.cloneNode(true));
  const note = form.querySelector("textarea");
  if (note) note.setAttribute("aria-label", "Note on " + alert.rule.name + " for " + alert.customer.name);
  if (alert.status === "acknowledged") form.querySelector('button[value="acknowledge"]')?.remove();
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submitter = /** @type {SubmitEvent} */ (event).submitter;
    const action = submitter instanceof HTMLButtonElement ? submitter.value : "acknowledge";
    try {
      await api("POST", "/alerts/" + alert.id + "/" + action, { note: note ? note.value : "" });
      const said = action === "resolve" ? "Resolved" : "Acknowledged";
      showStatus(options.statusId, said + ": " + alert.rule.name);
      announce(said + ": " + alert.rule.name);
      options.done();
    } catch (error) {
      showStatus(options.statusId, "Not saved: " + reason(error), true);
    }
  });
  return form;
}

/**
 * Call ``reload`` when an alert of one of the professional's customers changes, or what
 * they may see of a customer narrowed (``what: "access"``: consent withdrawn, the care
 * team left, a test no longer shared), several in a burst making one read.
 * ``customerId``: only that customer's.
 * @param {() => void} reload @param {number} [customerId]
 */
export function onAlertChanges(reload, customerId) {
  let timer = 0;
  live.follow("user:" + me.id);
  live.listen({
    onEvent(frame) {
      const data = frame.data;
      if (frame.event !== "care.activity" || !data || (data.what !== "alert" && data.what !== "access")) return;
      if (customerId !== undefined && data.customer !== customerId) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(reload, 200);
    },
    onReady: reload,
  });
}

/** The message for a failed read. @param {unknown} error */
export function readFailure(error) {
  if (error instanceof ApiError && error.status === 404) return "Access ended: this customer's alerts are no longer shared with you.";
  return "Could not load the alerts: " + reason(error);
}
