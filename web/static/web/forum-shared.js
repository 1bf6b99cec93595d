// @ts-check
// What the forum's pages and the moderation page share: the API's shapes, dialogs that
// give focus back, @mentions shown as links, and why posting is refused.

import { when } from "./live.js";

/**
 * @typedef {{handle: string, name: string}} Author
 * @typedef {{
 *   id: number, thread: number, number: number, author: Author, html: string,
 *   reply_to: {id: number, number: number, author: Author} | null,
 *   created_at: string, edited_at: string | null, hidden: boolean, deleted: boolean,
 *   reactions: Record<string, number>, mine?: string[], hidden_html?: string | null,
 *   author_id?: number | null, source?: string | null
 * }} Post
 * @typedef {{
 *   id: number, category: number, title: string, author: Author, created_at: string,
 *   last_posted_at: string, posts: number, pinned: boolean, locked: boolean, open: boolean,
 *   starts_at: string | null, ends_at: string | null, slow_mode_seconds: number,
 *   unread?: number
 * }} Thread
 * @typedef {{
 *   id: number, name: string, slug: string, description: string, locale: string,
 *   region: string, open: boolean, archived: boolean, slow_mode_seconds: number,
 *   for_you: boolean
 * }} Category
 * @typedef {{allowed: boolean, code: string, message: string, until: string | null,
 *   reason: string}} Posting
 */

/** The reactions the API takes, in its order. */
export const REACTIONS = ["👍", "❤️", "😂", "🎉", "🤔", "🙏"];

/** The reasons a member may flag a post for (the API's), with what they mean. */
export const FLAG_REASONS = [
  ["spam", "Spam"],
  ["abuse", "Abusive or harassing"],
  ["misinformation", "Health misinformation"],
  ["off_topic", "Off topic"],
  ["privacy", "Shares someone's private information"],
  ["other", "Something else"],
];

/** Handles as the server reads them (community/forum/permissions.py MENTION). */
const MENTION = /(^|[^\w@])@([A-Za-z0-9_]{3,30})/g;

/**
 * Show a dialog; its ``data-close`` buttons close it, and focus goes back where it was.
 * @param {HTMLDialogElement} dialog @param {HTMLElement | null} [first]
 */
export function openDialog(dialog, first) {
  const back = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  for (const button of dialog.querySelectorAll("[data-close]")) {
    /** @type {HTMLElement} */ (button).onclick = () => dialog.close("cancel");
  }
  dialog.addEventListener("close", () => refocus(back), { once: true });
  dialog.returnValue = "";
  dialog.showModal();
  if (first) first.focus();
}

/**
 * Focus ``node``, or if the page redrew it meanwhile, the control that took its place
 * (the same id, or the same accessible label).
 * @param {HTMLElement | null} node
 */
export function refocus(node) {
  if (!node) return;
  if (node.isConnected) {
    node.focus();
    return;
  }
  const label = node.getAttribute("aria-label");
  const again = node.id
    ? document.getElementById(node.id)
    : label
      ? document.querySelector('[aria-label="' + CSS.escape(label) + '"]')
      : null;
  if (again instanceof HTMLElement) again.focus();
}

/**
 * Ask a moderator for a reason (and hours, for a suspension) in #reason-dialog; resolves
 * with what they typed once ``act`` succeeds, or null if they cancel. ``act`` failing
 * shows its message in the dialog, which stays open.
 * @param {{title: string, what?: string, confirm: string, hours?: boolean}} options
 * @param {(reason: string, hours: number) => Promise<unknown>} act
 * @returns {Promise<boolean>}
 */
export function askReason(options, act) {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById("reason-dialog"));
  const form = /** @type {HTMLFormElement} */ (document.getElementById("reason-form"));
  const text = /** @type {HTMLTextAreaElement} */ (document.getElementById("reason-text"));
  const hours = /** @type {HTMLInputElement} */ (document.getElementById("reason-hours"));
  const error = /** @type {HTMLElement} */ (document.getElementById("reason-error"));
  /** @type {HTMLElement} */ (document.getElementById("reason-heading")).textContent = options.title;
  /** @type {HTMLElement} */ (document.getElementById("reason-what")).textContent = options.what || "";
  /** @type {HTMLElement} */ (document.getElementById("reason-ok")).textContent = options.confirm;
  /** @type {HTMLElement} */ (document.getElementById("reason-hours-row")).hidden = !options.hours;
  hours.required = Boolean(options.hours);
  text.value = "";
  error.textContent = "";
  return new Promise((resolve) => {
    let done = false;
    form.onsubmit = async (event) => {
      event.preventDefault();
      error.textContent = "";
      try {
        await act(text.value.trim(), Number(hours.value));
      } catch (problem) {
        error.textContent = problem instanceof Error ? problem.message : String(problem);
        return;
      }
      done = true;
      dialog.close("ok");
    };
    dialog.addEventListener("close", () => resolve(done), { once: true });
    openDialog(dialog, text);
  });
}

/**
 * Turn @handles in a post's (sanitized) text into links to the posts that mention them;
 * text inside links and code stays as it is.
 * @param {HTMLElement} body
 */
export function linkMentions(body) {
  const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  /** @type {Text[]} */
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (parent && parent.closest("a, code, pre")) continue;
    const text = /** @type {Text} */ (node);
    MENTION.lastIndex = 0;
    if (MENTION.test(text.data)) found.push(text);
  }
  for (const node of found) {
    const parts = [];
    let last = 0;
    MENTION.lastIndex = 0;
    for (let match = MENTION.exec(node.data); match; match = MENTION.exec(node.data)) {
      const start = match.index + match[1].length;
      parts.push(node.data.slice(last, start));
      const link = document.createElement("a");
      link.className = "mention";
      link.href = "/forum?q=" + encodeURIComponent("@" + match[2]);
      link.textContent = "@" + match[2];
      parts.push(link);
      last = start + 1 + match[2].length;
    }
    parts.push(node.data.slice(last));
    node.replaceWith(...parts);
  }
}

/**
 * Show a post's line breaks as the member typed them: a paragraph whose HTML kept them as
 * newlines (no <br>) keeps them on screen; one with <br> already shows them.
 * @param {HTMLElement} body
 */
export function keepLineBreaks(body) {
  for (const paragraph of body.querySelectorAll("p")) {
    if (!paragraph.querySelector("br") && (paragraph.textContent || "").trim().includes("\n")) {
      paragraph.classList.add("keep-lines");
    }
  }
}

/** Why a member may not post here, in words. @param {Posting} posting */
export function whyNotPosting(posting) {
  switch (posting.code) {
    case "suspended":
      return (
        "You are suspended from the forum until " +
        (posting.until ? when(posting.until) : "later") +
        (posting.reason ? ". The moderator's reason: " + posting.reason : ".")
      );
    case "locked":
      return "This topic is locked by a moderator: it takes no new replies.";
    case "closed":
      return "This is closed: it can be read, not posted in.";
    case "audience":
      return "This category is for members of another region or language: you can read it, not post in it.";
    default:
      return posting.message || "You cannot post here.";
  }
}

/** Topic actions a moderator can take, with what the buttons say. */
export const TOPIC_ACTIONS = [
  ["lock", "Lock (no new replies)"],
  ["unlock", "Unlock"],
  ["pin", "Pin to the top"],
  ["unpin", "Unpin"],
  ["hide", "Hide from members"],
  ["unhide", "Show to members again"],
  ["move", "Move to another category"],
  ["slow_mode", "Slow mode"],
  ["delete", "Delete the topic"],
];
