// Small behaviours of every portal page, kept out of the HTML (Content-Security-Policy).
(function () {
  // The language menu submits its form on change (a button is offered without JavaScript).
  for (const select of document.querySelectorAll("select[data-submit-on-change]")) {
    select.addEventListener("change", () => select.form.submit());
  }
})();
