// @ts-check
// The open conversation's messages: kept in the server's order (its `seq`; messages still
// being sent last), edited in place within the API's window, deleted after a question in a
// <dialog>, "Seen" under my last message another member read, and older pages on demand.

import { api, ApiError, announce, byIdAs, clock, el, live, me, when } from "./live.js";

/** @typedef {import("./chat-types.js").Message} Message */
/** @typedef {import("./chat-types.js").Conversation} Conversation */

/** How long the API lets a message be edited (DM_EDIT_WINDOW_SECONDS). */
const EDIT_WINDOW_MS = 15 * 60 * 1000;

const list = byIdAs("messages", HTMLOListElement);
const deleteDialog = byIdAs("delete-dialog", HTMLDialogElement);
const composerBody = byIdAs("body", HTMLTextAreaElement);

/** The Markdown of messages whose text this page knows (to start an edit from). */
const bodies = new Map();

/** @param {Element} item */
function seqOf(item) {
  const value = item instanceof HTMLElement ? item.dataset.seq : undefined;
  return value ? Number(value) : Infinity; // not stored yet: after every stored one
}

/** Put an item where its seq belongs: stored messages in order, those being sent last. */
function place(/** @type {HTMLLIElement} */ item) {
  const seq = seqOf(item);
  if (seq === Infinity) {
    if (item.parentElement !== list) list.append(item);
    return;
  }
  for (const other of list.children) {
    if (other !== item && seqOf(other) > seq) {
      if (item.nextElementSibling !== other) list.insertBefore(item, other);
      return;
    }
  }
  if (item.parentElement !== list || item.nextElementSibling) list.append(item);
}

/**
 * An action frame whose `message` is a message id (the Frame type has the error's text).
 * @param {Record<string, unknown> & {type: string}} fields @returns {import("./live.js").Frame}
 */
function action(fields) {
  return /** @type {import("./live.js").Frame} */ (/** @type {unknown} */ (fields));
}

/** @param {string} clientId */
function pendingItem(clientId) {
  return list.querySelector(`[data-client-id="${CSS.escape(clientId)}"]`);
}

/** @param {number} id */
function itemOf(id) {
  const found = list.querySelector(`[data-message="${id}"]`);
  return found instanceof HTMLLIElement ? found : null;
}

function nearBottom() {
  return list.scrollHeight - list.scrollTop - list.clientHeight < 80;
}

function toBottom() {
  list.scrollTop = list.scrollHeight;
}

/** @param {Message} m */
function mayEdit(m) {
  return m.sender.id === me.id && !m.deleted && Date.now() - Date.parse(m.created_at) < EDIT_WINDOW_MS;
}

/**
 * Show a stored message (new, replayed, or known already), in its place.
 * @param {Message} m @param {number} seq @param {{scroll?: boolean}} [options]
 */
export function showMessage(m, seq, options) {
  const follow = options?.scroll !== false && nearBottom();
  let item = itemOf(m.id);
  const pending = m.client_id ? pendingItem(m.client_id) : null;
  if (!item && pending instanceof HTMLLIElement) item = pending;
  if (!item) item = el("li");
  // Being edited: keep the editor (a catch-up after a reconnect shows the same message).
  if (item.querySelector(".editor") && !m.deleted && item.dataset.seq) return;
  if (m.body !== undefined && !m.deleted) bodies.set(m.id, m.body);
  if (pending && m.client_id && bodies.has(m.client_id)) {
    bodies.set(m.id, bodies.get(m.client_id));
    bodies.delete(m.client_id);
  }
  item.className = "message" + (m.sender.id === me.id ? " mine" : "") + (m.deleted ? " deleted" : "");
  item.dataset.message = String(m.id);
  item.dataset.seq = String(seq);
  item.dataset.createdAt = m.created_at;
  if (m.client_id) item.dataset.clientId = m.client_id;
  const body = el("div", { className: "body" });
  if (m.deleted) body.textContent = "Message deleted";
  else body.innerHTML = m.html; // sanitized by the server (bleach) before it was stored
  item.replaceChildren(meta(m.sender.id === me.id ? "You" : m.sender.name, m.created_at, m.edited_at), body);
  if (m.sender.id === me.id && !m.deleted) item.append(actions(m));
  place(item);
  if (follow) toBottom();
}

/** @param {string} who @param {string} created @param {string | null} edited */
function meta(who, created, edited) {
  const time = el("time", { dateTime: created, title: when(created) }, clock(created));
  return el("p", { className: "meta" }, who + " · ", time, edited ? " · edited" : null);
}

/** @param {Message} m */
function actions(m) {
  const row = el("div", { className: "actions" });
  if (mayEdit(m)) {
    const edit = el("button", { type: "button", className: "edit" }, "Edit");
    edit.addEventListener("click", () => startEdit(m.id));
    row.append(edit);
  }
  const remove = el("button", { type: "button", className: "delete" }, "Delete");
  remove.addEventListener("click", () => askDelete(m.id, remove));
  row.append(remove);
  return row;
}

/** A message I am sending: shown at once, last, until its ack gives it a seq. @param {string} clientId @param {string} text */
export function showPending(clientId, text) {
  bodies.set(clientId, text);
  const item = el(
    "li",
    { className: "message mine pending", dataset: { clientId } },
    el("p", { className: "meta" }, "You · sending…"),
    el("div", { className: "body pending-text" }, text),
  );
  list.append(item);
  toBottom();
}

/** The send was stored: the item takes its id and seq (the event fills in the rest). @param {string} clientId @param {number} messageId @param {number} seq */
export function sent(clientId, messageId, seq) {
  const item = pendingItem(clientId);
  if (!(item instanceof HTMLLIElement)) return;
  item.classList.remove("pending");
  if (!item.dataset.message) item.dataset.message = String(messageId);
  if (!item.dataset.seq) item.dataset.seq = String(seq);
  if (bodies.has(clientId)) {
    bodies.set(messageId, bodies.get(clientId));
    bodies.delete(clientId);
  }
  place(item);
}

/** @param {string} clientId @param {string} reason */
export function notSent(clientId, reason) {
  const item = pendingItem(clientId);
  if (!item) return;
  item.classList.remove("pending");
  item.classList.add("failed");
  const line = item.querySelector(".meta");
  if (line) line.textContent = "You · not sent: " + reason;
}

/** An edit or a deletion from the socket. @param {{id: number, html?: string, edited_at?: string, deleted_at?: string}} data */
export function patchMessage(data) {
  const item = itemOf(data.id);
  if (!item) return;
  const body = item.querySelector(".body");
  if (!(body instanceof HTMLElement)) return;
  if (data.deleted_at) {
    item.classList.add("deleted");
    item.querySelector(".editor")?.remove();
    body.hidden = false;
    body.textContent = "Message deleted";
    item.querySelector(".actions")?.remove();
    bodies.delete(data.id);
  } else if (data.html !== undefined) {
    body.innerHTML = data.html; // sanitized by the server
    const line = item.querySelector(".meta");
    if (line && !line.textContent?.includes("edited")) line.append(" · edited");
  }
}

/** Forget what is shown (another conversation opens). */
export function clearMessages() {
  list.replaceChildren();
}

/**
 * Older messages above those shown, keeping what the reader looks at where it is.
 * @param {Message[]} newestFirst
 */
export function showOlder(newestFirst) {
  const fromBottom = list.scrollHeight - list.scrollTop;
  for (const m of newestFirst) showMessage(m, m.seq || 0, { scroll: false });
  list.scrollTop = list.scrollHeight - fromBottom;
}

/** The seq of the oldest and newest stored message shown (0 when none). */
export function shownRange() {
  const seqs = [...list.children].map(seqOf).filter((s) => s !== Infinity);
  return { oldest: seqs.length ? Math.min(...seqs) : 0, newest: seqs.length ? Math.max(...seqs) : 0 };
}

/**
 * "Seen" as text under my last message another member has read (their names in a group).
 * @param {Conversation} conversation
 */
export function showSeen(conversation) {
  for (const old of list.querySelectorAll(".seen")) old.remove();
  const others = conversation.members.filter((m) => m.id !== me.id && m.last_read_seq !== null);
  if (!others.length) return;
  const mine = [...list.querySelectorAll(".message.mine:not(.deleted)")].filter(
    (item) => seqOf(item) !== Infinity,
  );
  for (let i = mine.length - 1; i >= 0; i--) {
    const seq = seqOf(mine[i]);
    const readers = others.filter((m) => (m.last_read_seq || 0) >= seq);
    if (readers.length) {
      const who = conversation.members.length > 2 ? " by " + readers.map((m) => m.name).join(", ") : "";
      mine[i].append(el("p", { className: "seen" }, "Seen" + who));
      return;
    }
  }
}

// --- editing ---------------------------------------------------------------------------

/** @param {number} id */
function startEdit(id) {
  const item = itemOf(id);
  const body = item?.querySelector(".body");
  if (!item || !(body instanceof HTMLElement) || item.querySelector(".editor")) return;
  const fieldId = "edit-" + id;
  const field = el("textarea", { id: fieldId, rows: 3, maxLength: 10000, required: true });
  field.value = bodies.get(id) ?? body.innerText.trim();
  const error = el("p", { className: "error", role: "alert" });
  const cancel = el("button", { type: "button", className: "secondary" }, "Cancel");
  const form = el(
    "form",
    { className: "editor" },
    el("label", { htmlFor: fieldId }, "Edit your message"),
    field,
    el("p", { className: "hint" }, "Escape cancels."),
    el("div", { className: "actions-row" }, el("button", { type: "submit" }, "Save"), cancel),
    error,
  );
  const close = () => {
    form.remove();
    body.hidden = false;
    const button = item.querySelector(".edit");
    if (button instanceof HTMLElement) button.focus();
  };
  cancel.addEventListener("click", close);
  field.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = field.value.trim();
    if (!text) return;
    try {
      await editMessage(id, text);
      bodies.set(id, text);
      close();
      announce("Message edited");
    } catch (failure) {
      error.textContent = failure instanceof Error ? failure.message : "Not saved";
    }
  });
  body.hidden = true;
  body.after(form);
  field.focus();
}

/** @param {number} id @param {string} text */
async function editMessage(id, text) {
  try {
    await live.request(action({ type: "dm.edit", message: id, body: text }));
  } catch (failure) {
    if (!(failure instanceof ApiError) || failure.code !== "offline") throw failure;
    const changed = /** @type {Message} */ (await api("PATCH", "/messages/" + id, { body: text }));
    patchMessage({ id, html: changed.html, edited_at: changed.edited_at || undefined });
  }
}

// --- deleting --------------------------------------------------------------------------

/** @param {number} id @param {HTMLButtonElement} button */
function askDelete(id, button) {
  deleteDialog.returnValue = "";
  deleteDialog.showModal();
  deleteDialog.addEventListener(
    "close",
    async () => {
      if (deleteDialog.returnValue !== "delete") {
        button.focus();
        return;
      }
      composerBody.focus();
      try {
        await live.request(action({ type: "dm.delete", message: id }));
      } catch (failure) {
        if (failure instanceof ApiError && failure.code === "offline") {
          await api("DELETE", "/messages/" + id);
          patchMessage({ id, deleted_at: new Date().toISOString() });
        } else {
          announce("Not deleted: " + (failure instanceof Error ? failure.message : "try again"));
          return;
        }
      }
      announce("Message deleted");
    },
    { once: true },
  );
}
