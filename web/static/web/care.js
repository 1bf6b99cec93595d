// @ts-check
// My customers: the customers in my care, each a message away; a dietitian finds a
// customer by name (GET /api/care-team/candidates) and offers them their care
// (POST /api/care-team: the customer is asked, and joins only once they accept); either
// side may end it (DELETE /api/care-team/...). A customer's name leads to what they share
// with their care team (/care/customers/{id}). A dietitian answers care requests, follows
// their offers and hands a customer over to another (care-requests.js).

import { api, byIdAs, el, me, when } from "./live.js";
import { handoverControl, onCareNotice, showRequestsToMe } from "./care-requests.js";
import { confirmAction, messageButton, reason, showStatus } from "./settings-common.js";

/**
 * @typedef {{id: number, name: string}} Person
 * @typedef {{customer: Person, professional: Person & {role: string}, since: string}} CareRelation
 */

const customerList = byIdAs("customer-list", HTMLUListElement);
const isDietitian = document.querySelector("[data-dietitian]") !== null;
const requestList = /** @type {HTMLUListElement | null} */ (document.getElementById("request-list"));

async function loadRequests() {
  if (!requestList) return;
  try {
    await showRequestsToMe(requestList, "requests-status", async () => {
      await Promise.all([loadRequests(), loadCustomers()]);
    });
  } catch (error) {
    showStatus("requests-status", "Could not load the care requests: " + reason(error), true);
  }
}

async function loadCustomers() {
  try {
    showCustomers(await api("GET", "/care-team"));
  } catch (error) {
    showStatus("customers-status", "Could not load your customers: " + reason(error), true);
  }
}

/** @param {CareRelation[]} relations */
function showCustomers(relations) {
  customerList.replaceChildren();
  const mine = relations.filter((r) => r.professional.id === me.id);
  if (mine.length === 0) {
    customerList.append(el("li", { className: "muted" }, "No customer is in your care yet."));
    return;
  }
  for (const r of mine) {
    const person = r.customer;
    const remove = el("button", { type: "button", className: "secondary" }, "Remove");
    remove.setAttribute("aria-label", "Remove " + person.name + " from my care");
    remove.addEventListener("click", async () => {
      const sure = await confirmAction(
        "Remove " + person.name + " from your care?",
        "You will no longer be in " + person.name + "’s care team.",
        "Remove",
      );
      if (!sure) return;
      try {
        await api("DELETE", `/care-team/${person.id}/${me.id}`);
        showStatus("customers-status", person.name + " is no longer in your care.");
        await loadCustomers();
        byIdAs("customers-heading", HTMLElement).focus();
      } catch (error) {
        showStatus("customers-status", "Not removed: " + reason(error), true);
      }
    });
    const handover = isDietitian
      ? handoverControl(person, "customers-status", async () => {
          await loadRequests();
        })
      : null;
    customerList.append(
      el(
        "li",
        {},
        el(
          "span",
          { className: "person-name" },
          el("a", { href: "/care/customers/" + person.id }, person.name),
          el("span", { className: "muted since" }, " · since " + when(r.since, { dateStyle: "medium" })),
        ),
        el(
          "span",
          { className: "actions-row" },
          resultsLink(person),
          messageButton(person, "customers-status"),
          handover && handover.open,
          remove,
        ),
        handover && handover.form,
      ),
    );
  }
}

/** What the customer shares with the care team: their results. @param {Person} person */
function resultsLink(person) {
  const link = el("a", { href: `/care/customers/${person.id}/results` }, "Results");
  link.setAttribute("aria-label", "Results of " + person.name);
  return link;
}

const findForm = /** @type {HTMLFormElement | null} */ (document.getElementById("find-form"));
if (findForm) {
  const name = byIdAs("find-name", HTMLInputElement);
  const found = byIdAs("found-list", HTMLUListElement);
  const foundHeading = byIdAs("found-heading", HTMLElement);

  /** @param {Person} person @param {HTMLButtonElement} button */
  async function offerCare(person, button) {
    button.disabled = true;
    try {
      await api("POST", "/care-team", { customer_id: person.id, professional_id: me.id });
      button.closest("li")?.remove();
      foundHeading.hidden = found.children.length === 0;
      showStatus(
        "find-status",
        "You offered " + person.name + " your care. They are asked, and are in your care once they accept.",
      );
      await loadRequests();
    } catch (error) {
      button.disabled = false;
      showStatus("find-status", "Not offered: " + reason(error), true);
    }
  }

  findForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    showStatus("find-status", "Searching…");
    try {
      /** @type {Person[]} */
      const people = await api("GET", "/care-team/candidates?q=" + encodeURIComponent(name.value));
      found.replaceChildren();
      foundHeading.hidden = false;
      for (const person of people) {
        const add = el("button", { type: "button" }, "Offer my care");
        add.setAttribute("aria-label", "Offer my care: " + person.name);
        add.addEventListener("click", () => offerCare(person, add));
        found.append(el("li", {}, el("span", { className: "person-name" }, person.name), add));
      }
      showStatus(
        "find-status",
        people.length === 0
          ? "No customer to offer your care to goes by a name like “" + name.value.trim() + "”."
          : people.length === 1
            ? "1 customer found."
            : people.length + " customers found.",
      );
      if (people.length === 0) foundHeading.hidden = true;
    } catch (error) {
      showStatus("find-status", "Search failed: " + reason(error), true);
    }
  });
}

loadCustomers();
loadRequests();
onCareNotice(() => {
  loadCustomers();
  loadRequests();
});
