// The API reference at /docs/api in a real browser: reached from / and from the console's
// navigation, styled under the CSP with nothing refused, read by keyboard (the skip link, then
// an operation's link from the list), and axe-core finds nothing on it, light and dark, wide
// and narrow. Started by services/pollcast/tests/browser.rs against a real `pollcast` (BASE,
// SETUP_URL).
import { BASE, axeViolations, ok, run } from "./support.mjs";

await run(async (browser) => {
  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await ctx.newPage();
  const refused = [];
  page.on("console", (m) => /Content Security Policy/i.test(m.text()) && refused.push(m.text()));

  await page.goto(`${BASE}/`);
  await page.getByRole("link", { name: "API reference" }).click();
  await page.waitForURL(`${BASE}/docs/api`);
  ok(await page.getByRole("heading", { level: 1 }).textContent() === "pollcast API reference", "/ leads to the API reference");
  const border = await page.locator(".method").first().evaluate((e) => getComputedStyle(e).borderTopStyle);
  ok(border === "solid", "its stylesheet applies under the CSP");
  ok(await page.locator("#op-cast_vote").isVisible() && await page.locator("#schema-Poll").isVisible(), "operations and schemas are on the page");

  await page.keyboard.press("Tab");
  ok(await page.evaluate(() => document.activeElement.textContent) === "Skip to the reference", "the first Tab reaches the skip link");
  await page.keyboard.press("Enter");
  ok(await page.evaluate(() => document.activeElement.id) === "content", "Enter on it moves focus to the reference");
  // From the top again, forward through the operations' list.
  await page.goto(`${BASE}/docs/api`);
  let reached = false;
  for (let i = 0; i < 80 && !reached; i++) {
    await page.keyboard.press("Tab");
    reached = await page.evaluate(() => document.activeElement.getAttribute("href") === "#op-cast_vote");
  }
  ok(reached, "the operations' list is reached by keyboard");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => location.hash === "#op-cast_vote");
  const top = await page.locator("#op-cast_vote").evaluate((e) => e.getBoundingClientRect().top);
  ok(top > -1 && top < 100, `Enter on an operation's link brings it to the top (at ${top}px)`);
  await page.locator('#op-cast_vote ~ p a[href="#schema-CastVote"], #op-cast_vote ~ * a[href="#schema-CastVote"]').first().click();
  await page.waitForFunction(() => location.hash === "#schema-CastVote");
  ok(true, "a body's type links to its schema");

  const violations = [...(await axeViolations(page, "light, wide"))];
  await page.emulateMedia({ colorScheme: "dark" });
  violations.push(...(await axeViolations(page, "dark, wide")));
  await page.screenshot({ path: `${process.env.SHOTS}/reference-wide.png` });
  await page.setViewportSize({ width: 390, height: 800 });
  violations.push(...(await axeViolations(page, "dark, narrow")));
  ok(violations.length === 0, `axe-core finds nothing on the reference:\n${violations.join("\n")}`);
  ok(refused.length === 0, `the CSP refused nothing:\n${refused.join("\n")}`);
  await page.screenshot({ path: `${process.env.SHOTS}/reference-narrow.png` });

  const owner = await (await browser.newContext()).newPage();
  await owner.goto(process.env.SETUP_URL);
  await owner.getByLabel("Email").fill("owner@example.com");
  await owner.getByLabel("Password").fill("a long enough password");
  await owner.getByRole("button", { name: "Create account" }).click();
  await owner.waitForURL(`${BASE}/console/polls`);
  await owner.getByRole("navigation").getByRole("link", { name: "API reference" }).click();
  await owner.waitForURL(`${BASE}/docs/api`);
  ok(true, "the console's navigation leads to the reference");
});
