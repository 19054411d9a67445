// Loads the running dashboard in Debian's chromium, waits for a chart and a metric, saves a screenshot.
//   node shot.js URL OUTPUT.png
// Prints one JSON line: {"charts": n, "metrics": n, "firstMetric": "...", "title": "..."}.
const { chromium } = require('playwright-core');

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

(async () => {
  const [url, output] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: FLAGS, headless: true,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
    await page.waitForSelector('[data-testid="stMetricValue"]', { timeout: 60000 });
    await page.waitForSelector('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg',
      { timeout: 60000 });
    await page.waitForTimeout(1500); // let the remaining charts draw
    await page.screenshot({ path: output, fullPage: true });
    const result = {
      charts: await page.locator('[data-testid="stVegaLiteChart"]').count(),
      metrics: await page.locator('[data-testid="stMetricValue"]').count(),
      firstMetric: (await page.locator('[data-testid="stMetricValue"]').first().innerText()).trim(),
      title: (await page.locator('h1').first().innerText()).trim(),
      exceptions: await page.locator('[data-testid="stException"]').count(),
    };
    console.log(JSON.stringify(result));
  } finally {
    await browser.close();
  }
})().catch((err) => { console.error(err); process.exit(1); });
