// @ts-check
// The live room's questions: ask, upvote, and (hosts) mark answered or hide; answered
// ones say so in words and go last; a refusal is shown under the questions' form.

import { api, byId, byIdAs, el } from "./live.js";
import { act, eventId, message, roomPath, state } from "./room-common.js";

/** @typedef {import("./room-common.js").Question} Question */

/** @param {Question} q */
function upsertQuestion(q) {
  const list = byId("questions");
  let item = list.querySelector('[data-question="' + q.id + '"]');
  if (!(item instanceof HTMLLIElement)) {
    item = el("li", { className: "question", dataset: { question: String(q.id) } });
    list.append(item);
  }
  const parts = [
    el("p", { className: "question-body" }, q.body),
    el(
      "p",
      { className: "question-meta" },
      q.author + " · ",
      el("span", { className: "votes" }, q.votes),
      q.votes === 1 ? " vote" : " votes",
    ),
  ];
  item.replaceChildren(...parts);
  const actions = el("div", { className: "actions-row" });
  if (q.answered) {
    item.classList.add("answered");
    actions.append(el("span", { className: "tag answered-tag" }, "✓ Answered"));
  } else {
    const up = el("button", { type: "button", className: "secondary small" });
    up.append(el("span", { ariaHidden: "true" }, "▲ "), "Upvote");
    up.addEventListener("click", async () => {
      byId("ask-error").textContent = "";
      try {
        await act({ type: "room.upvote", question: q.id });
      } catch (error) {
        byId("ask-error").textContent = message(error);
      }
    });
    actions.append(up);
  }
  if (state.host && !q.answered) {
    for (const action of ["answer", "hide"]) {
      const button = el(
        "button",
        { type: "button", className: "secondary small" },
        action === "answer" ? "Mark answered" : "Hide",
      );
      button.addEventListener("click", () =>
        api("POST", roomPath + "/questions/" + q.id + "/" + action).catch((error) => {
          byId("ask-error").textContent = message(error);
        }),
      );
      actions.append(button);
    }
  }
  item.append(actions);
}

/** @param {number} id */
export function questionItem(id) {
  return byId("questions").querySelector('[data-question="' + id + '"]');
}

/** @type {Map<number, Question>} */
export const questions = new Map();

/** @param {Question} q */
export function showQuestion(q) {
  questions.set(q.id, q);
  upsertQuestion(q);
}

const askForm = byIdAs("ask-form", HTMLFormElement);
askForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = byIdAs("ask-body", HTMLInputElement);
  const body = input.value.trim();
  if (!body) return;
  byId("ask-error").textContent = "";
  input.value = "";
  try {
    await act({ type: "room.ask", event: eventId, body });
  } catch (error) {
    byId("ask-error").textContent = message(error);
    if (!input.value) input.value = body;
  }
});

/**
 * A question's change on the socket.
 * @param {string} name @param {any} data
 */
export function onQuestionEvent(name, data) {
  switch (name) {
    case "room.question":
      showQuestion(data);
      break;
    case "room.question_votes": {
      const q = questions.get(data.question);
      if (q) showQuestion({ ...q, votes: data.votes });
      break;
    }
    case "room.question_answered": {
      const q = questions.get(data.question);
      if (q) {
        showQuestion({ ...q, answered: true });
        const item = questionItem(q.id);
        if (item) byId("questions").append(item); // answered ones go last
      }
      break;
    }
    case "room.question_hidden":
      questions.delete(data.question);
      questionItem(data.question)?.remove();
      byId("hidden-count").textContent = data.hidden + " hidden by the hosts";
      break;
  }
}

/** The questions as they are now. */
export async function loadQuestions() {
  const qa = await api("GET", roomPath + "/questions");
  for (const q of qa.questions) showQuestion(q);
  if (qa.hidden) byId("hidden-count").textContent = qa.hidden + " hidden by the hosts";
}
