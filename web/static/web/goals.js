// @ts-check
// Goals: the customer's own (accept or drop those proposed, set a habit of their own), or
// for a professional of the care team, the customer's shared goals (propose one, drop
// one), their recent shared check-ins and the check-ins they missed. Each goal with its
// progress bar, status and whether it is at risk; a target's values drawn against the
// target line (Chart.js, vendored: the global `Chart`), with the chart said in words. A
// medical provider of the care team reads the goals: the page offers them no form and no
// "Drop" (only the customer and a dietitian write goals). The professional's view clears
// itself when the care team's access ends (care-access.js).

import { ApiError, announce, api, byIdAs, el, live } from "./live.js";
import { ACCESS_ENDED, whenAccessEnds } from "./care-access.js";
import { SYMBOLS, checkInItem, goalItem, round } from "./goals-common.js";

/**
 * @typedef {import("./goals-common.js").Goal} Goal
 * @typedef {import("./goals-common.js").CheckIn} CheckIn
 * @typedef {{code: string, name: string, unit: string, input_units: string[],
 *   unit_labels: Record<string, string>, derived: boolean}} Test
 */

const Chart = /** @type {typeof import("chart.js").Chart} */ (/** @type {any} */ (window).Chart);

const root = byIdAs("goals", HTMLElement);
const customerId = Number(root.dataset.customerId);
const mine = root.dataset.mine === "1";
const canWrite = root.dataset.canWrite === "1";
const list = byIdAs("goal-list", HTMLUListElement);
const trendPanel = byIdAs("trend-panel", HTMLElement);
const trendGoal = byIdAs("trend-goal", HTMLSelectElement);
const dropDialog = byIdAs("drop-dialog", HTMLDialogElement);
/** @type {Map<number, Goal>} */
const goals = new Map();
/** @type {Map<string, Test>} */
const tests = new Map();
/** @type {number | null} */
let dropping = null;
/** @type {import("chart.js").Chart | null} */
let chart = null;

/** @param {string} id @param {string} text @param {boolean} [failed] */
function status(id, text, failed = false) {
  const node = byIdAs(id, HTMLElement);
  node.textContent = text;
  node.classList.toggle("error", failed);
  node.classList.toggle("ok", !failed && text !== "");
  if (text) announce(text);
}

/** @param {unknown} error */
function words(error) {
  return error instanceof ApiError ? error.message : "Something went wrong: try again";
}

async function loadGoals() {
  /** @type {Goal[]} */
  const found = await api("GET", "/goals" + (mine ? "" : "?customer_id=" + customerId));
  goals.clear();
  list.replaceChildren();
  for (const goal of found) {
    goals.set(goal.id, goal);
    const item = goalItem(goal);
    const actions = el("div", { className: "actions-row" });
    if (mine && goal.status === "proposed") {
      const accept = el("button", { type: "button" }, "Accept");
      accept.setAttribute("aria-label", "Accept: " + goal.title);
      accept.addEventListener("click", () => answer(goal, "accept"));
      actions.append(accept);
    }
    if (canWrite && (goal.status === "proposed" || goal.status === "active")) {
      const drop = el("button", { type: "button", className: "secondary" }, "Drop");
      drop.setAttribute("aria-label", "Drop: " + goal.title);
      drop.addEventListener("click", () => {
        dropping = goal.id;
        byIdAs("drop-reason", HTMLInputElement).value = "";
        status("drop-status", "");
        dropDialog.showModal();
      });
      actions.append(drop);
    }
    if (actions.childElementCount) item.append(actions);
    list.append(item);
  }
  if (!found.length) list.append(el("li", { className: "muted" }, "No goal yet."));
  fillTrendChoices();
}

/** @param {Goal} goal @param {string} verb */
async function answer(goal, verb) {
  try {
    await api("POST", "/goals/" + goal.id + "/" + verb);
    status("list-status", "Accepted: " + goal.title);
    await loadGoals();
  } catch (error) {
    status("list-status", words(error), true);
  }
}

byIdAs("drop-form", HTMLFormElement).addEventListener("submit", async (event) => {
  event.preventDefault();
  const reason = byIdAs("drop-reason", HTMLInputElement).value;
  if (dropping === null) return;
  try {
    await api("POST", "/goals/" + dropping + "/drop", { reason });
    dropDialog.close();
    status("list-status", "Dropped: " + (goals.get(dropping)?.title || "the goal"));
    await loadGoals();
  } catch (error) {
    status("drop-status", words(error), true);
  }
});
byIdAs("drop-cancel", HTMLButtonElement).addEventListener("click", () => dropDialog.close());

function fillTrendChoices() {
  const targets = [...goals.values()].filter((g) => g.kind === "target" && g.status !== "dropped");
  trendPanel.hidden = targets.length === 0;
  const before = trendGoal.value;
  trendGoal.replaceChildren(...targets.map((g) => el("option", { value: String(g.id) }, g.title)));
  if (targets.some((g) => String(g.id) === before)) trendGoal.value = before;
  if (targets.length) drawTrend().catch(() => status("list-status", "Could not draw the chart", true));
}

async function drawTrend() {
  const goal = goals.get(Number(trendGoal.value));
  if (!goal || !goal.test || goal.target === null) return;
  /** @type {{points: {t: string, v: number}[]}} */
  const series = await api("GET", "/customers/" + customerId + "/results/series?test=" + encodeURIComponent(goal.test.code));
  const points = series.points.map((p) => ({ x: Date.parse(p.t), y: p.v }));
  const xs = points.map((p) => p.x);
  const first = xs.length ? Math.min(...xs) : Date.now();
  const last = Math.max(xs.length ? Math.max(...xs) : Date.now(), goal.due_on ? Date.parse(goal.due_on) : 0);
  const canvas = byIdAs("goal-chart", HTMLCanvasElement);
  if (chart) chart.destroy();
  const unit = goal.test.unit_label;
  chart = new Chart(canvas, {
    type: "line",
    data: {
      datasets: [
        { label: "Target", data: [{ x: first, y: goal.target }, { x: last, y: goal.target }], borderDash: [6, 4], borderColor: "#8a4b00", pointRadius: 0 },
        { label: goal.test.name, data: points, borderColor: "#1d6b3a", pointRadius: 3 },
      ],
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: false,
      scales: {
        x: { type: "linear", min: first, max: last, ticks: { maxTicksLimit: 4, callback: (v) => new Date(Number(v)).toLocaleDateString() } },
        y: { title: { display: true, text: unit } },
      },
      plugins: { legend: { display: true } },
    },
  });
  const latest = goal.latest ? round(goal.latest.value, goal.test) + " " + unit : "none yet";
  const text = goal.test.name + ": " + points.length + " values, latest " + latest + "; target " +
    SYMBOLS[goal.comparison || "lte"] + " " + round(goal.target, goal.test) + " " + unit + ".";
  canvas.setAttribute("aria-label", text);
  byIdAs("trend-summary", HTMLElement).textContent = text;
}
trendGoal.addEventListener("change", () => drawTrend().catch(() => status("list-status", "Could not draw the chart", true)));

// --- a new goal --------------------------------------------------------------------------

const kind = document.getElementById("goal-kind");
const goalTest = document.getElementById("goal-test");
const goalUnit = document.getElementById("goal-unit");

function showKind() {
  if (!(kind instanceof HTMLSelectElement)) return;
  byIdAs("target-fields", HTMLElement).hidden = kind.value !== "target";
  byIdAs("habit-fields", HTMLElement).hidden = kind.value !== "habit";
}

function fillUnits() {
  if (!(goalTest instanceof HTMLSelectElement) || !(goalUnit instanceof HTMLSelectElement)) return;
  const test = tests.get(goalTest.value);
  goalUnit.replaceChildren();
  if (!test) return;
  for (const unit of [test.unit, ...test.input_units]) goalUnit.append(el("option", { value: unit }, test.unit_labels[unit] || unit));
}

async function loadTests() {
  if (!(goalTest instanceof HTMLSelectElement)) return;
  /** @type {{tests: Test[]}} */
  const summary = await api("GET", "/customers/" + customerId + "/tests");
  for (const test of summary.tests) {
    tests.set(test.code, test);
    goalTest.append(el("option", { value: test.code }, test.name));
  }
  fillUnits();
}

kind?.addEventListener("change", showKind);
goalTest?.addEventListener("change", fillUnits);

document.getElementById("goal-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const value = (/** @type {string} */ id) => byIdAs(id, HTMLInputElement).value.trim();
  /** @type {Record<string, unknown>} */
  const body = { kind: kind instanceof HTMLSelectElement ? kind.value : "habit" };
  if (!mine) body.customer_id = customerId;
  if (value("goal-due")) body.due_on = value("goal-due");
  if (body.kind === "target" && goalTest instanceof HTMLSelectElement && goalUnit instanceof HTMLSelectElement) {
    const comparison = byIdAs("goal-comparison", HTMLSelectElement).value;
    Object.assign(body, { test: goalTest.value, comparison, target: Number(value("goal-target").replace(",", ".")), unit: goalUnit.value });
  } else {
    Object.assign(body, { habit: value("goal-habit"), times: Number(value("goal-times") || "1"), period: byIdAs("goal-period", HTMLSelectElement).value });
    if (value("goal-remind")) body.remind_at = value("goal-remind");
  }
  try {
    /** @type {Goal} */
    const goal = await api("POST", "/goals", body);
    status("goal-status", (mine ? "Set: " : "Proposed: ") + goal.title);
    byIdAs("goal-form", HTMLFormElement).reset();
    showKind();
    await loadGoals();
  } catch (error) {
    status("goal-status", words(error), true);
  }
});

// --- the professional's view of check-ins ------------------------------------------------

async function loadCheckIns() {
  if (mine) return;
  /** @type {{items: CheckIn[]}} */
  const page = await api("GET", "/check-ins?limit=20&customer_id=" + customerId);
  const recent = byIdAs("recent-list", HTMLUListElement);
  recent.replaceChildren(...page.items.map(checkInItem));
  if (!page.items.length) recent.append(el("li", { className: "muted" }, "Nothing shared yet."));
  /** @type {{goals: {title: string, period: string, times: number, missed: {start: string, done: number}[]}[]}} */
  const missed = await api("GET", "/check-ins/missed?days=14&customer_id=" + customerId);
  const node = byIdAs("missed-list", HTMLUListElement);
  node.replaceChildren();
  for (const goal of missed.goals) {
    const days = goal.missed.map((m) => new Date(m.start + "T12:00:00").toLocaleDateString() + " (" + m.done + "/" + goal.times + ")");
    node.append(el("li", {}, el("strong", {}, goal.title), ": ", days.length ? days.join(", ") : "none missed"));
  }
  if (!missed.goals.length) node.append(el("li", { className: "muted" }, "No habit goal."));
}

// --- when the care team's access ends (the professional's view) -------------------------

let ended = false;

/** Nothing of the customer's goals or check-ins stays on the page, nor the form. */
function accessEnded() {
  if (ended) return;
  ended = true;
  goals.clear();
  chart?.destroy();
  chart = null;
  list.replaceChildren();
  trendPanel.hidden = true;
  for (const id of ["recent-list", "missed-list"]) byIdAs(id, HTMLElement).replaceChildren();
  document.getElementById("goal-form")?.closest("section")?.remove();
  status("list-status", ACCESS_ENDED, true);
}

/** @param {unknown} error */
function failed(error) {
  if (!mine && error instanceof ApiError && error.status === 404) accessEnded();
  else if (!ended) status("list-status", words(error), true);
}

if (!mine) {
  whenAccessEnds(customerId, accessEnded);
  live.listen({
    onEvent(frame) {
      const data = frame.data;
      if (ended || frame.event !== "care.activity" || !data || data.customer !== customerId) return;
      // What I may see of this customer narrowed: read again (a 404 ends the page).
      if (data.what === "access") Promise.all([loadGoals(), loadCheckIns()]).catch(failed);
    },
  });
}

showKind();
Promise.all([loadGoals(), loadTests(), loadCheckIns()]).catch(failed);
