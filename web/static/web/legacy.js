// @ts-check
// For the pages not yet written as ES modules: the old ``window.Live`` interface on the
// tab's one socket. Removed when the last page imports live.js itself.

import { api, clientId, csrf, el, live } from "./live.js";

/** @typedef {import("./live.js").Handlers} Handlers */

/** @param {Handlers} handlers */
function connect(handlers) {
  /** @type {Map<string, () => void>} */
  const mine = new Map();
  live.listen(handlers);
  return {
    /** @param {import("./live.js").Frame} frame */
    send: (frame) => live.send(frame),
    /** @param {string} topic @param {number} [since] */
    subscribe(topic, since) {
      if (mine.has(topic)) return true;
      mine.set(topic, live.follow(topic, since));
      return true;
    },
    /** @param {string} topic */
    unsubscribe(topic) {
      const release = mine.get(topic);
      mine.delete(topic);
      if (release) release();
      return true;
    },
    cursors: live.cursors,
  };
}

/** @type {any} */ (window).Live = { api, csrf, clientId, connect, el };
