// @ts-check
// Moderator actions offered in place: on a topic's page (its moderation menu) and on the
// moderation page (the review queue). Each names a reason, kept in the moderation log.

import { api, el } from "./live.js";
import { TOPIC_ACTIONS, askReason } from "./forum-shared.js";

/**
 * @typedef {import("./forum-shared.js").Thread} Thread
 * @typedef {import("./forum-shared.js").Category} Category
 */

/**
 * A form for a topic's moderation: one action, a reason, and the category (move) or the
 * seconds (slow mode) it needs. ``done`` gets the topic as it is afterwards.
 * @param {Thread} thread @param {Category[]} categories @param {(thread: Thread) => void} done
 * @returns {HTMLFormElement}
 */
export function topicActionForm(thread, categories, done) {
  const prefix = "ta-" + thread.id + "-";
  const action = el("select", { id: prefix + "action", required: true });
  for (const [value, label] of TOPIC_ACTIONS) {
    action.append(el("option", { value, textContent: label }));
  }
  action.value = thread.locked ? "unlock" : "lock";
  const category = el("select", { id: prefix + "category" });
  for (const c of categories) {
    if (c.id !== thread.category) category.append(el("option", { value: String(c.id), textContent: c.name }));
  }
  const seconds = el("input", {
    id: prefix + "seconds",
    type: "number",
    min: "0",
    max: "86400",
    value: String(thread.slow_mode_seconds || 60),
  });
  const reason = el("input", { id: prefix + "reason", maxLength: 500, required: true });
  const note = el("p", { className: "muted", role: "status" });
  const error = el("p", { className: "error", role: "alert" });
  const moveRow = el(
    "div",
    { hidden: true },
    el("label", { htmlFor: category.id, textContent: "Move to" }),
    category,
  );
  const slowRow = el(
    "div",
    { hidden: true },
    el("label", { htmlFor: seconds.id, textContent: "Seconds between one member's posts (0: off)" }),
    seconds,
  );
  const showFields = () => {
    moveRow.hidden = action.value !== "move";
    slowRow.hidden = action.value !== "slow_mode";
  };
  action.addEventListener("change", showFields);
  const form = el(
    "form",
    { className: "stack topic-actions" },
    el("label", { htmlFor: action.id, textContent: "Action on “" + thread.title + "”" }),
    action,
    moveRow,
    slowRow,
    el("label", { htmlFor: reason.id, textContent: "Reason (kept in the moderation log)" }),
    reason,
    el("button", { type: "submit", textContent: "Apply" }),
    note,
    error,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    note.textContent = "";
    /** @type {Record<string, unknown>} */
    const body = { reason: reason.value.trim() };
    if (action.value === "move") body.category = Number(category.value);
    if (action.value === "slow_mode") body.seconds = Number(seconds.value);
    try {
      const changed = await api(
        "POST",
        "/forum/moderation/threads/" + thread.id + "/" + action.value,
        body,
      );
      const label = action.options[action.selectedIndex].text;
      reason.value = "";
      note.textContent = "Done: " + label + ".";
      done(changed);
    } catch (problem) {
      error.textContent = problem instanceof Error ? problem.message : String(problem);
    }
  });
  return form;
}

/** Hide a post from members. @param {number} postId @param {string} what */
export function hidePost(postId, what) {
  return askReason({ title: "Hide this post", what, confirm: "Hide the post" }, (reason) =>
    api("POST", "/forum/moderation/posts/" + postId + "/hide", { reason }),
  );
}

/** Show a hidden post again (its open flags are dismissed). @param {number} postId @param {string} what */
export function restorePost(postId, what) {
  return askReason({ title: "Restore this post", what, confirm: "Restore the post" }, (reason) =>
    api("POST", "/forum/moderation/posts/" + postId + "/restore", { reason }),
  );
}

/** Suspend a post's author from the forum for some hours. @param {number} userId @param {string} who */
export function suspendMember(userId, who) {
  return askReason(
    { title: "Suspend " + who, what: "They can read but not post, react or edit until then.", confirm: "Suspend", hours: true },
    (reason, hours) => api("POST", "/forum/moderation/suspensions", { user: userId, hours, reason }),
  );
}
