// A poll with bot protection (proof of work) in a real browser: the widget on a third-party
// page solves its challenge in a worker while the visitor reads, votes succeed, by mouse and
// by keyboard, and nothing on the page changes for it (axe-core, light, dark and Arabic).
// Reports how long from page load to a solved challenge at the server's default difficulty,
// and the vote's own latency on a protected and an unprotected poll. Started by
// services/pollcast/tests/browser.rs against a real `pollcast` (BASE, API_KEY).
import { createServer } from "node:http";
import { BASE, api, axeViolations, ok, report, run } from "./support.mjs";

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
async function poll(spec) {
  const r = await api("POST", "/v1/polls", { options: [{ label: "Yes" }, { label: "No" }], dedupe: "browser", ...spec });
  if (r.status !== 201) throw new Error("create poll: " + JSON.stringify(r.body));
  return r.body;
}
const VOTERS = 7;

await run(async (browser) => {
  const guarded = await poll({ question: "Protected?", bot_protection: "proof_of_work" });
  const plain = await poll({ question: "Unprotected?" });
  ok(guarded.bot_protection === "proof_of_work", "the poll is protected");
  const host = createServer((req, res) => {
    const id = req.url.slice(1);
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A blog</title></head><body>
<h1>A third-party blog</h1><script src="${BASE}/embed/v1.js" data-poll="${id}" async></script>
<script>window.events = []; document.addEventListener("pollcast:vote", function (e) { window.events.push(e.detail); });</script></body></html>`);
  });
  await new Promise((done) => host.listen(0, "127.0.0.1", done));
  const HOST = `http://127.0.0.1:${host.address().port}`;

  // Each voter is a fresh browser: load the host page, read a moment, vote. The first few
  // by mouse, the last by keyboard alone.
  async function voteAs(p, n, protectedPoll) {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    const calls = [];
    page.on("request", (r) => { if (r.url().includes("/challenge")) calls.push(r.url()); });
    await page.goto(`${HOST}/${p.id}`);
    const frame = page.frameLocator("iframe");
    await frame.locator("#vote-button").waitFor();
    let solvedMs = null;
    if (protectedPoll) {
      await frame.locator("#poll[data-proof-ready-ms]").waitFor({ state: "attached", timeout: 30000 });
      solvedMs = Number(await frame.locator("#poll").getAttribute("data-proof-ready-ms"));
    }
    const yes = frame.locator(`li[data-option-id="${p.options[0].id}"] input`);
    const started = Date.now();
    if (n === VOTERS - 1) {
      await yes.focus();
      await page.keyboard.press("Space");
      await frame.locator("#vote-button").focus();
      await page.keyboard.press("Enter");
    } else {
      await yes.check();
      await frame.locator("#vote-button").click();
    }
    await page.waitForFunction(() => window.events.length === 1, null, { timeout: 10000 });
    const voteMs = Date.now() - started;
    const said = await frame.locator("#message").textContent();
    await ctx.close();
    return { solvedMs, voteMs, said, challenges: calls.length };
  }

  const guardedRuns = [], plainRuns = [];
  for (let n = 0; n < VOTERS; n++) {
    guardedRuns.push(await voteAs(guarded, n, true));
    plainRuns.push(await voteAs(plain, n, false));
  }
  ok(guardedRuns.every((r) => r.challenges === 1), "each protected widget fetched one challenge");
  ok(guardedRuns.every((r) => !/Verifying/.test(r.said)), "a solved challenge never shows 'Verifying…'");
  const results = (await api("GET", `/v1/polls/${guarded.id}/results`)).body;
  ok(results.total_votes === VOTERS, `every protected vote counted (${results.total_votes} of ${VOTERS}), the last by keyboard`);
  report.proof_ready_ms = guardedRuns.map((r) => r.solvedMs);
  report.proof_ready_median_ms = median(report.proof_ready_ms);
  report.vote_ms_protected_median = median(guardedRuns.map((r) => r.voteMs));
  report.vote_ms_unprotected_median = median(plainRuns.map((r) => r.voteMs));
  report.default_maxnumber = (await (await fetch(`${BASE}/v1/polls/${guarded.id}/challenge`)).json()).maxnumber;

  // A script that votes without solving is refused, and the widget says so in words.
  const bare = await fetch(`${BASE}/v1/polls/${guarded.id}/votes`, { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ option_ids: [guarded.options[0].id], voter_token: (await (await fetch(`${BASE}/v1/voters`, { method: "POST" })).json()).voter_token }) });
  ok(bare.status === 403 && (await bare.json()).code === "challenge_required", "a vote without a solution is refused with challenge_required");

  // axe-core on the protected page, light, dark and Arabic, before and after voting.
  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  const violations = [];
  for (const view of ["theme=light", "theme=dark", "lang=ar"]) {
    await page.goto(`${BASE}/p/${guarded.id}?${view}`);
    await page.locator("#poll[data-proof-ready-ms]").waitFor({ state: "attached", timeout: 30000 });
    violations.push(...await axeViolations(page, view));
  }
  await page.goto(`${BASE}/p/${guarded.id}?lang=ar`);
  await page.locator('input[name="option_ids"]').first().check();
  await page.locator("#vote-button").click();
  await page.locator("#your-choice").waitFor();
  violations.push(...await axeViolations(page, "after voting"));
  ok(violations.length === 0, "axe-core: zero violations on the protected page\n" + violations.join("\n"));
  await ctx.close();
  host.close();
});
