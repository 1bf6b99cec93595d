// @ts-check
// What the settings and care pages share: a status line per section, a confirmation
// dialog (never confirm()), and a "Message" button that opens the conversation.

import { ApiError, api, byIdAs, el } from "./live.js";

/**
 * Show the outcome of a section's save in its status line (a polite live region).
 * @param {string} id @param {string} text @param {boolean} [failed]
 */
export function showStatus(id, text, failed = false) {
  const node = document.getElementById(id);
  if (!node) return;
  node.textContent = "";
  node.classList.toggle("error", failed);
  node.classList.toggle("ok", !failed && text !== "");
  // A fresh text node: screen readers announce the same message again.
  node.append(text);
}

/** The message of an API refusal, or a plain one. @param {unknown} error */
export function reason(error) {
  if (error instanceof ApiError) return error.message;
  return "the server could not be reached; try again";
}

/**
 * Ask before something that cannot be undone; resolves true on "yes". Focus returns to
 * the control that asked.
 * @param {string} title @param {string} text @param {string} yesLabel
 * @returns {Promise<boolean>}
 */
export function confirmAction(title, text, yesLabel) {
  const dialog = byIdAs("confirm-dialog", HTMLDialogElement);
  const yes = byIdAs("confirm-yes", HTMLButtonElement);
  const no = byIdAs("confirm-no", HTMLButtonElement);
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  byIdAs("confirm-title", HTMLElement).textContent = title;
  byIdAs("confirm-text", HTMLElement).textContent = text;
  yes.textContent = yesLabel;
  return new Promise((resolve) => {
    /** @param {boolean} answer */
    const finish = (answer) => {
      yes.onclick = null;
      no.onclick = null;
      dialog.onclose = null;
      if (dialog.open) dialog.close();
      if (opener && opener.isConnected) opener.focus();
      resolve(answer);
    };
    yes.onclick = () => finish(true);
    no.onclick = () => finish(false);
    dialog.onclose = () => finish(false);
    dialog.showModal();
    no.focus();
  });
}

/**
 * A button that opens (or starts) the direct conversation with ``person`` and goes to it.
 * @param {{id: number, name: string}} person @param {string} statusId
 */
export function messageButton(person, statusId) {
  const button = el("button", { type: "button", className: "secondary" }, "Message");
  button.setAttribute("aria-label", "Message " + person.name);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      const conversation = await api("POST", "/conversations", { members: [person.id] });
      location.href = "/?conversation=" + encodeURIComponent(String(conversation.id));
    } catch (error) {
      button.disabled = false;
      showStatus(statusId, "could not open the conversation: " + reason(error), true);
    }
  });
  return button;
}

/** A role as people say it. @param {string} role */
export function roleLabel(role) {
  return (
    {
      dietitian: "Dietitian",
      medical_provider: "Medical provider",
      customer: "Customer",
      moderator: "Moderator",
      admin: "Admin",
    }[role] || role
  );
}
