// Shared by every page: messages, local dates, the remembered name, JSON calls.
"use strict";

const Filewarden = (() => {
  const PERSON_KEY = "filewarden.person";
  const element = document.getElementById("messages");
  const messages = element ? JSON.parse(element.textContent) : {};
  const language = document.documentElement.dataset.lang || "en";

  function t(key, values) {
    let text = messages[key] || key;
    for (const [name, value] of Object.entries(values || {})) {
      text = text.split("{" + name + "}").join(String(value));
    }
    return text;
  }

  function locale() {
    // Chinese pages use Chinese dates; English ones the reader's English variant.
    if (language === "zh") return "zh-CN";
    const preferred = navigator.language || "en-GB";
    return preferred.startsWith("en") ? preferred : "en-GB";
  }

  const dateFormat = new Intl.DateTimeFormat(locale(), {
    dateStyle: "medium",
    timeStyle: "short",
  });

  function localizeTimes(root) {
    for (const node of root.querySelectorAll("time[data-local]")) {
      const moment = new Date(node.getAttribute("datetime"));
      if (!Number.isNaN(moment.getTime())) {
        node.textContent = dateFormat.format(moment);
        node.title = node.getAttribute("datetime");
      }
    }
  }

  function person() {
    return (localStorage.getItem(PERSON_KEY) || "").trim();
  }

  function rememberPersonFields() {
    for (const field of document.querySelectorAll("input[data-person]")) {
      field.value = person();
      field.addEventListener("input", () => {
        localStorage.setItem(PERSON_KEY, field.value.trim());
      });
    }
  }

  async function postJson(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (err) {
      return { ok: false, message: t("js.network") };
    }
    const data = await response.json().catch(() => ({}));
    if (response.ok) return { ok: true, data };
    const reason = data.error || (data.detail && JSON.stringify(data.detail)) || response.status;
    return { ok: false, message: t("js.failed", { message: reason }) };
  }

  document.addEventListener("DOMContentLoaded", () => {
    localizeTimes(document);
    rememberPersonFields();
  });

  return { t, person, postJson, localizeTimes, dateFormat, language };
})();
