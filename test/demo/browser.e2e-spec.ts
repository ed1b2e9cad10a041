import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startDemo, type DemoUnderTest } from './demo-app.js';

// A system Chromium (Debian's, which `.ci/run` installs), driven headless by playwright-core.
// Without one the test is skipped with a notice, unless REDISKIT_REQUIRE_BROWSER is set (CI).
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((path) => path && existsSync(path));
const run = CHROMIUM !== undefined || !!process.env.REDISKIT_REQUIRE_BROWSER;
if (!run) console.warn('Skipping the browser test: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH).');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

(run ? describe : describe.skip)('the page at / in a real browser', () => {
  let demo: DemoUnderTest;
  let browser: BrowserContext | undefined;
  let profile: string;

  beforeAll(async () => {
    demo = await startDemo();
    profile = mkdtempSync(join(tmpdir(), 'rediskit-demo-chromium-'));
    // A fresh profile per run: no cookies or cache from earlier runs.
    if (!CHROMIUM) throw new Error('REDISKIT_REQUIRE_BROWSER is set but no Chromium was found (apt-get install chromium, or set CHROMIUM_PATH)');
    browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  });
  afterAll(async () => {
    await browser?.close();
    await demo?.close();
    rmSync(profile, { recursive: true, force: true });
  });

  it('logs in, places an order and sees the notification arrive', async () => {
    const page = await browser!.newPage();
    await page.goto(demo.url);
    await expect(page.title()).resolves.toBe('nestjs-rediskit demo shop');
    await page.locator('#products tr').first().waitFor();

    await page.selectOption('#login-email', 'grace@example.com');
    await page.click('#login-button');
    await page.locator('#account-name', { hasText: 'Grace Hopper' }).waitFor();
    await page.locator('#stream-state', { hasText: 'live' }).waitFor();
    await page.locator('#sessions li').first().waitFor();

    await page.click('#products button[data-product-id="2"]');
    const notification = page.locator('#notifications li.notification', { hasText: 'USB-C dock' });
    await notification.waitFor();
    expect(await notification.textContent()).toMatch(/Order #\d+ confirmed: 1 × USB-C dock/);
    await expect(page.locator('#order-message').textContent()).resolves.toMatch(/fencing token \d+/);

    // The live numbers follow: a session is active and notifications were published.
    await page.waitForFunction("Number(document.getElementById('stat-sessions').textContent) >= 1 && Number(document.getElementById('stat-notifications').textContent) >= 1");
    expect(await page.locator('#notifications li').count()).toBe(1); // the order only: no stray entries
    if (process.env.DEMO_SCREENSHOT) await page.screenshot({ path: process.env.DEMO_SCREENSHOT, fullPage: true });
  });
});
