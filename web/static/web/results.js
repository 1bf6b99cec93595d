// @ts-check
// Health results: the latest of each test (its meaning in words), a trend chart per test
// with its reference band and its values as a table (each correctable by whoever may),
// a form to add a result in any unit the test takes, a lab file import, who sees each
// test (the customer's own page), and a FHIR download. The same page serves a
// professional of the care team, with only what is shared. Follows health:{customer}
// and reads again when a result, who sees a test, or the sex or birth date (the ranges)
// changes. For a professional, when access ends (the socket's subscription refused or
// dropped, or a read answering 404) every value leaves the page and it says so.

import { ApiError, announce, api, byIdAs, el, live, me, when } from "./live.js";
import { MEANINGS, clearTrend, drawTrend, number, rangeText } from "./results-chart.js";
import { setUpImport } from "./results-import.js";

/**
 * @typedef {import("./results-chart.js").Series} Series
 * @typedef {import("./results-chart.js").Range} Range
 * @typedef {{code: string, name: string, unit: string, input_units: string[],
 *   unit_labels: Record<string, string>, decimals: number, derived: boolean, audience: string,
 *   range: Range | null, count: number,
 *   latest: {id: number, value: number, unit: string, taken_at: string, interpretation: string} | null}} Test
 * @typedef {{id: number, test: string, value: number, unit: string, entered_value: string,
 *   entered_unit: string, taken_at: string, source: string, entered_by: {id: number, name: string} | null,
 *   note: string, interpretation: string, amended: boolean, reason: string}} Result
 */

const root = byIdAs("health", HTMLElement);
const customerId = Number(root.dataset.customerId);
const mine = root.dataset.mine === "1";
const customerName = root.dataset.customerName || "";
const base = "/customers/" + customerId;

/** @type {Map<string, Test>} */
const tests = new Map();
/** @type {string | null} */
let trendCode = null;
/** @type {string | null} */
let valuesCursor = null;

const trendSelect = byIdAs("trend-test", HTMLSelectElement);
const addForm = byIdAs("add-form", HTMLFormElement);
const addTest = byIdAs("add-test", HTMLSelectElement);
const addUnit = byIdAs("add-unit", HTMLSelectElement);
const addValue = byIdAs("add-value", HTMLInputElement);
const addTaken = byIdAs("add-taken", HTMLInputElement);
const addNote = byIdAs("add-note", HTMLInputElement);

/** @param {string} id @param {string} text @param {boolean} [failed] */
function status(id, text, failed = false) {
  const node = byIdAs(id, HTMLElement);
  node.textContent = "";
  node.classList.toggle("error", failed);
  node.classList.toggle("ok", !failed && text !== "");
  node.append(text);
}

/** Whether a read says the record is no longer open to this viewer. @param {unknown} error */
function gone(error) {
  return !mine && error instanceof ApiError && error.status === 404;
}

/** @param {unknown} error */
function reason(error) {
  return error instanceof ApiError ? error.message : "the server could not be reached; try again";
}

/** A date and time as a datetime-local input holds it (the device's own zone). @param {Date} date */
function localInput(date) {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

/** @param {Test} test @param {string} code */
function unitLabel(test, code) {
  return test.unit_labels[code] || code;
}

/** @param {string} interpretation */
function meaning(interpretation) {
  return el(
    "span",
    { className: "meaning " + (interpretation || "none") },
    MEANINGS[interpretation] || interpretation,
  );
}

/** @param {HTMLSelectElement} select @param {Test} test @param {string} [chosen] */
function fillUnits(select, test, chosen) {
  select.replaceChildren(
    ...[test.unit, ...test.input_units].map((code) =>
      el("option", { value: code, selected: code === chosen }, unitLabel(test, code)),
    ),
  );
}

// --- the latest of each test ---------------------------------------------------------

async function loadSummary() {
  if (ended) return;
  try {
    const data = await api("GET", base + "/tests");
    if (ended) return;
    tests.clear();
    for (const test of /** @type {Test[]} */ (data.tests)) tests.set(test.code, test);
    showLatest();
    fillChoices();
    if (mine) showSharing();
    status("latest-status", "");
  } catch (error) {
    if (gone(error)) accessEnded();
    else status("latest-status", "Could not load the results: " + reason(error), true);
  }
}

function showLatest() {
  const body = byIdAs("latest-body", HTMLTableSectionElement);
  body.replaceChildren();
  for (const test of tests.values()) {
    const range = rangeText(test.range, unitLabel(test, test.unit), test.decimals);
    const latest = test.latest;
    const trend = el("button", { type: "button", className: "secondary" }, "Trend");
    trend.setAttribute("aria-label", "Trend of " + test.name);
    trend.hidden = !latest;
    trend.addEventListener("click", () => {
      chooseTrend(test.code);
      trendSelect.focus();
    });
    body.append(
      el("tr", { dataset: { test: test.code } },
        el("th", { scope: "row" }, test.name, range ? el("span", { className: "sub" }, range) : null),
        el("td", {},
          latest
            ? number(latest.value, test.decimals) + " " + unitLabel(test, test.unit)
            : el("span", { className: "muted" }, "None yet"),
          latest ? el("span", { className: "sub" }, when(latest.taken_at)) : null,
          test.count > 1 ? el("span", { className: "sub" }, test.count + " values") : null),
        el("td", {}, latest ? meaning(latest.interpretation) : "", el("br"), trend)),
    );
  }
  if (tests.size === 0) {
    body.append(el("tr", {}, el("td", { colSpan: 3, className: "muted" },
      mine ? "No tests in the catalogue yet." : customerName + " shares no test with the care team.")));
  }
}

function fillChoices() {
  const withValues = [...tests.values()].filter((t) => t.count > 0);
  const choices = withValues.length ? withValues : [...tests.values()];
  if (!trendCode || !tests.has(trendCode)) trendCode = choices.length ? choices[0].code : null;
  trendSelect.replaceChildren(
    ...choices.map((t) => el("option", { value: t.code, selected: t.code === trendCode }, t.name)),
  );
  const chosen = addTest.value;
  const enterable = [...tests.values()].filter((t) => !t.derived);
  addTest.replaceChildren(
    ...enterable.map((t) => el("option", { value: t.code, selected: t.code === chosen }, t.name)),
  );
  const test = tests.get(addTest.value);
  if (test) fillUnits(addUnit, test, addUnit.value);
}

// --- the trend of one test -------------------------------------------------------------

/** @param {string} code */
function chooseTrend(code) {
  trendCode = code;
  trendSelect.value = code;
  loadTrend();
}

async function loadTrend() {
  if (ended) return;
  const test = trendCode ? tests.get(trendCode) : undefined;
  const canvas = byIdAs("trend-chart", HTMLCanvasElement);
  const summary = byIdAs("trend-summary", HTMLElement);
  byIdAs("values-body", HTMLTableSectionElement).replaceChildren();
  byIdAs("values-heading", HTMLElement).textContent = test
    ? "Values of " + test.name + ", newest first"
    : "Values, newest first";
  if (!test) {
    summary.textContent = "No test to show.";
    return;
  }
  try {
    /** @type {Series} */
    const series = await api("GET", base + "/results/series?test=" + encodeURIComponent(test.code));
    if (ended || trendCode !== test.code) return; // another test was chosen meanwhile
    drawTrend(canvas, summary, series, test.name);
    valuesCursor = null;
    await loadValues(test);
  } catch (error) {
    if (gone(error)) {
      // That test, or the whole record, is no longer shared: read what is.
      clearTrend();
      summary.textContent = "";
      await loadSummary();
      if (!ended && tests.has(test.code)) {
        status("values-status", "Could not load the trend: " + reason(error), true);
      } else if (!ended) {
        await loadTrend();
      }
    } else {
      status("values-status", "Could not load the trend: " + reason(error), true);
    }
  }
}

/** @param {Test} test */
async function loadValues(test) {
  const more = byIdAs("values-more", HTMLButtonElement);
  let path = base + "/results?limit=20&test=" + encodeURIComponent(test.code);
  if (valuesCursor) path += "&cursor=" + encodeURIComponent(valuesCursor);
  const page = await api("GET", path);
  if (ended) return;
  const body = byIdAs("values-body", HTMLTableSectionElement);
  for (const result of /** @type {Result[]} */ (page.items)) body.append(valueRow(test, result));
  if (!body.children.length) {
    body.append(el("tr", {}, el("td", { colSpan: 3, className: "muted" }, "No values yet.")));
  }
  valuesCursor = page.next_cursor;
  more.hidden = !valuesCursor;
}

/** @param {Test} test @param {Result} result */
function valueRow(test, result) {
  const entered = result.entered_unit !== test.unit
    ? "entered as " + result.entered_value + " " + unitLabel(test, result.entered_unit)
    : "";
  const who = result.source === "derived" ? "computed from weight and height"
    : result.source === "imported" ? "imported"
    : result.entered_by && result.entered_by.id !== customerId ? "entered by " + result.entered_by.name
    : "";
  const mayCorrect = !test.derived && (mine || (result.entered_by !== null && result.entered_by.id === me.id));
  let correct = null;
  if (mayCorrect) {
    correct = el("button", { type: "button", className: "secondary" }, "Correct");
    correct.setAttribute("aria-label", "Correct " + test.name + " of " + when(result.taken_at));
    const button = correct;
    correct.addEventListener("click", () => openAmend(test, result, button));
  }
  return el("tr", {},
    el("td", {}, when(result.taken_at)),
    el("td", {},
      number(result.value, test.decimals) + " " + unitLabel(test, test.unit),
      ...[entered, who, result.note, result.amended ? "corrected: " + result.reason : ""]
        .filter(Boolean).map((text) => el("span", { className: "sub" }, text))),
    el("td", {}, meaning(result.interpretation), correct ? el("br") : null, correct));
}

trendSelect.addEventListener("change", () => chooseTrend(trendSelect.value));
byIdAs("values-more", HTMLButtonElement).addEventListener("click", async () => {
  const test = trendCode ? tests.get(trendCode) : undefined;
  if (!test) return;
  try {
    await loadValues(test);
  } catch (error) {
    status("values-status", "Could not load more: " + reason(error), true);
  }
});

// --- adding a result -------------------------------------------------------------------

/** The input an API error names. @param {unknown} error @param {Record<string, HTMLElement>} fields */
function focusField(error, fields) {
  const field = error instanceof ApiError && error.body ? error.body.field : null;
  const input = field ? fields[field] : null;
  if (input) input.focus();
}

/** A decimal number as people type it ("72,5" too), or NaN. @param {string} text */
function parseNumber(text) {
  const cleaned = text.trim().replace(",", ".");
  return /^[+-]?(\d+\.?\d*|\.\d+)$/.test(cleaned) ? Number(cleaned) : NaN;
}

addTest.addEventListener("change", () => {
  const test = tests.get(addTest.value);
  if (test) fillUnits(addUnit, test);
});

addForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const test = tests.get(addTest.value);
  const value = parseNumber(addValue.value);
  if (!test) return;
  if (Number.isNaN(value)) {
    status("add-status", "Type the value as a number, such as 72.5.", true);
    addValue.focus();
    return;
  }
  if (!addTaken.value) {
    status("add-status", "Say when it was taken.", true);
    addTaken.focus();
    return;
  }
  try {
    /** @type {Result} */
    const made = await api("POST", base + "/results", {
      test: test.code,
      value,
      unit: addUnit.value,
      taken_at: new Date(addTaken.value).toISOString(),
      note: addNote.value,
    });
    const said = test.name + " " + number(made.value, test.decimals) + " " +
      unitLabel(test, test.unit) + " added (" + MEANINGS[made.interpretation].replace(/ [▲▼]+$/, "") + ").";
    status("add-status", said);
    addValue.value = "";
    addNote.value = "";
    trendCode = test.code;
    await refresh();
  } catch (error) {
    if (gone(error)) {
      await refresh(); // the record closed (the page then says so), or what is shared changed
      return;
    }
    status("add-status", "Not added: " + reason(error), true);
    focusField(error, { value: addValue, unit: addUnit, taken_at: addTaken, test: addTest, note: addNote });
  }
});

// --- correcting a result ---------------------------------------------------------------

const dialog = byIdAs("amend-dialog", HTMLDialogElement);
const amendValue = byIdAs("amend-value", HTMLInputElement);
const amendUnit = byIdAs("amend-unit", HTMLSelectElement);
const amendTaken = byIdAs("amend-taken", HTMLInputElement);
const amendNote = byIdAs("amend-note", HTMLInputElement);
const amendReason = byIdAs("amend-reason", HTMLInputElement);
/** @type {{test: Test, result: Result, opener: HTMLElement} | null} */
let amending = null;

/** @param {Test} test @param {Result} result @param {HTMLElement} opener */
function openAmend(test, result, opener) {
  amending = { test, result, opener };
  byIdAs("amend-title", HTMLElement).textContent = "Correct " + test.name;
  byIdAs("amend-was", HTMLElement).textContent = "Now " + number(result.value, test.decimals) + " " +
    unitLabel(test, test.unit) + ", taken " + when(result.taken_at) + ". The old value is kept in its history.";
  amendValue.value = result.entered_value;
  fillUnits(amendUnit, test, result.entered_unit);
  amendTaken.value = localInput(new Date(result.taken_at));
  amendNote.value = result.note;
  amendReason.value = "";
  status("amend-status", "");
  dialog.showModal();
  amendValue.focus();
}

function closeAmend() {
  const opener = amending ? amending.opener : null;
  amending = null;
  if (dialog.open) dialog.close();
  if (opener && opener.isConnected) opener.focus();
  else trendSelect.focus();
}

byIdAs("amend-cancel", HTMLButtonElement).addEventListener("click", closeAmend);
dialog.addEventListener("cancel", () => {
  amending = null;
});
byIdAs("amend-form", HTMLFormElement).addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!amending) return;
  const { test, result } = amending;
  const value = parseNumber(amendValue.value);
  if (Number.isNaN(value)) {
    status("amend-status", "Type the value as a number.", true);
    amendValue.focus();
    return;
  }
  if (!amendReason.value.trim()) {
    status("amend-status", "Say why it is corrected.", true);
    amendReason.focus();
    return;
  }
  try {
    await api("POST", "/results/" + result.id + "/amend", {
      value,
      unit: amendUnit.value,
      taken_at: new Date(amendTaken.value).toISOString(),
      note: amendNote.value,
      reason: amendReason.value,
    });
    closeAmend();
    status("values-status", test.name + " corrected; the old value is kept in its history.");
    await refresh();
  } catch (error) {
    if (gone(error)) {
      closeAmend();
      await refresh();
      return;
    }
    status("amend-status", "Not corrected: " + reason(error), true);
    focusField(error, { value: amendValue, unit: amendUnit, taken_at: amendTaken, reason: amendReason });
  }
});

// --- who sees each test (the customer's own page) ----------------------------------------

function showSharing() {
  const list = byIdAs("share-list", HTMLUListElement);
  list.replaceChildren();
  for (const test of tests.values()) {
    const select = el("select", {},
      el("option", { value: "only_me", selected: test.audience === "only_me" }, "Only me"),
      el("option", { value: "care_team", selected: test.audience === "care_team" }, "Me and my care team"));
    select.addEventListener("change", async () => {
      try {
        await api("PUT", base + "/tests/" + encodeURIComponent(test.code) + "/audience", {
          audience: select.value,
        });
        test.audience = select.value;
        status("share-status", test.name + ": " +
          (select.value === "only_me" ? "only you see it now." : "your care team sees it now."));
      } catch (error) {
        select.value = test.audience;
        status("share-status", test.name + " not changed: " + reason(error), true);
      }
    });
    select.id = "share-" + test.code;
    list.append(
      el("li", {}, el("label", { htmlFor: select.id }, test.name + ": who sees it"), select),
    );
  }
}

// --- the whole page, and live updates ---------------------------------------------------

async function refresh() {
  await loadSummary();
  await loadTrend();
}

let ended = false;
/** @type {() => void} */
let unfollow = () => {};
/** @type {() => void} */
let unlisten = () => {};

/** A professional's access to the record ended: every value leaves the page, which says so. */
function accessEnded() {
  if (ended) return;
  ended = true;
  unfollow();
  unlisten();
  tests.clear();
  trendCode = null;
  amending = null;
  if (dialog.open) dialog.close();
  clearTrend();
  for (const id of ["latest-body", "values-body", "preview-body"]) {
    byIdAs(id, HTMLTableSectionElement).replaceChildren();
  }
  trendSelect.replaceChildren();
  addTest.replaceChildren();
  addUnit.replaceChildren();
  byIdAs("trend-summary", HTMLElement).textContent = "";
  for (const section of root.querySelectorAll("section")) {
    if (section instanceof HTMLElement) section.hidden = true;
  }
  const said = "Access ended: " + customerName + " no longer shares their results with you.";
  status("access-status", said, true);
}

setUpImport(base, {
  decimals: (code) => (tests.get(code) || { decimals: 2 }).decimals,
  stored: refresh,
  lost(error) {
    if (!gone(error)) return false;
    refresh();
    return true;
  },
});

addTaken.value = localInput(new Date());
addTaken.max = localInput(new Date(Date.now() + 5 * 60000));

const topic = "health:" + customerId;
// The profile fields the ranges depend on.
const RANGE_KEYS = ["sex", "birth_date"];
unfollow = live.follow(topic);
/** @type {number | null} */
let pending = null;

/** Whether an event on the topic changes what this page shows. @param {any} data */
function changesPage(data) {
  if (!data) return false;
  if (data.what === "result") return true;
  // The customer's own change of who sees a test: their page shows it already.
  if (data.what === "audience") return !mine;
  return data.what === "profile" && Array.isArray(data.keys) &&
    data.keys.some((/** @type {string} */ key) => RANGE_KEYS.includes(key));
}

unlisten = live.listen({
  onEvent(frame) {
    if (ended || frame.topic !== topic || frame.event !== "health.changed") return;
    if (!changesPage(frame.data)) return;
    if (pending !== null) window.clearTimeout(pending);
    pending = window.setTimeout(async () => {
      pending = null;
      await refresh();
      if (!ended) announce("Results updated.");
    }, 300);
  },
  onError(frame) {
    // Refused on subscribing, or dropped when rights narrowed (docs/realtime-protocol.md).
    if (!mine && frame.topic === topic && frame.code === "forbidden") {
      if (pending !== null) window.clearTimeout(pending);
      accessEnded();
    }
  },
});

refresh();
