// @ts-check
// Sign-up: the time zone select starts at the browser's own zone (unless the member
// already chose one and the form came back with an error).
import { byIdAs } from "./live.js";

const zone = byIdAs("signup-zone", HTMLSelectElement);
const browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
const chosenBefore = zone.value !== "UTC";
if (!chosenBefore && browserZone && [...zone.options].some((o) => o.value === browserZone)) {
  zone.value = browserZone;
}
