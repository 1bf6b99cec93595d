// @ts-check
// The goals a care plan or a template proposes (docs/advice.md, "Goals a plan proposes"):
// drawn as a list in words, and written in a small form of its own, one fieldset a goal
// (a habit, or a target on a test from the catalogue). The server checks each goal and
// names the one at fault ("goals.1.target"); the form says which.

import { ApiError, api, el } from "./live.js";

/**
 * @typedef {{kind: "target" | "habit", title?: string | null, test?: string | null,
 *   comparison?: string | null, target?: number | null, unit?: string | null,
 *   due_in_days?: number | null, habit?: string | null, times?: number | null,
 *   period?: string | null, remind_at?: string | null, shown_as?: string,
 *   proposed?: boolean | null}} GoalSpec
 * @typedef {{code: string, name: string, unit: string, unit_labels: Record<string, string>}} CatalogueTest
 */

/** @type {Promise<CatalogueTest[]> | null} */
let catalogue = null;

function tests() {
  catalogue ??= api("GET", "/tests");
  return catalogue;
}

/**
 * The goals a version proposes, or nothing when there are none.
 * @param {GoalSpec[] | undefined} specs
 */
export function goalSpecsView(specs) {
  if (!specs || specs.length === 0) return null;
  return el(
    "div",
    {},
    el("h3", {}, "Goals proposed"),
    el(
      "ul",
      { className: "plan-items" },
      ...specs.map((s) =>
        el(
          "li",
          {},
          s.shown_as || s.habit || s.test || "",
          // (The care team's reading: a goal the customer could not be offered yet.)
          s.proposed === false ? el("span", { className: "muted" }, " (not proposed yet)") : null,
        ),
      ),
    ),
  );
}

let rows = 0;

/**
 * One labelled control. @param {string} id @param {string} text @param {HTMLElement} control
 */
function field(id, text, control) {
  control.id = id;
  return el("div", { className: "goal-spec-field" }, el("label", { htmlFor: id }, text), control);
}

/** @param {[string, string][]} options */
function select(options) {
  const box = /** @type {HTMLSelectElement} */ (el("select", {}));
  box.append(...options.map(([value, text]) => el("option", { value }, text)));
  return box;
}

/** @param {string} type @param {Record<string, string>} attributes */
function input(type, attributes = {}) {
  const box = /** @type {HTMLInputElement} */ (el("input", { type }));
  for (const [name, value] of Object.entries(attributes)) box.setAttribute(name, value);
  return box;
}

/**
 * The editor: a fieldset holding one fieldset a goal, and a button to add one.
 * @param {HTMLElement} container where it goes (emptied)
 * @returns {{get: () => GoalSpec[], set: (specs: GoalSpec[]) => void,
 *   explain: (error: unknown) => string | null, clear: () => void}}
 */
export function goalSpecsEditor(container) {
  const list = el("div", { className: "goal-specs" });
  const add = el("button", { type: "button", className: "secondary" }, "Add a goal");
  const outer = el(
    "fieldset",
    { className: "goal-specs-editor" },
    el("legend", {}, "Goals the plan proposes (the customer accepts each)"),
    list,
    add,
  );
  container.replaceChildren(outer);
  /** @type {{get: () => GoalSpec, node: HTMLElement, controls: Record<string, HTMLElement>, remove: HTMLElement}[]} */
  let items = [];
  const failed = el("p", { className: "status error", role: "alert" });
  failed.hidden = true;
  outer.insertBefore(failed, list);

  function renumber() {
    items.forEach((item, i) => {
      const legend = item.node.querySelector("legend");
      if (legend) legend.textContent = `Goal ${i + 1}`;
      item.remove.setAttribute("aria-label", `Remove goal ${i + 1}`);
    });
  }

  /** No control says it is wrong any more. */
  function clear() {
    for (const node of outer.querySelectorAll("[aria-invalid]")) {
      node.removeAttribute("aria-invalid");
      node.removeAttribute("aria-describedby");
    }
    for (const node of outer.querySelectorAll(".goal-spec-error")) node.remove();
  }

  /**
   * The server named a goal's field ("goals.1.target"): that control says so, next to it,
   * and takes the focus. Returns the words for the form's status, or null when the error
   * is not about a goal.
   * @param {unknown} error
   */
  function explain(error) {
    clear();
    const field = error instanceof ApiError && error.body ? String(error.body.field || "") : "";
    const match = /^goals\.(\d+)(?:\.(\w+))?$/.exec(field);
    if (!match || !(error instanceof ApiError)) return null;
    const item = items[Number(match[1])];
    if (!item) return null;
    const control = item.controls[match[2] || "kind"] || item.controls.kind;
    const label = item.node.querySelector(`label[for="${control.id}"]`);
    const said = `Goal ${Number(match[1]) + 1}, ${label ? label.textContent : "this goal"}: ${error.message}`;
    const note = el("p", { className: "goal-spec-error error", id: `${control.id}-error` }, error.message);
    control.setAttribute("aria-invalid", "true");
    control.setAttribute("aria-describedby", note.id);
    control.closest(".goal-spec-field")?.append(note);
    control.focus();
    return said;
  }

  /** @param {GoalSpec | null} spec */
  function addRow(spec) {
    const n = ++rows;
    const kind = select([
      ["habit", "A habit"],
      ["target", "A target on a test"],
    ]);
    const title = input("text", { maxlength: "200", autocomplete: "off" });
    const habit = input("text", { maxlength: "120", autocomplete: "off" });
    const times = input("number", { min: "1", max: "50", inputmode: "numeric" });
    const period = select([
      ["day", "a day"],
      ["week", "a week"],
    ]);
    const remind = input("time");
    const test = select([]);
    const comparison = select([
      ["lte", "at most (≤)"],
      ["lt", "below (<)"],
      ["gte", "at least (≥)"],
      ["gt", "above (>)"],
    ]);
    const target = input("number", { step: "any", inputmode: "decimal" });
    const unit = select([]);
    const due = input("number", { min: "1", max: "3650", inputmode: "numeric" });
    const habitPart = el(
      "div",
      { className: "goal-spec-part" },
      field(`goal-spec-habit-${n}`, "Habit", habit),
      field(`goal-spec-times-${n}`, "Times", times),
      field(`goal-spec-period-${n}`, "Every", period),
      field(`goal-spec-remind-${n}`, "Reminder at (optional)", remind),
    );
    const targetPart = el(
      "div",
      { className: "goal-spec-part" },
      field(`goal-spec-test-${n}`, "Test", test),
      field(`goal-spec-comparison-${n}`, "Comparison", comparison),
      field(`goal-spec-target-${n}`, "Target", target),
      field(`goal-spec-unit-${n}`, "Unit", unit),
      field(`goal-spec-due-${n}`, "Due in days (optional)", due),
    );
    const remove = el("button", { type: "button", className: "secondary" }, "Remove this goal");
    /** @type {Record<string, HTMLElement>} */
    const controls = { kind, title, habit, times, period, remind_at: remind, test, comparison, target, unit, due_in_days: due };
    const node = el(
      "fieldset",
      { className: "goal-spec" },
      el("legend", {}, "Goal"),
      field(`goal-spec-kind-${n}`, "Kind", kind),
      habitPart,
      targetPart,
      field(`goal-spec-title-${n}`, "Title (optional)", title),
      remove,
    );
    const showKind = () => {
      habitPart.hidden = kind.value !== "habit";
      targetPart.hidden = kind.value !== "target";
    };
    // As many times as the period allows (the server's bounds: 24 a day, 50 a week).
    const showMost = () => times.setAttribute("max", period.value === "day" ? "24" : "50");
    period.addEventListener("change", showMost);
    /** @param {string} chosen */
    const fillUnits = (chosen) => {
      tests().then((all) => {
        const found = all.find((t) => t.code === test.value);
        if (!found) return;
        unit.replaceChildren(
          ...Object.entries(found.unit_labels).map(([code, label]) => el("option", { value: code }, label)),
        );
        unit.value = chosen && found.unit_labels[chosen] ? chosen : found.unit;
      });
    };
    kind.addEventListener("change", showKind);
    test.addEventListener("change", () => fillUnits(""));
    tests()
      .then((all) => {
        test.replaceChildren(...all.map((t) => el("option", { value: t.code }, t.name)));
        if (spec?.test) test.value = spec.test;
        fillUnits(spec?.unit || "");
      })
      .catch(() => {
        catalogue = null; // asked again by the next goal added
        failed.textContent = "The list of tests could not be loaded: a target cannot be chosen now. Try again later.";
        failed.hidden = false;
      });
    kind.value = spec?.kind || "habit";
    title.value = spec?.title || "";
    habit.value = spec?.habit || "";
    times.value = String(spec?.times ?? 1);
    period.value = spec?.period || "day";
    remind.value = spec?.remind_at || "";
    comparison.value = spec?.comparison || "lte";
    target.value = spec?.target === null || spec?.target === undefined ? "" : String(spec.target);
    due.value = spec?.due_in_days ? String(spec.due_in_days) : "";
    showKind();
    showMost();
    /** @returns {GoalSpec} */
    const get = () => {
      const named = title.value.trim() ? { title: title.value.trim() } : {};
      if (kind.value === "target") {
        return {
          kind: "target",
          ...named,
          // (Until the catalogue has loaded, the goal keeps the test and unit it had.)
          test: test.value || spec?.test || "",
          comparison: comparison.value,
          target: target.value === "" ? null : Number(target.value),
          unit: unit.value || spec?.unit || null,
          due_in_days: due.value === "" ? null : Number(due.value),
        };
      }
      return {
        kind: "habit",
        ...named,
        habit: habit.value,
        times: Number(times.value || 0),
        period: period.value,
        remind_at: remind.value || null,
      };
    };
    const item = { get, node, controls, remove };
    remove.addEventListener("click", () => {
      items = items.filter((x) => x !== item);
      node.remove();
      renumber();
      add.focus();
    });
    items.push(item);
    list.append(node);
    renumber();
    return kind;
  }

  add.addEventListener("click", () => addRow(null).focus());
  return {
    explain,
    clear,
    get: () => items.map((item) => item.get()),
    set: (specs) => {
      items = [];
      list.replaceChildren();
      for (const spec of specs) addRow(spec);
    },
  };
}
