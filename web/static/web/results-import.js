// @ts-check
// Importing a lab file (CSV): the file (or pasted text) is previewed first, each row
// with what would be stored or what is wrong with it (its column named), duplicates
// flagged; then the valid rows are stored in one go.
// POST /api/customers/{id}/results/import/csv {csv, commit}.

import { ApiError, api, byIdAs, el, when } from "./live.js";
import { MEANINGS, number } from "./results-chart.js";

/**
 * @typedef {{line?: number, entry?: number, test: string, value: string, unit: string,
 *   taken_at: string, stored_value: number | null, stored_unit: string | null,
 *   stored_unit_label: string | null, interpretation: string,
 *   error: {field: string, message: string} | null, duplicate: boolean, id: number | null}} ImportRow
 * @typedef {{rows: ImportRow[], valid: number, invalid: number, committed: boolean,
 *   stored: number, skipped: number}} ImportAnswer
 */

/** When a row was taken, in the member's zone once read. @param {ImportRow} row */
function taken(row) {
  const read =
    !row.error || row.error.field !== "taken_at" || row.duplicate ? Date.parse(row.taken_at) : NaN;
  return Number.isNaN(read) ? row.taken_at : when(row.taken_at);
}

/** @param {string} id @param {string} text @param {boolean} [failed] */
function status(id, text, failed = false) {
  const node = byIdAs(id, HTMLElement);
  node.textContent = "";
  node.classList.toggle("error", failed);
  node.classList.toggle("ok", !failed && text !== "");
  node.append(text);
}

/**
 * The import section of the results page.
 * @param {string} base the record's API path ("/customers/12")
 * @param {{decimals: (test: string) => number, stored: () => Promise<void>,
 *   lost: (error: unknown) => boolean}} page ``lost``: whether an error says the record
 *   is no longer open to the viewer (the page then takes over)
 */
export function setUpImport(base, page) {
  const form = byIdAs("import-form", HTMLFormElement);
  const file = byIdAs("import-file", HTMLInputElement);
  const text = byIdAs("import-text", HTMLTextAreaElement);
  const preview = byIdAs("import-preview", HTMLElement);
  const body = byIdAs("preview-body", HTMLTableSectionElement);
  const commit = byIdAs("import-commit", HTMLButtonElement);
  const cancel = byIdAs("import-cancel", HTMLButtonElement);
  let csv = "";

  /** @param {boolean} store @returns {Promise<ImportAnswer | null>} */
  async function send(store) {
    try {
      return await api("POST", base + "/results/import/csv", { csv, commit: store });
    } catch (error) {
      if (page.lost(error)) {
        preview.hidden = true;
        body.replaceChildren();
        status("import-status", "");
        return null;
      }
      status("import-status", "Not imported: " + (error instanceof ApiError ? error.message : "the server could not be reached; try again"), true);
      return null;
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files && file.files[0];
    csv = chosen ? await chosen.text() : text.value;
    if (!csv.trim()) {
      status("import-status", "Choose a CSV file, or paste its text.", true);
      return;
    }
    status("import-status", "Reading the file…");
    const answer = await send(false);
    if (!answer) return;
    show(answer);
    status(
      "import-status",
      answer.valid + (answer.valid === 1 ? " row" : " rows") + " can be stored; " +
        answer.invalid + (answer.invalid === 1 ? " row has" : " rows have") + " a problem.",
    );
    byIdAs("preview-heading", HTMLElement).focus();
  });

  /** @param {ImportAnswer} answer */
  function show(answer) {
    body.replaceChildren();
    for (const row of answer.rows) {
      const entered = [row.test, row.value, row.unit].filter(Boolean).join(" ");
      const outcome = row.error
        ? el("span", { className: "row-error" },
            (row.duplicate ? "Duplicate. " : "") + "Column " + row.error.field + ": " + row.error.message)
        : el("span", {},
            number(row.stored_value ?? 0, page.decimals(row.test)) + " " + (row.stored_unit_label || ""),
            el("span", { className: "sub" }, MEANINGS[row.interpretation] || ""));
      body.append(
        el("tr", {},
          el("td", {}, String(row.line ?? "")),
          el("td", {}, entered, el("span", { className: "sub" }, taken(row))),
          el("td", {}, outcome)),
      );
    }
    commit.textContent = "Store the " + answer.valid + " valid " + (answer.valid === 1 ? "row" : "rows");
    commit.disabled = answer.valid === 0;
    preview.hidden = false;
  }

  commit.addEventListener("click", async () => {
    commit.disabled = true;
    const answer = await send(true);
    if (!answer) {
      commit.disabled = false;
      return;
    }
    preview.hidden = true;
    form.reset();
    status(
      "import-status",
      "Stored " + answer.stored + (answer.stored === 1 ? " result" : " results") +
        (answer.skipped ? "; " + answer.skipped + " skipped (see the preview's problems)." : "."),
    );
    await page.stored();
  });

  cancel.addEventListener("click", () => {
    preview.hidden = true;
    status("import-status", "Nothing was imported.");
    file.focus();
  });
}
