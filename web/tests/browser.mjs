// pollcast's widget and poll page in a real browser: Debian's chromium driven by
// playwright-core, axe-core for accessibility. Started by services/pollcast/tests/browser.rs
// against a real `pollcast` (BASE, API_KEY); screenshots go to SHOTS. Each check throws on
// failure; the process exits non-zero with the first failure's message.
import { createServer } from "node:http";
import { mkdirSync } from "node:fs";
import { AXE, BASE, api, ok, report, run } from "./support.mjs";

const SHOTS = process.env.SHOTS || "screenshots";
mkdirSync(SHOTS, { recursive: true });
async function poll(spec) {
  const r = await api("POST", "/v1/polls", spec);
  if (r.status !== 201) throw new Error("create poll: " + JSON.stringify(r.body));
  return r.body;
}
const opts = (labels) => labels.map((label) => ({ label }));

// A third-party page on another origin (another port) embedding two polls with the script tag.
function hostPage(p1, p2) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A blog</title></head><body>
<h1>A third-party blog</h1><p>Some text above the polls.</p>
<script src="${BASE}/embed/v1.js" data-poll="${p1}" data-datalayer async></script>
<p>Between the polls.</p>
<div class="pollcast" data-poll="${p2}" data-theme="dark" data-accent="#ffcc00"></div>
<script src="${BASE}/embed/v1.js" async></script>
<script>window.events = []; ["ready", "vote", "resize"].forEach(function (n) {
  document.addEventListener("pollcast:" + n, function (e) { window.events.push({ type: n, detail: e.detail }); });
});</script>
<p style="height:1200px">Below the polls.</p></body></html>`;
}

await run(async (browser) => {
  const single = await poll({ question: "Which launch day?", options: opts(["Monday", "Tuesday", "Friday"]), dedupe: "browser" });
  const second = await poll({ question: "Best snack?", options: opts(["Crisps", "Fruit"]), results_visibility: "after_vote", dedupe: "browser" });
  const host = createServer((req, res) => { res.writeHead(200, { "Content-Type": "text/html" }); res.end(hostPage(single.id, second.id)); });
  await new Promise((done) => host.listen(0, "127.0.0.1", done));
  const HOST = `http://127.0.0.1:${host.address().port}`;

  // 1. The embed on another origin: vote in one poll, a second context sees the bar move.
  const voter = await browser.newContext({ viewport: { width: 1000, height: 900 } });
  const page = await voter.newPage();
  const otherHosts = [];
  page.on("request", (r) => { const u = new URL(r.url()); if (u.origin !== BASE && u.origin !== HOST) otherHosts.push(r.url()); });
  await page.goto(HOST);
  const frameEl = page.locator(`iframe[src^="${BASE}/embed/${single.id}"]`);
  await frameEl.waitFor();
  const frame = page.frameLocator(`iframe[src^="${BASE}/embed/${single.id}"]`);
  await frame.locator("#vote-button").waitFor();
  await page.waitForFunction(() => window.events.some((e) => e.type === "ready"));
  ok(await frameEl.getAttribute("title") === "Which launch day?", "the iframe's title is the question");
  const fits = async () => {
    const h = await frameEl.evaluate((f) => f.getBoundingClientRect().height);
    const inner = await frame.locator("html").evaluate((d) => ({ scroll: d.scrollHeight, client: d.clientHeight, body: Math.ceil(d.getBoundingClientRect().height) }));
    return { h, ...inner };
  };
  await page.waitForFunction(() => window.events.some((e) => e.type === "resize"));
  const before = await fits();
  ok(Math.abs(before.h - before.body) <= 2 && before.scroll <= before.client + 1, `the iframe is as tall as its content, no scrollbar (${JSON.stringify(before)})`);

  const watcher = await browser.newContext();
  const watch = await watcher.newPage();
  await watch.goto(`${BASE}/p/${single.id}`);
  await watch.locator("#live.on").waitFor({ timeout: 5000 });
  const monday = single.options[0].id;
  const votesOf = (p) => p.locator(`.result[data-id="${monday}"] .votes`).textContent();
  ok((await votesOf(watch)).includes("0"), "the watcher starts at 0 votes");

  await frame.locator(`li[data-option-id="${monday}"] input`).check();
  await frame.locator("#vote-button").click();
  await page.waitForFunction(() => window.events.some((e) => e.type === "vote"), null, { timeout: 5000 });
  const voted = Date.now();
  await watch.waitForFunction((id) => /\b1\b/.test(document.querySelector(`.result[data-id="${id}"] .votes`).textContent), monday, { timeout: 1000 });
  report.vote_to_watcher_ms = Date.now() - voted;
  ok(true, `a second context saw the bar move without a reload (${report.vote_to_watcher_ms} ms after the vote event)`);
  ok(/\b2\b.*people watching/.test(await watch.locator("#watching").textContent()), "the page says how many are watching (the widget and the second context: 2)");
  const events = await page.evaluate(() => window.events);
  const vote = events.find((e) => e.type === "vote");
  ok(vote.detail.poll_id === single.id && /^[A-Za-z0-9_-]+$/.test(vote.detail.vote_id), "the host page got pollcast:vote {poll_id, vote_id}");
  ok(await page.evaluate(() => window.dataLayer.some((d) => d.event === "pollcast_vote")), "data-datalayer pushed the vote to window.dataLayer");
  await page.waitForFunction((h) => { const f = document.querySelector("iframe"); return Math.abs(f.getBoundingClientRect().height - h) > 2; }, before.h, { timeout: 3000 });
  const after = await fits();
  ok(after.h > before.h && Math.abs(after.h - after.body) <= 2 && after.scroll <= after.client + 1, `the iframe grew with the results, still no scrollbar (${before.h} -> ${after.h})`);
  await page.screenshot({ path: `${SHOTS}/embed-light.png`, fullPage: false });

  await page.reload();
  await frame.locator("#vote-button").waitFor();
  await frame.locator("#your-choice").waitFor();
  ok((await frame.locator("#vote-button").textContent()).trim() === "You voted", "after a reload the widget says 'you voted'");
  ok((await frame.locator("#your-choice").textContent()).includes("Monday"), "and shows the voter's own choice");
  ok(otherHosts.length === 0, "no request to any host but pollcast and the host page: " + otherHosts.join(" "));
  await voter.close();

  // Screenshots: dark, Arabic right-to-left, a 360 px phone.
  const shots = await browser.newContext({ viewport: { width: 800, height: 700 } });
  const shot = await shots.newPage();
  await shot.goto(`${BASE}/p/${single.id}?theme=dark`);
  await shot.locator("#live.on").waitFor();
  await shot.screenshot({ path: `${SHOTS}/page-dark.png` });
  await shot.goto(`${BASE}/p/${single.id}?lang=ar`);
  ok(await shot.evaluate(() => document.documentElement.dir === "rtl" && document.documentElement.lang === "ar"), "Arabic pages are right-to-left");
  ok((await shot.locator("#vote-button").textContent()).trim() === "صوّت", "Arabic pages speak Arabic");
  await shot.screenshot({ path: `${SHOTS}/page-arabic-rtl.png` });
  await shot.setViewportSize({ width: 360, height: 740 });
  await shot.goto(`${BASE}/p/${single.id}`);
  ok(await shot.evaluate(() => document.documentElement.scrollWidth <= 360), "nothing overflows a 360 px phone");
  await shot.screenshot({ path: `${SHOTS}/page-phone-360.png`, fullPage: true });
  await shots.close();

  // 2. WebSockets refused (the socket fails before its first message, as behind a proxy
  // that drops upgrades): the page follows the results over Server-Sent Events.
  const nows = await browser.newContext();
  await nows.addInitScript(() => {
    window.WebSocket = function () {
      const fake = { send() {}, close() {} };
      setTimeout(() => { if (fake.onerror) fake.onerror(new Event("error")); if (fake.onclose) fake.onclose(new CloseEvent("close", { code: 1006 })); }, 10);
      return fake;
    };
  });
  const sse = await nows.newPage();
  const streams = [];
  sse.on("request", (r) => { if (r.url().endsWith("/live")) streams.push(r.headers()["accept"] || ""); });
  await sse.goto(`${BASE}/p/${single.id}`);
  await sse.locator("#live.on").waitFor({ timeout: 10000 });
  const tuesday = single.options[1].id;
  const token = (await api("POST", "/v1/voters")).body.voter_token;
  ok((await api("POST", `/v1/polls/${single.id}/votes`, { option_ids: [tuesday], voter_token: token })).status === 202, "a vote through the API");
  await sse.waitForFunction((id) => /\b1\b/.test(document.querySelector(`.result[data-id="${id}"] .votes`).textContent), tuesday, { timeout: 3000 });
  ok(streams.some((a) => a.includes("text/event-stream")), "with WebSockets refused the page followed the results over SSE");
  await nows.close();

  // 3. Without JavaScript: a form POST votes and the page shows the results; a second POST
  // from the same browser is refused with a readable message; the count stays one.
  const plain = await poll({ question: "Tea or coffee?", options: opts(["Tea", "Coffee"]), dedupe: "browser" });
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  const form = await nojs.newPage();
  await form.goto(`${BASE}/p/${plain.id}`);
  await form.locator(`input[value="${plain.options[1].id}"]`).check();
  await form.locator("#vote-button").click();
  await form.waitForURL(`${BASE}/p/${plain.id}`);
  ok(!(await form.locator("#results").isHidden()), "after a no-JS vote the page shows the results");
  ok((await form.locator(`.result[data-id="${plain.options[1].id}"] .votes`).textContent()).includes("1"), "with the vote counted");
  ok((await form.locator("#your-choice").textContent()).includes("Coffee"), "and the voter's choice");
  const again = await nojs.request.post(`${BASE}/p/${plain.id}/vote`, { form: { option_ids: plain.options[0].id }, maxRedirects: 0 });
  const againHtml = await again.text();
  ok(again.status() === 409 && againHtml.includes("You have already voted in this poll.") && again.headers()["content-type"].startsWith("text/html"), "a second POST from the same browser gets the page with a readable message");
  const counted = (await api("GET", `/v1/polls/${plain.id}/results`)).body;
  ok(counted.total_votes === 1, `the count is still one (${counted.total_votes})`);
  await nojs.close();

  // 4. axe-core: zero violations on the page of every kind, light, dark and Arabic, before
  // and after voting.
  const kinds = [
    await poll({ question: "Pick one", options: opts(["Red", "Green", "Blue"]) }),
    await poll({ question: "Pick some", kind: "multiple", min_choices: 1, max_choices: 2, options: opts(["Red", "Green", "Blue"]) }),
    await poll({ question: "Rank them", kind: "ranked", options: opts(["Red", "Green", "Blue"]) }),
    await poll({ question: "Rate it", kind: "rating" }),
    await poll({ question: "Rate it out of ten", kind: "rating", scale: 10 }),
    await poll({ question: "After you vote", options: opts(["Yes", "No"]), results_visibility: "after_vote" }),
  ];
  const axeCtx = await browser.newContext();
  const a11y = await axeCtx.newPage();
  const violations = [];
  async function scan(label) {
    await a11y.evaluate(AXE);
    const result = await a11y.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
    for (const v of result.violations) violations.push(`${label}: ${v.id} (${v.nodes.length}) ${v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", ")}`);
  }
  let scans = 0;
  for (const p of kinds) {
    for (const view of ["theme=light", "theme=dark", "lang=ar", "theme=dark&lang=ar"]) {
      await a11y.goto(`${BASE}/p/${p.id}?${view}`);
      await a11y.locator("#vote-button").waitFor();
      await scan(`${p.kind} ${view} before voting`); scans++;
    }
    // Vote in light, by keyboard where the kind allows it.
    await a11y.goto(`${BASE}/p/${p.id}`);
    if (p.kind === "rating") await a11y.locator('input[name="rating"]').last().check();
    else if (p.kind === "ranked") { await a11y.locator(".choice .down").first().focus(); await a11y.keyboard.press("Enter"); }
    else await a11y.locator('input[name="option_ids"]').first().check();
    await a11y.locator("#vote-button").click();
    await a11y.locator("#your-choice").waitFor();
    for (const view of ["theme=light", "theme=dark", "lang=ar"]) {
      await a11y.goto(`${BASE}/p/${p.id}?${view}`);
      await a11y.locator("#your-choice").waitFor();
      await scan(`${p.kind} ${view} after voting`); scans++;
    }
  }
  // The ranked poll shows its instant-runoff rounds once it has votes.
  await a11y.goto(`${BASE}/p/${kinds[2].id}`);
  await a11y.locator("#rounds li").first().waitFor({ state: "attached" });
  const roundsText = (await a11y.locator("#rounds").textContent()).replace(/[\u2068\u2069]/g, "");
  ok(/Round 1: .*Green 1/.test(roundsText), `a ranked poll lists its instant-runoff rounds (${roundsText})`);
  // A scheduled poll says when it opens, in the viewer's time zone, and takes no vote yet.
  const later = new Date(Date.now() + 86400000).toISOString();
  const scheduled = await poll({ question: "Tomorrow's poll", options: opts(["A", "B"]), opens_at: later });
  for (const view of ["theme=light", "theme=dark", "lang=ar"]) {
    await a11y.goto(`${BASE}/p/${scheduled.id}?${view}`);
    await a11y.locator("#opens-at").waitFor();
    await scan(`scheduled ${view}`); scans++;
  }
  const opensText = await a11y.locator("#opens-at").textContent();
  ok(!opensText.includes("UTC") && await a11y.locator("#vote-button").isDisabled(), `a scheduled poll shows its opening in local time and takes no vote (${opensText})`);
  ok(violations.length === 0, `axe-core: zero violations in ${scans} scans\n` + violations.join("\n"));
  report.axe_scans = scans;
  await axeCtx.close();

  // 5. Hostile content renders as text, inside the layout, in every theme.
  const evil = '<script>alert(1)</script>"onerror=alert(2) \u202Egnp.exe ' + "W".repeat(200);
  const hostile = await poll({ question: evil, options: opts([evil.slice(0, 190), "<img src=x onerror=alert(3)>"]) });
  const hctx = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const h = await hctx.newPage();
  let dialogs = 0;
  h.on("dialog", (d) => { dialogs++; d.dismiss(); });
  for (const view of ["theme=light", "theme=dark", "lang=ar"]) {
    await h.goto(`${BASE}/p/${hostile.id}?${view}`);
    await h.locator("#vote-button").waitFor();
    // Direction overrides are dropped (they would show "gnp.exe" as "exe.png"); the rest is text.
    ok((await h.locator("#question").textContent()) === evil.replace("\u202E", ""), `the question renders as its text (${view})`);
    ok(await h.locator("img").count() === 0 && await h.locator("main script").count() === 0, `no element from the poll's text (${view})`);
    ok(await h.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), `a 200-character word stays inside the layout (${view})`);
  }
  await h.screenshot({ path: `${SHOTS}/hostile-phone.png`, fullPage: true });
  ok(dialogs === 0, "no script from the poll's text ran");
  await hctx.close();
  host.close();
});
