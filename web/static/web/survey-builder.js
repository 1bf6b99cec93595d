// @ts-check
// An author builds a survey: title, description, audience, opening and closing times (in
// the author's own zone), who sees the results, and questions of every kind, added,
// removed and reordered, then sent to POST /api/surveys (docs/api.md).

import { api, byIdAs, el, me } from "./live.js";

/** @typedef {"single" | "multiple" | "scale" | "text"} Kind */

const KINDS = /** @type {[Kind, string][]} */ ([
  ["single", "One choice"],
  ["multiple", "Several choices"],
  ["scale", "A scale of numbers"],
  ["text", "Written answer"],
]);

const form = byIdAs("survey-form", HTMLFormElement);
const list = byIdAs("s-questions", HTMLOListElement);
const error = byIdAs("s-error", HTMLParagraphElement);
const audience = byIdAs("s-audience", HTMLSelectElement);
const audienceRow = byIdAs("s-audience-value-row", HTMLDivElement);

let made = 0; // ids for the fields of each question block

/**
 * A time typed in the author's zone (a datetime-local value) as an instant.
 * @param {string} local "2031-03-01T17:00" @param {string} zone @returns {string}
 */
export function zonedToIso(local, zone) {
  const asUtc = new Date(local + ":00Z");
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit",
  }).formatToParts(asUtc);
  /** @param {string} type */
  const part = (type) => Number(parts.find((p) => p.type === type)?.value || 0);
  const shown = Date.UTC(part("year"), part("month") - 1, part("day"), part("hour"), part("minute"), part("second"));
  return new Date(asUtc.getTime() - (shown - asUtc.getTime())).toISOString();
}

/** Number the blocks and their move buttons after a change. */
function renumber() {
  const blocks = [...list.children];
  blocks.forEach((block, i) => {
    const legend = block.querySelector("legend");
    if (legend) legend.textContent = `Question ${i + 1}`;
    for (const button of block.querySelectorAll("button[data-move]")) {
      if (!(button instanceof HTMLButtonElement)) continue;
      const up = button.dataset.move === "up";
      button.disabled = up ? i === 0 : i === blocks.length - 1;
      button.setAttribute("aria-label", `Move question ${i + 1} ${up ? "up" : "down"}`);
    }
    const remove = block.querySelector("button[data-remove]");
    if (remove) remove.setAttribute("aria-label", `Remove question ${i + 1}`);
  });
}

/** @param {Kind} kind */
function addQuestion(kind) {
  const n = ++made;
  const kindSelect = el("select", { id: `q${n}-kind`, className: "q-kind" });
  for (const [value, label] of KINDS) kindSelect.append(el("option", { value, selected: value === kind }, label));
  const options = el("div", { className: "q-options" },
    el("label", { htmlFor: `q${n}-options` }, "Choices, one per line (2 to 20)"),
    el("textarea", { id: `q${n}-options`, className: "q-options-text", rows: 4 }),
  );
  const scale = el("div", { className: "q-scale" },
    el("label", { htmlFor: `q${n}-min` }, "Lowest number"),
    el("input", { id: `q${n}-min`, className: "q-min", type: "number", value: "1", min: "-100", max: "100" }),
    el("label", { htmlFor: `q${n}-max` }, "Highest number"),
    el("input", { id: `q${n}-max`, className: "q-max", type: "number", value: "5", min: "-100", max: "100" }),
  );
  const showParts = () => {
    const value = kindSelect.value;
    options.hidden = value !== "single" && value !== "multiple";
    scale.hidden = value !== "scale";
  };
  kindSelect.addEventListener("change", showParts);
  const up = el("button", { type: "button", className: "secondary", dataset: { move: "up" } }, "Move up");
  const down = el("button", { type: "button", className: "secondary", dataset: { move: "down" } }, "Move down");
  const remove = el("button", { type: "button", className: "secondary", dataset: { remove: "" } }, "Remove");
  const block = el("li", { className: "builder-question" },
    el("fieldset", {},
      el("legend", {}, "Question"),
      el("label", { htmlFor: `q${n}-text` }, "Question text"),
      el("input", { id: `q${n}-text`, className: "q-text", maxLength: 500, required: true }),
      el("label", { htmlFor: `q${n}-kind` }, "Kind of answer"),
      kindSelect,
      options,
      scale,
      el("label", { className: "choice" }, el("input", { type: "checkbox", className: "q-required" }), "An answer is required"),
      el("div", { className: "actions-row" }, up, down, remove),
    ),
  );
  up.addEventListener("click", () => {
    const before = block.previousElementSibling;
    if (before) list.insertBefore(block, before);
    renumber();
    up.disabled ? down.focus() : up.focus();
  });
  down.addEventListener("click", () => {
    const after = block.nextElementSibling;
    if (after) list.insertBefore(after, block);
    renumber();
    down.disabled ? up.focus() : down.focus();
  });
  remove.addEventListener("click", () => {
    const next = block.nextElementSibling || block.previousElementSibling;
    block.remove();
    renumber();
    const focus = next?.querySelector(".q-text");
    if (focus instanceof HTMLElement) focus.focus();
    else byIdAs("s-add", HTMLButtonElement).focus();
  });
  list.append(block);
  showParts();
  renumber();
  return block;
}

/** @param {Element} block @param {string} selector */
function field(block, selector) {
  const found = block.querySelector(selector);
  if (!(found instanceof HTMLInputElement || found instanceof HTMLTextAreaElement || found instanceof HTMLSelectElement)) {
    throw new Error("missing " + selector);
  }
  return found;
}

function questions() {
  return [...list.children].map((block) => {
    const kind = field(block, ".q-kind").value;
    const required = field(block, ".q-required");
    /** @type {Record<string, unknown>} */
    const question = {
      kind,
      text: field(block, ".q-text").value.trim(),
      required: required instanceof HTMLInputElement && required.checked,
    };
    if (kind === "single" || kind === "multiple") {
      question.options = field(block, ".q-options-text").value.split("\n").map((o) => o.trim()).filter(Boolean);
    }
    if (kind === "scale") {
      question.scale_min = Number(field(block, ".q-min").value);
      question.scale_max = Number(field(block, ".q-max").value);
    }
    return question;
  });
}

/** @param {string} id */
function value(id) {
  const input = document.getElementById(id);
  return input instanceof HTMLInputElement || input instanceof HTMLTextAreaElement || input instanceof HTMLSelectElement
    ? input.value.trim()
    : "";
}

audience.addEventListener("change", () => {
  audienceRow.hidden = audience.value === "all";
});
byIdAs("s-add", HTMLButtonElement).addEventListener("click", () => {
  const block = addQuestion("single");
  const text = block.querySelector(".q-text");
  if (text instanceof HTMLElement) text.focus();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  error.textContent = "";
  const title = value("s-title");
  const closes = value("s-closes");
  const problems = [];
  if (!title) problems.push("a title");
  if (!closes) problems.push("when it closes");
  if (!list.children.length) problems.push("a question");
  if (problems.length) {
    error.textContent = "The survey needs " + problems.join(", ") + ".";
    return;
  }
  const opens = value("s-opens");
  const body = {
    title,
    description: value("s-description"),
    audience: audience.value,
    audience_value: audience.value === "all" ? "" : value("s-audience-value"),
    opens_at: opens ? zonedToIso(opens, me.zone) : null,
    closes_at: zonedToIso(closes, me.zone),
    results_for: value("s-results"),
    questions: questions(),
  };
  try {
    const survey = /** @type {{id: number}} */ (await api("POST", "/surveys", body));
    location.assign("/surveys/" + survey.id);
  } catch (failure) {
    error.textContent = "Not created: " + (failure instanceof Error ? failure.message : "try again");
  }
});

addQuestion("single");
