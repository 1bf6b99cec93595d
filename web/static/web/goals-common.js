// @ts-check
// What the goals and check-in pages share: the shapes the API answers with, and goals and
// check-ins said in words (a status never by colour alone).

import { el, when } from "./live.js";

/**
 * @typedef {{code: string, name: string, unit: string, unit_label: string, decimals: number}} GoalTest
 * @typedef {{id: number, customer_id: number, kind: string, title: string, status: string,
 *   progress: number, at_risk: boolean, missed: number, proposed_by_care_team: boolean,
 *   set_by: {id: number, name: string} | null, test: GoalTest | null, comparison: string | null,
 *   target: number | null, baseline: number | null,
 *   latest: {value: number, taken_at: string | null} | null, habit: string | null,
 *   times: number | null, period: string | null, remind_at: string | null, done: number | null,
 *   starts_on: string, due_on: string | null, drop_reason: string,
 *   dropped_by: {id: number, name: string} | null}} Goal
 * @typedef {{id: number, kind: string, at: string, audience: string,
 *   goal: {id: number, title: string, habit: string} | null, mood: number | null,
 *   symptoms: string[], note: string,
 *   measurement: {test: string, value: number, unit_label: string, entered_value: string,
 *   entered_unit: string} | null}} CheckIn
 */

export const STATUS_WORDS = /** @type {Record<string, string>} */ ({
  proposed: "Proposed",
  active: "Active",
  achieved: "Achieved ✓",
  missed: "Missed",
  dropped: "Dropped",
});

export const SYMBOLS = /** @type {Record<string, string>} */ ({
  lt: "<",
  lte: "≤",
  gt: ">",
  gte: "≥",
});

/** How far along, in words. @param {Goal} goal */
export function progressWords(goal) {
  if (goal.kind === "habit") {
    const every = goal.period === "week" ? "this week" : "today";
    return (goal.done ?? 0) + " of " + goal.times + " " + every;
  }
  const unit = goal.test ? " " + goal.test.unit_label : "";
  const latest = goal.latest ? "latest " + round(goal.latest.value, goal.test) + unit : "no value yet";
  return latest + ", target " + SYMBOLS[goal.comparison || "lte"] + " " + round(goal.target ?? 0, goal.test) + unit;
}

/** @param {number} value @param {GoalTest | null} test */
export function round(value, test) {
  return value.toLocaleString(undefined, { maximumFractionDigits: test ? test.decimals : 1 });
}

/** A goal as a list item: its title, status (and at risk), progress bar and words. @param {Goal} goal */
export function goalItem(goal) {
  const statusText = STATUS_WORDS[goal.status] || goal.status;
  const percent = Math.round(goal.progress * 100);
  const bar = el("progress", { max: 100, value: percent });
  bar.setAttribute("aria-label", goal.title + ": " + percent + " %");
  const status = el("span", { className: "goal-status" }, statusText);
  const head = el("div", { className: "goal-head" }, el("span", { className: "goal-title" }, goal.title), status);
  if (goal.at_risk) head.append(el("span", { className: "goal-status at-risk" }, "At risk ▲"));
  const lines = [progressWords(goal)];
  if (goal.kind === "habit" && goal.missed) lines.push(goal.missed + " missed over the last 7 days");
  if (goal.due_on) lines.push("due " + new Date(goal.due_on + "T12:00:00").toLocaleDateString());
  if (goal.proposed_by_care_team && goal.set_by) lines.push("proposed by " + goal.set_by.name);
  if (goal.status === "dropped" && goal.drop_reason) lines.push("dropped: " + goal.drop_reason);
  return el("li", { dataset: { goal: String(goal.id) } }, head, bar, el("p", { className: "hint" }, lines.join(" · ")));
}

const MOODS = ["", "low", "rather low", "so-so", "good", "great"];

/** A check-in in words. @param {CheckIn} item */
export function checkInWords(item) {
  switch (item.kind) {
    case "habit":
      return "Done: " + (item.goal ? item.goal.habit : "a habit");
    case "mood":
      return "Mood " + item.mood + " of 5 (" + MOODS[item.mood || 0] + ")" + (item.note ? ": " + item.note : "");
    case "meal":
      return "Meal: " + item.note;
    case "symptom":
      return "Symptoms: " + [...item.symptoms.map((s) => s.replace("_", " ")), item.note].filter(Boolean).join(", ");
    default:
      return item.measurement
        ? "Measured " + item.measurement.test + ": " + item.measurement.value.toLocaleString() + " " + item.measurement.unit_label
        : "A measurement";
  }
}

/** @param {CheckIn} item */
export function checkInItem(item) {
  return el(
    "li",
    { dataset: { checkIn: String(item.id) } },
    el("span", {}, checkInWords(item)),
    " ",
    el("span", { className: "when" }, when(item.at) + (item.audience === "private" ? " · only me" : "")),
  );
}
