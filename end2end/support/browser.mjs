// Debian's Chromium driven by playwright-core (no browser download), and pages that record
// every console error, page error and failed request so a test can assert there were none.

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The two projects every view is tested in. */
export const VIEWPORTS = [
  { name: 'desktop', viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false },
  { name: 'phone', viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true },
];

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
}

/** A fresh context and page for `project`, with `page.problems()` listing what went wrong. */
export async function openPage(browser, project) {
  const context = await browser.newContext({
    viewport: project.viewport,
    isMobile: project.isMobile,
    hasTouch: project.hasTouch,
    deviceScaleFactor: project.isMobile ? 2 : 1,
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      problems.push(`console error: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('requestfailed', (request) => {
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) {
      problems.push(`HTTP ${response.status()}: ${response.url()}`);
    }
  });
  return { context, page, problems: () => [...problems] };
}

/** The page's Web Worker named `name`: `analysis` runs the analyses, `hash` hashes their files
 *  meanwhile (app/src/worker/client.rs). */
export async function workerNamed(page, name) {
  for (const worker of page.workers()) {
    if ((await worker.evaluate(() => self.name)) === name) return worker;
  }
  throw new Error(`no worker named "${name}" among the page's ${page.workers().length}`);
}
