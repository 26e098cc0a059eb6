// pollcast console: progressive enhancement only; every page works without it. Copy buttons,
// times in the reader's zone, the poll form (kind-dependent fields, option rows to add, move
// and remove, local times sent with their offset), live results (the API's WebSocket, then
// polling /results), the votes-over-time chart (uPlot), present mode's full screen.
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // Copy buttons: [data-copy=<id of the field>]; said in the nearest [data-copied] region.
  $$("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) return;
      var said = $("[data-copied]", button.closest("section, div.notice") || document);
      var done = function () { if (said) { said.textContent = ""; said.textContent = said.getAttribute("data-copied"); } };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () { field.select(); });
      } else { field.select(); try { document.execCommand("copy"); done(); } catch (e) { /* selected: the user copies */ } }
    });
  });

  // Times in the reader's zone and language.
  var dateFormat = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  $$("time[datetime]").forEach(function (t) {
    var d = new Date(t.getAttribute("datetime"));
    if (!isNaN(d)) t.textContent = dateFormat.format(d);
  });

  // The poll form.
  var form = $("#poll-form");
  if (form) {
    var kind = $("[data-kind]", form);
    var showKinds = function () {
      $$("[data-for-kinds]", form).forEach(function (el) {
        el.hidden = el.getAttribute("data-for-kinds").split(" ").indexOf(kind.value) < 0;
      });
    };
    kind.addEventListener("change", showKinds);
    showKinds();
    // Times are shown and typed in the reader's zone; the server got UTC.
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    $$("[data-tz-name]", form).forEach(function (el) { el.textContent = "(" + zone + ")"; });
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    $$("[data-local-time]", form).forEach(function (input) {
      if (!input.value || $("[data-tz-offset]", form).value !== "0") return;
      var d = new Date(input.value + ":00Z");
      if (isNaN(d)) return;
      input.value = d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" + pad(d.getMinutes());
    });
    form.addEventListener("submit", function () {
      var typed = $$("[data-local-time]", form).map(function (i) { return i.value; }).filter(Boolean)[0];
      var at = typed ? new Date(typed) : new Date();
      $("[data-tz-offset]", form).value = String((isNaN(at) ? new Date() : at).getTimezoneOffset());
    });
    // Option rows: add, move up and down (buttons, or drag), remove.
    var rows = $("[data-option-rows]", form);
    if (rows) {
      var renumber = function () {
        $$(".option-row", rows).forEach(function (row, i) {
          var label = $("label", row), input = $("input[name=option_label]", row);
          input.id = "option-" + (i + 1); label.setAttribute("for", input.id);
          label.textContent = label.textContent.replace(/\d+/, String(i + 1));
        });
      };
      var label = function (row) { return $("label", row).textContent; };
      var tools = function (row) {
        if ($(".row-tools", row)) return;
        var box = document.createElement("span"); box.className = "row-tools";
        var field = $("input[name=option_label]", row);
        // Each button says what it does to which option, as the option's text changes.
        var name = function () {
          $$("button", box).forEach(function (btn) {
            btn.setAttribute("aria-label", rows.getAttribute("data-" + btn.getAttribute("data-do")) + ": " + (field.value || label(row)));
          });
        };
        field.addEventListener("input", name);
        [["up", "\u2191"], ["down", "\u2193"], ["remove", "\u2715"]].forEach(function (b) {
          var btn = document.createElement("button");
          btn.type = "button"; btn.textContent = b[1]; btn.setAttribute("data-do", b[0]);
          btn.addEventListener("click", function () {
            if (b[0] === "up" && row.previousElementSibling) rows.insertBefore(row, row.previousElementSibling);
            if (b[0] === "down" && row.nextElementSibling) rows.insertBefore(row.nextElementSibling, row);
            if (b[0] === "remove") { var next = row.nextElementSibling || row.previousElementSibling; row.remove(); if (next) $("input[name=option_label]", next).focus(); renumber(); return; }
            btn.focus(); renumber();
          });
          box.appendChild(btn);
        });
        row.appendChild(box);
        name();
        row.draggable = true;
        row.addEventListener("dragstart", function () { row.classList.add("dragging"); });
        row.addEventListener("dragend", function () { row.classList.remove("dragging"); renumber(); });
      };
      rows.addEventListener("dragover", function (e) {
        var moving = $(".dragging", rows); if (!moving) return;
        e.preventDefault();
        var after = $$(".option-row:not(.dragging)", rows).filter(function (r) { var b = r.getBoundingClientRect(); return e.clientY < b.top + b.height / 2; })[0];
        rows.insertBefore(moving, after || null);
      });
      $$(".option-row", rows).forEach(tools);
      var add = $("[data-add-option]", form);
      add.addEventListener("click", function (e) {
        e.preventDefault();
        var last = $$(".option-row", rows).pop();
        var row = last.cloneNode(true);
        $$("input", row).forEach(function (i) { i.value = ""; i.removeAttribute("aria-invalid"); i.removeAttribute("aria-describedby"); });
        $$(".error, .row-tools", row).forEach(function (el) { el.remove(); });
        rows.appendChild(row); tools(row); renumber();
        $("input[name=option_label]", row).focus();
      });
    }
    var summary = $("#errors");
    if (summary) summary.focus();
  }

  // Present mode: full screen on request.
  var full = $("[data-fullscreen]");
  if (full && document.documentElement.requestFullscreen) {
    full.addEventListener("click", function () { document.documentElement.requestFullscreen(); });
  } else if (full) { full.hidden = true; }

  // Live results and the chart.
  var live = $("#live[data-poll]");
  if (!live) return;
  var id = live.getAttribute("data-poll");
  var api = "/v1/polls/" + encodeURIComponent(id);
  var totalEl = $("[data-total]", live), viewersEl = $("[data-viewers-line]"), announceEl = $("[data-announce]", live);
  var plural = new Intl.PluralRules(lang);
  // A count in words, from the forms the page carries ({"one": "{count} vote", ...}).
  function words(el, attr, n) {
    var forms = {};
    try { forms = JSON.parse(el.getAttribute(attr) || "{}"); } catch (e) { /* none */ }
    var form = forms[plural.select(n)] || forms.other || "{count}";
    return form.replace("{count}", new Intl.NumberFormat(lang).format(n));
  }
  var lastTotal = totalEl ? Number((totalEl.textContent.match(/\d+/) || ["0"])[0]) : 0, lastAnnounced = 0, announceTimer = null;
  var chart = null, chartData = null;

  function announce(total) {
    if (!announceEl) return;
    var text = (live.getAttribute("data-announce-text") || "").replace("#", String(total));
    var wait = Math.max(0, lastAnnounced + 10000 - Date.now());
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () { lastAnnounced = Date.now(); announceEl.textContent = text; }, wait);
  }

  function showStatus(status) {
    var s = $("[data-status]"), name = s && status && s.getAttribute("data-name-" + status);
    if (name) { s.textContent = name; s.className = "status " + status; }
  }
  function render(m) {
    if (m && m.status) showStatus(m.status);
    if (!m || (m.type && m.type !== "results")) return;
    var total = Number(m.total_votes || 0);
    var rows = m.distribution ? m.distribution.map(function (d) { return { id: String(d.score), votes: d.votes }; }) : (m.options || []);
    rows.forEach(function (o) {
      var row = $('.result[data-id="' + String(o.id).replace(/"/g, "") + '"]', live);
      if (!row) return;
      var pct = total ? Math.round(o.votes * 100 / total) : 0;
      $(".votes", row).textContent = String(o.votes);
      $(".share", row).textContent = String(pct);
      $("progress", row).value = pct;
    });
    var mean = $("[data-mean]", live);
    if (mean && m.mean != null) mean.textContent = Number(m.mean).toFixed(2);
    if (totalEl) { totalEl.textContent = words(totalEl, "data-forms", total); totalEl.setAttribute("data-count", String(total)); }
    if (viewersEl && m.viewers != null) viewersEl.textContent = words(live, "data-viewers-forms", m.viewers);
    if (total !== lastTotal) { addToChart(total - lastTotal); lastTotal = total; announce(total); }
    if (m.terms) renderTerms(m);
  }
  // Open text: the ranked list and the word cloud (web/static/cloud.js).
  var cloudBox = $("[data-cloud]", live), termsList = $("[data-terms]", live), lastTerms = null;
  function renderTerms(m) {
    lastTerms = m.terms;
    termsList.textContent = "";
    m.terms.forEach(function (term) {
      var li = document.createElement("li"), text = document.createElement("span"), count = document.createElement("span");
      text.className = "term"; text.dir = "auto"; text.textContent = term.text;
      count.className = "count"; count.textContent = String(term.count);
      li.appendChild(text); li.appendChild(document.createTextNode(" ")); li.appendChild(count);
      termsList.appendChild(li);
    });
    var entriesEl = $("[data-entries]", live);
    if (entriesEl) entriesEl.textContent = words(entriesEl, "data-forms", Number(m.total_entries || 0));
    if (window.pollcastCloud && cloudBox) window.pollcastCloud(cloudBox, lastTerms);
  }
  if (cloudBox && termsList) {
    var drawCloud = function () {
      if (!window.pollcastCloud) return;
      var terms = lastTerms || $$("li", termsList).map(function (li) { return { text: $(".term", li).textContent, count: Number(li.getAttribute("data-count")) || 1 }; });
      window.pollcastCloud(cloudBox, terms);
    };
    // cloud.js is deferred like this script; it has run by the load event.
    window.addEventListener("load", drawCloud);
    window.addEventListener("resize", drawCloud);
  }

  var backoff = 0, polling = null;
  function offline() { if (viewersEl) viewersEl.textContent = live.getAttribute("data-offline-text") || ""; }
  function poll() {
    if (polling) return;
    var tick = function () {
      fetch(api + "/results", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; }).then(render, function () {});
    };
    tick(); polling = setInterval(tick, 5000);
  }
  function connect() {
    if (!window.WebSocket) return poll();
    var heard = false, ws;
    try { ws = new WebSocket(location.origin.replace(/^http/, "ws") + api + "/live"); } catch (e) { return poll(); }
    ws.onmessage = function (e) { heard = true; backoff = 0; try { render(JSON.parse(e.data)); } catch (x) { /* not ours */ } };
    ws.onclose = function () {
      offline();
      if (!heard && backoff > 2) return poll();
      backoff = Math.min(backoff + 1, 6);
      setTimeout(connect, (500 << backoff) * (0.5 + Math.random()));
    };
  }
  connect();

  // The chart: votes per minute from the timeline tally keeps, moved on by live results.
  var chartEl = $("#chart[data-timeline]");
  function loadChart() {
    if (!chartEl || !window.uPlot) return;
    fetch(chartEl.getAttribute("data-timeline"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (t) {
        if (!t) return;
        var xs = t.votes.map(function (_, i) { return t.start / 1000 + i * 60; });
        chartData = [xs, t.votes.slice()];
        var width = Math.max(280, chartEl.clientWidth || 600);
        var styles = getComputedStyle(document.documentElement);
        var stroke = styles.getPropertyValue("--accent").trim() || "#1d4ed8";
        var axis = { stroke: styles.getPropertyValue("--fg").trim() || "#1a1a1a", grid: { stroke: styles.getPropertyValue("--line").trim() || "#ccc" } };
        if (chart) { chart.setData(chartData); showSum(); return; }
        chart = new window.uPlot({
          width: width, height: 220, legend: { show: false },
          series: [{}, { label: chartEl.getAttribute("aria-label"), stroke: stroke, width: 2, fill: stroke + "33" }],
          axes: [axis, axis], scales: { x: { time: true } }
        }, chartData, chartEl);
        showSum();
      }, function () {});
  }
  function addToChart(delta) {
    if (!chart || !chartData || delta <= 0) return;
    var minute = Math.floor(Date.now() / 60000) * 60;
    var xs = chartData[0], ys = chartData[1];
    if (xs[xs.length - 1] < minute) { xs.push(minute); ys.push(0); }
    ys[ys.length - 1] += delta;
    chart.setData(chartData);
    showSum();
  }
  // The chart's total, on the element: what a test (or a curious reader) can check.
  function showSum() {
    if (chartData) chartEl.setAttribute("data-sum", String(chartData[1].reduce(function (a, b) { return a + b; }, 0)));
  }
  window.addEventListener("load", loadChart);
  setInterval(loadChart, 60000);
})();
