// Solves a proof-of-work challenge (ALTCHA's scheme: the number n in 0..maxnumber for which
// SHA-256(salt + n) is the challenge) off the page's main thread, so the page stays
// responsive while a visitor reads. Pure-JS SHA-256: it also runs on plain-HTTP pages, where
// WebCrypto is missing, and hashes ~10 times faster than awaiting WebCrypto once per number.
"use strict";
importScripts("/static/vendor/js-sha256-0.11.1.min.js");
self.onmessage = function (event) {
  var c = event.data, started = Date.now();
  for (var n = 0; n <= c.maxnumber; n++) {
    if (sha256(c.salt + n) === c.challenge) {
      self.postMessage({ number: n, took: Date.now() - started });
      return;
    }
  }
  self.postMessage({ number: null, took: Date.now() - started });
};
