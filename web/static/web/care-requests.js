// @ts-check
// Care requests, as the care page (a dietitian: requests and handovers to accept or
// decline, the offers and handovers they made, to withdraw; handing a customer over) and
// the settings page (a customer: offers and handovers to accept or decline, my requests to
// withdraw) show them (GET /api/care-requests, POST /api/care-requests/{id}/accept|decline|
// withdraw, POST /api/care-team/handover, GET /api/dietitians). A care team forms when
// the customer and the dietitian both agreed. Both pages refresh when a care notice
// arrives on the tab's socket.

import { api, el, live, me, when } from "./live.js";
import { reason, showStatus } from "./settings-common.js";

/**
 * @typedef {{id: number, name: string}} Person
 * @typedef {{
 *   id: number, kind: string, customer: Person, professional: Person,
 *   handed_over_by: Person | null, waiting_for: string[], message: string, status: string,
 *   created_at: string, decided_at: string | null, reply: string
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
 * Accept and Decline (with an optional reply) for a request waiting for me.
 * @param {CareRequest} r @param {string} who what the buttons name, for screen readers
 * @param {string} statusId @param {{accepted: string, declined: string}} said
 * @param {() => Promise<void>} afterChange
 */
function answerControls(r, who, statusId, said, afterChange) {
  const replyId = "reply-" + r.id;
  const reply = el("textarea", { id: replyId, maxLength: 500, rows: 2 });
  const accept = el("button", { type: "button" }, "Accept");
  accept.setAttribute("aria-label", "Accept " + who);
  const decline = el("button", { type: "button", className: "secondary" }, "Decline");
  decline.setAttribute("aria-label", "Decline " + who);
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
  accept.addEventListener("click", answer("accept", said.accepted));
  decline.addEventListener("click", answer("decline", said.declined));
  return [
    el("label", { htmlFor: replyId, className: "reply" }, "Reply if you decline (optional)", reply),
    el("span", { className: "actions-row" }, accept, decline),
  ];
}

/**
 * Withdraw, for a pending request I agreed to.
 * @param {CareRequest} r @param {string} label @param {string} statusId @param {string} done
 * @param {() => Promise<void>} afterChange
 */
function withdrawButton(r, label, statusId, done, afterChange) {
  const back = el("button", { type: "button", className: "secondary" }, "Withdraw");
  back.setAttribute("aria-label", label);
  back.addEventListener("click", async () => {
    back.disabled = true;
    try {
      await api("POST", `/care-requests/${r.id}/withdraw`);
      showStatus(statusId, done);
      await afterChange();
    } catch (error) {
      back.disabled = false;
      showStatus(statusId, "Not withdrawn: " + reason(error), true);
    }
  });
  return back;
}

/** @param {CareRequest} r */
const waitingForCustomer = (r) => r.waiting_for.includes("customer");
/** @param {CareRequest} r */
const waitingForProfessional = (r) => r.waiting_for.includes("professional");

/**
 * A dietitian's requests: those waiting for my answer (a customer's request, a handover
 * to me), to accept or decline with a reply; and those waiting for someone else (my
 * offers, my handovers, a handover I accepted and the customer has not yet), to withdraw.
 * @param {HTMLUListElement} list @param {string} statusId @param {() => Promise<void>} afterChange
 */
export async function showRequestsToMe(list, statusId, afterChange) {
  /** @type {CareRequest[]} */
  const requests = await api("GET", "/care-requests");
  const pending = requests.filter((r) => r.status === "pending");
  const toMe = pending.filter((r) => r.professional.id === me.id && waitingForProfessional(r));
  const waiting = pending.filter((r) => !toMe.includes(r));
  list.replaceChildren();
  if (toMe.length === 0 && waiting.length === 0) {
    list.append(el("li", { className: "muted" }, "No request is waiting."));
    return;
  }
  for (const r of toMe) {
    const name = r.customer.name;
    const handover = r.kind === "handover";
    const formed = handover && waitingForCustomer(r) ? "" : " is now in your care; they were told.";
    const said = {
      accepted: formed
        ? name + formed
        : "You accepted; " + name + " is asked too, and joins your care once they accept.",
      declined: "You declined " + (handover ? "the handover of " + name : name + "’s request") + "; they were told.",
    };
    list.append(
      el(
        "li",
        { className: "request" },
        el(
          "div",
          { className: "person-name" },
          el("strong", {}, name),
          handover && r.handed_over_by
            ? " · handed over by " + r.handed_over_by.name + (waitingForCustomer(r) ? " (" + name + " is asked too)" : "")
            : " · asks you to take them on",
          el("span", { className: "muted" }, " · " + when(r.created_at)),
          messageOf(r),
        ),
        ...answerControls(r, name, statusId, said, afterChange),
      ),
    );
  }
  for (const r of waiting) {
    const name = r.customer.name;
    /** @type {[string, string, string]} */
    const [what, label, done] =
      r.kind === "offer"
        ? [
            "You offered " + name + " your care: waiting for their answer",
            "Withdraw my offer to " + name,
            "You withdrew your offer to " + name + ".",
          ]
        : r.handed_over_by?.id === me.id
          ? [
              "You hand " + name + " over to " + r.professional.name + ": waiting for " +
                r.waiting_for.map((side) => (side === "customer" ? name : r.professional.name)).join(" and "),
              "Withdraw the handover of " + name,
              "You withdrew the handover of " + name + ".",
            ]
          : [
              "You accepted " + name + " from " + (r.handed_over_by?.name || "another dietitian") + ": waiting for " + name,
              "Withdraw my acceptance of " + name,
              "You withdrew; " + name + " is not handed over to you.",
            ];
    list.append(
      el(
        "li",
        { className: "request" },
        el("span", { className: "person-name" }, what),
        withdrawButton(r, label, statusId, done, afterChange),
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
      showStatus(
        statusId,
        "Asked " + select.selectedOptions[0].textContent + " to take over; " + person.name +
          " is asked too. The handover is done once both accept.",
      );
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
 * A customer's care requests: offers and handovers waiting for my answer, to accept or
 * decline; my requests (and handovers I accepted) waiting for a dietitian, to withdraw;
 * and what became of the others.
 * @param {HTMLUListElement} list @param {string} statusId @param {() => Promise<void>} afterChange
 */
export async function showMyRequests(list, statusId, afterChange) {
  /** @type {CareRequest[]} */
  const requests = await api("GET", "/care-requests");
  list.replaceChildren();
  if (requests.length === 0) {
    list.append(el("li", { className: "muted" }, "No request or offer yet."));
    return;
  }
  for (const r of requests) {
    const pro = r.professional.name;
    const handing = r.handed_over_by ? r.handed_over_by.name : "Your dietitian";
    const what =
      r.kind === "offer"
        ? pro + " offers to take you into their care"
        : r.kind === "handover"
          ? handing + " hands your care over to " + pro
          : "You asked " + pro;
    const pending = r.status === "pending";
    const toMe = pending && waitingForCustomer(r);
    const item = el(
      "li",
      { className: "request" },
      el(
        "div",
        { className: "person-name" },
        what,
        el("span", { className: "muted" }, " · " + when(r.created_at)),
        messageOf(r),
        el("br"),
        el(
          "span",
          { className: "tag" },
          toMe
            ? r.kind === "handover" && !waitingForProfessional(r)
              ? pro + " accepted: waiting for you"
              : "Waiting for you"
            : pending
              ? "Waiting for " + pro
              : statusLabel(r.status),
        ),
        r.reply ? el("p", { className: "request-message" }, "Reply: “" + r.reply + "”") : null,
      ),
    );
    if (toMe) {
      const who = r.kind === "offer" ? pro + "’s offer" : "the handover to " + pro;
      const said = {
        accepted:
          r.kind === "handover" && waitingForProfessional(r)
            ? "You accepted; " + pro + " joins your care team once they accept too."
            : pro + " is in your care team now.",
        declined: "You declined " + who + "; they were told.",
      };
      item.append(...answerControls(r, who, statusId, said, afterChange));
    } else if (pending) {
      const label = r.kind === "request" ? "Withdraw the request to " + pro : "Withdraw my acceptance of " + pro;
      const done = r.kind === "request" ? "Withdrawn: " + pro + " was asked no further." : "Withdrawn: " + pro + " does not take over.";
      item.append(withdrawButton(r, label, statusId, done, afterChange));
    }
    list.append(item);
  }
}
