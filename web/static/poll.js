// The poll page's script (the page works without it): votes over the API, keeps the voter's
// token and "you voted" across reloads, orders ranked ballots by buttons or drag, follows the
// live results (WebSocket, then Server-Sent Events, then polling with ETag; reconnecting with
// backoff and jitter), and in an iframe tells the host page its height and the vote.
(function () {
  "use strict";
  var root = document.getElementById("poll");
  if (!root) return;
  var S = JSON.parse(document.getElementById("pollcast-strings").textContent);
  var pollId = root.dataset.pollId, kind = root.dataset.kind, lang = root.dataset.lang;
  var form = document.getElementById("ballot"), button = document.getElementById("vote-button");
  var message = document.getElementById("message"), results = document.getElementById("results");
  var live = document.getElementById("live"), announce = document.getElementById("announce");
  var api = location.origin + "/v1/polls/" + encodeURIComponent(pollId);
  var votedKey = "pollcast:voted:" + pollId;
  var embedded = window.parent !== window;
  var parentOrigin = "*";
  try { if (document.referrer) parentOrigin = new URL(document.referrer).origin; } catch (e) { /* keep * */ }
  var plurals = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang) : null;
  var verifiedToken = null;

  function t(id, vars) {
    var s = S[id] || id;
    if (typeof s === "object") s = s[plurals ? plurals.select(vars.count) : "other"] || s.other;
    return s.replace(/\{(\w+)\}/g, function (_, k) { return vars && k in vars ? vars[k] : ""; });
  }
  function num(n) { return window.Intl ? new Intl.NumberFormat(lang).format(n) : String(n); }
  function say(text, bad) { message.textContent = text; message.classList.toggle("error", !!bad); }
  function store(k, v) { try { if (v == null) localStorage.removeItem(k); else localStorage.setItem(k, v); } catch (e) { /* blocked */ } }
  function load(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
  function tell(msg) { if (embedded) window.parent.postMessage(msg, parentOrigin); }

  // The voter token: localStorage, else a first-party cookie; minted once per browser.
  function voterToken() {
    if (verifiedToken) return Promise.resolve(verifiedToken);
    var kept = load("pollcast:voter") || (document.cookie.match(/(?:^|; )pollcast_voter=([^;]+)/) || [])[1];
    if (kept) return Promise.resolve(kept);
    return fetch(location.origin + "/v1/voters", { method: "POST" }).then(function (r) {
      if (!r.ok) throw new Error("voter");
      return r.json();
    }).then(function (b) {
      store("pollcast:voter", b.voter_token);
      document.cookie = "pollcast_voter=" + b.voter_token + "; path=/; max-age=31536000; samesite=lax" + (location.protocol === "https:" ? "; secure" : "");
      return b.voter_token;
    });
  }

  // Where voters may change their minds (and the poll is open), the form stays usable.
  var changeable = root.dataset.change === "1";
  function markVoted(choice) {
    root.dataset.voted = "1";
    var again = changeable && root.dataset.status === "open";
    button.disabled = !again;
    button.textContent = t(again ? "change-vote" : "you-voted");
    if (!again) form.querySelectorAll("input, .mover button").forEach(function (el) { el.disabled = true; });
    if (choice && choice.length) {
      var labels = choice.map(labelOf);
      var p = document.getElementById("your-choice");
      if (!p) { p = document.createElement("p"); p.id = "your-choice"; p.className = "voted"; form.appendChild(p); }
      p.textContent = t("your-choice", { choice: labels.join(", ") });
      document.querySelectorAll(".result").forEach(function (el) { el.classList.toggle("mine", choice.indexOf(el.dataset.id) >= 0); });
    }
    watch();
  }

  function labelOf(id) {
    var el = kind === "rating" ? null : form.querySelector('[data-option-id="' + CSS.escape(id) + '"] .label');
    return el ? el.textContent : id;
  }

  function ballot() {
    if (kind === "open_text") {
      var entries = Array.prototype.map.call(form.querySelectorAll("input[name=entries]"), function (i) { return i.value.trim(); })
        .filter(function (v) { return v; });
      return entries.length ? { entries: entries } : null;
    }
    if (kind === "rating") {
      var r = form.querySelector("input[name=rating]:checked");
      return r ? { rating: Number(r.value) } : null;
    }
    var sel = kind === "ranked" ? "input[name=option_ids]" : "input[name=option_ids]:checked";
    var ids = Array.prototype.map.call(form.querySelectorAll(sel), function (i) { return i.value; });
    if (kind === "ranked") ids = ids.slice(0, Number(root.dataset.max) || ids.length);
    return ids.length ? { option_ids: ids } : null;
  }

  // Bot protection: a protected poll's votes carry a solved proof-of-work challenge. It is
  // fetched and solved in a worker as soon as the page loads, while the visitor reads, so
  // voting waits for it only when solving is slow; each solution is good for one vote.
  var proofNeeded = root.dataset.proof === "1", solving = null;
  function solve() {
    return fetch(api + "/challenge", { cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("challenge");
      return r.json();
    }).then(function (c) {
      return new Promise(function (done, fail) {
        var worker = new Worker("/static/pow-worker.js");
        worker.onmessage = function (e) {
          worker.terminate();
          if (e.data.number == null) { fail(new Error("unsolved")); return; }
          // Milliseconds from navigation to solved: what the browser test reports.
          root.dataset.proofReadyMs = String(Math.round(performance.now()));
          var m = /[?&]expires=(\d+)/.exec(c.salt);
          done({ expires: m ? Number(m[1]) * 1000 : 0, payload: btoa(JSON.stringify({ algorithm: c.algorithm,
            challenge: c.challenge, number: e.data.number, salt: c.salt, signature: c.signature })) });
        };
        worker.onerror = function () { worker.terminate(); fail(new Error("worker")); };
        worker.postMessage({ challenge: c.challenge, salt: c.salt, maxnumber: c.maxnumber });
      });
    });
  }
  function proof(fresh) {
    if (!proofNeeded) return Promise.resolve(null);
    if (fresh || !solving) solving = solve().catch(function (e) { solving = null; throw e; });
    return solving.then(function (p) {
      // A challenge about to expire is solved anew rather than refused at the server.
      return p.expires - Date.now() < 60000 ? proof(true) : p;
    });
  }
  if (proofNeeded && !root.dataset.voted && root.dataset.status === "open") proof(false).catch(function () { /* retried on vote */ });

  var problems = { already_voted: "error-already-voted", poll_closed: "error-poll-closed", poll_not_open: "error-poll-not-open",
    invalid_choice: "error-invalid-choice", validation_failed: kind === "open_text" ? "error-entry" : "error-invalid-choice",
    entry_too_long: "error-entry", entry_empty: "error-entry", too_many_entries: "error-entry", invalid_voter_token: "error-verified-only",
    rate_limited: "error-rate-limited", unavailable: "error-busy",
    challenge_required: "error-verification", challenge_invalid: "error-verification" };

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var b = ballot();
    if (!b) { say(t(kind === "rating" ? "choose-score" : kind === "open_text" ? "write-entry" : "choose-option"), true); return; }
    var min = Number(root.dataset.min) || 1, max = Number(root.dataset.max) || 1;
    if (kind === "multiple" && (b.option_ids.length < min || b.option_ids.length > max)) {
      say(document.getElementById("hint").textContent, true); return;
    }
    button.disabled = true;
    say(t("sending"));
    // One key per ballot: a retry after a lost answer is the same vote, counted once.
    var key = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now();
    var tries = 0, resolved = false;
    function send(token, solved) {
      b.voter_token = token;
      if (solved) b.proof = solved.payload;
      return fetch(api + "/votes", { method: "POST", body: JSON.stringify(b),
        headers: { "Content-Type": "application/json", "Idempotency-Key": key } }).then(function (r) {
        // 202: a vote; 200: a changed vote (its `replaced` names the ballot it replaced).
        if (r.status === 202 || r.status === 200) return r.json().then(function (a) {
          var choice = b.option_ids || b.entries || [String(b.rating)];
          store(votedKey, JSON.stringify({ vote_id: a.vote_id, choice: choice }));
          say(t("thanks"));
          tell({ type: "pollcast:vote", vote_id: a.vote_id });
          markVoted(choice);
        });
        if (r.status === 503 && ++tries < 4) {
          return wait((Number(r.headers.get("Retry-After")) || 1) * 1000).then(function () { return send(token, solved); });
        }
        return r.json().then(function (p) {
          // A solution refused (expired meanwhile, or used by another tab): solve anew, once.
          if (p.code === "challenge_invalid" && !resolved) {
            resolved = true;
            return proof(true).then(function (fresh) { return send(token, fresh); });
          }
          if (p.code === "already_voted") { markVoted(null); } else { button.disabled = false; }
          say(t(problems[p.code] || "error-invalid-choice"), true);
        });
      }, function () {
        if (++tries < 4) return wait(1000 * tries).then(function () { return send(token, solved); });
        throw new Error("network");
      });
    }
    // "Verifying…" only when the proof is not ready within a moment.
    var ready = false;
    var slow = proofNeeded ? setTimeout(function () { if (!ready) say(t("verifying")); }, 300) : null;
    Promise.all([voterToken(), proof(false)]).then(function (got) {
      ready = true;
      clearTimeout(slow);
      say(t("sending"));
      return send(got[0], got[1]);
    }).catch(function () { ready = true; clearTimeout(slow); button.disabled = false; say(t("error-network"), true); });
  });

  function wait(ms) { return new Promise(function (done) { setTimeout(done, ms); }); }

  // Ranked ballots: the order of the list is the ballot. Buttons move an option (keyboard),
  // drag reorders where a pointer exists.
  var list = document.getElementById("choices");
  function renumber() {
    list.querySelectorAll(".choice").forEach(function (li, i) { var r = li.querySelector(".rank"); if (r) r.textContent = num(i + 1); });
  }
  if (kind === "ranked") {
    list.addEventListener("click", function (event) {
      var btn = event.target.closest(".mover button");
      if (!btn || btn.disabled) return;
      var li = btn.closest(".choice"), up = btn.classList.contains("up");
      var to = up ? li.previousElementSibling : li.nextElementSibling;
      if (!to) return;
      list.insertBefore(li, up ? to : to.nextElementSibling);
      renumber();
      btn.focus();
      announce.textContent = labelOf(li.dataset.optionId) + ": " + num(Array.prototype.indexOf.call(list.children, li) + 1);
    });
    var dragged = null;
    list.querySelectorAll(".choice").forEach(function (li) {
      li.draggable = true;
      li.addEventListener("dragstart", function (e) { dragged = li; li.classList.add("dragging"); e.dataTransfer.effectAllowed = "move"; });
      li.addEventListener("dragend", function () { li.classList.remove("dragging"); dragged = null; renumber(); });
      li.addEventListener("dragover", function (e) {
        if (!dragged || dragged === li || root.dataset.voted) return;
        e.preventDefault();
        var box = li.getBoundingClientRect();
        list.insertBefore(dragged, e.clientY > box.top + box.height / 2 ? li.nextElementSibling : li);
      });
    });
  }

  // Results.
  var lastSeq = -1, lastSpoken = 0, pendingSpeech = null;
  function render(m) {
    if (m.type === "status") { setStatus(m.status); return; }
    if (m.type !== "results" || m.seq < lastSeq) return;
    lastSeq = m.seq;
    var total = m.total_votes || 0;
    var rows = kind === "rating" ? (m.distribution || []).map(function (d) { return { id: String(d.score), votes: d.votes }; }) : (m.options || []);
    rows.forEach(function (o) {
      var el = document.querySelector('.result[data-id="' + CSS.escape(o.id) + '"]');
      if (!el) return;
      var pct = total ? Math.round(o.votes * 100 / total) : 0;
      el.querySelector(".fill").style.width = pct + "%";
      el.querySelector(".votes").textContent = t("votes", { count: o.votes });
      el.querySelector(".share").textContent = t("share", { share: num(pct) });
    });
    document.getElementById("total").textContent = t("votes", { count: total });
    if (typeof m.viewers === "number") document.getElementById("watching").textContent = "· " + t("watching", { count: m.viewers });
    var summary = document.getElementById("summary");
    if (kind === "rating" && m.mean != null) summary.textContent = t("average", { mean: num(m.mean), max: (m.distribution || []).length });
    if (kind === "ranked" && m.rounds && m.rounds.length) {
      var box = document.getElementById("rounds-box"), ol = document.getElementById("rounds");
      ol.textContent = "";
      m.rounds.forEach(function (r) {
        var li = document.createElement("li");
        var line = t("round-line", { round: num(r.round), tallies: r.tallies.map(function (c) { return labelOf(c.id) + " " + num(c.votes); }).join(", ") });
        if (r.eliminated && r.eliminated.length) line += " · " + t("round-eliminated", { labels: r.eliminated.map(labelOf).join(", ") });
        li.textContent = line;
        ol.appendChild(li);
      });
      box.hidden = false;
      var last = m.rounds[m.rounds.length - 1];
      summary.textContent = last.winner ? t("runoff-winner", { count: last.round, rounds: num(last.round), label: labelOf(last.winner) })
        : last.tied && last.tied.length ? t("runoff-tie", { labels: last.tied.map(labelOf).join(", ") }) : "";
    }
    if (kind === "open_text") renderTerms(m);
    if (m.status) setStatus(m.status);
    speak(t("votes", { count: total }));
  }
  // Open text: the ranked list (what screen readers and keyboards use) and the cloud.
  var cloudBox = document.getElementById("cloud"), lastTerms = [];
  function renderTerms(m) {
    var terms = m.terms || [], ol = document.getElementById("terms");
    ol.textContent = "";
    terms.forEach(function (term) {
      var li = document.createElement("li"), text = document.createElement("span"), count = document.createElement("span");
      text.className = "term"; text.textContent = term.text;
      count.className = "count"; count.textContent = t("entries", { count: term.count });
      li.appendChild(text); li.appendChild(document.createTextNode(" ")); li.appendChild(count);
      ol.appendChild(li);
    });
    document.getElementById("terms-empty").hidden = terms.length > 0;
    document.getElementById("summary").textContent = t("entries", { count: m.total_entries || 0 });
    lastTerms = terms;
    if (window.pollcastCloud && cloudBox) window.pollcastCloud(cloudBox, terms);
  }
  if (kind === "open_text" && cloudBox && window.pollcastCloud) {
    // The first picture, from the list the server rendered; redrawn when the width changes.
    lastTerms = Array.prototype.map.call(document.querySelectorAll("#terms li"), function (li) {
      return { text: li.querySelector(".term").textContent, count: Number(li.dataset.count) || 1 };
    });
    window.pollcastCloud(cloudBox, lastTerms);
    var drawnWidth = cloudBox.clientWidth;
    window.addEventListener("resize", function () {
      if (cloudBox.clientWidth !== drawnWidth) { drawnWidth = cloudBox.clientWidth; window.pollcastCloud(cloudBox, lastTerms); }
    });
  }
  // The live region speaks at most every 5 s, the newest total, not every tick.
  function speak(text) {
    var now = Date.now();
    if (now - lastSpoken >= 5000) { lastSpoken = now; announce.textContent = text; return; }
    if (!pendingSpeech) pendingSpeech = setTimeout(function () { pendingSpeech = null; lastSpoken = Date.now(); announce.textContent = document.getElementById("total").textContent; }, 5000 - (now - lastSpoken));
  }
  function setStatus(status) {
    var was = root.dataset.status;
    root.dataset.status = status;
    document.getElementById("state").textContent = t("status-" + status);
    var open = status === "open" && (!root.dataset.voted || changeable);
    if (open && was === "open") return;
    // A scheduled poll that opens while the page is up takes votes without a reload.
    button.disabled = !open;
    form.querySelectorAll("input, .mover button").forEach(function (el) { el.disabled = !open; });
    if (status === "closed") watch();
  }

  // Live transport: WebSocket; a socket that closes before its first message counts as
  // refused, and then Server-Sent Events; if those fail too, polling /results with its ETag.
  var watching = false, transport = "ws", backoff = 0, timer = null, current = null, etag = null;
  function mayWatch() {
    if (root.dataset.hideResults) return false;
    var v = root.dataset.visibility, closed = root.dataset.status === "closed";
    return v === "always" || (v === "after_vote" && (root.dataset.voted || closed)) || (v === "after_close" && closed);
  }
  function watch() {
    if (watching || !mayWatch()) return;
    watching = true;
    results.hidden = false;
    var note = document.getElementById("results-note");
    if (note) note.hidden = true;
    live.hidden = false;
    voterToken().then(connect, function () { connect(null); });
  }
  function state(key, on) { live.textContent = t(key); live.classList.toggle("on", !!on); }
  function retry(token) {
    if (current) { try { current.close(); } catch (e) { /* gone */ } current = null; }
    // Exponential backoff with full jitter, 0.5 s to 30 s.
    var ceiling = Math.min(30000, 500 * Math.pow(2, backoff++));
    state("live-reconnecting");
    clearTimeout(timer);
    timer = setTimeout(function () { connect(token); }, Math.random() * ceiling);
  }
  function connect(token) {
    clearTimeout(timer);
    if (transport === "ws" && window.WebSocket) return connectWs(token);
    if (transport !== "poll" && window.ReadableStream) return connectSse(token);
    return poll(token);
  }
  function connectWs(token) {
    state("live-connecting");
    var heard = false, ws;
    try { ws = new WebSocket(api.replace(/^http/, "ws") + "/live"); } catch (e) { transport = "sse"; return connect(token); }
    current = ws;
    ws.onopen = function () { if (token) ws.send(JSON.stringify({ type: "hello", voter_token: token })); };
    ws.onmessage = function (e) { if (!heard) { heard = true; backoff = 0; state("live-on", true); } try { render(JSON.parse(e.data)); } catch (x) { /* not ours */ } };
    ws.onclose = function () { if (current !== ws) return; current = null; if (!heard) transport = "sse"; retry(token); };
  }
  function connectSse(token) {
    state("live-connecting");
    var ctl = new AbortController(), heard = false;
    current = { close: function () { ctl.abort(); } };
    var headers = { Accept: "text/event-stream" };
    if (token) headers["Voter-Token"] = token;
    fetch(api + "/live", { headers: headers, signal: ctl.signal, cache: "no-store" }).then(function (r) {
      if (!r.ok || !r.body) throw new Error("sse " + r.status);
      var reader = r.body.getReader(), decoder = new TextDecoder(), buf = "";
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) throw new Error("ended");
          buf += decoder.decode(chunk.value, { stream: true });
          var at;
          while ((at = buf.indexOf("\n\n")) >= 0) {
            var data = buf.slice(0, at).split("\n").filter(function (l) { return l.indexOf("data:") === 0; })
              .map(function (l) { return l.slice(5).replace(/^ /, ""); }).join("\n");
            buf = buf.slice(at + 2);
            if (data) { if (!heard) { heard = true; backoff = 0; state("live-on", true); } try { render(JSON.parse(data)); } catch (x) { /* skip */ } }
          }
          return pump();
        });
      }
      return pump();
    }).catch(function () {
      if (ctl.signal.aborted && current === null) return;
      if (!heard) transport = "poll";
      retry(token);
    });
  }
  function poll(token) {
    state("live-polling", true);
    var headers = {};
    if (token) headers["Voter-Token"] = token;
    if (etag) headers["If-None-Match"] = etag;
    current = { close: function () { clearTimeout(timer); } };
    fetch(api + "/results", { headers: headers, cache: "no-cache" }).then(function (r) {
      if (r.status === 304) return null;
      if (!r.ok) throw new Error("results " + r.status);
      etag = r.headers.get("ETag");
      return r.json();
    }).then(function (body) {
      if (body) render({ type: "results", seq: body.seq, status: body.status, total_votes: body.total_votes, options: body.options,
        distribution: body.distribution, mean: body.mean, rounds: body.rounds });
      backoff = 0;
      timer = setTimeout(function () { poll(token); }, 3000 + Math.random() * 2000);
    }, function () { retry(token); });
  }
  // After the device sleeps or the network comes back, reconnect at once rather than wait.
  function wake() { if (watching && !(current && live.classList.contains("on"))) { backoff = 0; voterToken().then(connect, function () { connect(null); }); } }
  window.addEventListener("online", wake);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) wake(); });

  // In an iframe: the host page learns the height, the title, and the vote.
  if (embedded) {
    var lastHeight = 0;
    var report = function () {
      var h = Math.ceil(document.documentElement.getBoundingClientRect().height);
      if (h !== lastHeight) { lastHeight = h; tell({ type: "pollcast:resize", height: h }); }
    };
    if (window.ResizeObserver) new ResizeObserver(report).observe(document.documentElement);
    window.addEventListener("load", report);
    window.addEventListener("message", function (e) {
      if (e.source !== window.parent || !e.data || e.data.type !== "pollcast:voter-token") return;
      verifiedToken = String(e.data.token);
    });
    tell({ type: "pollcast:ready", title: document.getElementById("question").textContent });
    report();
  }

  // The opening time of a scheduled poll, in the viewer's own time zone and language.
  var opens = document.getElementById("opens-at");
  if (opens && window.Intl) {
    opens.textContent = t("opens-at", { time: new Intl.DateTimeFormat(lang, { dateStyle: "full", timeStyle: "short" }).format(new Date(opens.dateTime)) });
  }

  var kept = null;
  try { kept = JSON.parse(load(votedKey) || "null"); } catch (e) { /* ignore */ }
  if (kept) markVoted(kept.choice); else if (root.dataset.voted) markVoted(null);
  watch();
})();
