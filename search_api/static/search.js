// Search page: a ticked facet or a new order applies at once, keeping focus.
"use strict";

(() => {
  const FOCUS_KEY = "filewarden.search.focus";

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("search-form");
    if (!form) return;

    for (const control of form.querySelectorAll("[data-autosubmit]")) {
      control.addEventListener("change", () => {
        // Keyboard users get their place back after the page reloads.
        sessionStorage.setItem(FOCUS_KEY, control.name + "=" + control.value);
        form.submit();
      });
    }

    const remembered = sessionStorage.getItem(FOCUS_KEY);
    sessionStorage.removeItem(FOCUS_KEY);
    if (remembered) {
      const [name, ...rest] = remembered.split("=");
      const value = rest.join("=");
      for (const control of form.querySelectorAll("[data-autosubmit]")) {
        if (control.name === name && (control.type !== "checkbox" || control.value === value)) {
          control.focus();
          break;
        }
      }
    }
  });
})();
