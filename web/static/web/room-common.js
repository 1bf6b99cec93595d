// @ts-check
// What the parts of the live room page share: which room, what the member is in it (host,
// vote, hand, whether it ended), and how an action is sent on the tab's socket.

import { ApiError, byId, live } from "./live.js";

/**
 * @typedef {{id: number, event: number, author: string, body: string, votes: number,
 *   answered: boolean, created_at: string}} Question
 * @typedef {{id: number, event: number, question: string, options: string[],
 *   counts: number[], closed: boolean}} Poll
 * @typedef {{user: number, name: string, host?: boolean}} Person
 */

export const eventId = Number(byId("room").dataset.eventId);
export const roomPath = "/events/" + eventId + "/room";

export const state = {
  host: false,
  ended: false,
  muted: false,
  chatMode: "everyone",
  /** @type {Poll | null} */
  poll: null,
  /** @type {number | null} */
  myVote: null,
  myHand: false,
};

/** @param {unknown} error */
export function message(error) {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

/**
 * Send a room action; resolves with its ack. Room actions name the event by its id in
 * ``event`` (the field an event frame uses for the event's name).
 * @param {Record<string, unknown>} frame @param {boolean} [resend]
 */
export function act(frame, resend) {
  return live.request(/** @type {import("./live.js").Frame} */ (frame), { resend: Boolean(resend) });
}
