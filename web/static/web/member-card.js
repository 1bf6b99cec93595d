// @ts-check
// A member's community card, opened from their name where members meet (the forum): a
// disclosure button and, under the line it sits in, the card: the name as the forum shows
// it, the role and the display fields (a city, a few words) the member shows the
// community (GET /api/forum/members/{handle}/card). Escape closes it.

import { api, el } from "./live.js";
import { reason, roleLabel } from "./settings-common.js";

/**
 * @typedef {{key: string, label: string, value: any, text: string}} CardField
 * @typedef {{handle: string, name: string, role: string, fields: CardField[]}} MemberCard
 */

/** @param {MemberCard} card */
function cardBody(card) {
  const heading = el("p", { className: "member-card-name" }, el("strong", {}, card.name));
  if (card.role) heading.append(" · " + roleLabel(card.role));
  if (card.fields.length === 0) {
    return [heading, el("p", { className: "muted" }, "Shows nothing more on their community profile.")];
  }
  const list = el("dl");
  for (const field of card.fields) list.append(el("dt", {}, field.label), el("dd", {}, field.text));
  return [heading, list];
}

/**
 * The author's name as a button that opens their card, and the card (placed by the
 * caller after the line the button is in).
 * @param {string} handle @param {string} name @param {string} id unique on the page
 * @returns {{button: HTMLButtonElement, card: HTMLElement}}
 */
export function memberCard(handle, name, id) {
  const button = el("button", { type: "button", className: "link-button author" }, name);
  const card = el("div", { className: "member-card", id, hidden: true });
  card.setAttribute("role", "region");
  card.setAttribute("aria-label", "Community profile of " + name);
  button.setAttribute("aria-expanded", "false");
  button.setAttribute("aria-controls", id);
  let loaded = false;

  /** @param {boolean} open */
  function toggle(open) {
    card.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  }

  button.addEventListener("click", async () => {
    const open = card.hidden;
    toggle(open);
    if (!open || loaded) return;
    card.replaceChildren(el("p", { className: "muted" }, "Loading…"));
    try {
      /** @type {MemberCard} */
      const found = await api("GET", "/forum/members/" + encodeURIComponent(handle) + "/card");
      card.replaceChildren(...cardBody(found));
      loaded = true;
    } catch (error) {
      card.replaceChildren(el("p", { className: "error" }, "Could not load the profile: " + reason(error)));
    }
  });
  for (const node of [button, card]) {
    node.addEventListener("keydown", (event) => {
      if (event instanceof KeyboardEvent && event.key === "Escape" && !card.hidden) {
        toggle(false);
        button.focus();
      }
    });
  }
  return { button, card };
}
