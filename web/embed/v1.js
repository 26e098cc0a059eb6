// pollcast embed, v1: turns every <script data-poll> and <div class="pollcast" data-poll> on
// the page (also ones added later) into an iframe of {BASE}/embed/{id} that keeps the height
// of its content. No framework, no build step. Served immutable at /embed/v1.js.
(function () {
  "use strict";
  var me = document.currentScript;
  var base = new URL(me && me.src ? me.src : "/", location.href).origin;
  var frames = [];

  function emit(box, name, detail) {
    box.dispatchEvent(new CustomEvent("pollcast:" + name, { bubbles: true, detail: detail }));
    if (box.hasAttribute("data-datalayer")) {
      var layer = (window.dataLayer = window.dataLayer || []);
      var item = { event: "pollcast_" + name };
      for (var k in detail) item[k] = detail[k];
      layer.push(item);
    }
  }

  function mount(el) {
    if (el.__pollcast) return;
    el.__pollcast = 1;
    var id = el.getAttribute("data-poll");
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(id || "")) return;
    var box = el;
    if (el.tagName === "SCRIPT") {
      box = document.createElement("div");
      box.className = "pollcast";
      for (var i = 0; i < el.attributes.length; i++) {
        var a = el.attributes[i];
        if (a.name.indexOf("data-") === 0) box.setAttribute(a.name, a.value);
      }
      box.__pollcast = 1;
      el.parentNode.insertBefore(box, el.nextSibling);
    }
    var q = new URLSearchParams();
    var theme = box.getAttribute("data-theme");
    if (/^(light|dark|auto)$/.test(theme || "")) q.set("theme", theme);
    var lang = box.getAttribute("data-lang");
    if (/^[a-zA-Z-]{2,12}$/.test(lang || "")) q.set("lang", lang);
    var accent = box.getAttribute("data-accent");
    if (/^#[0-9a-fA-F]{6}$/.test(accent || "")) q.set("accent", accent.slice(1));
    if (box.getAttribute("data-results") === "hidden") q.set("results", "hidden");
    var f = document.createElement("iframe");
    f.src = base + "/embed/" + id + (q.toString() ? "?" + q : "");
    f.title = "Poll";
    f.loading = "lazy";
    f.setAttribute("scrolling", "no");
    f.style.cssText = "display:block;width:100%;border:0;overflow:hidden;height:" +
      (parseInt(box.getAttribute("data-height"), 10) || 320) + "px";
    frames.push({ frame: f, box: box, id: id, token: box.getAttribute("data-voter-token") });
    var show = function () { if (!f.parentNode) box.appendChild(f); };
    if ("IntersectionObserver" in window) {
      var io = new IntersectionObserver(function (seen) {
        if (seen.some(function (s) { return s.isIntersecting; })) { io.disconnect(); show(); }
      }, { rootMargin: "400px" });
      io.observe(box);
    } else show();
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== base) return;
    var m = event.data;
    if (!m || typeof m.type !== "string") return;
    frames.forEach(function (it) {
      if (event.source !== it.frame.contentWindow) return;
      if (m.type === "pollcast:resize" && m.height > 0) {
        it.frame.style.height = Math.ceil(m.height) + "px";
        emit(it.box, "resize", { height: Math.ceil(m.height) });
      } else if (m.type === "pollcast:ready") {
        if (m.title) it.frame.title = String(m.title);
        // A verified voter's token goes by message to the poll's own origin, never in a URL.
        if (it.token) it.frame.contentWindow.postMessage({ type: "pollcast:voter-token", token: it.token }, base);
        emit(it.box, "ready", { poll_id: it.id });
      } else if (m.type === "pollcast:vote") {
        emit(it.box, "vote", { poll_id: it.id, vote_id: String(m.vote_id) });
      }
    });
  });

  function scan(root) {
    if (!root.querySelectorAll) return;
    if (root.matches && root.matches("script[data-poll],div.pollcast[data-poll]")) mount(root);
    root.querySelectorAll("script[data-poll],div.pollcast[data-poll]").forEach(mount);
  }
  scan(document);
  new MutationObserver(function (changes) {
    changes.forEach(function (c) { c.addedNodes.forEach(scan); });
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
