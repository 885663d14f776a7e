// Drives the Schedule tab in Debian's headless Chromium for the test suite: one browser,
// one page at a time, one JSON command per line on stdin, one JSON answer per line on stdout
// ({ok, value} or {ok: false, error}). Only loopback is reachable; the page's clock is fixed.
import { chromium } from "playwright-core";
import readline from "node:readline";

const executablePath = process.env.ROTA_CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 15000;

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
  ],
});

let context = null;
let page = null;
let requests = [];
let problems = [];

async function open(request) {
  if (context) await context.close();
  requests = [];
  problems = [];
  context = await browser.newContext({
    viewport: { width: request.width, height: request.height },
    deviceScaleFactor: request.scale || 1,
    isMobile: Boolean(request.mobile),
    hasTouch: Boolean(request.mobile),
    colorScheme: request.colorScheme || "light",
    timezoneId: request.timezoneId || "UTC",
    locale: request.locale || "en-GB",
  });
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  await page.clock.setFixedTime(new Date(request.now));
  await page.route((url) => !["127.0.0.1", "localhost"].includes(url.hostname), (route) => route.abort());
  for (const fake of request.routes || []) {
    await page.route(fake.pattern, (route) => route.fulfill({
      status: fake.status, contentType: "application/json", body: JSON.stringify(fake.body),
    }));
  }
  page.on("request", (r) => requests.push(r.url()));
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  await page.goto(request.url);
  return settled();
}

async function settled() {
  await page.waitForSelector("#app:not([data-state='loading'])");
  return { state: await page.getAttribute("#app", "data-state"), location: page.url() };
}

const commands = {
  open,
  settled,
  text: async (r) => page.locator(r.selector).allInnerTexts(),
  attrs: async (r) => page.locator(r.selector).evaluateAll((nodes, name) => nodes.map((n) => n.getAttribute(name)), r.name),
  visible: async (r) => page.locator(r.selector).isVisible(),
  fill: async (r) => page.fill(r.selector, r.value),
  click: async (r) => page.click(r.selector),
  check: async (r) => page.check(r.selector),
  select: async (r) => page.selectOption(r.selector, r.value),
  waitText: async (r) => page.locator(r.selector).filter({ hasText: r.text }).first().waitFor(),
  eval: async (r) => page.evaluate(r.expression),
  screenshot: async (r) => {
    await page.screenshot({ path: r.path, fullPage: true });
    return r.path;
  },
  requests: async () => requests,
  problems: async () => problems,
};

function reply(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

reply({ ok: true, value: browser.version() });
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) continue;
  const request = JSON.parse(line);
  try {
    reply({ ok: true, value: await commands[request.cmd](request) });
  } catch (error) {
    reply({ ok: false, error: String(error && error.stack ? error.stack : error) });
  }
}
if (context) await context.close();
await browser.close();
