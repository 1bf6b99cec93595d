// @ts-check
// @mention autocomplete for a textarea: after "@", members whose handle or forum name
// starts with what follows are listed (GET /api/forum/handles); arrows choose, Enter or
// Tab or a click picks, Escape closes. The textarea keeps focus (aria-activedescendant).

import { announce, api, el } from "./live.js";

/** The "@word" being typed just before the caret. */
const TYPING = /(?:^|[^\w@])@([A-Za-z0-9_]{1,30})$/;

/**
 * @param {HTMLTextAreaElement} area @param {HTMLElement} list
 * @param {(() => void) | null} submit what Enter does when no list is open (null: a new line)
 */
export function attachMentions(area, list, submit) {
  /** @type {{handle: string, name: string}[]} */
  let options = [];
  let active = -1;
  let asked = "";
  /** @type {number | undefined} */
  let timer;

  function close() {
    options = [];
    active = -1;
    list.hidden = true;
    list.replaceChildren();
    area.removeAttribute("aria-activedescendant");
  }

  function typed() {
    const match = TYPING.exec(area.value.slice(0, area.selectionStart));
    return match ? match[1] : null;
  }

  async function lookUp() {
    const word = typed();
    if (word === null) {
      close();
      return;
    }
    asked = word;
    /** @type {{handle: string, name: string}[]} */
    let found;
    try {
      found = await api("GET", "/forum/handles?q=" + encodeURIComponent(word));
    } catch {
      close();
      return;
    }
    if (asked !== word || typed() !== word) return; // typed on since
    options = found;
    active = found.length ? 0 : -1;
    render();
    announce(found.length ? found.length + " members found: arrow keys to choose, Enter to pick" : "No member found");
  }

  function render() {
    list.replaceChildren();
    list.hidden = options.length === 0;
    options.forEach((option, index) => {
      const item = el(
        "li",
        { id: list.id + "-" + index, role: "option", className: "mention-option" },
        el("span", { textContent: option.name }),
        " ",
        el("span", { className: "muted", textContent: "@" + option.handle }),
      );
      item.setAttribute("aria-selected", String(index === active));
      item.addEventListener("mousedown", (event) => {
        event.preventDefault(); // keep the focus in the textarea
        pick(index);
      });
      list.append(item);
    });
    if (active >= 0) area.setAttribute("aria-activedescendant", list.id + "-" + active);
    else area.removeAttribute("aria-activedescendant");
  }

  /** @param {number} index */
  function pick(index) {
    const option = options[index];
    if (!option) return;
    const caret = area.selectionStart;
    const before = area.value.slice(0, caret).replace(/@[A-Za-z0-9_]*$/, "@" + option.handle + " ");
    area.value = before + area.value.slice(caret);
    area.setSelectionRange(before.length, before.length);
    close();
    announce("Mentioning @" + option.handle);
    area.focus();
  }

  area.addEventListener("input", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(lookUp, 150);
  });
  area.addEventListener("blur", () => window.setTimeout(close, 150));
  area.addEventListener("keydown", (event) => {
    const open = !list.hidden && options.length > 0;
    if (open && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = (active + step + options.length) % options.length;
      render();
      return;
    }
    if (open && (event.key === "Enter" || event.key === "Tab") && active >= 0) {
      event.preventDefault();
      pick(active);
      return;
    }
    if (open && event.key === "Escape") {
      event.preventDefault();
      close();
      return;
    }
    if (submit && event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
}
