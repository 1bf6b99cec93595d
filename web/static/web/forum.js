// The forum pages: categories and their topics (forum:{id} live), and one topic's posts
// (thread:{id} live: replies, edits, reactions, moderation). Same API and protocol as apps.
"use strict";

(function () {
  const { api, clientId, el } = window.Live;
  const $ = (id) => document.getElementById(id);
  const REACTIONS = ["👍", "❤️", "😂", "🎉", "🤔", "🙏"];

  // --- categories and topics -------------------------------------------------------

  function categoriesPage() {
    let current = null;
    const live = window.Live.connect(
      {
        onEvent(frame) {
          if (frame.topic !== "forum:" + current) return;
          if (frame.event === "thread.created") addThread(frame.data.thread, 0, true);
          if (frame.event === "thread.updated" || frame.event === "thread.removed") loadThreads(current);
        },
      },
      $("ws-state"),
    );

    async function loadCategories() {
      const list = $("categories");
      list.replaceChildren();
      for (const c of await api("GET", "/forum/categories")) {
        const button = el("button", { type: "button", textContent: c.name });
        button.dataset.category = c.id;
        if (!c.for_you) button.append(" ", el("span", { className: "tag", textContent: "elsewhere" }));
        if (!c.open) button.append(" ", el("span", { className: "tag", textContent: "closed" }));
        button.addEventListener("click", () => openCategory(c.id));
        list.append(el("li", null, button));
      }
      const wanted = Number(new URLSearchParams(location.search).get("c"));
      if (wanted) openCategory(wanted);
    }

    async function openCategory(id) {
      if (current) live.unsubscribe("forum:" + current);
      current = id;
      const page = await loadThreads(id);
      live.subscribe("forum:" + id);
      history.replaceState(null, "", "/forum?c=" + id);
      $("new-thread").hidden = !page.category.open;
    }

    async function loadThreads(id) {
      const page = await api("GET", "/forum/categories/" + id + "/threads");
      $("category-name").textContent = page.category.name;
      $("category-note").textContent = page.category.description;
      $("threads").replaceChildren();
      for (const t of page.threads) addThread(t, t.unread, false);
      return page;
    }

    function addThread(t, unread, first) {
      const item = el(
        "li",
        null,
        el("a", { href: "/forum/t/" + t.id, textContent: t.title }),
        el("span", { className: "muted", textContent: "by " + t.author.name + " · " + t.posts + " posts" }),
      );
      item.dataset.thread = t.id;
      if (t.pinned) item.append(el("span", { className: "tag", textContent: "pinned" }));
      if (t.locked) item.append(el("span", { className: "tag", textContent: "locked" }));
      if (!t.open) item.append(el("span", { className: "tag", textContent: "closed" }));
      if (unread > 0) item.append(el("span", { className: "badge", textContent: String(unread) }));
      if (first) $("threads").prepend(item);
      else $("threads").append(item);
    }

    $("new-thread").addEventListener("submit", async (event) => {
      event.preventDefault();
      $("new-thread-error").textContent = "";
      try {
        const made = await api("POST", "/forum/categories/" + current + "/threads", {
          title: $("thread-title").value,
          body: $("thread-body").value,
          client_id: clientId(),
        });
        location.href = "/forum/t/" + made.thread.id;
      } catch (error) {
        $("new-thread-error").textContent = error.message;
      }
    });

    loadCategories();
  }

  // --- one topic ---------------------------------------------------------------------

  function topicPage() {
    const threadId = Number($("topic").dataset.threadId);
    const topic = "thread:" + threadId;
    const state = { me: null, moderator: false, replyTo: null, pending: new Map(), last: 0 };
    const live = window.Live.connect(
      {
        onReady() {
          for (const frame of state.pending.values()) live.send(frame);
        },
        onEvent(frame) {
          const data = frame.data;
          switch (frame.event) {
            case "post.created":
            case "post.restored":
              upsert(data);
              markRead(data.number);
              break;
            case "post.edited":
              patch(data.id, (node) => { node.querySelector(".body").innerHTML = data.html; });
              break;
            case "post.hidden":
            case "post.deleted":
              patch(data.id, (node) => gone(node, frame.event === "post.hidden" ? "hidden by moderation" : "deleted"));
              break;
            case "reaction.updated":
              patch(data.post, (node) => renderReactions(node, data.reactions));
              break;
            case "thread.updated":
              renderThread(data.thread, data);
              break;
          }
        },
        onAck(frame) {
          state.pending.delete(frame.id);
        },
        onError(frame) {
          if (frame.topic === topic && frame.code === "forbidden") {
            $("thread-state").textContent = "This topic is no longer available.";
            $("reply").hidden = true;
          } else if (frame.id && state.pending.has(frame.id)) {
            state.pending.delete(frame.id);
            $("reply-error").textContent = frame.message;
          } else if (frame.code === "rate_limited") {
            $("reply-error").textContent = "Slow down: try again in " + Math.ceil(frame.retry_after) + " s";
          }
        },
        onResync() {
          load();
        },
      },
      $("ws-state"),
    );

    async function load() {
      state.me = (await api("GET", "/forum/me")).handle;
      let after = 0;
      for (;;) {
        const page = await api("GET", "/forum/threads/" + threadId + "/posts?limit=100&after=" + after);
        state.moderator = page.moderator;
        renderThread(page.thread, {});
        for (const p of page.posts) upsert(p);
        if (page.posts.length < 100) break;
        after = page.posts[page.posts.length - 1].number;
      }
      markRead(state.last);
    }

    function renderThread(t, change) {
      $("thread-title").textContent = t.title;
      const notes = [];
      if (t.pinned) notes.push("Pinned");
      if (t.locked) notes.push("Locked by a moderator");
      if (!t.open) notes.push("Closed: read-only");
      if (t.slow_mode_seconds) notes.push("Slow mode: one post every " + t.slow_mode_seconds + " s");
      $("thread-state").textContent = notes.join(" · ");
      $("reply").hidden = !t.open || (t.locked && !state.moderator) || change.deleted;
    }

    function upsert(p) {
      state.last = Math.max(state.last, p.number);
      let node = document.querySelector('[data-post="' + p.id + '"]');
      const fresh = el("li", { className: "post", id: "post-" + p.number });
      fresh.dataset.post = p.id;
      const meta = el("div", { className: "meta" }, "#" + p.number + " · " + p.author.name + " (@" + p.author.handle + ")");
      if (p.edited_at) meta.append(" · edited");
      const body = el("div", { className: "body" });
      body.innerHTML = p.html;  // sanitized by the server (bleach)
      fresh.append(meta);
      if (p.reply_to) fresh.append(el("div", { className: "quote", textContent: "replying to #" + p.reply_to.number + " by " + p.reply_to.author.name }));
      fresh.append(body, el("div", { className: "actions" }));
      if (p.hidden || p.deleted) gone(fresh, p.hidden ? "hidden by moderation" : "deleted");
      else renderActions(fresh, p);
      if (node) node.replaceWith(fresh);
      else {
        const after = [...document.querySelectorAll("#posts .post")].find((n) => Number(n.id.slice(5)) > p.number);
        if (after) after.before(fresh);
        else $("posts").append(fresh);
      }
      node = fresh;
      if (!p.hidden && !p.deleted) renderReactions(node, p.reactions);
    }

    function gone(node, why) {
      node.classList.add("gone");
      node.querySelector(".body").textContent = "This post was " + why + ".";
      node.querySelector(".actions").replaceChildren();
    }

    function renderActions(node, p) {
      const actions = node.querySelector(".actions");
      const reply = el("button", { type: "button", textContent: "Reply" });
      reply.addEventListener("click", () => {
        state.replyTo = p.id;
        $("replying-to").hidden = false;
        $("replying-to").textContent = "Replying to #" + p.number + " by " + p.author.name;
        $("reply-body").focus();
      });
      actions.append(reply);
      if (p.author.handle !== state.me) {
        const flag = el("button", { type: "button", textContent: "Flag" });
        flag.addEventListener("click", async () => {
          const reason = prompt("Why? spam, abuse, misinformation, off_topic, privacy or other", "spam");
          if (reason) await api("POST", "/forum/posts/" + p.id + "/flags", { reason }).catch((e) => alert(e.message));
        });
        actions.append(flag);
      }
      if (state.moderator) {
        const hide = el("button", { type: "button", textContent: "Hide" });
        hide.addEventListener("click", async () => {
          const reason = prompt("Reason (for the moderation log)");
          if (reason) await api("POST", "/forum/moderation/posts/" + p.id + "/hide", { reason }).catch((e) => alert(e.message));
        });
        actions.append(hide);
      }
    }

    function renderReactions(node, counts) {
      const actions = node.querySelector(".actions");
      actions.querySelectorAll(".reaction").forEach((b) => b.remove());
      for (const emoji of REACTIONS) {
        const n = counts[emoji] || 0;
        const button = el("button", { type: "button", className: "reaction", textContent: n ? emoji + " " + n : emoji });
        button.setAttribute("aria-label", "react " + emoji);
        button.addEventListener("click", () => {
          const frame = { type: "forum.react", id: clientId(), post: Number(node.dataset.post), emoji, on: true };
          if (!live.send(frame)) api("POST", "/forum/posts/" + node.dataset.post + "/reactions", { emoji });
        });
        actions.append(button);
      }
    }

    function patch(id, change) {
      const node = document.querySelector('[data-post="' + id + '"]');
      if (node) change(node);
    }

    function markRead(number) {
      if (number > 0) live.send({ type: "forum.read", thread: threadId, number });
    }

    $("reply").addEventListener("submit", (event) => {
      event.preventDefault();
      const body = $("reply-body").value.trim();
      if (!body) return;
      $("reply-error").textContent = "";
      const frame = { type: "forum.reply", id: clientId(), thread: threadId, body };
      if (state.replyTo) frame.reply_to = state.replyTo;
      state.pending.set(frame.id, frame);
      live.send(frame);  // if the socket is down, it goes out on the next "ready"
      $("reply-body").value = "";
      state.replyTo = null;
      $("replying-to").hidden = true;
    });
    $("reply-body").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        $("reply").requestSubmit();
      }
    });

    // Follow first, then read: a post made in between arrives live, and one shown twice
    // is the same element (posts are placed by id).
    live.subscribe(topic);
    load();
  }

  if ($("forum")) categoriesPage();
  if ($("topic")) topicPage();
})();
