// @ts-check
// Any two versions of a plan compared, for its care team (/care/customers/{id}/plans):
// "Compare versions" opens two choices (from, to; drafts included) and the difference
// in words, drawn as the customer's page draws what changed (plans-common.js). The page
// is redrawn when the care team hears of a plan; what was open and chosen is kept per
// plan, and the comparison read again.

import { api, el } from "./live.js";
import { comparisonView, day } from "./plans-common.js";
import { reason } from "./settings-common.js";

/**
 * @typedef {import("./plans-common.js").Plan} Plan
 * @typedef {import("./plans-common.js").Comparison} Comparison
 * @typedef {{open: boolean, from: number, to: number, shown: boolean}} Choice
 */

/** @type {Map<number, Choice>} */
const chosen = new Map();

/** @param {Plan} plan */
function defaults(plan) {
  const numbers = plan.versions.map((v) => v.number);
  const to = numbers.includes(plan.published_version) ? plan.published_version : numbers[numbers.length - 1];
  const before = numbers.filter((n) => n < to);
  const from = before.length ? before[before.length - 1] : numbers.find((n) => n !== to) || to;
  return { open: false, from, to, shown: false };
}

/** @param {Plan} plan @param {string} id @param {number} selected */
function versionChoice(plan, id, selected) {
  const select = el("select", { id });
  select.append(
    ...plan.versions.map((v) => {
      const state = v.published_at
        ? `${v.number === plan.published_version ? "in force, " : ""}published ${day(v.published_at)}`
        : "draft";
      return el("option", { value: String(v.number), selected: v.number === selected }, `Version ${v.number} (${state})`);
    }),
  );
  return select;
}

/**
 * Compare two versions of ``plan``, or nothing for a plan of one version.
 * @param {Plan} plan @param {string} title the plan's title, in the controls' names
 */
export function versionComparer(plan, title) {
  if (plan.versions.length < 2) return null;
  const choice = chosen.get(plan.id) || defaults(plan);
  const known = new Set(plan.versions.map((v) => v.number));
  if (!known.has(choice.from) || !known.has(choice.to)) Object.assign(choice, defaults(plan), { open: choice.open });
  chosen.set(plan.id, choice);

  const details = el("details", { className: "plan-compare", open: choice.open });
  const summary = el("summary", {}, "Compare versions");
  summary.setAttribute("aria-label", `Compare versions of ${title}`);
  details.addEventListener("toggle", () => {
    choice.open = details.open;
  });
  const fromId = `compare-from-${plan.id}`;
  const toId = `compare-to-${plan.id}`;
  const from = versionChoice(plan, fromId, choice.from);
  const to = versionChoice(plan, toId, choice.to);
  const result = el("div", { className: "compare-result" });
  result.setAttribute("aria-live", "polite");
  const form = el(
    "form",
    { className: "compare-form" },
    el("div", {}, el("label", { htmlFor: fromId }, "From"), from),
    el("div", {}, el("label", { htmlFor: toId }, "To"), to),
    el("button", { type: "submit", className: "secondary" }, "Compare"),
  );

  async function show() {
    const ask = { from: choice.from, to: choice.to };
    result.replaceChildren(el("p", { className: "muted" }, "Comparing…"));
    try {
      /** @type {Comparison} */
      const diff = await api("GET", `/care-plans/${plan.id}/compare?from=${ask.from}&to=${ask.to}`);
      result.replaceChildren(el("h4", {}, `From version ${ask.from} to version ${ask.to}`), comparisonView(diff));
    } catch (error) {
      result.replaceChildren(el("p", { className: "error" }, "Could not compare: " + reason(error)));
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    choice.from = Number(from.value);
    choice.to = Number(to.value);
    choice.shown = true;
    show();
  });
  details.append(summary, form, result);
  if (choice.shown) show();
  return details;
}
