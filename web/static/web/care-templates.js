// @ts-check
// Plan templates (/care/templates), for dietitians: their own (edit, share or keep to
// themselves, delete) and those others share (read, used as they are); a new template;
// and a template sent to a class, with the outcome said (how many got their own copy,
// how many enrolled were skipped as not in my care).

import { api, byId, byIdAs, el } from "./live.js";
import { goalSpecsEditor, goalSpecsView } from "./goal-specs.js";
import { lines, versionView } from "./plans-common.js";
import { confirmAction, reason, showStatus } from "./settings-common.js";

/** @typedef {import("./plans-common.js").Template} Template */

const list = byId("template-list");
const form = byIdAs("template-form", HTMLFormElement);
const title = byIdAs("template-title", HTMLInputElement);
const body = byIdAs("template-body", HTMLTextAreaElement);
const recommendations = byIdAs("template-recommendations", HTMLTextAreaElement);
const tasks = byIdAs("template-tasks", HTMLTextAreaElement);
const shared = byIdAs("template-shared", HTMLInputElement);
const goals = goalSpecsEditor(byId("template-goals"));
const sendForm = document.getElementById("send-form");

/** @type {Template | null} */
let editing = null;

/** @param {Template} t */
function templateView(t) {
  const headingId = `template-title-${t.id}`;
  const card = el("article", { className: "plan-card", id: `template-${t.id}` });
  card.setAttribute("aria-labelledby", headingId);
  const whose = t.mine ? (t.shared ? "Yours, shared" : "Yours") : `Shared by ${t.owner ? t.owner.name : "a dietitian"}`;
  card.append(
    el("h3", { id: headingId }, t.title, el("span", { className: "tag" }, whose)),
    versionView({
      number: 0,
      title: t.title,
      body: t.body,
      body_html: t.body_html,
      recommendations: t.recommendations,
      tasks: t.tasks,
      attachments: [],
      change_note: "",
      written_by: null,
      created_at: "",
      updated_at: "",
      published_at: null,
      acknowledged_at: null,
    }),
  );
  const proposed = goalSpecsView(t.goals);
  if (proposed) card.append(proposed);
  if (t.mine) {
    const edit = el("button", { type: "button", className: "secondary" }, "Edit");
    edit.setAttribute("aria-label", `Edit ${t.title}`);
    edit.addEventListener("click", () => startEditing(t));
    const remove = el("button", { type: "button", className: "secondary" }, "Delete");
    remove.setAttribute("aria-label", `Delete ${t.title}`);
    remove.addEventListener("click", async () => {
      const sure = await confirmAction("Delete this template?", "Plans made from it keep their words.", "Delete");
      if (!sure) return;
      try {
        await api("DELETE", `/plan-templates/${t.id}`);
        showStatus("list-status", `Deleted: ${t.title}.`);
        await load();
      } catch (error) {
        showStatus("list-status", "Could not delete: " + reason(error), true);
      }
    });
    card.append(el("div", { className: "plan-actions" }, edit, remove));
  }
  return card;
}

/** @param {Template} t */
function startEditing(t) {
  editing = t;
  title.value = t.title;
  body.value = t.body;
  recommendations.value = t.recommendations.join("\n");
  tasks.value = t.tasks.map((x) => x.text).join("\n");
  shared.checked = t.shared;
  goals.set(t.goals);
  byId("form-heading").textContent = `Edit ${t.title}`;
  byId("template-cancel").hidden = false;
  title.focus();
}

function stopEditing() {
  editing = null;
  form.reset();
  goals.set([]);
  byId("form-heading").textContent = "New template";
  byId("template-cancel").hidden = true;
}

async function load() {
  try {
    /** @type {Template[]} */
    const templates = await api("GET", "/plan-templates");
    list.replaceChildren(
      ...(templates.length ? templates.map(templateView) : [el("p", { className: "muted" }, "No template yet.")]),
    );
    if (sendForm) {
      const select = byIdAs("send-template", HTMLSelectElement);
      const chosen = select.value;
      select.replaceChildren(...templates.map((t) => el("option", { value: String(t.id) }, t.title)));
      if (chosen) select.value = chosen;
    }
  } catch (error) {
    showStatus("list-status", "Could not load the templates: " + reason(error), true);
  }
}

byId("template-cancel").addEventListener("click", () => stopEditing());
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const words = {
    title: title.value,
    body: body.value,
    recommendations: lines(recommendations.value),
    tasks: lines(tasks.value).map((text) => ({ text })),
    shared: shared.checked,
    goals: goals.get(),
  };
  try {
    if (editing) await api("PATCH", `/plan-templates/${editing.id}`, words);
    else await api("POST", "/plan-templates", words);
    showStatus("form-status", `Saved: ${words.title.trim()}.`);
    stopEditing();
    await load();
  } catch (error) {
    showStatus("form-status", "Not saved: " + (goals.explain(error) || reason(error)), true);
  }
});

if (sendForm) {
  sendForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const template = Number(byIdAs("send-template", HTMLSelectElement).value);
    const group = Number(byIdAs("send-class", HTMLSelectElement).value);
    if (!template) {
      showStatus("send-status", "Choose a template first.", true);
      return;
    }
    try {
      /** @type {{sent: number, skipped: number, group: string}} */
      const outcome = await api("POST", "/care-plans/send", {
        template_id: template,
        group: { kind: "class", id: group },
      });
      const people = (/** @type {number} */ n) => (n === 1 ? "1 customer" : `${n} customers`);
      const skipped = outcome.skipped
        ? ` ${outcome.skipped === 1 ? "1 member" : `${outcome.skipped} members`} not in your care skipped.`
        : "";
      showStatus("send-status", `Sent to ${people(outcome.sent)} of ${outcome.group}, each their own copy.${skipped}`);
    } catch (error) {
      showStatus("send-status", "Not sent: " + reason(error), true);
    }
  });
}

load();
