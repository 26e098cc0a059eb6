// What every browser test script shares: the server it is started against (BASE, API_KEY
// from services/pollcast/tests/browser.rs), Debian's chromium without downloads, axe-core,
// checks that throw with their words, the API, and the run: the first failed check fails the
// process with its message; the report of checks that held is printed either way.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
export const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const BASE = process.env.BASE, KEY = process.env.API_KEY;
export const report = { checks: [] };

export function ok(cond, what) {
  if (!cond) throw new Error("failed: " + what);
  report.checks.push(what);
}

export async function api(method, path, body) {
  const r = await fetch(BASE + path, { method, headers: { "Content-Type": "application/json", Authorization: "Bearer " + KEY }, body: body && JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

/// axe-core's violations on `page` as it is now, one line each, labelled.
export async function axeViolations(page, label) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return result.violations.map((v) => `${label}: ${v.id} (${v.nodes.length}) ${v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", ")}`);
}

/// Runs `checks(browser)` in a fresh chromium; exits 1 on the first failure.
export async function run(checks) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking"],
  });
  try {
    await checks(browser);
  } catch (e) {
    console.error(e.stack || String(e));
    console.log(JSON.stringify(report));
    await browser.close();
    process.exit(1);
  }
  await browser.close();
  console.log(JSON.stringify(report));
}
