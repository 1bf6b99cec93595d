// @ts-check
// What the care team's dashboard (/care) and a customer's page (/care/customers/{id})
// share: a row of GET /api/care/dashboard in words (latest values with a trend arrow and
// its text, alerts with their worst severity, missed check-ins, goals at risk, the last
// check-in, unread messages), and the units as people write them (GET /api/tests).

import { api, el, when } from "./live.js";

/**
 * @typedef {{id: number, name: string}} Person
 * @typedef {"up" | "down" | "flat"} Trend
 * @typedef {{test: string, name: string, unit: string, decimals: number,
 *   value: number | null, taken_at: string | null, trend: Trend | null}} TestValue
 * @typedef {{customer: Person, tests: TestValue[], open_alerts: number,
 *   worst_severity: string | null, missed_check_ins: number, goals_at_risk: number,
 *   last_check_in: string | null, unread_messages: number}} Row
 * @typedef {{code: string, name: string, unit: string}} TestHead
 * @typedef {{items: Row[], count: number, tests: TestHead[], sort: string, order: string}} Board
 * @typedef {{code: string, name: string, unit: string, unit_labels: Record<string, string>}} CatalogueTest
 */

/** The arrow and what it says. @type {Record<Trend, [string, string]>} */
export const TRENDS = { up: ["↑", "rising"], down: ["↓", "falling"], flat: ["→", "steady"] };

/** @type {Map<string, string>} */
const unitLabels = new Map();

/** The catalogue, and the units' labels kept for the values. @returns {Promise<CatalogueTest[]>} */
export async function loadCatalogue() {
  /** @type {CatalogueTest[]} */
  const tests = await api("GET", "/tests");
  for (const t of tests) for (const [code, label] of Object.entries(t.unit_labels || {})) unitLabels.set(code, label);
  return tests;
}

/** @param {string} unit */
function unitText(unit) {
  return unitLabels.get(unit) || unit;
}

/** A latest value with its trend arrow (and the arrow in words). @param {TestValue} v */
export function valueNode(v) {
  if (v.value === null) {
    return el("span", { className: "none" }, el("span", { ariaHidden: "true" }, "—"), el("span", { className: "visually-hidden" }, "none shared"));
  }
  const node = el("span", { className: "value" }, v.value.toFixed(v.decimals) + " " + unitText(v.unit));
  if (v.trend) {
    const [arrow, words] = TRENDS[v.trend];
    node.append(" ", el("span", { className: "trend " + v.trend, title: words, ariaHidden: "true" }, arrow), el("span", { className: "visually-hidden" }, ", " + words));
  }
  if (v.taken_at) node.title = "Taken " + when(v.taken_at);
  return node;
}

/** Open alerts and the worst severity, linked to the customer's alerts. @param {Row} row */
export function alertsNode(row) {
  if (row.open_alerts === 0) return el("span", { className: "none" }, "0");
  return el(
    "a",
    { href: `/care/customers/${row.customer.id}/alerts` },
    String(row.open_alerts),
    row.worst_severity ? el("span", { className: "severity " + row.worst_severity }, " (" + row.worst_severity + ")") : null,
  );
}

/** A count, muted at zero, linked when there is something to see. @param {number} n @param {string} [href] */
export function countNode(n, href) {
  if (n === 0) return el("span", { className: "none" }, "0");
  return href ? el("a", { href }, String(n)) : el("span", {}, String(n));
}

/** @param {string | null} at */
export function checkInNode(at) {
  return at ? el("time", { dateTime: at }, when(at)) : el("span", { className: "none" }, "never");
}

/** The columns after the customer's name and the tests: [label, cell of a row]. */
export const COLUMNS = /** @type {[string, (row: Row) => Node][]} */ ([
  ["Open alerts", alertsNode],
  ["Missed check-ins (7 days)", (row) => countNode(row.missed_check_ins, `/care/customers/${row.customer.id}/goals`)],
  ["Goals at risk", (row) => countNode(row.goals_at_risk, `/care/customers/${row.customer.id}/goals`)],
  ["Last check-in", (row) => checkInNode(row.last_check_in)],
  ["Unread messages", (row) => countNode(row.unread_messages)],
]);

/**
 * One customer's row: GET /api/care/dashboard?customer_id= (null when they are not in
 * the professional's care any more, or match none of ``extra``).
 * @param {number} customerId @param {string} tests @returns {Promise<Row | null>}
 */
export async function fetchRow(customerId, tests) {
  const params = new URLSearchParams({ customer_id: String(customerId), tests });
  try {
    /** @type {Board} */
    const board = await api("GET", "/care/dashboard?" + params.toString());
    return board.items[0] || null;
  } catch (error) {
    if (error && typeof error === "object" && "status" in error && error.status === 404) return null;
    throw error;
  }
}
