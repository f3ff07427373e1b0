// Federation from the web console in Debian's chromium (playwright-core): Gatehouse configured
// with two OpenID providers, `alpha` and `beta` (npm's oidc-provider, tests/support/oidc/, which
// browser_stack --oidc starts), a person signs in with one from the sign-in page, links the other
// with /link, and unlinks it with /unlink. BROWSER_STACK names tests/browser/browser_stack.cpp's
// helper; GH_ARTIFACTS the folder the screenshots go to.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { launchChromium, startStack } from "./harness.mjs";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const artifacts = process.env.GH_ARTIFACTS || path.resolve("build/artifacts");
mkdirSync(artifacts, { recursive: true });

let stack, base, issuers, browser;

before(async () => {
  assert.ok(process.env.BROWSER_STACK, "BROWSER_STACK must name the browser_stack helper");
  stack = startStack(["--oidc"]);
  const ready = JSON.parse(await stack.next(120000));
  base = ready.url;
  issuers = ready.issuers;
  assert.equal(issuers.length, 2, "browser_stack --oidc names the two issuers");
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (stack) await stack.stop();
});

/// A page whose requests may reach Gatehouse and the two providers only (anything else is
/// aborted; those the console's page makes are recorded: the providers' dev pages ask for web
/// fonts of their own), recording the console's errors.
async function open() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const seen = { errors: [], foreign: [] };
  const allowed = [base, ...issuers].map((origin) => origin + "/");
  await context.route((url) => !allowed.some((o) => url.href.startsWith(o)), (route) => {
    let from = "";
    try { from = route.request().frame().url(); } catch (e) { /* not a page's request */ }
    if (from.startsWith(base + "/")) seen.foreign.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" && m.location().url.startsWith(base)) seen.errors.push(m.text());
  });
  page.on("pageerror", (e) => seen.errors.push(String(e)));
  return { context, page, seen };
}

const quietly = (promise) => promise.then(() => true, () => false);

/// At a provider: its dev login form (any login, any password), then its consent form when it
/// asks, and back in the console, signed in and connected.
async function throughProvider(page, issuer, login) {
  await page.waitForURL((u) => u.href.startsWith(issuer + "/"));
  await page.waitForSelector('input[name="login"]');
  await page.fill('input[name="login"]', login);
  await page.fill('input[name="password"]', "any password will do");
  await page.click('form button[type="submit"]');
  const back = page.waitForURL((u) => u.href.startsWith(base + "/"), { timeout: 30000 });
  const consent = page.waitForSelector('input[name="prompt"][value="consent"]', {
    state: "attached", timeout: 30000,
  });
  // oidc-provider asks for consent once per account and client.
  const first = await Promise.race([
    quietly(back).then(() => "back"),
    quietly(consent).then((found) => (found ? "consent" : "back")),
  ]);
  if (first === "consent") await page.click('form button[type="submit"]');
  await back;
  await page.waitForSelector("#prompt", { state: "visible" });
  await page.waitForSelector('#conn[data-state="online"]');
}

async function runCommand(page, line) {
  const before = await page.locator("#scrollback .entry").count();
  await page.fill("#prompt", line);
  await page.press("#prompt", "Enter");
  await page.waitForFunction((n) => document.querySelectorAll("#scrollback .entry").length >= n + 2, before);
  return page.locator("#scrollback .entry").last();
}

/// The provider column of the identities table an answer shows.
async function providersShown(entry) {
  const cells = entry.locator('td[data-label="provider"]');
  return (await cells.allTextContents()).map((t) => t.trim()).sort();
}

test("sign in with alpha from the console, link beta, unlink it", async () => {
  const { context, page, seen } = await open();
  const login = `ada-${randomBytes(4).toString("hex")}`;
  await page.goto(base + "/");
  await page.waitForSelector("#identifier", { state: "visible" });

  // One plain link per configured provider, to its login route, back to the console.
  const alpha = page.getByRole("link", { name: "Continue with alpha" });
  const beta = page.getByRole("link", { name: "Continue with beta" });
  assert.equal(await alpha.getAttribute("href"), "/api/v1/auth/oidc/alpha/login?redirect=/");
  assert.equal(await beta.getAttribute("href"), "/api/v1/auth/oidc/beta/login?redirect=/");
  await page.evaluate(axeSource + "\n;true"); // through the devtools protocol: the CSP stays
  const axe = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  assert.deepEqual(axe.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help}`), [], "the sign-in page with its provider links");
  await page.screenshot({ path: path.join(artifacts, "console-federation-sign-in.png") });

  await alpha.click();
  await throughProvider(page, issuers[0], login);
  assert.ok((await page.locator("#scrollback").textContent()).includes(`${login}@example.test`));

  let out = await runCommand(page, "/me");
  assert.ok((await out.textContent()).includes(`${login}@example.test`));
  assert.ok((await out.textContent()).includes("alpha"), "/me lists the alpha identity");

  out = await runCommand(page, "/help");
  for (const usage of ["/identities", "/link <provider>", "/unlink <provider>"])
    assert.ok((await out.textContent()).includes(usage), `/help lists ${usage}`);

  out = await runCommand(page, "/identities");
  assert.deepEqual(await providersShown(out), ["alpha"]);

  // An unknown provider is a 404 naming the configured ones.
  out = await runCommand(page, "/link gamma");
  assert.ok((await out.getAttribute("class")).includes("err"));
  assert.ok((await out.textContent()).includes("alpha, beta"));

  // /link answers the link; following it signs in at beta and comes back linked.
  out = await runCommand(page, "/link Beta");
  const link = out.getByRole("link", { name: "Continue with beta" });
  assert.equal(await link.getAttribute("href"),
    base + "/api/v1/auth/oidc/beta/login?link=true&redirect=/");
  await link.click();
  await throughProvider(page, issuers[1], `${login}-beta`);
  out = await runCommand(page, "/identities");
  assert.deepEqual(await providersShown(out), ["alpha", "beta"]);

  out = await runCommand(page, "/unlink beta");
  assert.ok((await out.textContent()).includes("beta"));
  assert.equal((await out.getAttribute("class")).includes("err"), false);
  out = await runCommand(page, "/identities");
  assert.deepEqual(await providersShown(out), ["alpha"]);

  // The last way in stays: no password, one identity.
  out = await runCommand(page, "/unlink alpha");
  assert.ok((await out.getAttribute("class")).includes("err"));
  out = await runCommand(page, "/identities");
  assert.deepEqual(await providersShown(out), ["alpha"]);
  await page.screenshot({ path: path.join(artifacts, "console-federation.png") });

  assert.deepEqual(seen.errors, []);
  assert.deepEqual(seen.foreign, []);
  await context.close();

  // Beta alone signs in too, as a user of its own.
  const second = await open();
  await second.page.goto(base + "/");
  await second.page.getByRole("link", { name: "Continue with beta" }).click();
  await throughProvider(second.page, issuers[1], `grace-${randomBytes(4).toString("hex")}`);
  out = await runCommand(second.page, "/identities");
  assert.deepEqual(await providersShown(out), ["beta"]);
  assert.deepEqual(second.seen.foreign, []);
  await second.context.close();
});
