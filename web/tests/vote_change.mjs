// Changing a vote in a real browser: the widget on a third-party page takes a vote, then
// says "Change my vote", takes another choice by keyboard, and a second browser watching the
// poll sees the bars move from one option to the other; axe-core finds nothing on the page
// after voting (light, dark, Arabic). Started by services/pollcast/tests/browser.rs against a
// real `pollcast` (BASE, API_KEY).
import { createServer } from "node:http";
import { BASE, api, axeViolations, ok, run } from "./support.mjs";

await run(async (browser) => {
  const created = await api("POST", "/v1/polls", { question: "Which day?", options: [{ label: "Monday" }, { label: "Tuesday" }, { label: "Friday" }],
    dedupe: "browser", vote_change: "while_open" });
  ok(created.status === 201, "a poll whose voters may change their minds");
  const poll = created.body;
  const [mon, tue] = [poll.options[0].id, poll.options[1].id];
  const host = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A blog</title></head><body>
<h1>A third-party blog</h1><script src="${BASE}/embed/v1.js" data-poll="${poll.id}" async></script>
<script>window.events = []; document.addEventListener("pollcast:vote", function (e) { window.events.push(e.detail); });</script></body></html>`);
  });
  await new Promise((done) => host.listen(0, "127.0.0.1", done));

  const watcher = await (await browser.newContext()).newPage();
  await watcher.goto(`${BASE}/p/${poll.id}`);
  await watcher.locator("#live.on").waitFor({ timeout: 5000 });
  const votesOf = (id) => watcher.locator(`.result[data-id="${id}"] .votes`).textContent();

  const ctx = await browser.newContext();
  const page = await ctx.newPage();
  await page.goto(`http://127.0.0.1:${host.address().port}/`);
  const frame = page.frameLocator("iframe");
  await frame.locator("#vote-button").waitFor();
  await frame.locator(`li[data-option-id="${mon}"] input`).check();
  await frame.locator("#vote-button").click();
  await page.waitForFunction(() => window.events.length === 1, null, { timeout: 10000 });
  await watcher.waitForFunction((id) => /\b1\b/.test(document.querySelector(`.result[data-id="${id}"] .votes`).textContent), mon, { timeout: 5000 });
  const button = frame.locator("#vote-button");
  await frame.locator("#your-choice").waitFor();
  ok((await button.textContent()).trim() === "Change my vote" && await button.isEnabled(), "after voting the widget offers 'Change my vote'");
  ok((await frame.locator("#your-choice").textContent()).includes("Monday"), "and says what the voter chose");

  // By keyboard: the second option, then the button.
  await frame.locator(`li[data-option-id="${tue}"] input`).focus();
  await page.keyboard.press("Space");
  await button.focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => window.events.length === 2, null, { timeout: 10000 });
  await watcher.waitForFunction(([from, to]) => /\b0\b/.test(document.querySelector(`.result[data-id="${from}"] .votes`).textContent)
    && /\b1\b/.test(document.querySelector(`.result[data-id="${to}"] .votes`).textContent), [mon, tue], { timeout: 5000 });
  ok(true, "a second browser saw the vote move from Monday to Tuesday, live");
  ok((await frame.locator("#your-choice").textContent()).includes("Tuesday"), "the widget shows the new choice");
  const results = (await api("GET", `/v1/polls/${poll.id}/results`)).body;
  ok(results.total_votes === 1, `the total counts one voter (${results.total_votes})`);
  ok((await votesOf(tue)).includes("1"), "Tuesday has the vote");

  const violations = [];
  for (const view of ["theme=light", "theme=dark", "lang=ar"]) {
    const p = await ctx.newPage();
    await p.goto(`${BASE}/p/${poll.id}?${view}`);
    await p.locator("#your-choice").waitFor();
    violations.push(...await axeViolations(p, view));
    await p.close();
  }
  ok(violations.length === 0, "axe-core: zero violations after voting, with the change button\n" + violations.join("\n"));
  host.close();
});
