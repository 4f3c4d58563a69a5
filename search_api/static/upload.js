// Upload page: each file in its own request with a progress bar, then its state.
"use strict";

(() => {
  const FINAL_STATES = ["indexed", "failed", "encrypted"];
  const POLL_INTERVAL_MS = 1000;
  const PARALLEL_UPLOADS = 2;
  const queue = [];
  let running = 0;

  function row(file) {
    const item = document.createElement("li");
    item.className = "upload-item";
    const name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    const bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", Filewarden.t("upload.progress", { name: file.name }));
    const status = document.createElement("span");
    status.className = "upload-status";
    status.textContent = Filewarden.t("state.uploading");
    item.append(name, bar, status);
    document.getElementById("uploads").append(item);
    document.getElementById("no-files").hidden = true;
    return { item, bar, status };
  }

  function showReceipt(view, receipt) {
    view.status.textContent = "";
    const link = document.createElement("a");
    link.href = `/ui/documents/${receipt.document_id}`;
    const key = receipt.duplicate_of === null ? "upload.new" : "upload.duplicate";
    link.textContent = Filewarden.t(key, { id: receipt.document_id });
    const state = document.createElement("span");
    state.className = "state";
    view.status.append(link, " ", state);
    view.item.classList.add(receipt.duplicate_of === null ? "is-new" : "is-duplicate");
    showState(view, state, receipt);
  }

  function showState(view, element, record) {
    element.textContent = Filewarden.t("state." + record.state);
    element.className = "state state-" + record.state;
    if (record.failure_reason) {
      const reason = document.createElement("span");
      reason.className = "failure";
      reason.textContent = record.failure_reason;
      element.append(": ", reason);
    }
    if (!FINAL_STATES.includes(record.state)) {
      setTimeout(() => poll(view, element, record.document_id || record.id), POLL_INTERVAL_MS);
    }
  }

  async function poll(view, element, documentId) {
    try {
      const response = await fetch(`/documents/${documentId}`);
      if (response.ok) {
        showState(view, element, await response.json());
        return;
      }
    } catch (err) {
      // A dropped connection is retried below like a slow answer.
    }
    setTimeout(() => poll(view, element, documentId), POLL_INTERVAL_MS * 3);
  }

  function showError(view, message) {
    view.status.textContent = message;
    view.status.classList.add("error");
    view.item.classList.add("is-failed");
  }

  function send(file, view) {
    const form = document.getElementById("upload-form");
    const body = new FormData();
    body.append("files", file, file.name);
    for (const name of ["customer", "note"]) {
      const value = form.elements[name].value.trim();
      if (value) body.append(name, value);
    }
    const request = new XMLHttpRequest();
    request.open("POST", "/documents");
    request.responseType = "json";
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) view.bar.value = Math.round((event.loaded / event.total) * 100);
    });
    request.addEventListener("load", () => {
      view.bar.value = 100;
      const answer = request.response || {};
      if (request.status === 200 && Array.isArray(answer)) showReceipt(view, answer[0]);
      else showError(view, Filewarden.t("js.failed", { message: answer.error || request.status }));
      finished();
    });
    request.addEventListener("error", () => {
      showError(view, Filewarden.t("js.network"));
      finished();
    });
    request.send(body);
  }

  function finished() {
    running -= 1;
    next();
  }

  function next() {
    while (running < PARALLEL_UPLOADS && queue.length > 0) {
      const { file, view } = queue.shift();
      running += 1;
      send(file, view);
    }
  }

  function add(files) {
    for (const file of files) queue.push({ file, view: row(file) });
    next();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const input = document.getElementById("files");
    const zone = document.getElementById("dropzone");
    input.addEventListener("change", () => {
      add(Array.from(input.files));
      input.value = "";
    });
    zone.addEventListener("dragover", (event) => {
      event.preventDefault();
      zone.classList.add("is-over");
    });
    zone.addEventListener("dragleave", () => zone.classList.remove("is-over"));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      zone.classList.remove("is-over");
      add(Array.from(event.dataTransfer.files));
    });
  });
})();
