// @ts-check
// A customer's care plans for their care team (/care/customers/{id}/plans): each plan
// with its state (a draft, the version in force, acknowledged or not), the tasks of the
// version in force ticked done by the customer or not, and any two of its versions
// compared (plans-compare.js). A dietitian
// writes a draft (from a template if they like), edits it, publishes it, starts a new
// version of a published plan (a change to it is a new draft), and archives a plan. A
// medical provider reads. Read again when the care team hears of a plan (`care.activity`
// on user:{me}: the customer acknowledged or ticked a task, a colleague published). When access ends
// (care-access.js: consent withdrawn, the care team left) the plans leave the page.

import { ApiError, announce, api, byId, byIdAs, el, live } from "./live.js";
import { ACCESS_ENDED, whenAccessEnds } from "./care-access.js";
import { goalSpecsEditor } from "./goal-specs.js";
import { attachmentsFrom, attachmentsText, day, lines, ticksView, versionView } from "./plans-common.js";
import { versionComparer } from "./plans-compare.js";
import { confirmAction, reason, showStatus } from "./settings-common.js";

/**
 * @typedef {import("./plans-common.js").Plan} Plan
 * @typedef {import("./plans-common.js").Template} Template
 * @typedef {import("./plans-common.js").Version} Version
 */

const root = byId("care-plans");
const customerId = Number(root.dataset.customerId);
const customerName = root.dataset.customerName || "the customer";
const writes = root.dataset.writes === "1";
const list = byId("plan-list");

/** @type {Template[]} */
let templates = [];
/** @type {Plan | null} */
let editing = null;
let ended = false;

/** Access ended: nothing of the customer's plans stays on the page, nor the form. */
function accessEnded() {
  if (ended) return;
  ended = true;
  list.replaceChildren();
  form?.closest("section")?.remove();
  showStatus("list-status", ACCESS_ENDED, true);
}

/** @param {Plan} plan */
function state(plan) {
  const parts = [];
  if (plan.archived_at) parts.push(`Archived on ${day(plan.archived_at)}.`);
  if (plan.in_force) {
    const seen = plan.in_force.acknowledged_at
      ? `${customerName} acknowledged it on ${day(plan.in_force.acknowledged_at)}`
      : `not acknowledged yet`;
    parts.push(`Version ${plan.in_force.number} in force since ${day(plan.in_force.published_at || "")}; ${seen}.`);
  }
  if (plan.draft) {
    parts.push(
      plan.in_force
        ? `A draft of version ${plan.draft.number} waits to be published.`
        : "A draft: never published.",
    );
  }
  return parts.join(" ");
}

/** @param {Plan} plan */
function planView(plan) {
  const shown = /** @type {Version} */ (plan.draft || plan.in_force);
  const card = el("article", { className: "plan-card", id: `plan-${plan.id}` });
  const headingId = `plan-title-${plan.id}`;
  card.setAttribute("aria-labelledby", headingId);
  const inForce = plan.in_force;
  // The customer ticks the version in force: its tasks, done or not, in place of the
  // plain list, or after the draft's words when a draft is shown.
  const ticks = inForce
    ? ticksView(
        inForce,
        plan.draft ? `Tasks of version ${inForce.number}, in force` : "Tasks",
        `ticks-${plan.id}`,
      )
    : null;
  card.append(
    el("h3", { id: headingId }, shown.title, plan.draft ? el("span", { className: "tag" }, "Draft") : null),
    el("p", { className: "plan-meta" }, state(plan)),
    plan.draft ? versionView(shown) : versionView(shown, ticks),
  );
  if (plan.draft && ticks) card.append(ticks);
  const comparer = versionComparer(plan, shown.title);
  if (comparer) card.append(comparer);
  if (writes && !plan.archived_at) {
    const actions = el("div", { className: "plan-actions" });
    const edit = el("button", { type: "button", className: "secondary" }, plan.draft ? "Edit draft" : "New version");
    edit.setAttribute("aria-label", `${plan.draft ? "Edit the draft of" : "Start a new version of"} ${shown.title}`);
    edit.addEventListener("click", () => startEditing(plan));
    actions.append(edit);
    if (plan.draft) {
      const publish = el("button", { type: "button" }, "Publish");
      publish.setAttribute("aria-label", `Publish ${shown.title}`);
      publish.addEventListener("click", async () => {
        publish.disabled = true;
        try {
          await api("POST", `/care-plans/${plan.id}/publish`);
          showStatus("list-status", `Published: ${customerName} is told.`);
          await load();
        } catch (error) {
          publish.disabled = false;
          showStatus("list-status", "Could not publish: " + goalSaid(error, shown), true);
        }
      });
      actions.append(publish);
    }
    const archive = el("button", { type: "button", className: "secondary" }, "Archive");
    archive.setAttribute("aria-label", `Archive ${shown.title}`);
    archive.addEventListener("click", async () => {
      const sure = await confirmAction(
        "Archive this plan?",
        `${customerName} keeps reading it, marked archived; it changes no more.`,
        "Archive",
      );
      if (!sure) return;
      try {
        await api("POST", `/care-plans/${plan.id}/archive`);
        showStatus("list-status", "Archived.");
        await load();
      } catch (error) {
        showStatus("list-status", "Could not archive: " + reason(error), true);
      }
    });
    actions.append(archive);
    card.append(actions);
  }
  return card;
}

async function load() {
  if (ended) return;
  try {
    /** @type {Plan[]} */
    const plans = await api("GET", `/care-plans?customer_id=${customerId}`);
    if (ended) return;
    list.replaceChildren(
      ...(plans.length ? plans.map(planView) : [el("p", { className: "muted" }, "No plan yet.")]),
    );
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      accessEnded();
      return;
    }
    list.replaceChildren();
    showStatus("list-status", "Could not load the plans: " + reason(error), true);
  }
}

/**
 * A refusal to publish, naming the goal it is about ("goals.1.test": the plan's second
 * goal, by the words it reads as).
 * @param {unknown} error @param {Version} version
 */
function goalSaid(error, version) {
  const field = error instanceof ApiError && error.body ? String(error.body.field || "") : "";
  const match = /^goals\.(\d+)/.exec(field);
  const goal = match && version.goals ? version.goals[Number(match[1])] : undefined;
  return goal ? `the goal “${goal.shown_as}”: ${reason(error)}` : reason(error);
}

// --- the form (dietitians) -------------------------------------------------------------

const form = writes ? byIdAs("plan-form", HTMLFormElement) : null;
const field = {
  template: () => byIdAs("plan-template", HTMLSelectElement),
  title: () => byIdAs("plan-title", HTMLInputElement),
  body: () => byIdAs("plan-body", HTMLTextAreaElement),
  recommendations: () => byIdAs("plan-recommendations", HTMLTextAreaElement),
  tasks: () => byIdAs("plan-tasks", HTMLTextAreaElement),
  attachments: () => byIdAs("plan-attachments", HTMLTextAreaElement),
  note: () => byIdAs("plan-note", HTMLInputElement),
};
const goals = form ? goalSpecsEditor(byId("plan-goals")) : null;

/** @param {{title: string, body: string, recommendations: string[], tasks: {text: string}[], attachments?: {title: string, url: string}[], goals?: import("./goal-specs.js").GoalSpec[]}} words */
function fill(words) {
  field.title().value = words.title;
  field.body().value = words.body;
  field.recommendations().value = words.recommendations.join("\n");
  field.tasks().value = words.tasks.map((t) => t.text).join("\n");
  if (words.attachments) field.attachments().value = attachmentsText(words.attachments);
  goals?.set(words.goals || []);
}

/** @param {Plan} plan */
function startEditing(plan) {
  editing = plan;
  const shown = /** @type {Version} */ (plan.draft || plan.in_force);
  fill(shown);
  field.note().value = plan.draft ? plan.draft.change_note : "";
  byId("template-row").hidden = true;
  byId("plan-cancel").hidden = false;
  byId("form-heading").textContent = plan.draft
    ? `Edit the draft: ${shown.title}`
    : `New version of ${shown.title} (version ${shown.number + 1})`;
  byIdAs("plan-save", HTMLButtonElement).textContent = "Save draft";
  showStatus("form-status", "");
  field.title().focus();
}

function stopEditing() {
  editing = null;
  form?.reset();
  goals?.set([]);
  byId("template-row").hidden = false;
  byId("plan-cancel").hidden = true;
  byId("form-heading").textContent = "Write a plan";
}

async function loadTemplates() {
  templates = await api("GET", "/plan-templates");
  field.template().replaceChildren(
    el("option", { value: "" }, "No template"),
    ...templates.map((t) => el("option", { value: String(t.id) }, t.mine ? t.title : `${t.title} (shared by ${t.owner ? t.owner.name : "a dietitian"})`)),
  );
}

if (form) {
  field.template().addEventListener("change", () => {
    const chosen = templates.find((t) => String(t.id) === field.template().value);
    if (chosen) fill({ ...chosen, attachments: [] });
  });
  byId("plan-cancel").addEventListener("click", () => stopEditing());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    /** @type {Record<string, unknown>} */
    const words = {
      title: field.title().value,
      body: field.body().value,
      recommendations: lines(field.recommendations().value),
      tasks: lines(field.tasks().value).map((text) => ({ text })),
      attachments: attachmentsFrom(field.attachments().value),
      goals: goals?.get() || [],
      change_note: field.note().value,
    };
    try {
      if (editing) {
        await api("PATCH", `/care-plans/${editing.id}`, words);
        showStatus("form-status", `Draft saved. ${customerName} sees it once you publish it.`);
      } else {
        const template = field.template().value;
        await api("POST", "/care-plans", {
          ...words,
          customer_id: customerId,
          ...(template ? { template_id: Number(template) } : {}),
        });
        showStatus("form-status", `Draft saved. ${customerName} sees it once you publish it.`);
      }
      stopEditing();
      await load();
    } catch (error) {
      showStatus("form-status", "Not saved: " + (goals?.explain(error) || reason(error)), true);
    }
  });
  loadTemplates().catch((error) => showStatus("form-status", "Could not load your templates: " + reason(error), true));
}

live.listen({
  onEvent(frame) {
    if (ended || frame.event !== "care.activity" || !frame.data || frame.data.customer !== customerId) return;
    if (frame.data.what === "plan") {
      load().then(() => announce(`${customerName}’s plans changed: shown as they are now.`));
    } else if (frame.data.what === "access") {
      load(); // what I may see narrowed: a 404 ends the page
    }
  },
});
whenAccessEnds(customerId, accessEnded);

load();
