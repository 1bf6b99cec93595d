// @ts-check
// The tasks of my plan's version in force as a checklist (/plans): each task a real
// checkbox with its label, ticked or unticked through the care plan API
// (`POST /api/care-plans/{id}/tasks/{index}`), and how many are done ("2 of 5 done").
// The API answers with the plan as it is now, which the list is redrawn from in place
// (focus stays on the box just used). A page showing an older version is told so and
// reads the plans again.

import { ApiError, api, el } from "./live.js";
import { day, tasksDone } from "./plans-common.js";
import { reason, showStatus } from "./settings-common.js";

/**
 * @typedef {import("./plans-common.js").Plan} Plan
 * @typedef {import("./plans-common.js").Version} Version
 */

/**
 * @param {Plan} plan the plan, with a version in force
 * @param {string} statusId where a failure is said
 * @param {() => Promise<void>} reload reads the plans again (the version in force changed)
 */
export function checklist(plan, statusId, reload) {
  const version = /** @type {Version} */ (plan.in_force);
  if (version.tasks.length === 0) return null;
  const headingId = `tasks-${plan.id}`;
  const section = el("section", { className: "plan-tasks" });
  section.setAttribute("aria-labelledby", headingId);
  const progress = el("p", { className: "task-progress", id: `tasks-done-${plan.id}` });
  progress.setAttribute("aria-live", "polite");
  const list = el("ul", { className: "task-list" });

  /** @param {Version} shown */
  function draw(shown) {
    progress.textContent = tasksDone(shown.tasks);
    shown.tasks.forEach((task, index) => {
      const box = /** @type {HTMLInputElement | null} */ (list.querySelector(`#task-${plan.id}-${index}`));
      const when = list.querySelector(`#task-when-${plan.id}-${index}`);
      if (box) box.checked = Boolean(task.done_at);
      if (when) when.textContent = task.done_at ? `Done on ${day(task.done_at)}` : "";
    });
  }

  version.tasks.forEach((task, index) => {
    const id = `task-${plan.id}-${index}`;
    const box = el("input", { type: "checkbox", id, checked: Boolean(task.done_at) });
    box.setAttribute("aria-describedby", `task-when-${plan.id}-${index}`);
    let busy = false;
    box.addEventListener("change", async () => {
      const done = box.checked;
      // One change at a time (the box keeps its focus: it is never disabled).
      if (busy) {
        box.checked = !done;
        return;
      }
      busy = true;
      box.setAttribute("aria-busy", "true");
      try {
        /** @type {Plan} */
        const now = await api("POST", `/care-plans/${plan.id}/tasks/${index}`, { done, version: version.number });
        if (now.in_force) draw(now.in_force);
        showStatus(statusId, "");
      } catch (error) {
        box.checked = !done;
        if (error instanceof ApiError && error.code === "not_in_force") {
          showStatus(statusId, "This plan has a new version: shown now, tick its tasks there.", true);
          await reload();
          return;
        }
        showStatus(statusId, `Could not mark “${task.text}”: ` + reason(error), true);
      } finally {
        busy = false;
        box.removeAttribute("aria-busy");
      }
    });
    list.append(
      el(
        "li",
        {},
        el("label", { htmlFor: id, className: "task-choice" }, box, el("span", {}, task.text)),
        el("span", { className: "task-when", id: `task-when-${plan.id}-${index}` }),
      ),
    );
  });
  section.append(el("h3", { id: headingId }, "Tasks"), progress, list);
  draw(version);
  return section;
}
