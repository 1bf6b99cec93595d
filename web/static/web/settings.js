// @ts-check
// Settings: each section loads from the JSON API and saves on its own, saying in its
// status line whether it worked (docs/api.md: /me, /forum/me, /messaging/settings,
// /blocks, /notifications/preferences, /auth/password, /auth/logout, /care-team,
// /care-requests, /me/access-log).

import { api, byIdAs, el, me, when } from "./live.js";
import { onCareNotice, showMyRequests } from "./care-requests.js";
import {
  confirmAction,
  messageButton,
  reason,
  roleLabel,
  showStatus,
} from "./settings-common.js";

/**
 * @typedef {{kind: string, label: string, in_app: boolean, email: boolean, mailed: boolean}} Preference
 * @typedef {{id: number, name: string, role?: string}} Person
 * @typedef {{customer: Person, professional: Person & {role: string}, since: string}} CareRelation
 * @typedef {{at: string, actor_label: string, action: string, resource: string}} AccessEntry
 */

/** @param {string} id */
const form = (id) => byIdAs(id, HTMLFormElement);
/** @param {string} id */
const input = (id) => byIdAs(id, HTMLInputElement);
/** @param {HTMLFormElement} f */
const submitOf = (f) => /** @type {HTMLButtonElement} */ (f.querySelector("button[type=submit]"));

/**
 * Run a section's save with its button busy, then say how it went.
 * @param {HTMLFormElement} f @param {string} statusId @param {() => Promise<string>} save
 */
function onSave(f, statusId, save) {
  f.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = submitOf(f);
    button.disabled = true;
    showStatus(statusId, "Saving…");
    try {
      showStatus(statusId, await save());
    } catch (error) {
      showStatus(statusId, "Not saved: " + reason(error), true);
    } finally {
      button.disabled = false;
    }
  });
}

// --- profile and region ----------------------------------------------------------

const zone = byIdAs("profile-zone", HTMLSelectElement);
onSave(form("profile-form"), "profile-status", async () => {
  const saved = await api("PATCH", "/me", {
    display_name: input("profile-name").value,
    time_zone: zone.value,
  });
  input("profile-name").value = saved.display_name;
  for (const node of document.querySelectorAll(".account-name")) {
    node.textContent = saved.display_name;
  }
  return "Saved: you are " + saved.display_name + ", in " + saved.time_zone + ".";
});

const region = byIdAs("profile-region", HTMLSelectElement);
onSave(form("region-form"), "region-status", async () => {
  const saved = await api("PATCH", "/me", { region: region.value });
  const label = region.selectedOptions[0]?.textContent || saved.region;
  const next = saved.region_change_allowed_from
    ? " You can change it again from " + when(saved.region_change_allowed_from) + "."
    : "";
  return "Saved: your region is " + (saved.region ? label : "none") + "." + next;
});

// --- forum name ------------------------------------------------------------------

/** @param {{handle: string, name_style: string, shown_as: string}} profile */
function showForumProfile(profile) {
  input("forum-handle").value = profile.handle;
  byIdAs("forum-handle-shown", HTMLElement).textContent = "@" + profile.handle;
  byIdAs("forum-shown-as", HTMLElement).textContent = profile.shown_as;
  for (const radio of document.querySelectorAll("input[name=name_style]")) {
    const r = /** @type {HTMLInputElement} */ (radio);
    r.checked = r.value === profile.name_style;
  }
}

onSave(form("forum-form"), "forum-status", async () => {
  const style = /** @type {HTMLInputElement | null} */ (
    document.querySelector("input[name=name_style]:checked")
  );
  const saved = await api("PATCH", "/forum/me", {
    handle: input("forum-handle").value.replace(/^@/, ""),
    name_style: style ? style.value : undefined,
  });
  showForumProfile(saved);
  return "Saved: others mention you as @" + saved.handle + ".";
});

// --- messages --------------------------------------------------------------------

onSave(form("messaging-form"), "messaging-status", async () => {
  await api("PATCH", "/messaging/settings", {
    accept_from_customers: input("accept-from-customers").checked,
    share_read_receipts: input("share-read-receipts").checked,
  });
  await api("PATCH", "/me", { email_message_text: input("email-message-text").checked });
  return "Saved your message settings.";
});

// --- blocks ----------------------------------------------------------------------

const blockList = byIdAs("block-list", HTMLUListElement);

/** @param {Person[]} blocked */
function showBlocks(blocked) {
  blockList.replaceChildren();
  if (blocked.length === 0) {
    blockList.append(el("li", { className: "muted" }, "You block nobody."));
    return;
  }
  for (const person of blocked) {
    const unblock = el("button", { type: "button", className: "secondary" }, "Unblock");
    unblock.setAttribute("aria-label", "Unblock " + person.name);
    unblock.addEventListener("click", async () => {
      unblock.disabled = true;
      try {
        await api("DELETE", "/blocks/" + person.id);
        showStatus("blocks-status", "You unblocked " + person.name + ".");
        showBlocks(await api("GET", "/blocks"));
        byIdAs("blocks-heading", HTMLElement).focus();
      } catch (error) {
        unblock.disabled = false;
        showStatus("blocks-status", "Not unblocked: " + reason(error), true);
      }
    });
    blockList.append(el("li", {}, el("span", { className: "person-name" }, person.name), unblock));
  }
}

// --- notifications ---------------------------------------------------------------

const preferenceList = byIdAs("preference-list", HTMLElement);
/** @type {Map<string, Preference>} */
const savedPreferences = new Map();

/** @param {Preference[]} preferences */
function showPreferences(preferences) {
  preferenceList.replaceChildren();
  for (const p of preferences) {
    savedPreferences.set(p.kind, p);
    const inApp = el("input", { type: "checkbox", checked: p.in_app, dataset: { kind: p.kind, way: "in_app" } });
    const mail = el("input", {
      type: "checkbox",
      checked: p.email,
      disabled: !p.mailed,
      dataset: { kind: p.kind, way: "email" },
    });
    preferenceList.append(
      el(
        "fieldset",
        { className: "preference" },
        el("legend", {}, p.label),
        el("label", { className: "choice" }, inApp, "In the app"),
        el("label", { className: "choice" }, mail, p.mailed ? "By e-mail" : "By e-mail (never sent by e-mail)"),
      ),
    );
  }
}

onSave(form("notifications-form"), "notifications-status", async () => {
  let changed = 0;
  for (const [kind, saved] of savedPreferences) {
    /** @param {string} way */
    const box = (way) =>
      /** @type {HTMLInputElement} */ (
        preferenceList.querySelector(`input[data-kind="${CSS.escape(kind)}"][data-way="${way}"]`)
      );
    const wanted = { in_app: box("in_app").checked, email: box("email").checked && saved.mailed };
    if (wanted.in_app === saved.in_app && wanted.email === saved.email) continue;
    savedPreferences.set(kind, await api("PUT", "/notifications/preferences/" + encodeURIComponent(kind), wanted));
    changed += 1;
  }
  return changed ? "Saved your notification settings." : "Nothing to save: no setting changed.";
});

// --- password --------------------------------------------------------------------

onSave(form("password-form"), "password-status", async () => {
  await api("POST", "/auth/password", {
    current_password: input("current-password").value,
    new_password: input("new-password").value,
  });
  input("current-password").value = "";
  input("new-password").value = "";
  return "Your password is changed; your other devices are signed out.";
});

// --- care team (customers) ---------------------------------------------------------

const careList = /** @type {HTMLUListElement | null} */ (document.getElementById("care-list"));

/** @param {CareRelation[]} relations */
function showCareTeam(relations) {
  if (!careList) return;
  careList.replaceChildren();
  const mine = relations.filter((r) => r.customer.id === me.id);
  if (mine.length === 0) {
    careList.append(el("li", { className: "muted" }, "Nobody is in your care team yet."));
    return;
  }
  for (const r of mine) {
    const person = r.professional;
    const leave = el("button", { type: "button", className: "secondary" }, "Remove");
    leave.setAttribute("aria-label", "Remove " + person.name + " from my care team");
    leave.addEventListener("click", async () => {
      const sure = await confirmAction(
        "Remove " + person.name + "?",
        person.name + " will no longer be in your care team.",
        "Remove",
      );
      if (!sure) return;
      try {
        await api("DELETE", `/care-team/${me.id}/${person.id}`);
        showStatus("care-status", person.name + " is no longer in your care team.");
        showCareTeam(await api("GET", "/care-team"));
        byIdAs("care-heading", HTMLElement).focus();
      } catch (error) {
        showStatus("care-status", "Not removed: " + reason(error), true);
      }
    });
    careList.append(
      el(
        "li",
        {},
        el("span", { className: "person-name" }, person.name, " ", el("span", { className: "tag" }, roleLabel(person.role))),
        el("span", { className: "actions-row" }, messageButton(person, "care-status"), leave),
      ),
    );
  }
}

// --- who read my data --------------------------------------------------------------

const accessList = byIdAs("access-list", HTMLUListElement);

/** @param {AccessEntry[]} entries */
function showAccess(entries) {
  accessList.replaceChildren();
  if (entries.length === 0) {
    accessList.append(el("li", { className: "muted" }, "Nobody else has read your data."));
    return;
  }
  for (const e of entries) {
    accessList.append(
      el(
        "li",
        {},
        el("time", { dateTime: e.at, className: "muted" }, when(e.at)),
        " ",
        e.actor_label || "The system",
        ": ",
        e.action,
        " ",
        e.resource,
      ),
    );
  }
}

// --- sign out everywhere -------------------------------------------------------------

const everywhere = byIdAs("sign-out-everywhere", HTMLButtonElement);
everywhere.addEventListener("click", async () => {
  const sure = await confirmAction(
    "Sign out everywhere?",
    "Every session ends: this browser, your other devices and apps.",
    "Sign out everywhere",
  );
  if (!sure) return;
  everywhere.disabled = true;
  try {
    await api("POST", "/auth/logout");
    location.href = "/login";
  } catch (error) {
    everywhere.disabled = false;
    showStatus("sessions-status", "Not signed out: " + reason(error), true);
  }
});

// --- loading -------------------------------------------------------------------------

/**
 * Load one section; a failure says so in its own status line.
 * @template T
 * @param {string} path @param {(data: T) => void} show @param {string} statusId
 */
async function load(path, show, statusId) {
  try {
    show(await api("GET", path));
  } catch (error) {
    showStatus(statusId, "Could not load this section: " + reason(error), true);
  }
}

for (const heading of ["blocks-heading", "care-heading"]) {
  document.getElementById(heading)?.setAttribute("tabindex", "-1");
}
load("/forum/me", showForumProfile, "forum-status");
load(
  "/messaging/settings",
  /** @param {{accept_from_customers: boolean, share_read_receipts: boolean}} s */ (s) => {
    input("accept-from-customers").checked = s.accept_from_customers;
    input("share-read-receipts").checked = s.share_read_receipts;
  },
  "messaging-status",
);
load(
  "/me",
  /** @param {{email_message_text: boolean}} m */ (m) => {
    input("email-message-text").checked = m.email_message_text;
  },
  "messaging-status",
);
load("/blocks", showBlocks, "blocks-status");
load("/notifications/preferences", showPreferences, "notifications-status");
if (careList) load("/care-team", showCareTeam, "care-status");
const careRequestList = /** @type {HTMLUListElement | null} */ (document.getElementById("care-request-list"));
async function loadMyRequests() {
  if (!careRequestList) return;
  try {
    await showMyRequests(careRequestList, "care-requests-status", async () => {
      await Promise.all([loadMyRequests(), load("/care-team", showCareTeam, "care-status")]);
    });
  } catch (error) {
    showStatus("care-requests-status", "Could not load your requests: " + reason(error), true);
  }
}
if (careList) {
  loadMyRequests();
  onCareNotice(() => {
    load("/care-team", showCareTeam, "care-status");
    loadMyRequests();
  });
}
load(
  "/me/access-log?limit=10",
  /** @param {{items: AccessEntry[]}} page */ (page) => showAccess(page.items),
  "access-status",
);
