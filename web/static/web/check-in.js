// @ts-check
// The customer's quick check-in, phone first, one thumb: today's habits each with a
// one-tap "Done" (done/times this period, the progress bar moving at once), mood as five
// large buttons, a meal note, symptoms, a measurement of one of their tests, and "only me"
// for the mood, meal or symptoms they log now (a habit done counts toward its goal, which
// the care team follows; a measurement is shared as its test is, chosen on Results). Each
// send carries a client id, so a retry is stored once.

import { ApiError, announce, api, byIdAs, clientId, el } from "./live.js";
import { checkInItem, goalItem } from "./goals-common.js";

/**
 * @typedef {import("./goals-common.js").Goal} Goal
 * @typedef {import("./goals-common.js").CheckIn} CheckIn
 * @typedef {{code: string, name: string, unit: string, input_units: string[],
 *   unit_labels: Record<string, string>}} Test
 */

const root = byIdAs("check-in", HTMLElement);
const customerId = Number(root.dataset.customerId);
const onlyMe = byIdAs("only-me", HTMLInputElement);
const habitList = byIdAs("habit-list", HTMLUListElement);
const recentList = byIdAs("recent-list", HTMLUListElement);
const measureTest = byIdAs("measure-test", HTMLSelectElement);
const measureUnit = byIdAs("measure-unit", HTMLSelectElement);
/** @type {Map<string, Test>} */
const tests = new Map();

/** @param {string} text @param {boolean} [failed] */
function status(text, failed = false) {
  const node = byIdAs("checkin-status", HTMLElement);
  node.textContent = text;
  node.classList.toggle("error", failed);
  node.classList.toggle("ok", !failed && text !== "");
  if (text) announce(text);
}

/** The kinds "only me" applies to. */
const PRIVATE_KINDS = new Set(["mood", "meal", "symptom"]);

/** Send a check-in; says how it went. @param {Record<string, unknown>} body @param {string} done */
async function send(body, done) {
  const only = onlyMe.checked && PRIVATE_KINDS.has(String(body.kind));
  const payload = { ...body, client_id: clientId(), audience: only ? "private" : "care_team" };
  try {
    await api("POST", "/check-ins", payload);
    status(done + (only ? " (only you see it)" : ""));
    await Promise.all([loadHabits(), loadRecent()]);
    return true;
  } catch (error) {
    status(error instanceof ApiError ? error.message : "Could not save: try again", true);
    return false;
  }
}

async function loadHabits() {
  /** @type {Goal[]} */
  const goals = await api("GET", "/goals?status=active");
  const habits = goals.filter((g) => g.kind === "habit");
  habitList.replaceChildren();
  if (!habits.length) habitList.append(el("li", { className: "muted" }, "No habit yet."));
  for (const goal of habits) {
    const item = goalItem(goal);
    const button = el("button", { type: "button", className: "done-button" }, "Done");
    button.setAttribute("aria-label", "Done: " + (goal.habit || goal.title) + " (" + goal.done + " of " + goal.times + ")");
    button.addEventListener("click", () => {
      button.disabled = true;
      send({ kind: "habit", goal_id: goal.id }, "Checked in: " + goal.habit).finally(() => (button.disabled = false));
    });
    item.append(button);
    habitList.append(item);
  }
}

async function loadRecent() {
  /** @type {{items: CheckIn[]}} */
  const page = await api("GET", "/check-ins?limit=10");
  recentList.replaceChildren(...page.items.map(checkInItem));
  if (!page.items.length) recentList.append(el("li", { className: "muted" }, "Nothing logged yet."));
}

async function loadTests() {
  /** @type {{tests: (Test & {derived: boolean})[]}} */
  const summary = await api("GET", "/customers/" + customerId + "/tests");
  for (const test of summary.tests.filter((t) => !t.derived)) {
    tests.set(test.code, test);
    measureTest.append(el("option", { value: test.code }, test.name));
  }
  fillUnits();
}

function fillUnits() {
  const test = tests.get(measureTest.value);
  measureUnit.replaceChildren();
  if (!test) return;
  for (const unit of [test.unit, ...test.input_units]) {
    measureUnit.append(el("option", { value: unit }, test.unit_labels[unit] || unit));
  }
}

for (const button of root.querySelectorAll("button.mood")) {
  if (!(button instanceof HTMLButtonElement)) continue;
  button.setAttribute("aria-pressed", "false");
  button.addEventListener("click", async () => {
    const mood = Number(button.dataset.mood);
    if (await send({ kind: "mood", mood }, "Mood " + mood + " of 5 logged")) {
      for (const other of root.querySelectorAll("button.mood")) other.setAttribute("aria-pressed", String(other === button));
    }
  });
}

byIdAs("meal-form", HTMLFormElement).addEventListener("submit", async (event) => {
  event.preventDefault();
  const note = byIdAs("meal-note", HTMLInputElement);
  if (await send({ kind: "meal", note: note.value }, "Meal logged")) note.value = "";
});

byIdAs("symptom-form", HTMLFormElement).addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = /** @type {HTMLFormElement} */ (event.currentTarget);
  const checked = [...form.querySelectorAll("input[name=symptom]:checked")].map((n) => /** @type {HTMLInputElement} */ (n).value);
  const note = byIdAs("symptom-note", HTMLInputElement);
  if (await send({ kind: "symptom", symptoms: checked, note: note.value }, "Symptoms logged")) form.reset();
});

measureTest.addEventListener("change", fillUnits);
byIdAs("measure-form", HTMLFormElement).addEventListener("submit", async (event) => {
  event.preventDefault();
  const value = byIdAs("measure-value", HTMLInputElement);
  const number = Number(value.value.replace(",", "."));
  if (!value.value.trim() || !Number.isFinite(number)) {
    status("Give the value measured", true);
    return;
  }
  const body = { kind: "measurement", test: measureTest.value, value: number, unit: measureUnit.value };
  const name = measureTest.selectedOptions[0]?.textContent || "Measurement";
  if (await send(body, `${name} logged: ${value.value.trim()} ${measureUnit.value}`)) value.value = "";
});

Promise.all([loadHabits(), loadRecent(), loadTests()]).catch(() => status("Could not load: reload the page", true));
