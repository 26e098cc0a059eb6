// The owner console in a real browser (Debian's chromium via playwright-core, axe-core):
// a new site owner's first ten minutes. Sign up, create a ranked poll through the form, copy
// the embed snippet, paste it into a page on another origin, vote there, watch the console's
// live results and chart move, close the poll, download the CSV, open present mode; then
// every console page through axe-core, light and dark. Started by
// services/pollcast/tests/browser.rs against a real `pollcast` (BASE); screenshots to SHOTS.
import { createServer } from "node:http";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const BASE = process.env.BASE, SHOTS = process.env.SHOTS || "screenshots";
mkdirSync(SHOTS, { recursive: true });
const report = { checks: [] };
function ok(cond, what) { if (!cond) throw new Error("failed: " + what); report.checks.push(what); }

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking"],
});

const violations = [];
let scans = 0;
async function scan(page, label) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  for (const v of result.violations) violations.push(`${label}: ${v.id} (${v.nodes.length}) ${v.nodes.slice(0, 2).map((n) => n.target.join(" ")).join(", ")}`);
  scans++;
}
// The share of a rendered element's pixels in the page's accent colour (what fills a result
// bar), read back from a screenshot on a blank page (no CSP there to refuse the data: image).
async function filledShare(page, locator) {
  const accent = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue("--accent").trim());
  const png = (await locator.screenshot()).toString("base64");
  const blank = await browser.newPage();
  const share = await blank.evaluate(async ([b64, hex]) => {
    const want = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
    const img = new Image(); img.src = "data:image/png;base64," + b64; await img.decode();
    const c = document.createElement("canvas"); c.width = img.width; c.height = img.height;
    const g = c.getContext("2d"); g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    let filled = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - want[0]) + Math.abs(d[i + 1] - want[1]) + Math.abs(d[i + 2] - want[2]) < 60) filled++;
    return filled / (d.length / 4);
  }, [png, accent]);
  await blank.close();
  return share;
}
async function shot(page, name) { await page.screenshot({ path: `${SHOTS}/console-${name}.png`, fullPage: true }); }

try {
  const owner = await browser.newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true });
  await owner.grantPermissions(["clipboard-read", "clipboard-write"], { origin: BASE });
  const page = await owner.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text()); });
  // Every request a page makes succeeds, but the form sent with errors on purpose (422).
  page.on("response", (r) => { if (r.status() >= 400 && r.status() !== 422) errors.push(`${r.status()} ${r.url()}`); });

  // 1. Sign up: the fields are labelled "Email" and "Password".
  await page.goto(`${BASE}/console`);
  ok(page.url().endsWith("/console/signin"), "the console sends a stranger to sign in");
  // A fresh install: sign-up needs the one-time setup link pollcast printed at start.
  await page.goto(`${BASE}/console/signup`);
  ok((await page.locator("main").textContent()).includes("setup link"), "without the setup link, no first account");
  await scan(page, "signup (not set up)");
  await page.goto(process.env.SETUP_URL);
  ok(page.url() === `${BASE}/console/signup`, "the setup link leads to the sign-up form, its token out of the address bar");
  await scan(page, "signup");
  await shot(page, "signup");
  await page.getByLabel("Email").fill("owner@example.com");
  await page.getByLabel("Password").fill("a long enough password");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${BASE}/console/polls`);
  ok((await page.locator("h1").textContent()) === "Polls", "signed up, the owner lands on the polls");
  await scan(page, "polls (empty)");

  // 2. A ranked poll through the form: a fourth option added, one moved up, by keyboard.
  await page.getByRole("link", { name: "New poll" }).click();
  await page.getByLabel("Question").fill("Which day for the launch party?");
  await page.getByLabel("Kind").selectOption("ranked");
  ok(await page.getByLabel("Scale").isHidden() && await page.getByLabel("At most (choices)").isVisible(), "the form shows the fields of the kind chosen");
  await page.getByLabel("Option 1", { exact: true }).fill("Thursday");
  await page.getByLabel("Option 2", { exact: true }).fill("Friday");
  await page.getByLabel("Option 3", { exact: true }).fill("Saturday");
  await page.getByRole("button", { name: "Add options" }).click();
  await page.getByLabel("Option 4", { exact: true }).fill("Sunday");
  await page.getByRole("button", { name: "Move up: Sunday" }).focus();
  await page.keyboard.press("Enter");
  ok(await page.locator("input[name=option_label]").nth(2).inputValue() === "Sunday", "an option moved up by keyboard");
  await scan(page, "new poll form");
  await shot(page, "poll-form");
  await page.getByRole("button", { name: "Create poll" }).click();
  await page.waitForURL(/\/console\/polls\/[A-Za-z0-9_-]+$/);
  const pollId = page.url().split("/").pop();
  ok((await page.locator("h1").textContent()) === "Which day for the launch party?", "the poll's page");
  const labels = await page.locator(".result .label").allTextContents();
  ok(labels.join(",") === "Thursday,Friday,Sunday,Saturday", `the options in the order given (${labels})`);
  // Before the first vote a result bar is empty, in light and in dark.
  const emptyLight = await filledShare(page, page.locator(".result progress").first());
  const darkOwner = await browser.newContext({ colorScheme: "dark", storageState: await owner.storageState() });
  const darkPage = await darkOwner.newPage();
  await darkPage.goto(page.url());
  const emptyDark = await filledShare(darkPage, darkPage.locator(".result progress").first());
  await darkOwner.close();
  ok(emptyLight < 0.1 && emptyDark < 0.1, `before the first vote a result bar looks empty (filled: ${(emptyLight * 100).toFixed(0)}% light, ${(emptyDark * 100).toFixed(0)}% dark)`);

  // A form with errors comes back with them, next to the fields.
  await page.goto(`${BASE}/console/polls/new`);
  await page.getByLabel("Option 1", { exact: true }).fill("Only one");
  await page.getByRole("button", { name: "Create poll" }).click();
  await page.locator("#errors").waitFor();
  ok(await page.locator("#question[aria-invalid=true]").count() === 1, "a form with errors comes back, the bad field marked");
  await scan(page, "poll form with errors");
  await shot(page, "poll-form-errors");

  // 3. Copy the embed snippet; paste it into a page on another origin.
  await page.goto(`${BASE}/console/polls/${pollId}`);
  await page.locator("[data-copy=share-snippet]").click();
  const snippet = await page.evaluate(() => navigator.clipboard.readText());
  ok(snippet.includes(`data-poll="${pollId}"`) && snippet.includes("/embed/v1.js"), "the copy button put the embed snippet on the clipboard");
  await page.locator("[data-viewers-line]").filter({ hasText: "watching" }).waitFor({ timeout: 5000 });
  await page.locator("#chart .uplot").waitFor({ timeout: 5000 });
  await scan(page, "poll page");
  await shot(page, "poll");
  const hooks = [];
  const host = createServer((req, res) => {
    if (req.url === "/hooks") {
      let body = ""; req.on("data", (c) => { body += c; });
      req.on("end", () => { hooks.push({ headers: req.headers, body }); res.writeHead(200, { "Content-Type": "text/plain" }); res.end("thanks"); });
      return;
    }
    res.writeHead(200, { "Content-Type": "text/html" });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A blog</title></head><body><h1>My blog</h1>${snippet}</body></html>`);
  });
  await new Promise((done) => host.listen(0, "127.0.0.1", done));
  const HOST = `http://127.0.0.1:${host.address().port}`;
  const visitor = await browser.newContext();
  const blog = await visitor.newPage();
  await blog.goto(HOST);
  const frame = blog.frameLocator(`iframe[src^="${BASE}/embed/${pollId}"]`);
  try { await frame.locator("#vote-button").waitFor({ timeout: 10000 }); } catch (e) { throw new Error("no widget on the blog: " + (await blog.content()).slice(0, 2000)); }
  await frame.locator(".choice .up").last().click();
  await frame.locator("#vote-button").click();
  await frame.locator("#your-choice").waitFor();
  await blog.screenshot({ path: `${SHOTS}/console-third-party-vote.png` });

  // 4. The console follows without a reload: the count, the bars, the chart.
  await page.locator('[data-total][data-count="1"]').waitFor({ timeout: 5000 });
  ok((await page.locator("[data-total]").textContent()) === "1 vote", "one vote, in words");
  ok(true, "the console's live results moved to 1 vote without a reload");
  const fullBar = await filledShare(page, page.locator(".result progress").first());
  ok(fullBar > 0.6, `the bar of the one vote's first choice is full (filled: ${(fullBar * 100).toFixed(0)}%)`);
  await page.waitForFunction(() => document.querySelector("#chart").getAttribute("data-sum") === "1", null, { timeout: 5000 });
  ok(true, "the votes-over-time chart moved to 1");
  await shot(page, "poll-live");

  // 5. Close it (with a confirmation that says what happens).
  await page.getByRole("link", { name: "Close" }).click();
  ok((await page.locator("main").textContent()).includes("No vote is accepted once it is closed"), "closing explains itself first");
  await scan(page, "confirm close");
  await shot(page, "confirm-close");
  await page.getByRole("button", { name: "Close" }).click();
  await page.waitForURL(`${BASE}/console/polls/${pollId}`);
  ok((await page.locator("[data-status]").textContent()).trim() === "Closed", "the poll is closed");

  // 6. The CSV.
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download CSV" }).click()]);
  const csv = readFileSync(await download.path(), "utf8").trim().split("\n");
  ok(csv[0] === "vote_id,received_at,option_ids,rating,voter" && csv.length === 2, `the CSV has the vote (${csv.length - 1} row)`);

  // 7. Present mode.
  await page.getByRole("link", { name: "Present" }).click();
  await page.locator(".present-grid").waitFor();
  const big = await page.locator("h1").evaluate((h) => parseFloat(getComputedStyle(h).fontSize));
  ok(big >= 32 && await page.locator(".present-join svg").count() === 1, `present mode: large type (${big}px) and the QR code`);
  await scan(page, "present");
  await shot(page, "present");

  // 8. The workspace pages: a key made and shown once, an invitation, a webhook.
  await page.goto(`${BASE}/console/keys`);
  await page.getByLabel("Name").fill("CI");
  await page.getByLabel("polls:read").check();
  await page.getByRole("button", { name: "Create key" }).click();
  ok((await page.locator("#new-key").inputValue()).startsWith("pk_"), "a new API key is shown once");
  await scan(page, "keys");
  await shot(page, "keys");
  await page.goto(`${BASE}/console/members`);
  await page.getByRole("button", { name: "Make an invitation link" }).click();
  ok((await page.locator("#invite-link").inputValue()).includes("/console/join/"), "an invitation link");
  await scan(page, "members");
  await shot(page, "members");
  const invitation = await page.locator("#invite-link").inputValue();
  await page.goto(`${BASE}/console/webhooks`);
  await page.getByLabel("URL").fill(`${HOST}/hooks`);
  await page.getByLabel("vote.created").check();
  await page.getByRole("button", { name: "Add webhook" }).click();
  await page.locator("#webhook-secret").waitFor();
  ok((await page.locator("#webhook-secret").inputValue()).startsWith("whsec_"), "a webhook's secret is shown once");
  await scan(page, "webhooks");
  await shot(page, "webhooks");
  await page.getByRole("link", { name: "See its deliveries" }).click();
  await page.getByRole("button", { name: "Send test" }).click();
  await page.locator(".test-result").waitFor();
  const answered = await page.locator(".test-result").textContent();
  ok(answered.includes("Delivered") && answered.includes("HTTP 200") && answered.includes("thanks"), `the test button shows what the receiver answered (${answered.trim()})`);
  ok(hooks.some((h) => h.headers["webhook-signature"] && h.headers["webhook-id"]), "the receiver got a signed test delivery");
  await page.getByLabel("Enabled: deliveries go out").uncheck();
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.locator(".notice").filter({ hasText: "Saved." }).waitFor();
  ok((await page.locator(".meta").textContent()).includes("Disabled"), "an endpoint paused from the console");
  await scan(page, "webhook");
  await shot(page, "webhook");
  const webhookPage = new URL(page.url()).pathname;
  await page.goto(`${BASE}/console/workspaces`);
  await scan(page, "workspaces");
  await shot(page, "workspaces");

  // 9. Dark, and Arabic right-to-left: the same pages through axe-core.
  const pages = ["/console/polls", "/console/polls/new", `/console/polls/${pollId}`, `/console/polls/${pollId}/reset`, `/console/polls/${pollId}/present`, "/console/keys", "/console/members", "/console/webhooks", "/console/workspaces", webhookPage];
  const dark = await browser.newContext({ colorScheme: "dark", storageState: await owner.storageState() });
  const d = await dark.newPage();
  for (const p of pages) { await d.goto(BASE + p); await scan(d, `dark ${p}`); }
  await d.goto(`${BASE}/console/polls/${pollId}`);
  await shot(d, "poll-dark");
  await d.goto(`${BASE}/console/polls?lang=ar`);
  ok(await d.evaluate(() => document.documentElement.dir === "rtl"), "the console speaks right-to-left Arabic");
  await scan(d, "arabic polls");
  await shot(d, "polls-arabic");
  await dark.close();

  // 10. Signed out: sign-in and the invitation's page (light and dark).
  await page.goto(`${BASE}/console/polls`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${BASE}/console/signin`);
  await scan(page, "signin");
  await shot(page, "signin");
  await page.goto(invitation);
  await scan(page, "join");
  const darkOut = await browser.newContext({ colorScheme: "dark" });
  const o = await darkOut.newPage();
  for (const p of ["/console/signin", "/console/signup", new URL(invitation).pathname]) { await o.goto(BASE + p); await scan(o, `dark ${p}`); }
  await darkOut.close();

  ok(errors.length === 0, "no script errors on the console's pages: " + errors.join(" | "));
  ok(violations.length === 0, `axe-core: zero violations in ${scans} scans\n` + violations.join("\n"));
  report.axe_scans = scans;
  host.close();
  await visitor.close();
  await owner.close();
} finally {
  await browser.close();
}
console.log(JSON.stringify(report));
