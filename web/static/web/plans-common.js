// @ts-check
// What the care plan pages share: the shapes of the care plan API (docs/api.md, "Care
// plans"), a version drawn as the customer reads it, its tasks with whether each is done
// (in words, not by a mark alone), a comparison drawn in words (each line says whether it
// was added or removed, not by colour alone), and the form's one-item-a-line lists.

import { goalSpecsView } from "./goal-specs.js";
import { el, when } from "./live.js";

/**
 * @typedef {import("./goal-specs.js").GoalSpec} GoalSpec
 * @typedef {{id: number, name: string}} Person
 * @typedef {{text: string, done_at?: string | null}} Task
 * @typedef {{number: number, title: string, body: string, body_html: string,
 *   recommendations: string[], tasks: Task[], attachments: {title: string, url: string}[],
 *   change_note: string, written_by: Person | null, created_at: string, updated_at: string,
 *   published_at: string | null, acknowledged_at: string | null, goals?: GoalSpec[]}} Version
 * @typedef {{number: number, published_at: string | null, acknowledged_at: string | null,
 *   change_note: string}} VersionSummary
 * @typedef {{id: number, customer: Person, author: Person | null, template_id: number | null,
 *   batch_id: number | null, published_version: number, archived_at: string | null,
 *   created_at: string, updated_at: string, in_force: Version | null, draft: Version | null,
 *   versions: VersionSummary[], ask_url: string | null}} Plan
 * @typedef {{op: "added" | "removed" | "unchanged", text: string}} Line
 * @typedef {{from: number | null, to: number, title: {from: string, to: string, changed: boolean},
 *   body: Line[], recommendations: Line[], tasks: Line[], attachments: Line[], goals?: Line[],
 *   change_note: string, published_at: string | null}} Comparison
 * @typedef {{id: number, owner: Person | null, mine: boolean, shared: boolean, title: string,
 *   body: string, body_html: string, recommendations: string[], tasks: {text: string}[],
 *   goals: GoalSpec[]}} Template
 */

/**
 * A list of short texts, or nothing when it is empty.
 * @param {string} heading @param {string[]} items
 */
function itemList(heading, items) {
  if (items.length === 0) return null;
  return el(
    "div",
    {},
    el("h3", {}, heading),
    el("ul", { className: "plan-items" }, ...items.map((text) => el("li", {}, text))),
  );
}

/**
 * A version's words: its advice (the server's sanitized HTML), recommendations, tasks
 * and links. ``tasks``, when given, is drawn in place of the plain list of tasks.
 * @param {Version} version @param {HTMLElement | null} [tasks]
 */
export function versionView(version, tasks) {
  const box = el("div", { className: "plan-version" });
  if (version.body_html) {
    const body = el("div", { className: "plan-body" });
    const html = version.body_html;
    body.innerHTML = html;
    box.append(body);
  }
  const links = version.attachments.length
    ? el(
        "div",
        {},
        el("h3", {}, "Links"),
        el(
          "ul",
          { className: "plan-items" },
          ...version.attachments.map((a) =>
            el("li", {}, el("a", { href: a.url, rel: "noopener noreferrer nofollow", target: "_blank" }, a.title)),
          ),
        ),
      )
    : null;
  box.append(
    ...[
      itemList("Recommendations", version.recommendations),
      tasks === undefined ? itemList("Tasks", version.tasks.map((t) => t.text)) : tasks,
      goalSpecsView(version.goals),
      links,
    ].filter((node) => node !== null),
  );
  return box;
}

/** @param {string} value */
export function day(value) {
  return when(value, { dateStyle: "medium", timeStyle: undefined });
}

/** "2 of 5 done". @param {Task[]} tasks */
export function tasksDone(tasks) {
  return `${tasks.filter((t) => t.done_at).length} of ${tasks.length} done`;
}

/**
 * The tasks of a published version as its care team (or the customer, on an archived
 * plan) reads them: each one done, with when, or not done yet, said in words.
 * @param {Version} version @param {string} heading @param {string} headingId
 */
export function ticksView(version, heading, headingId) {
  if (version.tasks.length === 0) return null;
  const section = el("section", { className: "plan-tasks" });
  section.setAttribute("aria-labelledby", headingId);
  section.append(
    el("h3", { id: headingId }, heading),
    el("p", { className: "task-progress" }, tasksDone(version.tasks)),
    el(
      "ul",
      { className: "task-ticks" },
      ...version.tasks.map((task) => {
        const mark = el("span", { className: "tick" }, task.done_at ? "✓" : "○");
        mark.setAttribute("aria-hidden", "true");
        return el(
          "li",
          { className: task.done_at ? "done" : "" },
          mark,
          el("span", {}, task.text),
          el("span", { className: "task-when" }, task.done_at ? `Done on ${day(task.done_at)}` : "Not done yet"),
        );
      }),
    ),
  );
  return section;
}

/** @type {Record<Line["op"], string>} */
const SAID = { added: "Added: ", removed: "Removed: ", unchanged: "" };
/** @type {Record<Line["op"], string>} */
const MARK = { added: "+", removed: "−", unchanged: "" };

/**
 * One part of a comparison, or nothing when it did not change.
 * @param {string} heading @param {Line[]} lines
 */
function diffPart(heading, lines) {
  if (!lines.some((l) => l.op !== "unchanged")) return null;
  return el(
    "div",
    {},
    el("h4", {}, heading),
    el(
      "ul",
      { className: "diff" },
      ...lines.map((line) => {
        const mark = el("span", { className: "op" }, MARK[line.op]);
        mark.setAttribute("aria-hidden", "true");
        return el(
          "li",
          { className: line.op },
          mark,
          SAID[line.op] ? el("span", { className: "visually-hidden" }, SAID[line.op]) : null,
          line.text || " ",
        );
      }),
    ),
  );
}

/**
 * What changed from one version to the next, in words.
 * @param {Comparison} diff
 */
export function comparisonView(diff) {
  const box = el("div", { className: "comparison" });
  if (diff.from === null) {
    box.append(el("p", { className: "muted" }, "This is the first version."));
    return box;
  }
  const parts = [
    diff.title.changed
      ? el("p", {}, `Title: “${diff.title.from}” became “${diff.title.to}”.`)
      : null,
    diffPart("Advice", diff.body),
    diffPart("Recommendations", diff.recommendations),
    diffPart("Tasks", diff.tasks),
    diffPart("Links", diff.attachments),
    diffPart("Goals proposed", diff.goals || []),
  ].filter((node) => node !== null);
  if (parts.length === 0) box.append(el("p", { className: "muted" }, "Nothing changed in the words."));
  box.append(...parts);
  return box;
}

/** The non-empty lines of a text area. @param {string} text */
export function lines(text) {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/**
 * Links written one a line as "title | https://...". A line without a bar is its own title.
 * @param {string} text
 */
export function attachmentsFrom(text) {
  return lines(text).map((line) => {
    const bar = line.lastIndexOf("|");
    if (bar < 0) return { title: line, url: line };
    return { title: line.slice(0, bar).trim(), url: line.slice(bar + 1).trim() };
  });
}

/** @param {{title: string, url: string}[]} attachments */
export function attachmentsText(attachments) {
  return attachments.map((a) => `${a.title} | ${a.url}`).join("\n");
}
