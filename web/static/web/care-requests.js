// @ts-check
// Care requests, as the care page (a dietitian: requests to accept or decline, handing a
// customer over) and the settings page (a customer: my requests, to withdraw) show them
// (GET /api/care-requests, POST /api/care-requests/{id}/accept|decline|withdraw,
// POST /api/care-team/handover, GET /api/dietitians). Both refresh when a care notice
// arrives on the tab's socket.

import { api, el, live, me, when } from "./live.js";
import { reason, showStatus } from "./settings-common.js";

/**
 * @typedef {{id: number, name: string}} Person
 * @typedef {{
 *   id: number, customer: Person, professional: Person, handed_over_by: Person | null,
 *   message: string, status: string, created_at: string, decided_at: string | null, reply: string
 * }} CareRequest
 * @typedef {{id: number, name: string, region_label: string}} Dietitian
 */

const STATUS = {
  pending: "Waiting for an answer",
  accepted: "Accepted",
  declined: "Declined",
  withdrawn: "Withdrawn",
};

/** @param {string} status */
function statusLabel(status) {
  return STATUS[/** @type {keyof typeof STATUS} */ (status)] || status;
}

/** Call ``refresh`` whenever a care notice (care.*) reaches this member. @param {() => void} refresh */
export function onCareNotice(refresh) {
  live.listen({
    onEvent(frame) {
      if (frame.event === "notification.created" && String(frame.data?.kind || "").startsWith("care.")) {
        refresh();
      }
    },
  });
}

/** @param {CareRequest} r */
function messageOf(r) {
  return r.message ? el("p", { className: "request-message" }, "“" + r.message + "”") : null;
}

/**
 * A dietitian's requests: pending ones to accept or decline (with a reply), and the
 * handovers they made, to withdraw while pending.
 * @param {HTMLUListElement} list @param {string} statusId @param {() => Promise<void>} afterChange
 */
export async function showRequestsToMe(list, statusId, afterChange) {
  /** @type {CareRequest[]} */
  const requests = await api("GET", "/care-requests");
  const toMe = requests.filter((r) => r.professional.id === me.id && r.status === "pending");
  const mine = requests.filter((r) => r.handed_over_by?.id === me.id && r.status === "pending");
  list.replaceChildren();
  if (toMe.length === 0 && mine.length === 0) {
    list.append(el("li", { className: "muted" }, "No request is waiting."));
    return;
  }
  for (const r of toMe) {
    const replyId = "reply-" + r.id;
    const reply = el("textarea", { id: replyId, maxLength: 500, rows: 2 });
    const accept = el("button", { type: "button" }, "Accept");
    accept.setAttribute("aria-label", "Accept " + r.customer.name);
    const decline = el("button", { type: "button", className: "secondary" }, "Decline");
    decline.setAttribute("aria-label", "Decline " + r.customer.name);
    /** @param {string} verb @param {string} done */
    const answer = (verb, done) => async () => {
      accept.disabled = decline.disabled = true;
      try {
        await api("POST", `/care-requests/${r.id}/${verb}`, verb === "decline" ? { reply: reply.value } : undefined);
        showStatus(statusId, done);
        await afterChange();
      } catch (error) {
        accept.disabled = decline.disabled = false;
        showStatus(statusId, "Not answered: " + reason(error), true);
      }
    };
    accept.addEventListener("click", answer("accept", r.customer.name + " is now in your care; they were told."));
    decline.addEventListener("click", answer("decline", "You declined " + r.customer.name + "’s request; they were told."));
    list.append(
      el(
        "li",
        { className: "request" },
        el(
          "div",
          { className: "person-name" },
          el("strong", {}, r.customer.name),
          r.handed_over_by ? " · handed over by " + r.handed_over_by.name : " · asks you to take them on",
          el("span", { className: "muted" }, " · " + when(r.created_at)),
          messageOf(r),
        ),
        el("label", { htmlFor: replyId, className: "reply" }, "Reply if you decline (optional)", reply),
        el("span", { className: "actions-row" }, accept, decline),
      ),
    );
  }
  for (const r of mine) {
    const back = el("button", { type: "button", className: "secondary" }, "Withdraw");
    back.setAttribute("aria-label", "Withdraw the handover of " + r.customer.name);
    back.addEventListener("click", async () => {
      back.disabled = true;
      try {
        await api("POST", `/care-requests/${r.id}/withdraw`);
        showStatus(statusId, "You withdrew the handover of " + r.customer.name + ".");
        await afterChange();
      } catch (error) {
        back.disabled = false;
        showStatus(statusId, "Not withdrawn: " + reason(error), true);
      }
    });
    list.append(
      el(
        "li",
        { className: "request" },
        el("span", { className: "person-name" }, "You hand " + r.customer.name + " over to " + r.professional.name + ": waiting for an answer"),
        back,
      ),
    );
  }
}

/**
 * A form that hands ``person`` (a customer in my care) over to another dietitian, shown
 * under their entry when "Hand over" is pressed.
 * @param {Person} person @param {string} statusId @param {() => Promise<void>} afterChange
 */
export function handoverControl(person, statusId, afterChange) {
  const open = el("button", { type: "button", className: "secondary" }, "Hand over");
  open.setAttribute("aria-label", "Hand " + person.name + " over to another dietitian");
  open.setAttribute("aria-expanded", "false");
  const selectId = "handover-to-" + person.id;
  const messageId = "handover-message-" + person.id;
  const select = el("select", { id: selectId }, el("option", { value: "" }, "Loading…"));
  const message = el("textarea", { id: messageId, maxLength: 500, rows: 2 });
  const send = el("button", { type: "submit" }, "Ask them to take over");
  const form = el(
    "form",
    { className: "handover stack", hidden: true },
    el("label", { htmlFor: selectId }, "Hand " + person.name + " over to", select),
    el("label", { htmlFor: messageId }, "A message for them (optional)", message),
    el("div", { className: "actions-row" }, send),
  );
  open.addEventListener("click", async () => {
    form.hidden = !form.hidden;
    open.setAttribute("aria-expanded", String(!form.hidden));
    if (form.hidden) return;
    try {
      /** @type {Dietitian[]} */
      const people = await api("GET", "/dietitians");
      select.replaceChildren(
        el("option", { value: "" }, people.length ? "Choose a dietitian" : "No other dietitian"),
        ...people.map((d) => el("option", { value: String(d.id) }, d.name + (d.region_label ? " · " + d.region_label : ""))),
      );
      select.focus();
    } catch (error) {
      showStatus(statusId, "Could not load the dietitians: " + reason(error), true);
    }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!select.value) {
      showStatus(statusId, "Choose the dietitian to hand " + person.name + " over to.", true);
      select.focus();
      return;
    }
    send.disabled = true;
    try {
      await api("POST", "/care-team/handover", {
        customer_id: person.id,
        to_professional_id: Number(select.value),
        message: message.value,
      });
      showStatus(statusId, "Asked " + select.selectedOptions[0].textContent + " to take over; " + person.name + " was told.");
      form.hidden = true;
      open.setAttribute("aria-expanded", "false");
      await afterChange();
    } catch (error) {
      showStatus(statusId, "Not handed over: " + reason(error), true);
    } finally {
      send.disabled = false;
    }
  });
  return { open, form };
}

/**
 * A customer's own requests and what became of them; pending ones may be withdrawn.
 * @param {HTMLUListElement} list @param {string} statusId
 */
export async function showMyRequests(list, statusId) {
  /** @type {CareRequest[]} */
  const requests = await api("GET", "/care-requests");
  list.replaceChildren();
  if (requests.length === 0) {
    list.append(el("li", { className: "muted" }, "You have not asked a dietitian yet."));
    return;
  }
  for (const r of requests) {
    const what = r.handed_over_by
      ? r.handed_over_by.name + " hands your care over to " + r.professional.name
      : "You asked " + r.professional.name;
    const item = el(
      "li",
      { className: "request" },
      el(
        "div",
        { className: "person-name" },
        what,
        el("span", { className: "muted" }, " · " + when(r.created_at)),
        el("br"),
        el("span", { className: "tag" }, statusLabel(r.status)),
        r.reply ? el("p", { className: "request-message" }, "Their reply: “" + r.reply + "”") : null,
      ),
    );
    if (r.status === "pending") {
      const back = el("button", { type: "button", className: "secondary" }, "Withdraw");
      back.setAttribute("aria-label", "Withdraw the request to " + r.professional.name);
      back.addEventListener("click", async () => {
        back.disabled = true;
        try {
          await api("POST", `/care-requests/${r.id}/withdraw`);
          showStatus(statusId, "Withdrawn: " + r.professional.name + " was asked no further.");
          await showMyRequests(list, statusId);
        } catch (error) {
          back.disabled = false;
          showStatus(statusId, "Not withdrawn: " + reason(error), true);
        }
      });
      item.append(back);
    }
    list.append(item);
  }
}
