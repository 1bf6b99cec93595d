// @ts-check
// My profile (/profile): every field with its input by kind and, beside it, who sees it;
// one Save sends what changed with the version it was made from
// (PATCH /api/customers/{me}/profile). A change saved elsewhere first (409 edit_conflict)
// reloads the values and keeps what the member typed; an error is shown beside the field
// the answer names. The history of changes is loaded when opened.

import { ApiError, announce, api, byId, byIdAs, el, me, when } from "./live.js";
import { AUDIENCES, bySection, valueText } from "./profile-common.js";
import { reason, showStatus } from "./settings-common.js";

/**
 * @typedef {import("./profile-common.js").Field} Field
 * @typedef {import("./profile-common.js").Profile} Profile
 * @typedef {import("./profile-common.js").Change} Change
 * @typedef {{ok: true, value: any} | {ok: false, message: string}} Read
 */

const base = "/customers/" + me.id + "/profile";
const form = byIdAs("profile-form", HTMLFormElement);
const sections = byId("profile-sections");
const saveButton = byIdAs("profile-save", HTMLButtonElement);
// The last values and audiences the server sent: what a change is measured against.
const state = {
  version: 0,
  /** @type {Map<string, Field>} */
  fields: new Map(),
};

/** @param {unknown} a @param {unknown} b */
function same(a, b) {
  return JSON.stringify(a === undefined ? null : a) === JSON.stringify(b === undefined ? null : b);
}

/** @param {string} key */
function inputOf(key) {
  return /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement | null} */ (
    document.getElementById("f-" + key)
  );
}

/** @param {string} key @returns {HTMLInputElement[]} */
function boxesOf(key) {
  return [...document.querySelectorAll(`#f-${key} input[type="checkbox"]`)].filter(
    (node) => node instanceof HTMLInputElement,
  );
}

/** @param {string} key */
function audienceOf(key) {
  return /** @type {HTMLSelectElement | null} */ (document.getElementById("a-" + key));
}

function today() {
  return new Date().toLocaleDateString("en-CA", { timeZone: me.zone });
}

/** @param {Field} f @param {string} describedBy */
function control(f, describedBy) {
  const id = "f-" + f.key;
  const labelText = f.label + (f.unit ? " (" + f.unit + ")" : "");
  if (f.kind === "multi_choice") {
    const set = el("fieldset", { className: "field-input choices", id }, el("legend", {}, labelText));
    set.setAttribute("aria-describedby", describedBy);
    for (const option of f.options) {
      const box = el("input", { type: "checkbox", name: f.key, value: option.value });
      set.append(el("label", { className: "choice" }, box, option.label));
    }
    return set;
  }
  /** @type {HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement} */
  let input;
  if (f.kind === "choice" || f.kind === "boolean") {
    const options =
      f.kind === "boolean"
        ? [
            { value: "yes", label: "Yes" },
            { value: "no", label: "No" },
          ]
        : f.options;
    input = el("select", { id, name: f.key }, el("option", { value: "" }, "Not given"));
    for (const option of options) input.append(el("option", { value: option.value }, option.label));
  } else if (f.kind === "text" && (f.maximum === null || f.maximum > 120)) {
    input = el("textarea", { id, name: f.key, rows: 3 });
    if (f.maximum) input.maxLength = f.maximum;
  } else {
    const type = f.kind === "number" ? "number" : f.kind === "date" ? "date" : "text";
    const field = el("input", { id, name: f.key, type });
    if (f.kind === "number") {
      field.step = "any";
      field.inputMode = "decimal";
      if (f.minimum !== null) field.min = String(f.minimum);
      if (f.maximum !== null) field.max = String(f.maximum);
    } else if (f.kind === "date") {
      field.min = "1900-01-01";
      if (!f.allow_future) field.max = today();
    } else if (f.maximum) {
      field.maxLength = f.maximum;
    }
    input = field;
  }
  input.setAttribute("aria-describedby", describedBy);
  return el("div", { className: "field-input" }, el("label", { htmlFor: id }, labelText), input);
}

/** @param {Field} f */
function audienceChooser(f) {
  const select = el("select", { id: "a-" + f.key, name: "audience-" + f.key });
  for (const [value, label] of Object.entries(AUDIENCES)) {
    if (value === "community" && !f.display_field) continue;
    select.append(el("option", { value }, label));
  }
  select.setAttribute("aria-describedby", "e-" + f.key);
  return el(
    "div",
    { className: "field-audience" },
    el("label", { htmlFor: select.id }, "Who sees " + f.label),
    select,
  );
}

/** @param {Field} f */
function fieldRow(f) {
  const describedBy = ["e-" + f.key, f.help ? "h-" + f.key : ""].filter(Boolean).join(" ");
  return el(
    "div",
    { className: "field", id: "field-" + f.key },
    control(f, describedBy),
    el("p", { className: "field-error error", id: "e-" + f.key }),
    f.help ? el("p", { className: "hint", id: "h-" + f.key }, f.help) : null,
    audienceChooser(f),
  );
}

/** A retired field: its value is kept and shown, no longer asked for. @param {Field} f */
function retiredRow(f) {
  return el(
    "div",
    { className: "field retired" },
    el("p", { className: "field-label" }, f.label),
    el("p", {}, valueText(f, f.value)),
    el("p", { className: "hint" }, "No longer asked, kept for you. Who sees it: " + AUDIENCES[f.audience] + "."),
  );
}

/** @param {Field} f @param {any} value */
function setValue(f, value) {
  if (f.kind === "multi_choice") {
    for (const box of boxesOf(f.key)) box.checked = Array.isArray(value) && value.includes(box.value);
    return;
  }
  const input = inputOf(f.key);
  if (!input) return;
  if (f.kind === "boolean") input.value = value === true ? "yes" : value === false ? "no" : "";
  else input.value = value === null || value === undefined ? "" : String(value);
}

/** @param {Field} f @returns {Read} */
function readValue(f) {
  if (f.kind === "multi_choice") {
    const chosen = boxesOf(f.key)
      .filter((box) => box.checked)
      .map((box) => box.value);
    return { ok: true, value: chosen.length ? chosen : null };
  }
  const input = inputOf(f.key);
  if (!input) return { ok: true, value: f.value };
  if (f.kind === "number") {
    if (input instanceof HTMLInputElement && input.validity.badInput) {
      return { ok: false, message: f.label + " must be a number" };
    }
    return { ok: true, value: input.value.trim() === "" ? null : Number(input.value) };
  }
  if (f.kind === "boolean") return { ok: true, value: input.value === "" ? null : input.value === "yes" };
  return { ok: true, value: input.value.trim() || null };
}

/** @param {Profile} profile */
function render(profile) {
  state.version = profile.version;
  state.fields = new Map(profile.fields.map((f) => [f.key, f]));
  sections.replaceChildren();
  for (const group of bySection(profile.fields)) {
    const headingId = "s-" + group.section;
    const section = el("section", { className: "panel" }, el("h2", { id: headingId }, group.label));
    section.setAttribute("aria-labelledby", headingId);
    for (const f of group.fields) section.append(f.retired ? retiredRow(f) : fieldRow(f));
    sections.append(section);
  }
  for (const f of profile.fields) {
    if (f.retired) continue;
    setValue(f, f.value);
    const chooser = audienceOf(f.key);
    if (chooser) chooser.value = f.audience;
  }
}

function clearErrors() {
  for (const node of sections.querySelectorAll(".field-error")) node.textContent = "";
  for (const node of sections.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
}

/**
 * Show ``message`` beside the field ``key`` (its value, or who sees it) and go there.
 * @param {string} key @param {string} message @param {boolean} [audience]
 */
function showFieldError(key, message, audience = false) {
  const note = document.getElementById("e-" + key);
  if (note) note.textContent = message;
  /** @type {HTMLElement | null} */
  const target = audience ? audienceOf(key) : (inputOf(key) ?? boxesOf(key)[0] ?? null);
  const invalid = audience ? target : document.getElementById("f-" + key);
  if (invalid) invalid.setAttribute("aria-invalid", "true");
  if (target) target.focus();
}

/** What the member changed since the server's last answer. */
function changes() {
  /** @type {Record<string, any>} */
  const values = {};
  /** @type {Record<string, string>} */
  const audiences = {};
  /** @type {{key: string, message: string} | null} */
  let bad = null;
  for (const f of state.fields.values()) {
    if (f.retired) continue;
    const read = readValue(f);
    if (!read.ok) bad = bad || { key: f.key, message: read.message };
    else if (!same(read.value, f.value)) values[f.key] = read.value;
    const chooser = audienceOf(f.key);
    if (chooser && chooser.value !== f.audience) audiences[f.key] = chooser.value;
  }
  return { values, audiences, bad };
}

/**
 * Another change came first: load the profile as it is now and put back what the member
 * typed (their changes stay changes, sent with the next Save).
 * @param {Record<string, any>} values @param {Record<string, string>} audiences
 */
async function reloadKeeping(values, audiences) {
  render(await api("GET", base));
  for (const [key, value] of Object.entries(values)) {
    const f = state.fields.get(key);
    if (f && !f.retired) setValue(f, value);
  }
  for (const [key, audience] of Object.entries(audiences)) {
    const chooser = audienceOf(key);
    if (chooser) chooser.value = audience;
  }
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const { values, audiences, bad } = changes();
  if (bad) {
    showFieldError(bad.key, bad.message);
    showStatus("profile-status", "Not saved: " + bad.message + ".", true);
    return;
  }
  if (Object.keys(values).length === 0 && Object.keys(audiences).length === 0) {
    showStatus("profile-status", "Nothing to save: no field changed.");
    return;
  }
  saveButton.disabled = true;
  try {
    render(await api("PATCH", base, { version: state.version, values, audiences }));
    showStatus("profile-status", "Saved.");
    if (historyBox.open) loadHistory(true);
  } catch (error) {
    if (error instanceof ApiError && error.code === "edit_conflict") {
      try {
        await reloadKeeping(values, audiences);
        showStatus(
          "profile-status",
          "Not saved: your profile was changed elsewhere (on another device or tab). " +
            "The latest values are loaded and what you typed is kept: check, then save again.",
          true,
        );
      } catch (again) {
        showStatus("profile-status", "Not saved: " + reason(again), true);
      }
    } else if (error instanceof ApiError && error.body && typeof error.body.field === "string") {
      const [where, key] = error.body.field.split(".");
      showFieldError(key, error.message, where === "audiences");
      showStatus("profile-status", "Not saved: " + error.message + ".", true);
    } else {
      showStatus("profile-status", "Not saved: " + reason(error), true);
    }
  } finally {
    saveButton.disabled = false;
  }
});

// --- the history ---------------------------------------------------------------------

const historyBox = byIdAs("history", HTMLDetailsElement);
const historyList = byId("history-list");
const more = byIdAs("history-more", HTMLButtonElement);
/** @type {number | null} */
let cursor = null;
let historyLoaded = false;

/** @param {Change} change */
function changeItem(change) {
  const f = state.fields.get(change.key);
  const said = [];
  if (!same(change.old_value, change.new_value)) {
    const before = valueText(f, change.old_value) || "not given";
    const after = valueText(f, change.new_value) || "not given";
    said.push(change.label + ": " + before + " → " + after);
  }
  if (change.old_audience !== change.new_audience) {
    said.push(
      "who sees " + change.label + ": " +
        (AUDIENCES[change.old_audience] || change.old_audience) + " → " +
        (AUDIENCES[change.new_audience] || change.new_audience),
    );
  }
  return el(
    "li",
    {},
    el("time", { dateTime: change.changed_at }, when(change.changed_at)),
    " · " + (change.changed_by ? change.changed_by.name : "someone") + " · ",
    said.join("; "),
  );
}

/** @param {boolean} fresh from the newest change */
async function loadHistory(fresh) {
  try {
    const query = !fresh && cursor !== null ? "?cursor=" + cursor : "";
    /** @type {{items: Change[], next_cursor: number | null}} */
    const page = await api("GET", base + "/history" + query);
    if (fresh) historyList.replaceChildren();
    for (const change of page.items) historyList.append(changeItem(change));
    if (historyList.children.length === 0) historyList.append(el("li", { className: "muted" }, "No change yet."));
    cursor = page.next_cursor;
    more.hidden = cursor === null;
    historyLoaded = true;
    if (!fresh) announce(page.items.length + " older changes shown.");
  } catch (error) {
    showStatus("history-status", "Could not load the history: " + reason(error), true);
  }
}

historyBox.addEventListener("toggle", () => {
  if (historyBox.open && !historyLoaded) loadHistory(true);
});
more.addEventListener("click", () => loadHistory(false));

api("GET", base).then(render, (error) => {
  sections.replaceChildren(el("p", { className: "panel error" }, "Could not load your profile: " + reason(error)));
});
