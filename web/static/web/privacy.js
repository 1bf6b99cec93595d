// @ts-check
// Privacy: my consents, each with its text, the version I agreed to and its history, to
// give or withdraw (GET /api/me/consents, POST and DELETE /api/me/consents/{purpose});
// who looked at my data, a page at a time (GET /api/me/access-log).

import { api, byIdAs, el, when } from "./live.js";
import { reason, roleLabel, showStatus } from "./settings-common.js";

/**
 * @typedef {{version: string, granted_at: string, withdrawn_at: string | null}} ConsentEvent
 * @typedef {{
 *   purpose: string, label: string, version: string, text: string, granted: boolean,
 *   granted_at: string | null, agreed_version: string | null, withdrawn_at: string | null,
 *   history: ConsentEvent[]
 * }} Consent
 * @typedef {{at: string, actor_role: string, actor_name: string, action: string, resource: string}} AccessEntry
 */

const consentList = byIdAs("consent-list", HTMLUListElement);

/** @param {Consent} c */
function consentState(c) {
  if (c.granted && c.agreed_version !== c.version) {
    return el(
      "p",
      { className: "review" },
      el("strong", {}, "Updated, please review: "),
      "you agreed to version " + c.agreed_version + " on " + when(c.granted_at || "", { timeStyle: undefined }) +
        "; the text is now version " + c.version + ". Your consent counts until you withdraw it.",
    );
  }
  if (c.granted) {
    return el("p", {}, "You agreed on " + when(c.granted_at || "") + " (version " + c.agreed_version + ").");
  }
  if (c.withdrawn_at) return el("p", {}, "You withdrew your consent on " + when(c.withdrawn_at) + ".");
  return el("p", {}, "You have not agreed to this.");
}

/** @param {Consent} c */
function consentHistory(c) {
  if (c.history.length === 0) return null;
  const items = c.history.map((h) =>
    el(
      "li",
      {},
      "Version " + h.version + ": agreed " + when(h.granted_at),
      h.withdrawn_at ? ", withdrawn " + when(h.withdrawn_at) : "",
    ),
  );
  return el("details", {}, el("summary", {}, "History"), el("ul", { className: "history" }, ...items));
}

/** @param {Consent} c */
function consentAction(c) {
  const reviewing = c.granted && c.agreed_version !== c.version;
  const agree = !c.granted || reviewing;
  const button = el(
    "button",
    { type: "button", className: agree ? "" : "secondary" },
    reviewing ? "Agree to the new text" : agree ? "Agree" : "Withdraw",
  );
  button.setAttribute("aria-label", (reviewing ? "Agree to the new text: " : agree ? "Agree: " : "Withdraw: ") + c.label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if (agree) {
        await api("POST", "/me/consents/" + encodeURIComponent(c.purpose), { version: c.version });
        showStatus("consents-status", "You agreed: " + c.label + ".");
      } else {
        await api("DELETE", "/me/consents/" + encodeURIComponent(c.purpose));
        showStatus("consents-status", "Withdrawn, from now on: " + c.label + ".");
      }
      await loadConsents();
      byIdAs("consents-heading", HTMLElement).focus();
    } catch (error) {
      button.disabled = false;
      showStatus("consents-status", "Not changed: " + reason(error), true);
    }
  });
  return button;
}

/** @param {Consent[]} consents */
function showConsents(consents) {
  consentList.replaceChildren();
  for (const c of consents) {
    const headingId = "consent-" + c.purpose;
    consentList.append(
      el(
        "li",
        { className: "consent" },
        el("h3", { id: headingId }, c.label),
        consentState(c),
        el(
          "details",
          {},
          el("summary", {}, "The text (version " + c.version + ")"),
          el("p", {}, c.text),
        ),
        consentHistory(c),
        el("div", { className: "actions-row" }, consentAction(c)),
      ),
    );
  }
}

async function loadConsents() {
  try {
    showConsents(await api("GET", "/me/consents"));
  } catch (error) {
    showStatus("consents-status", "Could not load your consents: " + reason(error), true);
  }
}

// --- who looked at my data -------------------------------------------------------------

const PAGE = 20;
const accessList = byIdAs("access-list", HTMLUListElement);
const newer = byIdAs("access-newer", HTMLButtonElement);
const older = byIdAs("access-older", HTMLButtonElement);
let offset = 0;

/** @param {AccessEntry} e */
function who(e) {
  const role = e.actor_role ? roleLabel(e.actor_role) : "";
  if (!e.actor_name) return "The system";
  return role ? role + " " + e.actor_name : e.actor_name;
}

/** @param {number} from */
async function loadAccess(from) {
  try {
    /** @type {{items: AccessEntry[], count: number}} */
    const page = await api("GET", "/me/access-log?limit=" + PAGE + "&offset=" + from);
    offset = from;
    accessList.replaceChildren();
    if (page.items.length === 0) {
      accessList.append(el("li", { className: "muted" }, "Nobody else has looked at your data."));
    }
    for (const e of page.items) {
      accessList.append(
        el(
          "li",
          {},
          el("time", { dateTime: e.at, className: "muted" }, when(e.at)),
          " ",
          el("strong", {}, who(e)),
          ": ",
          e.action,
          " ",
          e.resource,
        ),
      );
    }
    newer.hidden = offset === 0;
    older.hidden = offset + PAGE >= page.count;
    if (page.count > PAGE) {
      const last = Math.min(offset + PAGE, page.count);
      showStatus("access-status", "Showing " + (offset + 1) + " to " + last + " of " + page.count + ".");
    }
  } catch (error) {
    showStatus("access-status", "Could not load who looked at your data: " + reason(error), true);
  }
}

newer.addEventListener("click", async () => {
  await loadAccess(Math.max(0, offset - PAGE));
  byIdAs("who-looked-heading", HTMLElement).focus();
});
older.addEventListener("click", async () => {
  await loadAccess(offset + PAGE);
  byIdAs("who-looked-heading", HTMLElement).focus();
});

loadConsents();
loadAccess(0);
