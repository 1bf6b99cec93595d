// @ts-check
// The surveys of my audience (all of them for professionals and staff), newest first.

import { api, byIdAs, el, when } from "./live.js";

/**
 * @typedef {{
 *   id: number, title: string, author: string, open: boolean, opens_at: string,
 *   closes_at: string
 * }} SurveySummary
 */

const list = byIdAs("survey-list", HTMLUListElement);
const status = byIdAs("survey-list-status", HTMLParagraphElement);

async function load() {
  try {
    const surveys = /** @type {SurveySummary[]} */ (await api("GET", "/surveys"));
    status.textContent = surveys.length ? "" : "No surveys for you at the moment.";
    list.replaceChildren(
      ...surveys.map((s) => {
        const opensLater = Date.parse(s.opens_at) > Date.now();
        const state = s.open
          ? "Open until " + when(s.closes_at)
          : opensLater
            ? "Opens " + when(s.opens_at)
            : "Closed";
        return el(
          "li",
          {},
          el("a", { href: "/surveys/" + s.id }, s.title),
          el("span", { className: "muted" }, " by " + s.author),
          el("span", { className: s.open ? "tag open" : "tag" }, state),
        );
      }),
    );
  } catch (failure) {
    status.textContent = "The surveys did not load: " + (failure instanceof Error ? failure.message : "try again");
  }
}

load();
