// Review queue: accept or correct each document in one action, by mouse or keys.
"use strict";

(() => {
  let items = [];
  let current = -1;

  function status(message) {
    document.getElementById("review-status").textContent = message;
  }

  function select(index) {
    if (items.length === 0) return;
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach((item, i) => item.classList.toggle("is-current", i === current));
    items[current].focus();
    items[current].scrollIntoView({ block: "nearest" });
  }

  function requirePerson() {
    const by = Filewarden.person();
    if (!by) {
      status(Filewarden.t("review.name_needed"));
      document.getElementById("person").focus();
    }
    return by;
  }

  async function decide(item, url, body) {
    const answer = await Filewarden.postJson(url, body);
    if (!answer.ok) {
      status(answer.message);
      return;
    }
    item.classList.add("is-done");
    item.querySelector(".review-head h2").append(" ✓ " + Filewarden.t("review.done"));
    for (const control of item.querySelectorAll("button, select")) control.disabled = true;
    const index = items.indexOf(item);
    status(Filewarden.t("review.done") + ": " + item.querySelector(".open-link").textContent);
    select(index + 1);
  }

  function accept(item) {
    const by = requirePerson();
    if (by) decide(item, `/review/${item.dataset.document}/accept`, { by });
  }

  function correct(item, labels) {
    const by = requirePerson();
    if (!by) return;
    const reason = Filewarden.t("review.corrected_reason");
    decide(item, `/documents/${item.dataset.document}/labels`, { ...labels, by, reason });
  }

  function changedLabels(form) {
    const labels = {};
    for (const name of ["category", "sensitivity"]) {
      const select = form.elements[name];
      if (select.value !== select.dataset.current) labels[name] = select.value;
    }
    return labels;
  }

  function wire(item) {
    item.addEventListener("focusin", () => {
      current = items.indexOf(item);
      items.forEach((other) => other.classList.toggle("is-current", other === item));
    });
    item.querySelector("button.accept").addEventListener("click", () => accept(item));
    for (const button of item.querySelectorAll("button.use")) {
      button.addEventListener("click", () => correct(item, { [button.dataset.label]: button.dataset.value }));
    }
    item.querySelector("form").addEventListener("submit", (event) => {
      event.preventDefault();
      const labels = changedLabels(event.target);
      // An unchanged form is a confirmation of what the model said.
      if (Object.keys(labels).length === 0) accept(item);
      else correct(item, labels);
    });
  }

  function onKey(event) {
    const typing = event.target.closest("input, select, textarea");
    if (typing || event.ctrlKey || event.metaKey || event.altKey || items.length === 0) return;
    const item = items[current];
    const actions = {
      j: () => select(current + 1),
      k: () => select(current - 1),
      a: () => item && accept(item),
      c: () => item && item.querySelector("select").focus(),
      o: () => item && item.querySelector(".open-link").click(),
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    items = Array.from(document.querySelectorAll(".review-item"));
    items.forEach(wire);
    if (items.length > 0) {
      current = 0;
      items[0].classList.add("is-current");
    }
    document.addEventListener("keydown", onKey);
  });
})();
