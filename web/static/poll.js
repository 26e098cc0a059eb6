// The hosted poll page: gets a voter token, casts the vote, and follows the live results.
(function () {
  "use strict";
  var root = document.getElementById("poll");
  if (!root) return;
  var pollId = root.dataset.pollId;
  var form = document.getElementById("ballot");
  var button = document.getElementById("vote-button");
  var message = document.getElementById("message");
  var live = document.getElementById("live");
  var votedKey = "pollcast:voted:" + pollId;
  var kind = root.dataset.kind;
  // Ranked ballots list options in the order they were ticked.
  var ranking = [];

  function say(text) { message.textContent = text; }

  function voterToken() {
    var stored = null;
    try { stored = localStorage.getItem("pollcast:voter"); } catch (e) { /* storage blocked */ }
    if (stored) return Promise.resolve(stored);
    return fetch("/v1/voters", { method: "POST" })
      .then(function (r) { if (!r.ok) throw new Error("voter token: " + r.status); return r.json(); })
      .then(function (body) {
        try { localStorage.setItem("pollcast:voter", body.voter_token); } catch (e) { /* ignore */ }
        return body.voter_token;
      });
  }

  function markVoted() {
    button.disabled = true;
    button.textContent = "Voted";
    try { localStorage.setItem(votedKey, "1"); } catch (e) { /* ignore */ }
    if (typeof watchIfAllowed === "function") watchIfAllowed();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var ballot;
    if (kind === "rating") {
      var picked = form.querySelector("input[name=rating]:checked");
      if (!picked) { say("Choose a score first."); return; }
      ballot = { rating: Number(picked.value) };
    } else {
      var chosen = kind === "ranked" ? ranking.slice() : Array.prototype.map.call(
        form.querySelectorAll("input[name=option_ids]:checked"), function (i) { return i.value; });
      if (chosen.length === 0) { say("Choose an option first."); return; }
      ballot = { option_ids: chosen };
    }
    button.disabled = true;
    // One key per ballot: retries after a network error or a 503 are the same vote, so the
    // server counts it once whatever happened to the first answer.
    var key = idempotencyKey();
    var tries = 0;
    function send(token) {
      ballot.voter_token = token;
      return fetch("/v1/polls/" + encodeURIComponent(pollId) + "/votes", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": key },
        body: JSON.stringify(ballot)
      }).then(function (r) {
        if (r.status === 202) { markVoted(); say("Thanks, your vote is in."); return; }
        if (r.status === 503 && ++tries < 4) {
          var wait = (Number(r.headers.get("Retry-After")) || 1) * 1000;
          say("Busy; trying again…");
          return new Promise(function (done) { setTimeout(done, wait); }).then(function () { return send(token); });
        }
        return r.json().then(function (problem) {
          if (problem.code === "already_voted") { markVoted(); }
          else { button.disabled = false; }
          say(problem.detail || problem.title || "The vote was not accepted.");
        });
      }, function () {
        if (++tries < 4) {
          return new Promise(function (done) { setTimeout(done, 1000); }).then(function () { return send(token); });
        }
        throw new Error("network");
      });
    }
    voterToken().then(send).catch(function () { button.disabled = false; say("Network problem; try again."); });
  });

  function idempotencyKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    if (kind === "ranked" && input.name === "option_ids") {
      ranking = ranking.filter(function (id) { return id !== input.value; });
      if (input.checked) ranking.push(input.value);
    }
    form.querySelectorAll(".option").forEach(function (el) {
      el.classList.toggle("chosen", el.querySelector("input").checked);
      var rank = el.querySelector(".rank");
      if (rank) {
        var at = ranking.indexOf(el.dataset.optionId);
        rank.textContent = at < 0 ? "" : String(at + 1);
      }
    });
  });

  function labelOf(id) {
    var el = form.querySelector('[data-option-id="' + CSS.escape(id) + '"] .label');
    return el ? el.textContent : id;
  }

  function showBar(el, votes, total) {
    var pct = total ? Math.round(votes * 1000 / total) / 10 : 0;
    el.querySelector(".bar").style.width = pct + "%";
    el.querySelector(".count").textContent = votes + " · " + pct + "%";
  }

  // The kind-specific line under the bars: the runoff's outcome, or the mean score.
  function summarise(msg) {
    var summary = document.getElementById("summary");
    if (kind === "rating") {
      summary.textContent = msg.mean == null ? "" : "Average " + msg.mean + " of " + (msg.distribution || []).length;
    } else if (kind === "ranked") {
      var rounds = msg.rounds || [];
      var last = rounds[rounds.length - 1];
      if (!last) { summary.textContent = ""; return; }
      var after = rounds.length === 1 ? "in the first round" : "after " + rounds.length + " rounds";
      summary.textContent = last.winner ? labelOf(last.winner) + " wins " + after + " of instant runoff" :
        "A tie " + after + " between " + (last.tied || []).map(labelOf).join(", ");
    }
  }

  var lastSeq = -1;
  function render(msg) {
    if (msg.type === "status") {
      document.getElementById("state").textContent = msg.status;
      if (msg.status === "closed") button.disabled = true;
      return;
    }
    if (msg.type !== "results" || msg.seq < lastSeq) return;
    lastSeq = msg.seq;
    var total = msg.total_votes || 0;
    document.getElementById("total").textContent = total;
    document.getElementById("state").textContent = msg.status;
    if (msg.status === "closed") button.disabled = true;
    (msg.options || []).forEach(function (o) {
      var el = form.querySelector('[data-option-id="' + CSS.escape(o.id) + '"]');
      if (el) showBar(el, o.votes, total);
    });
    (msg.distribution || []).forEach(function (s) {
      var el = form.querySelector('[data-score="' + s.score + '"]');
      if (el) showBar(el, s.votes, total);
    });
    summarise(msg);
  }

  var delay = 500;
  var visibility = root.dataset.visibility;
  var connected = false;
  // Whether the results endpoint would show this visitor the results now.
  function mayWatch() {
    if (visibility === "always") return true;
    if (visibility === "after_vote") return button.textContent === "Voted" || root.dataset.status === "closed";
    if (visibility === "after_close") return root.dataset.status === "closed";
    return false;
  }
  function watchIfAllowed() {
    if (connected) return;
    if (!mayWatch()) {
      live.textContent = visibility === "after_vote" ? "results after you vote" :
        visibility === "after_close" ? "results when the poll closes" : "results are private";
      return;
    }
    connected = true;
    voterToken().then(connect, connect);
  }
  function connect(token) {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    // The voter token travels in the first message, never in the URL (URLs reach logs).
    var ws = new WebSocket(scheme + location.host + "/v1/polls/" + encodeURIComponent(pollId) + "/live");
    ws.onopen = function () {
      if (typeof token === "string") ws.send(JSON.stringify({type: "hello", voter_token: token}));
      delay = 500; live.textContent = "live"; live.classList.add("on");
    };
    ws.onmessage = function (event) { try { render(JSON.parse(event.data)); } catch (e) { /* ignore */ } };
    ws.onclose = function () {
      live.textContent = "reconnecting…"; live.classList.remove("on");
      setTimeout(function () { connect(token); }, delay); delay = Math.min(delay * 2, 10000);
    };
  }

  try { if (localStorage.getItem(votedKey)) markVoted(); } catch (e) { /* ignore */ }
  if (root.dataset.status !== "open") button.disabled = true;
  watchIfAllowed();
})();
