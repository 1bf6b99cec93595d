// @ts-check
// "Download all my data" and "Erase my account" (web/_privacy_export.html), on any page
// that includes them. A download is asked for (POST /api/me/exports), built by the server
// and followed live: ``export.progress`` events on my own ``user:{me}`` move the progress
// bar; the list (GET /api/me/exports) is read again when one ends or the socket comes
// back. Erasure asks for the password (or, without one, the phrase) and a confirmation,
// then leaves for the page saying the account is erased (POST /api/me/erase).

import { ApiError, announce, api, byIdAs, el, live, me, when } from "./live.js";
import { confirmAction, reason, showStatus } from "./settings-common.js";

/**
 * @typedef {{id: number, status: string, progress: number, size: number,
 *   created_at: string, finished_at: string | null, expires_at: string | null,
 *   download_url: string | null}} DataExport
 * @typedef {{id: number, status: string, progress: number}} Progress
 */

const start = byIdAs("export-start", HTMLButtonElement);
const box = byIdAs("export-progress-box", HTMLElement);
const bar = byIdAs("export-progress", HTMLProgressElement);
const barText = byIdAs("export-progress-text", HTMLElement);
const ready = byIdAs("export-ready", HTMLElement);
const link = byIdAs("export-link", HTMLAnchorElement);
const list = byIdAs("export-list", HTMLUListElement);

/** The download being prepared, if any. @type {number | null} */
let current = null;

/** @param {number} bytes */
function size(bytes) {
  if (bytes < 1024) return bytes + " bytes";
  if (bytes < 1024 * 1024) return Math.round(bytes / 1024) + " KB";
  return (bytes / (1024 * 1024)).toFixed(1) + " MB";
}

/** @param {string} status */
function said(status) {
  return (
    {
      queued: "Waiting to start",
      running: "Being prepared",
      ready: "Ready",
      failed: "Failed: ask for a new one",
      expired: "Expired",
    }[status] || status
  );
}

/** @param {DataExport} item */
function row(item) {
  const made = when(item.created_at);
  const node = el(
    "li",
    { className: "export-list-item", dataset: { id: String(item.id) } },
    el("span", {}, made + " · " + said(item.status)),
  );
  if (item.download_url) {
    const save = el("a", { href: item.download_url, download: "" }, "Save the zip");
    save.setAttribute("aria-label", "Save the zip of " + made + " (" + size(item.size) + ")");
    const until = item.expires_at ? " · until " + when(item.expires_at, { dateStyle: "medium" }) : "";
    node.append(el("span", { className: "actions-row" }, save, el("span", { className: "muted" }, size(item.size) + until)));
  }
  return node;
}

async function loadList() {
  try {
    /** @type {DataExport[]} */
    const items = await api("GET", "/me/exports");
    list.replaceChildren(...(items.length ? items.map(row) : [el("li", { className: "muted" }, "No download yet.")]));
    const busy = items.find((e) => e.status === "queued" || e.status === "running");
    if (busy) {
      show({ id: busy.id, status: busy.status, progress: busy.progress });
    } else if (current !== null) {
      const mine = items.find((e) => e.id === current);
      if (mine) show({ id: mine.id, status: mine.status, progress: mine.progress }, mine);
    } else {
      start.disabled = false;
    }
  } catch (error) {
    showStatus("export-status", "Could not load your downloads: " + reason(error), true);
  }
}

/**
 * Show where a download stands (from an event or the list).
 * @param {Progress} progress @param {DataExport} [item]
 */
function show(progress, item) {
  const changed = current !== progress.id || bar.dataset.status !== progress.status;
  current = progress.id;
  bar.dataset.status = progress.status;
  const busy = progress.status === "queued" || progress.status === "running";
  start.disabled = busy;
  box.hidden = !busy && progress.status !== "ready";
  bar.value = Math.max(0, Math.min(100, progress.progress));
  barText.textContent = Math.round(bar.value) + "%";
  if (!changed) return;
  if (busy) {
    ready.hidden = true;
    showStatus("export-status", "Preparing your download…");
  } else if (progress.status === "ready") {
    const url = item ? item.download_url : "/api/me/exports/" + progress.id + "/download";
    link.href = url || "#";
    ready.hidden = !url;
    showStatus("export-status", "Your download is ready.");
    announce("Your download is ready");
  } else {
    ready.hidden = true;
    showStatus("export-status", "Your download could not be prepared: ask for a new one.", true);
  }
}

start.addEventListener("click", async () => {
  start.disabled = true;
  try {
    /** @type {DataExport} */
    const made = await api("POST", "/me/exports");
    if (current !== made.id) show({ id: made.id, status: made.status, progress: made.progress });
    await loadList();
  } catch (error) {
    start.disabled = false;
    if (error instanceof ApiError && error.code === "export_in_progress") await loadList();
    showStatus("export-status", "No new download: " + reason(error), true);
  }
});

live.follow("user:" + me.id);
live.listen({
  onEvent(frame) {
    if (frame.event !== "export.progress" || frame.topic !== "user:" + me.id) return;
    const progress = /** @type {Progress} */ (frame.data);
    show(progress);
    if (progress.status === "ready" || progress.status === "failed") loadList();
  },
  // Progress events are not replayed: after a reconnect, ask where things stand.
  onReady() {
    loadList();
  },
});
loadList();

// --- erase -------------------------------------------------------------------------

const eraseForm = byIdAs("erase-form", HTMLFormElement);
const eraseButton = byIdAs("erase-start", HTMLButtonElement);
eraseForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const password = eraseForm.elements.namedItem("password");
  const phrase = eraseForm.elements.namedItem("confirm");
  const body =
    password instanceof HTMLInputElement
      ? { password: password.value }
      : { confirm: phrase instanceof HTMLInputElement ? phrase.value : "" };
  const sure = await confirmAction(
    "Erase your account for good?",
    "Your data goes and you are signed out everywhere; what you wrote for others stays, by “A deleted member”. This cannot be undone.",
    "Erase my account",
  );
  if (!sure) return;
  eraseButton.disabled = true;
  showStatus("erase-status", "Erasing…");
  try {
    await api("POST", "/me/erase", body);
    location.replace("/account-erased");
  } catch (error) {
    eraseButton.disabled = false;
    showStatus("erase-status", "Not erased: " + reason(error), true);
    const field = error instanceof ApiError && error.body ? error.body.field : null;
    const input = field ? eraseForm.elements.namedItem(field) : null;
    if (input instanceof HTMLInputElement) input.focus();
  }
});
