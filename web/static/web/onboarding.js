// @ts-check
// Getting started, one step at a time (GET /api/me/onboarding): consent (an explicit
// answer to each purpose), about you (PATCH /api/me; the required profile attributes
// from GET /api/profile/attributes, saved with PATCH /api/customers/{me}/profile),
// first measurements and a dietitian (optional: POST /api/care-requests, or skip).
// Each step's errors are shown beside the field the API names.

import { ApiError, announce, api, byIdAs, el, me } from "./live.js";
import { reason, showStatus } from "./settings-common.js";

/**
 * @typedef {{key: string, label: string, done: boolean, optional: boolean}} Step
 * @typedef {{step: string, steps: Step[], missing: string[], done: boolean}} Onboarding
 * @typedef {{value: string, label: string}} Option
 * @typedef {{
 *   key: string, label: string, help: string, kind: string, unit: string, required: boolean,
 *   minimum: number | null, maximum: number | null, pattern: string, allow_future: boolean,
 *   options: Option[]
 * }} Attribute
 * @typedef {{id: number, name: string, region: string, region_label: string, asked: boolean}} Dietitian
 */

const STEP_KEYS = ["consent", "basics", "measurements", "dietitian", "done"];
/** @type {Onboarding | null} */
let state = null;

// --- errors beside their fields ----------------------------------------------------------

/** The input an API refusal names ("values.birth_date", "consents.care"). @param {unknown} error */
function fieldOf(error) {
  if (!(error instanceof ApiError) || !error.body) return "";
  if (error.body.field) return String(error.body.field);
  if (error.code === "region_change_too_soon") return "region";
  const detail = Array.isArray(error.body.detail) ? error.body.detail[0] : null;
  if (detail && Array.isArray(detail.loc)) {
    return detail.loc.filter((/** @type {unknown} */ p) => p !== "body" && p !== "payload").join(".");
  }
  return "";
}

/** @param {HTMLElement} scope */
function clearErrors(scope) {
  for (const node of scope.querySelectorAll(".field-error")) node.textContent = "";
  for (const node of scope.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

/**
 * Show ``message`` beside the field ``field`` of ``scope``; false when the step has no
 * such field (the caller says it in the step's status line).
 * @param {HTMLElement} scope @param {string} field @param {string} message
 */
function showFieldError(scope, field, message) {
  const node = /** @type {HTMLElement | null} */ (
    scope.querySelector(`.field-error[data-field="${CSS.escape(field)}"]`)
  );
  if (!node) return false;
  node.textContent = message;
  const control = /** @type {HTMLElement | null} */ (
    scope.querySelector(`[data-control="${CSS.escape(field)}"]`) ||
      node.closest("fieldset")?.querySelector("input, select, textarea") ||
      null
  );
  control?.setAttribute("aria-invalid", "true");
  control?.focus();
  return true;
}

/**
 * Run a step's action; a refusal goes beside its field, or in the step's status line.
 * @param {HTMLElement} scope @param {string} statusId @param {() => Promise<void>} action
 */
async function attempt(scope, statusId, action) {
  clearErrors(scope);
  showStatus(statusId, "Saving…");
  try {
    await action();
    showStatus(statusId, "");
  } catch (error) {
    const field = fieldOf(error);
    if (field && showFieldError(scope, field, reason(error))) {
      showStatus(statusId, "Not saved: see the message beside the field.", true);
    } else {
      showStatus(statusId, "Not saved: " + reason(error), true);
    }
  }
}

// --- steps -------------------------------------------------------------------------------

/** @param {Onboarding} next @param {boolean} moveFocus */
function show(next, moveFocus) {
  const changed = !state || state.step !== next.step;
  state = next;
  const steps = next.steps;
  const index = STEP_KEYS.indexOf(next.step);
  const progress = byIdAs("onboarding-progress", HTMLElement);
  const current = steps.find((s) => s.key === next.step);
  progress.textContent = current
    ? "Step " + (index + 1) + " of " + steps.length + ": " + current.label
    : "All " + steps.length + " steps done";
  const list = byIdAs("onboarding-steps", HTMLOListElement);
  list.replaceChildren(
    ...steps.map((s) => {
      const item = el("li", { className: s.done ? "done" : "" }, s.label, s.done ? el("span", { className: "visually-hidden" }, " (done)") : "");
      if (s.key === next.step) item.setAttribute("aria-current", "step");
      return item;
    }),
  );
  for (const key of STEP_KEYS) {
    byIdAs("step-" + key, HTMLElement).hidden = key !== next.step;
  }
  if (next.step === "basics") renderAttributes(next.missing);
  if (next.step === "dietitian") loadDietitians("");
  if (changed && moveFocus) {
    const heading = byIdAs(next.step + "-heading", HTMLElement);
    heading.focus();
    announce(progress.textContent || "");
  }
}

async function reload() {
  show(await api("GET", "/me/onboarding"), true);
}

// consent

const consentForm = byIdAs("consent-form", HTMLFormElement);
consentForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const scope = byIdAs("step-consent", HTMLElement);
  attempt(scope, "consent-status", async () => {
    /** @type {Record<string, boolean>} */
    const answers = {};
    for (const fieldset of consentForm.querySelectorAll("fieldset.consent-question")) {
      const radio = /** @type {HTMLInputElement | null} */ (fieldset.querySelector("input[type=radio]"));
      const purpose = radio ? radio.name.replace(/^consent-/, "") : "";
      const chosen = /** @type {HTMLInputElement | null} */ (fieldset.querySelector("input:checked"));
      if (!chosen) {
        throw new ApiError(400, "missing", "Answer yes or no.", { field: "consents." + purpose });
      }
      answers[purpose] = chosen.value === "yes";
    }
    show(await api("POST", "/me/onboarding/consent", { consents: answers }), true);
  });
});

// basics

const attributesBox = byIdAs("basics-attributes", HTMLElement);
/** @type {Attribute[]} */
let shownAttributes = [];

/** @param {Attribute} a */
function attributeControl(a) {
  const errorId = "error-values-" + a.key;
  const helpId = a.help ? "help-" + a.key : "";
  const described = [helpId, errorId].filter(Boolean).join(" ");
  const label = a.label + (a.unit ? " (" + a.unit + ")" : "");
  const help = a.help ? el("p", { className: "hint", id: helpId }, a.help) : null;
  const error = el("p", { className: "field-error error", id: errorId, dataset: { field: "values." + a.key } });
  if (a.kind === "multi_choice" || a.kind === "boolean") {
    const options = a.kind === "boolean" ? [{ value: "true", label: "Yes" }, { value: "false", label: "No" }] : a.options;
    const fieldset = el(
      "fieldset",
      { dataset: { key: a.key, kind: a.kind } },
      el("legend", {}, label),
      help,
      ...options.map((o) =>
        el(
          "label",
          { className: "choice" },
          el("input", { type: a.kind === "boolean" ? "radio" : "checkbox", name: "attr-" + a.key, value: o.value }),
          " ",
          o.label,
        ),
      ),
      error,
    );
    fieldset.setAttribute("aria-describedby", described);
    return fieldset;
  }
  /** @type {HTMLInputElement | HTMLSelectElement} */
  let control;
  if (a.kind === "choice") {
    control = el("select", {}, el("option", { value: "" }, "Choose…"), ...a.options.map((o) => el("option", { value: o.value }, o.label)));
  } else {
    control = el("input", { type: a.kind === "number" ? "number" : a.kind === "date" ? "date" : "text" });
    if (a.kind === "number") {
      control.step = "any";
      if (a.minimum !== null) control.min = String(a.minimum);
      if (a.maximum !== null) control.max = String(a.maximum);
    }
    if (a.kind === "date" && !a.allow_future) control.max = new Date().toISOString().slice(0, 10);
    if (a.kind === "text" && a.maximum !== null) control.maxLength = a.maximum;
  }
  control.dataset.key = a.key;
  control.dataset.kind = a.kind;
  control.dataset.control = "values." + a.key;
  control.setAttribute("aria-describedby", described);
  return el("div", { className: "attribute" }, el("label", {}, label, control), help, error);
}

/** @param {string[]} missing */
async function renderAttributes(missing) {
  if (missing.length === 0) {
    shownAttributes = [];
    attributesBox.replaceChildren();
    return;
  }
  try {
    /** @type {Attribute[]} */
    const all = await api("GET", "/profile/attributes");
    shownAttributes = all.filter((a) => missing.includes(a.key));
    attributesBox.replaceChildren(
      el("h3", {}, "Your profile"),
      el("p", { className: "hint" }, "Your care team sees these; you choose who else may on your profile page."),
      ...shownAttributes.map(attributeControl),
    );
  } catch (error) {
    showStatus("basics-status", "Could not load the profile questions: " + reason(error), true);
  }
}

/** The value given for an attribute, or undefined when none. @param {Attribute} a */
function valueOf(a) {
  const scope = attributesBox;
  if (a.kind === "multi_choice") {
    const ticked = [...scope.querySelectorAll(`input[name="attr-${CSS.escape(a.key)}"]:checked`)];
    return ticked.length ? ticked.map((n) => /** @type {HTMLInputElement} */ (n).value) : undefined;
  }
  if (a.kind === "boolean") {
    const chosen = /** @type {HTMLInputElement | null} */ (scope.querySelector(`input[name="attr-${CSS.escape(a.key)}"]:checked`));
    return chosen ? chosen.value === "true" : undefined;
  }
  const control = /** @type {HTMLInputElement | HTMLSelectElement | null} */ (
    scope.querySelector(`[data-key="${CSS.escape(a.key)}"]`)
  );
  const raw = control ? control.value.trim() : "";
  if (raw === "") return undefined;
  return a.kind === "number" ? Number(raw) : raw;
}

const basicsForm = byIdAs("basics-form", HTMLFormElement);
const startValues = {
  region: byIdAs("basics-region", HTMLSelectElement).value,
  locale: byIdAs("basics-locale", HTMLSelectElement).value,
  time_zone: byIdAs("basics-zone", HTMLSelectElement).value,
};
for (const [field, id] of [["region", "basics-region"], ["locale", "basics-locale"], ["time_zone", "basics-zone"]]) {
  byIdAs(id, HTMLSelectElement).dataset.control = field;
}

basicsForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const scope = byIdAs("step-basics", HTMLElement);
  attempt(scope, "basics-status", async () => {
    // Only what changed: a region chosen at sign-up is not changed again (that counts).
    /** @type {Record<string, string>} */
    const account = {};
    const now = {
      region: byIdAs("basics-region", HTMLSelectElement).value,
      locale: byIdAs("basics-locale", HTMLSelectElement).value,
      time_zone: byIdAs("basics-zone", HTMLSelectElement).value,
    };
    for (const [key, value] of Object.entries(now)) {
      if (value !== startValues[/** @type {keyof typeof startValues} */ (key)]) account[key] = value;
    }
    if (Object.keys(account).length) {
      await api("PATCH", "/me", account);
      Object.assign(startValues, now);
    }
    /** @type {Record<string, unknown>} */
    const values = {};
    for (const a of shownAttributes) {
      const value = valueOf(a);
      if (value === undefined) {
        throw new ApiError(400, "missing", "Fill this in.", { field: "values." + a.key });
      }
      values[a.key] = value;
    }
    if (Object.keys(values).length) {
      const profile = await api("GET", `/customers/${me.id}/profile`);
      await api("PATCH", `/customers/${me.id}/profile`, { version: profile.version, values });
    }
    show(await api("POST", "/me/onboarding/basics", {}), true);
  });
});

// measurements

const measurementsScope = byIdAs("step-measurements", HTMLElement);
byIdAs("measurements-done", HTMLButtonElement).addEventListener("click", () =>
  attempt(measurementsScope, "measurements-status", async () => {
    show(await api("POST", "/me/onboarding/measurements", {}), true);
  }),
);
byIdAs("measurements-skip", HTMLButtonElement).addEventListener("click", () =>
  attempt(measurementsScope, "measurements-status", async () => {
    show(await api("POST", "/me/onboarding/skip"), true);
  }),
);

// dietitian

const dietitianScope = byIdAs("step-dietitian", HTMLElement);
const dietitianList = byIdAs("dietitian-list", HTMLUListElement);

/** @param {Dietitian} d @param {HTMLButtonElement} button */
async function askDietitian(d, button) {
  button.disabled = true;
  await attempt(dietitianScope, "dietitian-status", async () => {
    try {
      await api("POST", "/care-requests", {
        professional_id: d.id,
        message: byIdAs("dietitian-message", HTMLTextAreaElement).value,
      });
    } catch (error) {
      button.disabled = false;
      throw error;
    }
    announce("You asked " + d.name + " to take you on.");
    await reload();
  });
}

/** @param {string} q */
async function loadDietitians(q) {
  try {
    /** @type {Dietitian[]} */
    const people = await api("GET", "/dietitians" + (q ? "?q=" + encodeURIComponent(q) : ""));
    dietitianList.replaceChildren();
    if (people.length === 0) {
      dietitianList.append(el("li", { className: "muted" }, q ? "No dietitian goes by a name like that." : "No dietitian to ask yet: skip this step for now."));
    }
    for (const d of people) {
      const ask = el("button", { type: "button", disabled: d.asked }, d.asked ? "Asked" : "Ask");
      ask.setAttribute("aria-label", (d.asked ? "Asked: " : "Ask ") + d.name);
      ask.addEventListener("click", () => askDietitian(d, ask));
      dietitianList.append(
        el(
          "li",
          {},
          el("span", { className: "person-name" }, d.name, d.region_label ? el("span", { className: "muted" }, " · " + d.region_label) : ""),
          ask,
        ),
      );
    }
  } catch (error) {
    showStatus("dietitian-status", "Could not load the dietitians: " + reason(error), true);
  }
}

byIdAs("dietitian-search", HTMLFormElement).addEventListener("submit", (event) => {
  event.preventDefault();
  loadDietitians(byIdAs("dietitian-q", HTMLInputElement).value.trim());
});
byIdAs("dietitian-skip", HTMLButtonElement).addEventListener("click", () =>
  attempt(dietitianScope, "dietitian-status", async () => {
    show(await api("POST", "/me/onboarding/skip"), true);
  }),
);

api("GET", "/me/onboarding").then(
  (/** @type {Onboarding} */ first) => show(first, false),
  (error) => {
    byIdAs("onboarding-progress", HTMLElement).textContent = "Could not load your steps: " + reason(error);
  },
);
