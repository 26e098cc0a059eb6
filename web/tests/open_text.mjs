// An open-text poll in real browsers: the owner creates it in the console (with voters who
// may change their minds), the widget on a third-party page takes entries from two browsers,
// the word cloud and its ranked list update live in the widget and in present mode, the
// owner hides a term from the console and it leaves the widget at once, a voter changes
// their answers in the widget; axe-core finds nothing on the widget (light, dark, Arabic),
// the console's poll page and present mode. Started by services/pollcast/tests/browser.rs
// against a real `pollcast` (BASE, SETUP_URL).
import { createServer } from "node:http";
import { BASE, axeViolations, ok, run } from "./support.mjs";

await run(async (browser) => {
  const owner = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const console_ = await owner.newPage();
  await console_.goto(process.env.SETUP_URL);
  await console_.getByLabel("Email").fill("owner@example.com");
  await console_.getByLabel("Password").fill("a long enough password");
  await console_.getByRole("button", { name: "Create account" }).click();
  await console_.waitForURL(`${BASE}/console/polls`);
  await console_.goto(`${BASE}/console/polls/new`);
  await console_.getByLabel("Question").fill("One word for the launch?");
  await console_.getByLabel("Kind").selectOption("open_text");
  ok(await console_.getByLabel("Answers per voter").isVisible() && await console_.locator("#min_choices").isHidden(), "the form shows open text's fields");
  await console_.getByLabel("Answers per voter").fill("2");
  await console_.getByLabel("Voters may change their vote").selectOption("while_open");
  await console_.getByRole("button", { name: "Create poll" }).click();
  await console_.waitForURL(/\/console\/polls\/[A-Za-z0-9_-]+$/);
  const pollId = console_.url().split("/").pop();

  const host = createServer((req, res) => {
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A blog</title></head><body>
<h1>A third-party blog</h1><script src="${BASE}/embed/v1.js" data-poll="${pollId}" async></script>
<script>window.events = []; document.addEventListener("pollcast:vote", function (e) { window.events.push(e.detail); });</script></body></html>`);
  });
  await new Promise((done) => host.listen(0, "127.0.0.1", done));
  const blog = `http://127.0.0.1:${host.address().port}/`;

  const present = await owner.newPage();
  await present.goto(`${BASE}/console/polls/${pollId}/present`);
  const words = (page) => page.evaluate(() => Array.from(document.querySelectorAll("[data-cloud] .word, #cloud .word")).map((w) => w.textContent));

  // Two visitors answer in the widget, one by keyboard.
  async function answer(entries, keyboard) {
    const page = await (await browser.newContext()).newPage();
    await page.goto(blog);
    const frame = page.frameLocator("iframe");
    await frame.locator("#vote-button").waitFor();
    for (let i = 0; i < entries.length; i++) await frame.locator("input[name=entries]").nth(i).fill(entries[i]);
    if (keyboard) { await frame.locator("#vote-button").focus(); await page.keyboard.press("Enter"); } else await frame.locator("#vote-button").click();
    await page.waitForFunction((n) => window.events.length === n, 1, { timeout: 10000 });
    return { page, frame };
  }
  const first = await answer(["Fast!", "Reliable"], false);
  await answer(["fast", "Friendly"], true);
  const widgetTerms = () => first.frame.locator("#terms .term").allTextContents();
  // The iframe is another origin: read through the frame locator.
  await first.frame.locator("#cloud .word").nth(2).waitFor({ timeout: 10000 });
  const terms = await widgetTerms();
  ok(terms[0] === "Fast" && terms.length === 3, `the widget's ranked list, most frequent first (${terms})`);
  const placed = await first.frame.locator("#cloud .word").evaluateAll((ws) => ws.map((w) => w.getBoundingClientRect()).map((r) => [r.left, r.top, r.right, r.bottom]));
  const overlap = placed.some((a, i) => placed.some((b, j) => i < j && a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]));
  ok(!overlap, "no two words of the cloud overlap");
  await present.locator("[data-cloud] .word").nth(2).waitFor({ timeout: 10000 });
  ok((await words(present)).includes("Fast"), "present mode's cloud updated live");

  // The owner hides "fast" from the console: it leaves the widget's list and cloud at once.
  await console_.reload();
  await console_.locator('tr[data-term="fast"] button').click();
  await console_.waitForURL(/#moderation-heading$/);
  await first.frame.locator("#terms .term", { hasText: "Fast" }).waitFor({ state: "detached", timeout: 5000 });
  ok(!(await first.frame.locator("#cloud .word").allTextContents()).includes("Fast"), "a hidden term leaves the widget's cloud live");
  await present.locator("[data-cloud] .word", { hasText: "Fast" }).waitFor({ state: "detached", timeout: 5000 });
  ok(true, "and present mode's");

  // The first visitor changes their answers in the widget.
  const button = first.frame.locator("#vote-button");
  ok((await button.textContent()).trim() === "Change my vote", "the widget offers to change the answers");
  await first.frame.locator("input[name=entries]").nth(1).fill("Lovely");
  await button.click();
  await first.page.waitForFunction(() => window.events.length === 2, null, { timeout: 10000 });
  await first.frame.locator("#terms .term", { hasText: "Lovely" }).waitFor({ timeout: 5000 });
  ok(!(await widgetTerms()).includes("Reliable"), "a changed answer moves its term");

  const violations = [];
  for (const view of ["theme=light", "theme=dark", "lang=ar"]) {
    const p = await owner.newPage();
    await p.goto(`${BASE}/p/${pollId}?${view}`);
    await p.locator("#cloud .word").first().waitFor();
    violations.push(...await axeViolations(p, view));
    await p.close();
  }
  await console_.goto(`${BASE}/console/polls/${pollId}`);
  await console_.locator("[data-cloud] .word").first().waitFor();
  violations.push(...await axeViolations(console_, "console poll page"));
  violations.push(...await axeViolations(present, "present mode"));
  ok(violations.length === 0, "axe-core: zero violations on the widget, the console and present mode\n" + violations.join("\n"));
  host.close();
});
