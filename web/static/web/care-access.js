// @ts-check
// How a page about one customer, for their care team, learns that the team's access
// ended, as care-customer.js does: the socket's subscription to health:{id} is refused,
// or dropped when rights narrow (consent to care withdrawn, the care team left;
// docs/realtime-protocol.md). A read answering 404 says the same. The page then clears
// what it shows of the customer and says why.

import { live } from "./live.js";

/** The words each page shows when access ended. */
export const ACCESS_ENDED = "Access ended: this customer no longer shares with you.";

/**
 * Call ``ended`` once when access to ``customerId``'s shared data ends.
 * @param {number} customerId @param {() => void} ended
 */
export function whenAccessEnds(customerId, ended) {
  const topic = "health:" + customerId;
  let done = false;
  const unfollow = live.follow(topic);
  const unlisten = live.listen({
    onError(frame) {
      if (done || frame.topic !== topic || frame.code !== "forbidden") return;
      done = true;
      unfollow();
      unlisten();
      ended();
    },
  });
}
