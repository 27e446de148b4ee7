// Live progress of runs without reloading the page: polls the customer's progress JSON.
(function () {
  const root = document.querySelector("[data-progress-url]");
  if (!root) return;
  const url = root.dataset.progressUrl;
  // The run page's counts table: redrawn from the counts the run has written so far.
  function drawCounts(counts) {
    const table = document.getElementById("run-counts");
    if (!table || !counts) return;
    if (!counts.rows.length) {
      const cell = table.tBodies[0].querySelector("td");
      if (cell && table.tBodies[0].rows.length === 1) cell.textContent = counts.empty;
      return;
    }
    const head = document.createElement("tr");
    for (const label of [table.dataset.entityLabel, ...counts.columns]) {
      const th = document.createElement("th");
      th.textContent = label;
      head.appendChild(th);
    }
    table.tHead.replaceChildren(head);
    const body = table.tBodies[0];
    body.replaceChildren(...counts.rows.map(([entity, values]) => {
      const tr = document.createElement("tr");
      for (const value of [entity, ...values]) {
        const td = document.createElement("td");
        td.textContent = value;
        tr.appendChild(td);
      }
      return tr;
    }));
  }
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
          const startedShort = row.querySelector("[data-started-short]");
          if (startedShort) startedShort.textContent = run.started_short;
          if (row.id === "run-progress" && run.active) drawCounts(run.counts);
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
