// Card-to-PNG service for the test suite: one headless Chromium (Debian's), one page with
// Microsoft's Adaptive Cards renderer. Reads one JSON request per line on stdin
// ({card, path, width, theme}) and answers one JSON line per request on stdout.
import { chromium } from "playwright-core";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const executablePath = process.env.ROTA_CHROMIUM || "/usr/bin/chromium";

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
  ],
});
const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, deviceScaleFactor: 1 });
await page.route(/^https?:/, (route) => route.abort());
await page.goto(pathToFileURL(path.join(here, "page.html")).href);

function reply(message) {
  process.stdout.write(JSON.stringify(message) + "\n");
}

async function render(request) {
  const result = await page.evaluate(
    ([card, theme, width]) => window.renderCard(card, theme, width),
    [request.card, request.theme, request.width],
  );
  if (result.height > 0) {
    await page.setViewportSize({ width: Math.max(1200, request.width + 64), height: result.height + 64 });
    await page.locator("#frame").screenshot({ path: request.path });
  }
  return result;
}

reply({ ready: true, browser: browser.version() });
const lines = readline.createInterface({ input: process.stdin });
for await (const line of lines) {
  if (!line.trim()) {
    continue;
  }
  try {
    reply({ ok: true, ...(await render(JSON.parse(line))) });
  } catch (error) {
    reply({ ok: false, error: String(error && error.stack ? error.stack : error) });
  }
}
await browser.close();
