// Tusk's one script, for every daemon's pages: sortable and filterable tables, keyboard
// navigation, live sections, line charts of the daemon's series, and actions that change
// state (sent as PUT/POST/DELETE with Hadoop's CSRF header, never as GET).
"use strict";
(function () {
  const CSRF_HEADER = "X-XSRF-HEADER";

  // A request that changes state: Hadoop's CSRF filter wants its custom header on it.
  async function send(method, url, body, contentType) {
    const headers = { [CSRF_HEADER]: "tusk" };
    if (contentType) headers["Content-Type"] = contentType;
    const response = await fetch(url, { method, headers, body, redirect: "follow" });
    if (!response.ok) {
      let message = response.status + " " + response.statusText;
      try {
        const json = await response.json();
        const remote = json.RemoteException || json;
        message = (remote.message || message) + (remote.exception ? " (" + remote.exception + ")" : "");
      } catch (_) { /* not JSON: keep the status line */ }
      throw new Error(message);
    }
    return response;
  }

  function cellKey(row, index) {
    const cell = row.cells[index];
    if (!cell) return "";
    const marked = cell.querySelector("[data-sort]");
    const key = cell.dataset.sort ?? (marked ? marked.dataset.sort : cell.textContent.trim());
    const number = Number(key);
    return key !== "" && !Number.isNaN(number) ? number : key.toLowerCase();
  }

  function sortTable(table, th) {
    const index = Array.from(th.parentNode.children).indexOf(th);
    const ascending = th.getAttribute("aria-sort") !== "ascending";
    th.parentNode.querySelectorAll("th").forEach((other) => other.setAttribute("aria-sort", "none"));
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    const body = table.tBodies[0];
    const rows = Array.from(body.rows);
    rows.sort((a, b) => {
      const x = cellKey(a, index), y = cellKey(b, index);
      const order = typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y));
      return ascending ? order : -order;
    });
    rows.forEach((row) => body.appendChild(row));
  }

  function enhanceTables(root) {
    root.querySelectorAll("table.sortable thead th").forEach((th) => {
      if (th.dataset.enhanced) return;
      th.dataset.enhanced = "1";
      th.tabIndex = 0;
      if (!th.hasAttribute("aria-sort")) th.setAttribute("aria-sort", "none");
      const table = th.closest("table");
      th.addEventListener("click", () => sortTable(table, th));
      th.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortTable(table, th); }
      });
    });
    root.querySelectorAll("table[data-filter]").forEach((table) => {
      if (table.dataset.enhanced) return;
      table.dataset.enhanced = "1";
      const input = document.createElement("input");
      input.type = "search";
      input.placeholder = "Search";
      input.setAttribute("aria-label", "Search the table");
      input.className = "table-search";
      const tools = document.createElement("div");
      tools.className = "table-tools";
      tools.appendChild(input);
      (table.closest(".scroll") || table).before(tools);
      input.addEventListener("input", () => {
        const text = input.value.toLowerCase();
        Array.from(table.tBodies[0].rows).forEach((row) => {
          row.hidden = text !== "" && !row.textContent.toLowerCase().includes(text);
        });
      });
    });
    root.querySelectorAll("table tbody tr").forEach((row) => {
      if (!row.hasAttribute("tabindex")) row.tabIndex = 0;
    });
  }

  // Arrow keys move between a table's rows; Enter follows the row's first link.
  document.addEventListener("keydown", (event) => {
    const row = event.target.closest && event.target.closest("tbody tr");
    if (!row || event.target !== row) return;
    let next = null;
    if (event.key === "ArrowDown") next = row.nextElementSibling;
    if (event.key === "ArrowUp") next = row.previousElementSibling;
    while (next && next.hidden) next = event.key === "ArrowDown" ? next.nextElementSibling : next.previousElementSibling;
    if (next) { event.preventDefault(); next.focus(); }
    if (event.key === "Enter") {
      const link = row.querySelector("a[href]");
      if (link) { event.preventDefault(); link.click(); }
    }
  });

  // Sections marked data-live="SECONDS" are fetched again and replaced in place.
  async function refreshLive() {
    const live = document.querySelectorAll("[data-live][id]");
    if (live.length === 0 || document.hidden) return;
    try {
      const response = await fetch(location.href, { headers: { "X-Tusk-Live": "1" } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      live.forEach((element) => {
        const replacement = fresh.getElementById(element.id);
        if (replacement && replacement.innerHTML !== element.innerHTML) {
          element.innerHTML = replacement.innerHTML;
          enhance(element);
        }
      });
      const state = fresh.querySelector("header.top .state");
      const current = document.querySelector("header.top .state");
      if (state && current) { current.textContent = state.textContent; current.dataset.state = state.dataset.state; }
    } catch (_) { /* the daemon is away: try again at the next tick */ }
  }

  // Line charts of /ui/series.
  const COLORS = ["#2f5fd0", "#d08a00", "#2e8b57", "#c0392b", "#7b4fc9"];
  async function drawCharts() {
    const charts = document.querySelectorAll("figure.chart.line[data-series]");
    if (charts.length === 0 || document.hidden) return;
    let data;
    try { data = await (await fetch("/ui/series")).json(); } catch (_) { return; }
    charts.forEach((figure) => drawLine(figure, data));
  }

  function drawLine(figure, data) {
    const names = figure.dataset.series.split(",");
    const rate = figure.dataset.rate === "true";
    const unit = figure.dataset.unit || "";
    const times = data.times || [];
    const lines = names.map((name) => {
      const values = (data.series || {})[name] || [];
      const points = [];
      for (let i = rate ? 1 : 0; i < times.length; i++) {
        const value = values[i];
        if (value === null || value === undefined) continue;
        if (rate) {
          const before = values[i - 1];
          const seconds = (times[i] - times[i - 1]) / 1000;
          if (before === null || before === undefined || seconds <= 0) continue;
          points.push([times[i], Math.max(0, (value - before) / seconds)]);
        } else {
          points.push([times[i], value]);
        }
      }
      return { name, points };
    });
    const all = lines.flatMap((line) => line.points);
    const svg = figure.querySelector("svg");
    const legend = figure.querySelector(".legend");
    const ns = "http://www.w3.org/2000/svg";
    svg.replaceChildren();
    legend.replaceChildren();
    const width = 600, height = 160, left = 40, bottom = 145;
    const t0 = all.length ? Math.min(...all.map((p) => p[0])) : 0;
    const t1 = all.length ? Math.max(...all.map((p) => p[0])) : 1;
    const top = Math.max(0, ...all.map((p) => p[1])) * 1.1 || 1;
    for (const fraction of [0, 0.5, 1]) {
      const y = bottom - fraction * (bottom - 10);
      const grid = document.createElementNS(ns, "line");
      grid.setAttribute("class", "grid");
      grid.setAttribute("x1", left); grid.setAttribute("x2", width);
      grid.setAttribute("y1", y); grid.setAttribute("y2", y);
      svg.appendChild(grid);
      const label = document.createElementNS(ns, "text");
      label.setAttribute("x", left - 4); label.setAttribute("y", y + 3);
      label.setAttribute("text-anchor", "end");
      label.textContent = formatNumber(top * fraction);
      svg.appendChild(label);
    }
    lines.forEach((line, index) => {
      const color = COLORS[index % COLORS.length];
      const polyline = document.createElementNS(ns, "polyline");
      polyline.setAttribute("stroke", color);
      polyline.setAttribute("points", line.points.map(([t, v]) => {
        const x = left + (t1 > t0 ? (t - t0) / (t1 - t0) : 1) * (width - left);
        return x.toFixed(1) + "," + (bottom - (v / top) * (bottom - 10)).toFixed(1);
      }).join(" "));
      svg.appendChild(polyline);
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = color;
      item.appendChild(swatch);
      const last = line.points.length ? line.points[line.points.length - 1][1] : 0;
      item.appendChild(document.createTextNode(line.name + (rate ? " /s" : "") + ": " + formatNumber(last) + unit));
      legend.appendChild(item);
    });
    figure.dataset.points = String(all.length);
  }

  function formatNumber(value) {
    if (value >= 1e9) return (value / 1e9).toFixed(1) + "G";
    if (value >= 1e6) return (value / 1e6).toFixed(1) + "M";
    if (value >= 1e3) return (value / 1e3).toFixed(1) + "k";
    return value >= 10 || value === 0 ? value.toFixed(0) : value.toFixed(2);
  }

  // <form data-method="PUT" data-url="..." data-body='{"state":"KILLED"}' data-confirm="...">
  // (data-then="reload" reloads the page after, data-then="/url" goes there)
  // sends the change; the fields of the form fill `{name}` in the URL.
  function enhanceForms(root) {
    root.querySelectorAll("form[data-method]").forEach((form) => {
      if (form.dataset.enhanced) return;
      form.dataset.enhanced = "1";
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
        const fields = new FormData(form);
        const url = (form.dataset.url || form.action).replace(/\{(\w+)\}/g,
          (_, name) => encodeURIComponent(fields.get(name) ?? "").replace(/%2F/g, "/"));
        const status = form.querySelector(".status") || form.appendChild(document.createElement("span"));
        status.className = "status muted";
        status.setAttribute("role", "status");
        try {
          await send(form.dataset.method, url, form.dataset.body,
            form.dataset.body ? "application/json" : undefined);
          status.textContent = form.dataset.done || "Done";
          await refreshLive();
          if (form.dataset.then === "reload") location.reload();
          else if (form.dataset.then) location.assign(form.dataset.then);
        } catch (error) {
          status.className = "status badge bad";
          status.textContent = error.message;
        }
      });
    });
    // Upload through WebHDFS: CREATE on the NameNode without redirect, then the body to
    // the DataNode it names.
    root.querySelectorAll("form[data-upload]").forEach((form) => {
      if (form.dataset.enhanced) return;
      form.dataset.enhanced = "1";
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        const file = form.querySelector("input[type=file]").files[0];
        const status = form.querySelector(".status") || form.appendChild(document.createElement("span"));
        status.setAttribute("role", "status");
        if (!file) { status.textContent = "Choose a file first"; return; }
        const dir = form.dataset.upload.replace(/\/$/, "");
        const user = form.dataset.user ? "&user.name=" + encodeURIComponent(form.dataset.user) : "";
        const path = (dir + "/" + file.name).split("/").map(encodeURIComponent).join("/");
        try {
          const step = await send("PUT", "/webhdfs/v1" + path + "?op=CREATE&overwrite=true&noredirect=true" + user);
          const location = (await step.json()).Location;
          await send("PUT", location, file, "application/octet-stream");
          status.className = "status badge ok";
          status.textContent = "Uploaded " + file.name;
          await refreshLive();
        } catch (error) {
          status.className = "status badge bad";
          status.textContent = error.message;
        }
      });
    });
  }

  function enhance(root) {
    enhanceTables(root);
    enhanceForms(root);
  }

  window.tusk = { send, refreshLive, drawCharts };
  document.addEventListener("DOMContentLoaded", () => {
    enhance(document);
    drawCharts();
    const seconds = Math.min(...Array.from(document.querySelectorAll("[data-live]"), (e) => Number(e.dataset.live) || 5), 60);
    if (Number.isFinite(seconds)) setInterval(refreshLive, seconds * 1000);
    if (document.querySelector("figure.chart.line")) setInterval(drawCharts, 5000);
  });
})();
