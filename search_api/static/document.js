// Document page: send a correction of the labels, then show the new state.
"use strict";

(() => {
  const SAVED_KEY = "filewarden.correction.saved";

  function changedLabels(form) {
    const labels = {};
    for (const name of ["category", "sensitivity"]) {
      const select = form.elements[name];
      if (select.value !== select.dataset.current) labels[name] = select.value;
    }
    // Nothing changed: the person confirms both labels as they are.
    if (Object.keys(labels).length === 0) {
      labels.category = form.elements.category.value;
      labels.sensitivity = form.elements.sensitivity.value;
    }
    return labels;
  }

  async function submitCorrection(event) {
    event.preventDefault();
    const form = event.target;
    const status = document.getElementById("correct-status");
    const by = form.elements.by.value.trim();
    if (!by) {
      form.elements.by.focus();
      status.textContent = Filewarden.t("review.name_needed");
      return;
    }
    const body = { ...changedLabels(form), by };
    const reason = form.elements.reason.value.trim();
    if (reason) body.reason = reason;

    const answer = await Filewarden.postJson(`/documents/${form.dataset.document}/labels`, body);
    if (!answer.ok) {
      status.textContent = answer.message;
      status.classList.add("error");
      return;
    }
    sessionStorage.setItem(SAVED_KEY, "1");
    window.location.hash = "history";
    window.location.reload();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("correct-form");
    if (form) form.addEventListener("submit", submitCorrection);
    if (sessionStorage.getItem(SAVED_KEY)) {
      sessionStorage.removeItem(SAVED_KEY);
      document.getElementById("correct-status").textContent = Filewarden.t("js.saved");
      document.getElementById("history-heading").focus();
    }
  });
})();
