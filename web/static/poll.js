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
    var chosen = Array.prototype.map.call(
      form.querySelectorAll("input[name=option_ids]:checked"), function (i) { return i.value; });
    if (chosen.length === 0) { say("Choose an option first."); return; }
    button.disabled = true;
    voterToken().then(function (token) {
      return fetch("/v1/polls/" + encodeURIComponent(pollId) + "/votes", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ option_ids: chosen, voter_token: token })
      });
    }).then(function (r) {
      if (r.status === 202) { markVoted(); say("Thanks, your vote is in."); return; }
      return r.json().then(function (problem) {
        if (problem.code === "already_voted") { markVoted(); }
        else { button.disabled = false; }
        say(problem.detail || problem.title || "The vote was not accepted.");
      });
    }).catch(function () { button.disabled = false; say("Network problem; try again."); });
  });

  form.addEventListener("change", function () {
    form.querySelectorAll(".option").forEach(function (el) {
      el.classList.toggle("chosen", el.querySelector("input").checked);
    });
  });

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
    msg.options.forEach(function (o) {
      var el = form.querySelector('[data-option-id="' + CSS.escape(o.id) + '"]');
      if (!el) return;
      var pct = total ? Math.round(o.votes * 1000 / total) / 10 : 0;
      el.querySelector(".bar").style.width = pct + "%";
      el.querySelector(".count").textContent = o.votes + " · " + pct + "%";
    });
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
    var query = typeof token === "string" ? "?voter_token=" + encodeURIComponent(token) : "";
    var ws = new WebSocket(scheme + location.host + "/v1/polls/" + encodeURIComponent(pollId) + "/live" + query);
    ws.onopen = function () { delay = 500; live.textContent = "live"; live.classList.add("on"); };
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
