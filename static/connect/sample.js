// A sample export being read by a task: poll its status and reload the page when it is done.
(function () {
  const root = document.querySelector("[data-poll-url]");
  if (!root) return;
  const url = root.dataset.pollUrl;
  async function poll() {
    try {
      const answer = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (answer.ok) {
        const data = await answer.json();
        if (data.done) { location.reload(); return; }
      }
    } catch (error) {
      // A lost connection: try again in a moment.
    }
    setTimeout(poll, 1500);
  }
  setTimeout(poll, 1000);
})();
