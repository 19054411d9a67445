// Codes items on the dashboard's Validation page with the keyboard alone, in Debian's chromium.
//   node code_keys.js URL KEYS OUTPUT.png      e.g. KEYS = "123": negative, neutral, positive
// After each key it waits for the next item to replace the one coded, then reloads the page (a reload must
// resume where the coder left off), waits for the reliability figures and saves a full-page screenshot.
// Prints one JSON line: {"items": [...item ids coded...], "after": "...item id shown after reload...", ...}.
const { chromium } = require('playwright-core');

const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
const ITEM = '.st-key-coding-item';

// While a script runs, Streamlit shows its running icon; a key pressed then may land between two renders.
async function waitIdle(page) {
  await page.waitForFunction(() => !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]'),
    null, { timeout: 90000 });
  await page.waitForTimeout(400);
}

async function shownItem(page) {
  // The item's id is the code span of its first line.
  return (await page.locator(`${ITEM} code`).first().innerText()).trim();
}

(async () => {
  const [url, keys, output] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium', args: FLAGS, headless: true,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
    await page.waitForSelector(`${ITEM} code`, { timeout: 60000 });
    const items = [];
    for (const key of keys) {
      await waitIdle(page);
      const before = await shownItem(page);
      items.push(before);
      await page.locator('h1').first().click(); // focus on the page, not on a text field
      await page.keyboard.press(key);
      await page.waitForFunction(
        ([selector, id]) => {
          const code = document.querySelector(`${selector} code`);
          return code && code.innerText.trim() !== id;
        },
        [ITEM, before], { timeout: 90000 },
      );
    }
    await waitIdle(page);
    await page.reload({ waitUntil: 'domcontentloaded', timeout: 60000 });
    await page.waitForSelector(`${ITEM} code`, { timeout: 60000 });
    await waitIdle(page);
    const after = await shownItem(page);
    await page.waitForSelector('[data-testid="stMetricValue"]', { timeout: 60000 });
    await page.waitForSelector('[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg',
      { timeout: 60000 });
    await page.waitForTimeout(1500); // let the remaining charts draw
    // Streamlit scrolls inside its main section, so a full-page shot needs a window as tall as that section.
    const height = await page.evaluate(() => {
      const main = document.querySelector('[data-testid="stMain"]');
      return main ? main.scrollHeight : document.body.scrollHeight;
    });
    await page.setViewportSize({ width: 1400, height: Math.min(Math.max(height, 1100), 6000) });
    await page.waitForTimeout(1000);
    await page.screenshot({ path: output, fullPage: true });
    const result = {
      items,
      after,
      title: (await page.locator('h1').first().innerText()).trim(),
      metrics: await page.locator('[data-testid="stMetricValue"]').count(),
      charts: await page.locator('[data-testid="stVegaLiteChart"]').count(),
      exceptions: await page.locator('[data-testid="stException"]').count(),
    };
    console.log(JSON.stringify(result));
  } finally {
    await browser.close();
  }
})().catch((err) => { console.error(err); process.exit(1); });
