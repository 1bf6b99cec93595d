// @ts-check
// One survey: its questions to answer (each choice inside its label, each question a
// fieldset with its legend, a scale as a radio group of its numbers), its results live on
// survey:{id} for those allowed to see them (bars with their numbers in text), and for its
// author the CSV, with the reason when there are too few responses yet.

import { api, ApiError, announce, byIdAs, el, live, when } from "./live.js";

/**
 * @typedef {{
 *   id: number, kind: "single" | "multiple" | "scale" | "text", text: string, required: boolean,
 *   options: string[], scale_min: number, scale_max: number
 * }} Question
 * @typedef {{
 *   id: number, title: string, description: string, open: boolean, opens_at: string,
 *   closes_at: string, can_answer: boolean, can_see_results: boolean, questions: Question[],
 *   my_answers: Record<string, number | number[] | string> | null
 * }} Survey
 * @typedef {{
 *   id: number, kind: string, answered: number, suppressed: boolean,
 *   counts: number[] | null, mean: number | null
 * }} QuestionResult
 * @typedef {{
 *   survey: number, responses: number, minimum: number, suppressed: boolean,
 *   questions: QuestionResult[]
 * }} Results
 */

/** Scales this long or shorter are a row of radio buttons; longer ones a number box. */
const MOST_RADIOS = 11;

const id = Number(byIdAs("survey", HTMLDivElement).dataset.surveyId);
const form = byIdAs("answers", HTMLFormElement);
const box = byIdAs("questions", HTMLDivElement);
const note = byIdAs("answers-note", HTMLParagraphElement);
const stateLine = byIdAs("survey-state", HTMLParagraphElement);
const resultsSection = byIdAs("results", HTMLElement);

/** @type {Survey | null} */
let survey = null;
/** @type {(() => void) | null} */
let following = null;

live.listen({
  onEvent(frame) {
    if (frame.topic === "survey:" + id && frame.event === "survey.results") {
      renderResults(/** @type {Results} */ (frame.data));
    }
  },
});

/** @param {Question} q */
function legendText(q) {
  return q.required ? [q.text + " ", el("span", { className: "required" }, "(required)")] : [q.text];
}

/** @param {Question} q @param {number | number[] | string | undefined} given */
function questionField(q, given) {
  const name = "q" + q.id;
  if (q.kind === "text") {
    const fieldId = "answer-" + q.id;
    const input = el("textarea", { id: fieldId, name, rows: 3, maxLength: 2000, required: q.required });
    if (typeof given === "string") input.value = given;
    return el(
      "div",
      { className: "question", dataset: { question: String(q.id) } },
      el("label", { htmlFor: fieldId, className: "question-text" }, ...legendText(q)),
      input,
    );
  }
  const set = el(
    "fieldset",
    { className: "question", dataset: { question: String(q.id) } },
    el("legend", {}, ...legendText(q)),
  );
  if (q.kind === "single" || q.kind === "multiple") {
    q.options.forEach((label, i) => {
      const input = el("input", {
        type: q.kind === "single" ? "radio" : "checkbox",
        name,
        value: String(i),
        required: q.kind === "single" && q.required,
      });
      input.checked = q.kind === "single" ? given === i : Array.isArray(given) && given.includes(i);
      set.append(el("label", { className: "choice" }, input, el("span", {}, label)));
    });
    if (q.kind === "multiple") set.append(el("p", { className: "hint" }, "Tick all that apply."));
    return set;
  }
  // A scale.
  const points = q.scale_max - q.scale_min + 1;
  const ends = `From ${q.scale_min} (lowest) to ${q.scale_max} (highest).`;
  if (points > MOST_RADIOS) {
    const fieldId = "answer-" + q.id;
    const input = el("input", {
      id: fieldId, type: "number", name, min: String(q.scale_min), max: String(q.scale_max),
      step: "1", required: q.required, inputMode: "numeric",
    });
    if (typeof given === "number") input.value = String(given);
    set.append(el("label", { htmlFor: fieldId }, "Your number. " + ends), input);
    return set;
  }
  const row = el("div", { className: "scale" });
  for (let n = q.scale_min; n <= q.scale_max; n++) {
    const input = el("input", { type: "radio", name, value: String(n), required: q.required });
    input.checked = given === n;
    const end = n === q.scale_min ? "lowest" : n === q.scale_max ? "highest" : "";
    row.append(
      el("label", { className: "scale-point" }, input, el("span", {}, String(n)), end ? el("span", { className: "end" }, end) : null),
    );
  }
  set.append(el("p", { className: "hint" }, ends), row);
  return set;
}

function renderForm() {
  if (!survey) return;
  const mine = survey.my_answers || {};
  box.replaceChildren(...survey.questions.map((q) => questionField(q, mine[q.id])));
  form.hidden = !survey.open;
  if (survey.my_answers) note.textContent = "Your earlier answers are filled in: you can change them until the survey closes.";
}

/** The answers given, and the required questions left empty. */
function collect() {
  /** @type {Record<string, number | number[] | string>} */
  const answers = {};
  /** @type {Question[]} */
  const missing = [];
  for (const q of survey ? survey.questions : []) {
    const inputs = /** @type {(HTMLInputElement | HTMLTextAreaElement)[]} */ ([
      ...form.querySelectorAll(`[name="q${q.id}"]`),
    ]);
    if (q.kind === "multiple") {
      const picked = inputs.filter((i) => i instanceof HTMLInputElement && i.checked).map((i) => Number(i.value));
      if (picked.length) answers[q.id] = picked;
    } else if (q.kind === "text") {
      const value = inputs[0]?.value.trim();
      if (value) answers[q.id] = value;
    } else {
      const picked = inputs.find((i) => (i instanceof HTMLInputElement && i.type === "radio" ? i.checked : i.value !== ""));
      if (picked) answers[q.id] = Number(picked.value);
    }
    if (q.required && answers[q.id] === undefined) missing.push(q);
  }
  return { answers, missing };
}

/** @param {Results} results */
function renderResults(results) {
  if (!survey) return;
  resultsSection.hidden = false;
  // Results move in steps of at least the minimum group; what came in since is not shown.
  byIdAs("results-count", HTMLParagraphElement).textContent = results.suppressed
    ? `Results appear once ${results.minimum} established members have answered.`
    : `${results.responses} responses counted.`;
  const body = byIdAs("results-body", HTMLDivElement);
  body.replaceChildren();
  if (results.suppressed) return;
  for (const r of results.questions) {
    const q = survey.questions.find((x) => x.id === r.id);
    if (!q) continue;
    const block = el("section", { className: "result", dataset: { question: String(r.id) } }, el("h3", {}, q.text));
    if (r.suppressed) {
      block.append(el("p", { className: "muted" }, `Answered by fewer than ${results.minimum}: not shown.`));
    } else if (r.counts) {
      const labels = q.kind === "scale" ? r.counts.map((_, i) => String(q.scale_min + i)) : q.options;
      const total = Math.max(1, r.answered);
      const most = Math.max(1, ...r.counts);
      const rows = el("ul", { className: "bars" });
      r.counts.forEach((n, i) => {
        const fill = el("span", { className: "fill" });
        fill.style.width = (100 * n) / most + "%";
        const share = Math.round((100 * n) / total);
        rows.append(
          el(
            "li",
            { className: "bar-row" },
            el("span", { className: "bar-label" }, labels[i] ?? String(i)),
            el("span", { className: "bar-track", ariaHidden: "true" }, fill),
            el("span", { className: "count" }, `${n} (${share}%)`),
          ),
        );
      });
      block.append(rows, el("p", { className: "muted" }, `${r.answered} answered.`));
      if (r.mean !== null && r.mean !== undefined) block.append(el("p", { className: "muted" }, "Mean " + r.mean));
    } else {
      block.append(el("p", { className: "muted" }, `${r.answered} written answers.`));
    }
    body.append(block);
  }
}

async function showResults() {
  if (!survey?.can_see_results) return;
  if (!following) following = live.follow("survey:" + id);
  renderResults(/** @type {Results} */ (await api("GET", `/surveys/${id}/results`)));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const { answers, missing } = collect();
  if (missing.length) {
    note.textContent = "Please answer: " + missing.map((q) => q.text).join("; ");
    const first = form.querySelector(`[data-question="${missing[0].id}"] input, [data-question="${missing[0].id}"] textarea`);
    if (first instanceof HTMLElement) first.focus();
    return;
  }
  try {
    survey = /** @type {Survey} */ (await api("PUT", `/surveys/${id}/response`, { answers }));
    note.textContent = "Thank you: your answers are saved. You can change them until the survey closes.";
    announce("Your answers are saved");
    await showResults();
  } catch (failure) {
    note.textContent = failure instanceof Error ? failure.message : "Not saved: try again";
  }
});

const exportLink = document.getElementById("export");
if (exportLink instanceof HTMLAnchorElement) {
  const exportNote = byIdAs("export-note", HTMLParagraphElement);
  exportLink.addEventListener("click", async (event) => {
    event.preventDefault();
    const response = await fetch(exportLink.href, { credentials: "same-origin" });
    if (response.status === 409) {
      const body = await response.json().catch(() => ({}));
      exportNote.textContent =
        "Not yet: " + (body.message || "too few responses") + ". Until then, too few have answered to share their rows without pointing at anyone.";
      return;
    }
    if (!response.ok) {
      exportNote.textContent = "The download did not work: try again.";
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const save = el("a", { href: url, download: `survey-${id}.csv` });
    document.body.append(save);
    save.click();
    save.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    exportNote.textContent = "Downloaded.";
  });
}

async function load() {
  try {
    survey = /** @type {Survey} */ (await api("GET", "/surveys/" + id));
  } catch (failure) {
    stateLine.textContent = failure instanceof ApiError ? failure.message : "The survey did not load.";
    return;
  }
  stateLine.textContent = survey.open
    ? "Open until " + when(survey.closes_at)
    : Date.parse(survey.opens_at) > Date.now()
      ? "Opens " + when(survey.opens_at)
      : "Closed";
  if (survey.can_answer) renderForm();
  await showResults();
}

load();
