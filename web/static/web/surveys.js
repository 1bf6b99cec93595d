// The survey pages: the surveys of my audience, and one survey to answer, with its
// results live on survey:{id} for those allowed to see them.
"use strict";

(function () {
  const { api, el } = window.Live;
  const $ = (id) => document.getElementById(id);

  async function listPage() {
    const list = $("survey-list");
    for (const s of await api("GET", "/surveys")) {
      const item = el("li", null, el("a", { href: "/surveys/" + s.id, textContent: s.title }));
      item.append(el("span", { className: "muted", textContent: " by " + s.author }));
      if (!s.open) item.append(el("span", { className: "tag", textContent: "closed" }));
      list.append(item);
    }
  }

  function surveyPage() {
    const id = Number($("survey").dataset.surveyId);
    let survey = null;
    const live = window.Live.connect(
      {
        onEvent(frame) {
          if (frame.event === "survey.results") renderResults(frame.data);
        },
      },
      $("ws-state"),
    );

    async function load() {
      survey = await api("GET", "/surveys/" + id);
      $("survey-title").textContent = survey.title;
      $("survey-description").textContent = survey.description;
      $("survey-state").textContent = survey.open
        ? "Open until " + new Date(survey.closes_at).toLocaleString()
        : "Closed";
      if (survey.can_answer) renderForm();
      if (survey.can_see_results) {
        live.subscribe("survey:" + id);
        renderResults(await api("GET", "/surveys/" + id + "/results"));
      }
    }

    function renderForm() {
      const mine = survey.my_answers || {};
      const box = $("questions");
      box.replaceChildren();
      for (const q of survey.questions) {
        const set = el("fieldset", null, el("legend", { textContent: q.text + (q.required ? " *" : "") }));
        set.dataset.question = q.id;
        const name = "q" + q.id;
        const given = mine[q.id];
        if (q.kind === "single" || q.kind === "multiple") {
          q.options.forEach((label, i) => {
            const input = el("input", { type: q.kind === "single" ? "radio" : "checkbox", name, value: String(i) });
            input.checked = q.kind === "single" ? given === i : Array.isArray(given) && given.includes(i);
            set.append(el("label", { className: "choice" }, input, " " + label));
          });
        } else if (q.kind === "scale") {
          const input = el("input", { type: "number", name, min: q.scale_min, max: q.scale_max, step: 1 });
          input.setAttribute("aria-label", q.text);
          if (given !== undefined) input.value = given;
          set.append(el("label", null, q.scale_min + " to " + q.scale_max + " ", input));
        } else {
          const input = el("textarea", { name, rows: 2, maxLength: 2000 });
          input.setAttribute("aria-label", q.text);
          if (given) input.value = given;
          set.append(input);
        }
        box.append(set);
      }
      $("answers").hidden = !survey.open;
    }

    function collect() {
      const answers = {};
      for (const q of survey.questions) {
        const inputs = [...document.querySelectorAll('[name="q' + q.id + '"]')];
        if (q.kind === "single") {
          const picked = inputs.find((i) => i.checked);
          if (picked) answers[q.id] = Number(picked.value);
        } else if (q.kind === "multiple") {
          const picked = inputs.filter((i) => i.checked).map((i) => Number(i.value));
          if (picked.length) answers[q.id] = picked;
        } else if (q.kind === "scale") {
          if (inputs[0].value !== "") answers[q.id] = Number(inputs[0].value);
        } else if (inputs[0].value.trim()) {
          answers[q.id] = inputs[0].value;
        }
      }
      return answers;
    }

    function renderResults(results) {
      $("results").hidden = false;
      // Results move in steps of at least the minimum group; what came in since is not shown.
      $("results-count").textContent = results.suppressed
        ? "Results appear once " + results.minimum + " established members have answered."
        : results.responses + " responses";
      const body = $("results-body");
      body.replaceChildren();
      if (results.suppressed) return;
      for (const r of results.questions) {
        const q = survey.questions.find((x) => x.id === r.id);
        const block = el("div", { className: "result" }, el("h4", { textContent: q.text }));
        block.dataset.question = r.id;
        if (r.suppressed) {
          block.append(el("p", { className: "muted", textContent: "Answered by fewer than " + results.minimum + ": not shown" }));
        } else if (r.counts) {
          const labels = q.kind === "scale"
            ? r.counts.map((_, i) => String(q.scale_min + i))
            : q.options;
          const most = Math.max(1, ...r.counts);
          r.counts.forEach((n, i) => {
            const fill = el("div", { className: "fill" });
            fill.style.width = (100 * n / most) + "%";
            block.append(el("div", { className: "bar-row" }, el("span", { textContent: labels[i] }), el("div", null, fill), el("span", { className: "count", textContent: String(n) })));
          });
          if (r.mean !== undefined && r.mean !== null) block.append(el("p", { className: "muted", textContent: "Mean " + r.mean }));
        } else {
          block.append(el("p", { className: "muted", textContent: r.answered + " written answers" }));
        }
        body.append(block);
      }
    }

    $("answers").addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        survey = await api("PUT", "/surveys/" + id + "/response", { answers: collect() });
        $("answers-note").textContent = "Thank you: your answers are saved. You can change them until the survey closes.";
        if (survey.can_see_results && $("results").hidden) {
          live.subscribe("survey:" + id);
          renderResults(await api("GET", "/surveys/" + id + "/results"));
        }
      } catch (error) {
        $("answers-note").textContent = error.message;
      }
    });

    load();
  }

  if ($("survey-list")) listPage();
  if ($("survey")) surveyPage();
})();
