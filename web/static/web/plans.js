// @ts-check
// My care plans (/plans): each published plan's version in force, its tasks as a
// checklist I tick (plans-checklist.js; an archived plan's are read only), what changed
// since the version before (in words), an Acknowledge button, and a link to ask the
// dietitian about it in our conversation. A plan published while the page is open (a `plan.published`
// notice on user:{me}) is shown without a reload, and said in the live region.

import { announce, api, byId, el, live } from "./live.js";
import { checklist } from "./plans-checklist.js";
import { comparisonView, day, ticksView, versionView } from "./plans-common.js";
import { reason, showStatus } from "./settings-common.js";

/**
 * @typedef {import("./plans-common.js").Plan} Plan
 * @typedef {import("./plans-common.js").Comparison} Comparison
 */

const list = byId("plan-list");
let firstLoad = true;

/** @param {Plan} plan */
function acknowledgement(plan) {
  const version = plan.in_force;
  if (!version || plan.archived_at) return null;
  if (version.acknowledged_at) {
    return el("p", { className: "muted" }, `You acknowledged this version on ${day(version.acknowledged_at)}.`);
  }
  const button = el("button", { type: "button" }, "Acknowledge");
  button.setAttribute("aria-label", `Acknowledge ${version.title}`);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await api("POST", `/care-plans/${plan.id}/acknowledge`);
      showStatus("plans-status", `Acknowledged: ${version.title}. Your dietitian sees it.`);
      await load();
    } catch (error) {
      button.disabled = false;
      showStatus("plans-status", "Could not acknowledge: " + reason(error), true);
    }
  });
  return button;
}

/** What changed since the version before, read when the plan is drawn. @param {Plan} plan */
function changes(plan) {
  const version = plan.in_force;
  if (!version || version.number < 2) return null;
  const headingId = `changes-${plan.id}`;
  const section = el("section", { className: "plan-changes" });
  section.setAttribute("aria-labelledby", headingId);
  const earlier = plan.versions.filter((v) => v.published_at && v.number < version.number);
  const before = earlier.length ? earlier[earlier.length - 1].number : version.number - 1;
  section.append(el("h3", { id: headingId }, `What changed since version ${before}`));
  const box = el("div", {}, el("p", { className: "muted" }, "Loading…"));
  section.append(box);
  api("GET", `/care-plans/${plan.id}/compare`)
    .then((/** @type {Comparison} */ diff) => box.replaceChildren(comparisonView(diff)))
    .catch((error) => box.replaceChildren(el("p", { className: "error" }, "Could not compare: " + reason(error))));
  return section;
}

/** @param {Plan} plan */
function planView(plan) {
  const version = plan.in_force;
  if (!version) return el("p", {});
  const headingId = `plan-title-${plan.id}`;
  const article = el("article", { className: "panel", id: `plan-${plan.id}`, tabIndex: -1 });
  article.setAttribute("aria-labelledby", headingId);
  const by = version.written_by ? ` by ${version.written_by.name}` : "";
  article.append(
    el("h2", { id: headingId }, version.title, plan.archived_at ? el("span", { className: "tag" }, "Archived") : null),
    el(
      "p",
      { className: "plan-meta" },
      `Version ${version.number}, published ${version.published_at ? day(version.published_at) : ""}${by}.`,
    ),
  );
  if (version.change_note) article.append(el("p", { className: "plan-note" }, `What changed: ${version.change_note}`));
  const tasks = plan.archived_at
    ? ticksView(version, "Tasks", `tasks-${plan.id}`)
    : checklist(plan, "plans-status", load);
  article.append(versionView(version, tasks));
  const changed = changes(plan);
  if (changed) article.append(changed);
  const actions = el("div", { className: "plan-actions" }, acknowledgement(plan));
  if (plan.ask_url) {
    const ask = el("a", { href: plan.ask_url, className: "button-link" }, "Ask about this plan");
    ask.setAttribute("aria-label", `Ask ${plan.author ? plan.author.name : "your dietitian"} about ${version.title}`);
    actions.append(ask);
  }
  article.append(actions);
  return article;
}

async function load() {
  try {
    /** @type {Plan[]} */
    const plans = await api("GET", "/care-plans");
    const current = plans.filter((p) => !p.archived_at);
    const archived = plans.filter((p) => p.archived_at);
    list.replaceChildren(
      ...(plans.length === 0
        ? [el("p", { className: "panel" }, "No care plan yet. When your dietitian publishes one, it shows here and you are told.")]
        : [...current, ...archived].map(planView)),
    );
    if (firstLoad && location.hash.startsWith("#plan-")) {
      document.getElementById(location.hash.slice(1))?.focus();
    }
    firstLoad = false;
  } catch (error) {
    showStatus("plans-status", "Could not load your plans: " + reason(error), true);
  }
}

live.listen({
  onEvent(frame) {
    if (frame.event === "notification.created" && frame.data && frame.data.kind === "plan.published") {
      load().then(() => announce("A care plan was published for you: it is shown on this page."));
    }
  },
});

load();
