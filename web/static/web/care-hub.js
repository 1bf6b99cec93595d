// @ts-check
// A customer's page for their care team (/care/customers/{id}), beside their shared
// profile (care-customer.js): what needs attention at a glance (their row of
// GET /api/care/dashboard), a way to message them, and the notes about them
// (GET/POST /api/care/customers/{id}/notes: read by the care team and the customer,
// written by the care team; each read is in the customer's access log). Both read again
// when the customer logs something or a note is added (``care.activity`` on my own
// ``user:`` topic, which the shell follows).

import { ApiError, api, byId, byIdAs, el, live, me, when } from "./live.js";
import { COLUMNS, fetchRow, loadCatalogue, valueNode } from "./care-board.js";
import { messageButton, reason, showStatus } from "./settings-common.js";

/**
 * @typedef {{id: number, author: {id: number, name: string, role: string} | null,
 *   body: string, html: string, alert: number | null, created_at: string}} Note
 * @typedef {{items: Note[], count: number, may_write: boolean}} Notes
 */

const NOTES_PAGE = 20;
const root = byId("customer");
const customerId = Number(root.dataset.customerId);
const customerName = root.dataset.customerName || "";
const glance = byIdAs("glance", HTMLElement);
const noteList = byIdAs("note-list", HTMLOListElement);
const noteForm = byIdAs("note-form", HTMLFormElement);
const noteBody = byIdAs("note-body", HTMLTextAreaElement);
const more = byIdAs("notes-more", HTMLButtonElement);
let shownNotes = 0;
let ended = false;

function accessEnded() {
  ended = true;
  glance.replaceChildren();
  noteList.replaceChildren();
  noteForm.hidden = true;
  more.hidden = true;
  showStatus("notes-status", "Access ended: " + customerName + " no longer shares with you.");
}

async function loadGlance() {
  const row = await fetchRow(customerId, "weight,bmi");
  if (row === null) {
    accessEnded();
    return;
  }
  glance.replaceChildren();
  for (const value of row.tests) glance.append(el("dt", {}, value.name), el("dd", {}, valueNode(value)));
  for (const [label, cell] of COLUMNS) glance.append(el("dt", {}, label), el("dd", {}, cell(row)));
}

/** @param {Note} note */
function noteNode(note) {
  const text = el("div", { className: "note-body" });
  text.innerHTML = note.html; // sanitized by the server (bleach) before it was stored
  const who = note.author ? note.author.name : "A former member of the care team";
  return el(
    "li",
    { dataset: { note: String(note.id) } },
    el("p", { className: "note-meta" }, who + " · ", el("time", { dateTime: note.created_at }, when(note.created_at))),
    text,
  );
}

/** @param {boolean} [older] */
async function loadNotes(older = false) {
  const offset = older ? shownNotes : 0;
  try {
    /** @type {Notes} */
    const notes = await api("GET", `/care/customers/${customerId}/notes?limit=${NOTES_PAGE}&offset=${offset}`);
    if (!older) {
      noteList.replaceChildren();
      shownNotes = 0;
    }
    for (const note of notes.items) noteList.append(noteNode(note));
    shownNotes += notes.items.length;
    if (shownNotes === 0) noteList.append(el("li", { className: "muted" }, "No note yet."));
    noteForm.hidden = !notes.may_write;
    more.hidden = shownNotes >= notes.count;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) accessEnded();
    else showStatus("notes-status", "Could not load the notes: " + reason(error), true);
  }
}

noteForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = noteBody.value.trim();
  if (!text) {
    showStatus("notes-status", "Write something in the note first.", true);
    noteBody.focus();
    return;
  }
  const button = /** @type {HTMLButtonElement} */ (noteForm.querySelector("button[type=submit]"));
  button.disabled = true;
  try {
    await api("POST", `/care/customers/${customerId}/notes`, { body: text });
    noteBody.value = "";
    showStatus("notes-status", "Note added.");
    await loadNotes();
  } catch (error) {
    showStatus("notes-status", "Not added: " + reason(error), true);
  } finally {
    button.disabled = false;
  }
});
more.addEventListener("click", () => loadNotes(true));

live.listen({
  onEvent(frame) {
    if (ended || frame.topic !== "user:" + me.id || frame.event !== "care.activity") return;
    if (Number(frame.data.customer) !== customerId) return;
    loadGlance().catch(() => undefined);
    if (frame.data.what === "note") loadNotes();
  },
});

byId("glance-actions").append(messageButton({ id: customerId, name: customerName }, "glance-status"));
loadCatalogue()
  .catch(() => [])
  .then(() => loadGlance())
  .catch((error) => showStatus("glance-status", "Could not load: " + reason(error), true));
loadNotes();
