// End-to-end tests of the web console in Debian's chromium, driven by playwright-core (which
// never downloads a browser here). BROWSER_STACK names the helper that starts Gatehouse with its
// services and the fake Stripe (tests/browser/browser_stack.cpp); GH_ARTIFACTS the folder the
// screenshots and measurements go to.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { launchChromium, startStack } from "./harness.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const artifacts = process.env.GH_ARTIFACTS || path.resolve("build/artifacts");
mkdirSync(artifacts, { recursive: true });

const password = "correct horse battery staple";
let stack, base, browser;
const measured = {};

before(async () => {
  assert.ok(process.env.BROWSER_STACK, "BROWSER_STACK must name the browser_stack helper");
  stack = startStack();
  base = JSON.parse(await stack.next(120000)).url;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
  writeFileSync(path.join(artifacts, "console-measurements.json"), JSON.stringify(measured, null, 2) + "\n");
});

/// A fresh browser context and page that record console errors, page errors and every request
/// for another origin (which is aborted before it leaves the machine).
async function open(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const seen = { errors: [], foreign: [] };
  await context.route((url) => !url.href.startsWith(base + "/"), (route) => {
    seen.foreign.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error") seen.errors.push(m.text()); });
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  return { context, page, seen };
}

async function axe(page, label) {
  await page.evaluate(axeSource + "\n;true"); // through the devtools protocol: the page's CSP stays as it is
  const result = await page.evaluate(() =>
    window.axe.run(document, { resultTypes: ["violations"] }));
  const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), [], label);
  return result.violations.length;
}

async function noHorizontalScroll(page, label) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `${label}: page is ${scroll}px wide in a ${client}px viewport`);
}

async function runCommand(page, line) {
  const before = await page.locator("#scrollback .entry").count();
  await page.fill("#prompt", line);
  await page.press("#prompt", "Enter");
  // The echo of the line, then its answer.
  await page.waitForFunction((n) => document.querySelectorAll("#scrollback .entry").length >= n + 2, before);
  return page.locator("#scrollback .entry").last();
}

async function register(page, email) {
  await page.click("#mode-toggle");
  await page.fill("#identifier", email);
  await page.fill("#password", password);
  await page.click("#auth-submit");
  await page.waitForSelector("#prompt", { state: "visible" });
  await page.waitForSelector('#conn[data-state="online"]');
}

function totp(secretBase32, step = Math.floor(Date.now() / 30000)) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secretBase32.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, "0");
}

const freshEmail = (who) => `${who}-${randomBytes(4).toString("hex")}@example.com`;

test("sign-in page: first load, accessibility, nothing from elsewhere", async () => {
  const { context, page, seen } = await open();
  await page.goto(base + "/");
  await page.waitForSelector("#identifier", { state: "visible" });
  await page.waitForFunction(() => performance.getEntriesByName("gatehouse:sign-in").length > 0);
  const load = await page.evaluate(() => {
    const nav = performance.getEntriesByType("navigation")[0];
    const resources = performance.getEntriesByType("resource");
    return {
      bytes: nav.transferSize + resources.reduce((n, r) => n + r.transferSize, 0),
      body_bytes: nav.encodedBodySize + resources.reduce((n, r) => n + r.encodedBodySize, 0),
      requests: 1 + resources.length,
      sign_in_ms: Math.round(performance.getEntriesByName("gatehouse:sign-in")[0].startTime),
    };
  });
  measured.first_load = load;
  assert.ok(load.bytes > 0 && load.bytes < 100 * 1024, `first load transferred ${load.bytes} bytes`);
  // The focus starts in the first field; labels name every field.
  assert.equal(await page.evaluate(() => document.activeElement.id), "identifier");
  measured.axe_sign_in_violations = await axe(page, "sign-in page");
  await page.screenshot({ path: path.join(artifacts, "console-sign-in.png") });
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.foreign, []);
  await context.close();

  // A second visit takes the hashed assets from the browser's cache. (A context of its own:
  // playwright turns the cache off where it intercepts requests.)
  const plain = await browser.newContext();
  const again = await plain.newPage();
  await again.goto(base + "/");
  await again.waitForSelector("#identifier", { state: "visible" });
  await again.goto(base + "/");
  await again.waitForSelector("#identifier", { state: "visible" });
  const fetched = await again.evaluate(() => performance.getEntriesByType("resource")
    .filter((r) => r.name.includes("/assets/") && r.transferSize > 0).map((r) => r.name));
  assert.deepEqual(fetched, [], "hashed assets are cached for good");
  measured.second_visit_bytes = await again.evaluate(() =>
    performance.getEntriesByType("navigation")[0].transferSize);
  await plain.close();
});

test("register, commands, history, completion, checkout and its push, sign-out", async () => {
  const { context, page, seen } = await open();
  const email = freshEmail("browser");
  await page.goto(base + "/");
  await register(page, email);

  let out = await runCommand(page, "/help");
  for (const usage of ["/me", "/sessions", "/plans", "/checkout <plan>", "/subscriptions", "/logout"])
    assert.ok((await out.textContent()).includes(usage), `/help lists ${usage}`);
  assert.equal(await out.locator("table").count(), 1, "/help is a table");

  out = await runCommand(page, "/me");
  assert.ok((await out.textContent()).includes(email));

  // History: up recalls the last lines, down goes back to the draft.
  await page.fill("#prompt", "/dra");
  await page.press("#prompt", "ArrowUp");
  assert.equal(await page.inputValue("#prompt"), "/me");
  await page.press("#prompt", "ArrowUp");
  assert.equal(await page.inputValue("#prompt"), "/help");
  await page.press("#prompt", "ArrowDown");
  await page.press("#prompt", "ArrowDown");
  assert.equal(await page.inputValue("#prompt"), "/dra");

  // Tab completes command names.
  await page.fill("#prompt", "/subs");
  await page.press("#prompt", "Tab");
  assert.equal(await page.inputValue("#prompt"), "/subscriptions ");
  assert.equal(await page.evaluate(() => document.activeElement.id), "prompt");

  out = await runCommand(page, "/plans");
  assert.ok((await out.locator("table").textContent()).includes("Pro"));
  out = await runCommand(page, "/nope");
  assert.ok((await out.getAttribute("class")).includes("err"));
  assert.ok((await out.textContent()).includes("unknown command"));

  // /checkout opens Stripe's page in a new tab (stopped here: nothing leaves this machine)
  // and links it in the scrollback.
  const popup = context.waitForEvent("page");
  out = await runCommand(page, "/checkout pro");
  const stripePage = await popup;
  await page.waitForFunction(() => true); // let the tab's navigation reach the route
  for (let i = 0; i < 50 && seen.foreign.length === 0; ++i) await page.waitForTimeout(100);
  assert.equal(seen.foreign.length, 1, "the checkout tab opened");
  assert.match(seen.foreign[0], /^https:\/\/checkout\.stripe\.com\//);
  await stripePage.close();
  assert.match(await out.locator("a").getAttribute("href"), /^https:\/\/checkout\.stripe\.com\//);

  // The fake Stripe's signed webhook lands: the push shows up without a command.
  stack.send("complete");
  assert.equal(await stack.next(), "ok");
  const push = page.locator("#scrollback .entry.push", { hasText: "payment.completed" });
  await push.waitFor({ timeout: 30000 });
  await page.waitForFunction(() => {
    const last = [...document.querySelectorAll("#scrollback .entry")].pop();
    return last && !last.classList.contains("input");
  });
  out = await runCommand(page, "/subscriptions");
  await page.waitForTimeout(200);
  measured.axe_console_violations = await axe(page, "console");
  await page.screenshot({ path: path.join(artifacts, "console-session.png") });

  // Sign-out ends the session: a reload shows the sign-in form again.
  await page.click("#signout");
  await page.waitForSelector("#identifier", { state: "visible" });
  await page.reload();
  await page.waitForSelector("#identifier", { state: "visible" });
  assert.equal(await page.isVisible("#prompt"), false);
  assert.deepEqual(seen.errors, []);
  assert.equal(seen.foreign.length, 1, "only the checkout tab tried to leave the machine");
  await context.close();
});

test("time to the first prompt of a signed-in user, and reconnection", async () => {
  const { context, page, seen } = await open();
  await page.goto(base + "/");
  await register(page, freshEmail("returning"));
  await page.reload();
  await page.waitForSelector('#conn[data-state="online"]');
  measured.signed_in_reload = await page.evaluate(() => ({
    prompt_ms: Math.round(performance.getEntriesByName("gatehouse:prompt")[0].startTime),
    connected_ms: Math.round(performance.getEntriesByName("gatehouse:connected")[0].startTime),
  }));
  // The socket drops: the page says so and comes back by itself.
  await context.setOffline(true);
  await page.evaluate(() => window.Gatehouse.dropSocket());
  await page.waitForSelector('#conn[data-state="offline"]');
  await context.setOffline(false);
  await page.waitForSelector('#conn[data-state="online"]', { timeout: 20000 });
  const out = await runCommand(page, "/me");
  assert.ok((await out.textContent()).includes("@example.com"));
  assert.deepEqual(seen.foreign, []);
  assert.deepEqual(seen.errors.filter((e) => !e.includes("ERR_INTERNET_DISCONNECTED") && !e.includes("WebSocket")), []);
  await context.close();
});

test("a phone-width screen never scrolls sideways", async () => {
  const { context, page, seen } = await open({ width: 375, height: 740 });
  await page.goto(base + "/");
  await page.waitForSelector("#identifier", { state: "visible" });
  await noHorizontalScroll(page, "sign-in at 375 px");
  await axe(page, "sign-in at 375 px");
  await register(page, freshEmail("phone"));
  await runCommand(page, "/help");
  await runCommand(page, "/sessions");
  await runCommand(page, "/plans");
  await noHorizontalScroll(page, "console at 375 px");
  await axe(page, "console at 375 px");
  await page.screenshot({ path: path.join(artifacts, "console-phone.png") });
  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.foreign, []);
  await context.close();
});

test("two-factor sign-in prompts for the code; forgot password sends the link", async () => {
  const { context, page, seen } = await open();
  const email = freshEmail("mfa");
  await page.goto(base + "/");
  await register(page, email);
  // Turn two-factor on through the API with the page's own cookies and CSRF token.
  const secret = await page.evaluate(async () => {
    const setup = await window.Gatehouse.api("POST", "/api/v1/auth/mfa/totp/setup");
    return setup.body.secret;
  });
  const enabled = await page.evaluate(async (code) =>
    (await window.Gatehouse.api("POST", "/api/v1/auth/mfa/totp/enable", { code })).status, totp(secret));
  assert.equal(enabled, 200);
  await page.click("#signout");
  await page.waitForSelector("#identifier", { state: "visible" });

  await page.fill("#identifier", email);
  await page.fill("#password", password);
  await page.click("#auth-submit");
  await page.waitForSelector("#totp", { state: "visible" });
  assert.equal(await page.evaluate(() => document.activeElement.id), "totp");
  // The enabling code's step is spent: use the next one.
  await page.fill("#totp", totp(secret, Math.floor(Date.now() / 30000) + 1));
  await page.click("#auth-submit");
  await page.waitForSelector('#conn[data-state="online"]');
  await page.click("#signout");
  await page.waitForSelector("#identifier", { state: "visible" });

  await page.click("#forgot-open");
  await page.fill("#forgot-email", email);
  await page.click("#forgot-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("forgot-message").textContent.includes("reset link"));
  await axe(page, "forgot password");
  assert.deepEqual(seen.errors.filter((e) => !e.includes("401")), []);
  assert.deepEqual(seen.foreign, []);
  await context.close();
});
