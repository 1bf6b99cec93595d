// @ts-check
// The care team's dashboard (/care): the customers in my care (consent to care standing),
// each with the latest values and trends of the tests chosen (only those they share with
// the care team), open alerts, missed check-ins, goals at risk, the last check-in and
// unread messages (GET /api/care/dashboard: sorted, filtered and paged by the server; each
// customer shown is in their access log). The choices live in the address, so a reload or
// a link keeps them. A row reads again when its customer logs something (``care.activity``
// on my own ``user:`` topic, which the shell follows) or writes to me; rows keep their
// place until the next load. When a customer withdraws consent to care or leaves my care
// (``care.activity`` with ``what: "access"``), their row reads again: the 404 drops it.

import { api, byIdAs, el, live, me } from "./live.js";
import { COLUMNS, fetchRow, loadCatalogue, valueNode } from "./care-board.js";
import { reason, showStatus } from "./settings-common.js";

/**
 * @typedef {import("./care-board.js").Row} Row
 * @typedef {import("./care-board.js").Board} Board
 * @typedef {import("./care-board.js").TestHead} TestHead
 */

const PAGE = 25;
const MAX_TESTS = 6;
const page = byIdAs("dashboard", HTMLElement);
const form = byIdAs("board-controls", HTMLFormElement);
const q = byIdAs("board-q", HTMLInputElement);
const sort = byIdAs("board-sort", HTMLSelectElement);
const order = byIdAs("board-order", HTMLSelectElement);
const head = byIdAs("board-head", HTMLTableRowElement);
const body = byIdAs("board-body", HTMLTableSectionElement);
const prev = byIdAs("board-prev", HTMLButtonElement);
const next = byIdAs("board-next", HTMLButtonElement);
const testChoices = byIdAs("tests-choices", HTMLFieldSetElement);

const state = {
  offset: 0,
  /** @type {string[]} */
  tests: [],
  /** @type {TestHead[]} */
  heads: [],
  /** @type {Map<number, HTMLTableRowElement>} */
  rows: new Map(),
  /** @type {Map<number, number>} */
  pending: new Map(),
};

function filterBoxes() {
  return /** @type {HTMLInputElement[]} */ ([...form.querySelectorAll("input[name=filter]")]);
}

function testBoxes() {
  return /** @type {HTMLInputElement[]} */ ([...testChoices.querySelectorAll("input[name=test]")]);
}

/** The choices from the address (or the defaults). */
function readAddress() {
  const params = new URLSearchParams(location.search);
  q.value = params.get("q") || "";
  sort.value = params.get("sort") || "name";
  if (!sort.value) sort.value = "name";
  order.value = params.get("order") || "";
  const filters = (params.get("filter") || "").split(",");
  for (const box of filterBoxes()) box.checked = filters.includes(box.value);
  const tests = params.get("tests") || page.dataset.defaultTests || "weight,bmi";
  state.tests = tests.split(",").filter(Boolean).slice(0, MAX_TESTS);
  state.offset = Math.max(0, Number(params.get("offset")) || 0);
}

function query() {
  const params = new URLSearchParams();
  if (q.value.trim()) params.set("q", q.value.trim());
  params.set("sort", sort.value);
  if (order.value) params.set("order", order.value);
  const filters = filterBoxes().filter((b) => b.checked).map((b) => b.value);
  if (filters.length) params.set("filter", filters.join(","));
  params.set("tests", state.tests.join(","));
  if (state.offset) params.set("offset", String(state.offset));
  return params;
}

/** @param {Row} row */
function rowNode(row) {
  const name = el("a", { href: "/care/customers/" + row.customer.id }, row.customer.name);
  const tr = el("tr", { dataset: { customer: String(row.customer.id) } }, el("th", { scope: "row" }, name));
  for (const value of row.tests) tr.append(el("td", { dataset: { label: value.name, test: value.test } }, valueNode(value)));
  for (const [label, cell] of COLUMNS) tr.append(el("td", { dataset: { label } }, cell(row)));
  return tr;
}

/** @param {Board} board */
function render(board) {
  state.heads = board.tests;
  head.replaceChildren(
    el("th", { scope: "col" }, "Customer"),
    ...board.tests.map((t) => el("th", { scope: "col" }, t.name)),
    ...COLUMNS.map(([label]) => el("th", { scope: "col" }, label)),
  );
  state.rows.clear();
  body.replaceChildren();
  for (const row of board.items) {
    const tr = rowNode(row);
    state.rows.set(row.customer.id, tr);
    body.append(tr);
  }
  if (board.items.length === 0) {
    const filtered = query().has("filter") || query().has("q");
    const text = filtered ? "No customer in your care matches." : "No customer is in your care yet (or none has agreed to care by their care team).";
    body.append(el("tr", {}, el("td", { className: "empty-row muted", colSpan: 1 + board.tests.length + COLUMNS.length }, text)));
  }
  const first = board.items.length ? state.offset + 1 : 0;
  const last = state.offset + board.items.length;
  byIdAs("board-count", HTMLElement).textContent = "(" + board.count + ")";
  byIdAs("board-range", HTMLElement).textContent = board.count > PAGE ? `${first}–${last} of ${board.count}` : "";
  prev.hidden = state.offset === 0;
  next.hidden = last >= board.count;
}

let loads = 0; // the latest load started: only its answer is shown

/** The board as the controls ask; null when it failed or a later load took over. */
async function load() {
  const mine = ++loads;
  const params = query();
  history.replaceState(null, "", "/care?" + params.toString());
  params.set("limit", String(PAGE));
  try {
    /** @type {Board} */
    const board = await api("GET", "/care/dashboard?" + params.toString());
    // Two changes in a row (the sort, then the order) make two requests, whose answers
    // may come back in either order: an earlier one must not replace a later one.
    if (mine !== loads) return null;
    render(board);
    return board;
  } catch (error) {
    if (mine !== loads) return null;
    showStatus("board-status", "Could not load your customers: " + reason(error), true);
    return null;
  }
}

/** Read one customer's row again (a burst of activity makes one request). @param {number} customerId */
function refreshRow(customerId) {
  if (!state.rows.has(customerId)) return;
  window.clearTimeout(state.pending.get(customerId));
  state.pending.set(
    customerId,
    window.setTimeout(async () => {
      state.pending.delete(customerId);
      const current = state.rows.get(customerId);
      if (!current) return;
      try {
        const row = await fetchRow(customerId, state.tests.join(","));
        if (row === null) {
          const name = current.querySelector("th")?.textContent || "A customer";
          current.remove();
          state.rows.delete(customerId);
          showStatus("board-status", name + " is no longer in your care, or no longer shares with you.");
          return;
        }
        const fresh = rowNode(row);
        fresh.classList.add("row-updated");
        current.replaceWith(fresh);
        state.rows.set(customerId, fresh);
        window.setTimeout(() => fresh.classList.remove("row-updated"), 1500);
      } catch {
        // The next activity, or a reload, reads it again.
      }
    }, 150),
  );
}

/** The tests to choose from: checkboxes, at most six ticked. */
async function showTestChoices() {
  const catalogue = await loadCatalogue();
  testChoices.querySelectorAll("label").forEach((n) => n.remove());
  for (const test of catalogue) {
    const box = el("input", { type: "checkbox", name: "test", value: test.code, checked: state.tests.includes(test.code) });
    testChoices.append(el("label", {}, box, " " + test.name));
  }
  limitTests();
}

function limitTests() {
  const ticked = testBoxes().filter((b) => b.checked);
  for (const box of testBoxes()) box.disabled = !box.checked && ticked.length >= MAX_TESTS;
  byIdAs("tests-count", HTMLElement).textContent = "(" + ticked.length + " of " + MAX_TESTS + ")";
}

function applyChoices() {
  const ticked = testBoxes().filter((b) => b.checked).map((b) => b.value);
  if (ticked.length) state.tests = ticked;
  state.offset = 0;
  load().then((board) => {
    if (board) showStatus("board-status", board.count === 1 ? "1 customer." : board.count + " customers.");
  });
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  applyChoices();
});
form.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLInputElement && target.name === "test") {
    limitTests();
    return; // applied with "Show": a few ticks make one request
  }
  if (target instanceof HTMLSelectElement || (target instanceof HTMLInputElement && target.name === "filter")) applyChoices();
});
prev.addEventListener("click", () => {
  state.offset = Math.max(0, state.offset - PAGE);
  load().then(() => byIdAs("board-heading", HTMLElement).focus());
});
next.addEventListener("click", () => {
  state.offset += PAGE;
  load().then(() => byIdAs("board-heading", HTMLElement).focus());
});

/** How many care requests wait for my answer (they are on /care/requests). */
async function showRequestsWaiting() {
  /** @type {{status: string, waiting_for: string[], professional: {id: number}}[]} */
  const requests = await api("GET", "/care-requests");
  const waiting = requests.filter((r) => r.status === "pending" && r.waiting_for.includes("professional") && r.professional.id === me.id);
  byIdAs("requests-waiting", HTMLElement).textContent = waiting.length ? "(" + waiting.length + " waiting for your answer)" : "";
}

live.listen({
  onEvent(frame) {
    if (frame.topic !== "user:" + me.id && frame.event !== "message.created") return;
    const data = frame.data || {};
    if (frame.event === "care.activity") refreshRow(Number(data.customer));
    else if (frame.event === "message.created" && data.sender) refreshRow(Number(data.sender.id));
    else if (frame.event === "notification.created" && String(data.kind || "").startsWith("care.")) {
      showRequestsWaiting().catch(() => undefined);
      if (data.kind === "care.joined") load(); // a new customer in my care
    }
  },
});

readAddress();
load();
showTestChoices().catch(() => undefined);
showRequestsWaiting().catch(() => undefined);
