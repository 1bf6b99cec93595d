// @ts-check
// Finding people to write to: with the search box empty, the member's care team (a
// customer finds their dietitian at once); from 3 letters, the people the member may
// message. And a group: several people ticked, an optional title.

import { api, ApiError, byIdAs, el, me } from "./live.js";

/** @typedef {import("./chat-types.js").Contact} Contact */
/** @typedef {import("./chat-types.js").CareRelation} CareRelation */
/** @typedef {import("./chat-types.js").Conversation} Conversation */

const MIN_QUERY = 3; // the server searches names from 3 characters on

/** @param {string} role */
function roleName(role) {
  return role.replaceAll("_", " ");
}

/** The other side of each of my care relations, as contacts. @returns {Promise<Contact[]>} */
async function careTeam() {
  const relations = /** @type {CareRelation[]} */ (await api("GET", "/care-team"));
  return relations.map((r) =>
    r.customer.id === me.id
      ? { id: r.professional.id, name: r.professional.name, role: r.professional.role }
      : { id: r.customer.id, name: r.customer.name, role: "customer" },
  );
}

/**
 * The people for a query: the care team when it is empty, else a search.
 * @param {string} q @returns {Promise<{people: Contact[], status: string, heading: string}>}
 */
async function peopleFor(q) {
  if (!q) {
    const team = await careTeam();
    const status = team.length ? "" : "No care team yet: search for a person by name.";
    return { people: team, status, heading: me.role === "customer" ? "Your care team" : "People in your care" };
  }
  if (q.length < MIN_QUERY) {
    return { people: [], status: `Keep typing: ${MIN_QUERY} letters or more.`, heading: "People found" };
  }
  const people = /** @type {Contact[]} */ (
    await api("GET", "/messaging/contacts?q=" + encodeURIComponent(q))
  );
  return { people, status: people.length ? "" : "No one found", heading: "People found" };
}

/** @param {unknown} failure */
function reason(failure) {
  return failure instanceof Error ? failure.message : "Something went wrong";
}

/**
 * Wait a moment after the last keystroke, then run the search (the latest one wins).
 * @param {HTMLInputElement} input @param {(q: string) => Promise<void>} run
 */
function onQuery(input, run) {
  /** @type {number | undefined} */
  let timer;
  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => run(input.value.trim()), 250);
  });
  run(input.value.trim());
}

/**
 * The contact search: choosing a person opens (or starts) the conversation with them.
 * @param {(conversation: Conversation) => void} opened
 */
export function setUpContactSearch(opened) {
  const input = byIdAs("contact-search", HTMLInputElement);
  const results = byIdAs("contact-results", HTMLUListElement);
  const status = byIdAs("contact-status", HTMLParagraphElement);
  const heading = byIdAs("contact-heading", HTMLHeadingElement);
  byIdAs("new-conversation", HTMLFormElement).addEventListener("submit", (e) => e.preventDefault());
  let latest = "";
  onQuery(input, async (q) => {
    latest = q;
    let found;
    try {
      found = await peopleFor(q);
    } catch (failure) {
      status.textContent = reason(failure);
      return;
    }
    if (latest !== q) return;
    heading.textContent = found.heading;
    status.textContent = found.status;
    results.replaceChildren(
      ...found.people.map((person) => {
        const button = el("button", { type: "button" }, `${person.name} (${roleName(person.role)})`);
        button.addEventListener("click", async () => {
          try {
            const conversation = /** @type {Conversation} */ (
              await api("POST", "/conversations", { members: [person.id] })
            );
            input.value = "";
            opened(conversation);
          } catch (failure) {
            status.textContent = reason(failure);
          }
        });
        return el("li", {}, button);
      }),
    );
  });
}

/**
 * The group form: people ticked stay ticked across searches.
 * @param {(conversation: Conversation) => void} opened
 */
export function setUpGroupForm(opened) {
  const form = byIdAs("group-form", HTMLFormElement);
  const input = byIdAs("group-search", HTMLInputElement);
  const title = byIdAs("group-title", HTMLInputElement);
  const box = byIdAs("group-people", HTMLUListElement);
  const status = byIdAs("group-status", HTMLParagraphElement);
  const error = byIdAs("group-error", HTMLParagraphElement);
  const details = byIdAs("group", HTMLDetailsElement);
  /** @type {Map<number, Contact>} */
  const chosen = new Map();
  /** @type {Contact[]} */
  let shown = [];

  const render = () => {
    const people = [...chosen.values(), ...shown.filter((p) => !chosen.has(p.id))];
    box.replaceChildren(
      ...people.map((person) => {
        const box = el("input", { type: "checkbox", value: String(person.id), checked: chosen.has(person.id) });
        box.addEventListener("change", () => {
          if (box.checked) chosen.set(person.id, person);
          else chosen.delete(person.id);
        });
        return el("li", {}, el("label", { className: "choice" }, box, `${person.name} (${roleName(person.role)})`));
      }),
    );
  };

  let started = false;
  details.addEventListener("toggle", () => {
    if (!details.open || started) return;
    started = true;
    let latest = "";
    onQuery(input, async (q) => {
      latest = q;
      try {
        const found = await peopleFor(q);
        if (latest !== q) return;
        shown = found.people;
        status.textContent = found.status;
      } catch (failure) {
        status.textContent = reason(failure);
      }
      render();
    });
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    if (chosen.size < 2) {
      error.textContent = "Tick two people or more for a group (for one person, use the search above).";
      return;
    }
    try {
      const conversation = /** @type {Conversation} */ (
        await api("POST", "/conversations", { members: [...chosen.keys()], title: title.value.trim() })
      );
      chosen.clear();
      shown = [];
      form.reset();
      render();
      details.open = false;
      opened(conversation);
    } catch (failure) {
      error.textContent =
        failure instanceof ApiError && failure.code === "not_found"
          ? "You cannot write to one of these people."
          : reason(failure);
    }
  });
}
