// The word cloud of an open-text poll, shared by the poll page (poll.js) and the console's
// results and present mode (console.js): window.pollcastCloud(box, terms) lays the terms out
// in `box`. Deterministic: the same terms in a box of the same width give the same picture
// (most frequent first, ties by text, each placed on the first free point of one spiral from
// the centre); no two words overlap, and a word that finds no room is left out of the picture
// (it stays in the ranked list beside it, which is what screen readers and keyboards use:
// the cloud itself is aria-hidden).
(function () {
  "use strict";
  var measure = document.createElement("canvas").getContext("2d");

  function overlaps(a, list) {
    for (var i = 0; i < list.length; i++) {
      var b = list[i];
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) return true;
    }
    return false;
  }

  window.pollcastCloud = function (box, terms) {
    var width = box.clientWidth || 300, height = box.clientHeight || 240;
    var sorted = terms.slice().sort(function (a, b) {
      return b.count - a.count || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
    });
    var most = sorted.length ? sorted[0].count : 1, least = sorted.length ? sorted[sorted.length - 1].count : 1;
    var big = Math.max(18, Math.min(56, width / 7)), small = Math.max(12, big / 3.5);
    var family = getComputedStyle(box).fontFamily || "sans-serif";
    var placed = [], words = [];
    sorted.forEach(function (term, i) {
      var weight = most === least ? 1 : Math.log(term.count / least) / Math.log(most / least);
      var size = Math.round(small + (big - small) * weight);
      measure.font = "600 " + size + "px " + family;
      var w = Math.ceil(measure.measureText(term.text).width) + 6, h = Math.ceil(size * 1.15);
      if (w > width) return;
      // An Archimedean spiral, flattened to the box's shape.
      for (var step = 0; step < 1500; step++) {
        var angle = step * 0.35, radius = 2.2 * angle;
        var cx = width / 2 + radius * Math.cos(angle), cy = height / 2 + radius * Math.sin(angle) * (height / width);
        var r = { x: Math.round(cx - w / 2), y: Math.round(cy - h / 2), w: w, h: h };
        if (r.x < 0 || r.y < 0 || r.x + w > width || r.y + h > height) continue;
        if (overlaps(r, placed)) continue;
        placed.push(r);
        words.push({ text: term.text, rect: r, size: size, tone: i % 3 });
        return;
      }
    });
    box.textContent = "";
    words.forEach(function (word) {
      var span = document.createElement("span");
      span.className = "word tone-" + word.tone;
      span.textContent = word.text;
      span.style.left = word.rect.x + "px";
      span.style.top = word.rect.y + "px";
      span.style.fontSize = word.size + "px";
      span.style.lineHeight = word.rect.h + "px";
      box.appendChild(span);
    });
    return words.length;
  };
})();
