// @ts-check
// The live room's poll (hosts launch and close it; one vote each, mine marked) and raised
// hands (mine toggled; hosts lower anyone's). Both come back after a reload.

import { announce, api, byId, byIdAs, el, me } from "./live.js";
import { act, eventId, message, roomPath, state } from "./room-common.js";

/** @typedef {import("./room-common.js").Poll} Poll */
/** @typedef {import("./room-common.js").Person} Person */


export function renderPoll() {
  const p = state.poll;
  const box = byId("poll");
  if (!p) {
    box.replaceChildren(el("p", { className: "muted" }, "No poll yet."));
    return;
  }
  box.replaceChildren(el("p", { className: "poll-question" }, p.question + (p.closed ? " (closed)" : "")));
  p.options.forEach((label, i) => {
    const button = el("button", { type: "button", className: "option" }, label + " · " + p.counts[i]);
    button.disabled = p.closed || state.myVote !== null;
    button.setAttribute("aria-pressed", String(state.myVote === i));
    button.addEventListener("click", async () => {
      byId("poll-error").textContent = "";
      try {
        await act({ type: "room.vote", poll: p.id, option: i });
        state.myVote = i;
        renderPoll();
      } catch (error) {
        byId("poll-error").textContent = message(error);
      }
    });
    box.append(el("div", {}, button));
  });
  if (state.myVote !== null) {
    box.append(el("p", { className: "muted" }, "Your vote: " + p.options[state.myVote] + "."));
  }
  if (state.host && !p.closed) {
    const close = el("button", { type: "button", className: "secondary" }, "Close the poll");
    close.addEventListener("click", () =>
      api("POST", roomPath + "/polls/" + p.id + "/close").catch((error) => {
        byId("poll-error").textContent = message(error);
      }),
    );
    box.append(close);
  }
}

/** @param {Poll} p */
export function showPoll(p) {
  if (!state.poll || state.poll.id !== p.id) state.myVote = null;
  state.poll = p;
  renderPoll();
}

byIdAs("poll-form", HTMLFormElement).addEventListener("submit", async (event) => {
  event.preventDefault();
  byId("poll-error").textContent = "";
  const options = byIdAs("poll-options", HTMLInputElement)
    .value.split(",")
    .map((o) => o.trim())
    .filter(Boolean);
  try {
    const question = byIdAs("poll-question", HTMLInputElement).value;
    showPoll(await api("POST", roomPath + "/polls", { question, options }));
    byIdAs("poll-form", HTMLFormElement).reset();
  } catch (error) {
    byId("poll-error").textContent = message(error);
  }
});

export function renderHand() {
  const button = byIdAs("hand", HTMLButtonElement);
  button.textContent = state.myHand ? "Lower my hand" : "Raise my hand";
  button.setAttribute("aria-pressed", String(state.myHand));
}

/** @param {Person[]} raised */
export function renderHands(raised) {
  state.myHand = raised.some((h) => h.user === me.id);
  renderHand();
  const list = byId("hands");
  list.replaceChildren(
    ...raised.map((h) => {
      const item = el("li", {}, el("span", {}, "✋ " + h.name));
      if (state.host) {
        const lower = el("button", { type: "button", className: "secondary small" }, "Lower");
        lower.addEventListener("click", () =>
          api("DELETE", roomPath + "/hands/" + h.user).catch((error) => {
            byId("hand-error").textContent = message(error);
          }),
        );
        item.append(" ", lower);
      }
      return item;
    }),
  );
}

byIdAs("hand", HTMLButtonElement).addEventListener("click", async () => {
  byId("hand-error").textContent = "";
  const up = !state.myHand;
  try {
    await act({ type: "room.hand", event: eventId, up });
    state.myHand = up;
    renderHand();
    announce(up ? "Your hand is raised." : "Your hand is lowered.");
  } catch (error) {
    byId("hand-error").textContent = message(error);
  }
});
