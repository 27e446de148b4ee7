// Swagger UI draws the fields of an operation ("Try it out") without accessible names: the
// parameter's name stands in another table cell, the request body's title above its editor.
// Each field gets the name it shows beside it, as it is drawn (a file, not an inline script:
// the Content-Security-Policy allows no inline script).
(function () {
  const root = document.getElementById("swagger-ui");
  if (!root) return;
  function unnamed(field) {
    return !field.hasAttribute("aria-label") && !(field.labels && field.labels.length);
  }
  function name() {
    for (const row of root.querySelectorAll("tr[data-param-name]")) {
      for (const field of row.querySelectorAll("select, input, textarea")) {
        if (unnamed(field)) field.setAttribute("aria-label", row.dataset.paramName);
      }
    }
    for (const section of root.querySelectorAll(".opblock-section-request-body")) {
      const title = section.querySelector(".opblock-title");
      for (const field of section.querySelectorAll("textarea, select")) {
        if (unnamed(field) && title) field.setAttribute("aria-label", title.textContent.trim());
      }
    }
  }
  new MutationObserver(name).observe(root, { childList: true, subtree: true });
})();
