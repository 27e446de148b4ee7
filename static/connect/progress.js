// Live progress of runs without reloading the page: polls the customer's progress JSON.
(function () {
  const root = document.querySelector("[data-progress-url]");
  if (!root) return;
  const url = root.dataset.progressUrl;
  async function poll() {
    let active = false;
    try {
      const answer = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!answer.ok) return;
      const data = await answer.json();
      for (const run of data.runs) {
        for (const row of document.querySelectorAll(`[data-run="${run.id}"]`)) {
          const bar = row.querySelector(".progress > div");
          if (bar) bar.style.width = run.percent + "%";
          const status = row.querySelector("[data-status]");
          if (status) { status.textContent = run.status_label; status.className = "state state-" + run.status; status.dataset.status = run.status; }
          const text = row.querySelector("[data-progress-text]");
          if (text) text.textContent = run.total ? `${run.done} / ${run.total}` : run.phase_label;
          const started = row.querySelector("[data-started-text]");
          if (started) started.textContent = run.started_text;
          if (!run.active && row.dataset.active === "true") { row.dataset.active = "false"; if (row.dataset.reloadWhenDone) location.reload(); }
        }
        active = active || run.active;
      }
    } finally {
      if (active) setTimeout(poll, 1500);
    }
  }
  poll();
})();
