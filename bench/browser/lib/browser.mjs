// Debian's Chromium and the csv-analyzer server on a free port, started as the end-to-end tests
// start them (end2end/support/), and pages set up for measuring.

import path from 'node:path';

import { ARGS, CHROMIUM, launchBrowser } from '../../../end2end/support/browser.mjs';
import { startServer } from '../../../end2end/support/server.mjs';

export { CHROMIUM, launchBrowser };
export const CHROMIUM_ARGS = ARGS;

export const DESKTOP = { name: 'desktop', viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 };
export const PHONE = { name: 'phone', viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** A fresh context (empty cache) and page; `problems()` lists page errors and failed requests. */
export async function openPage(browser, project = DESKTOP) {
  const context = await browser.newContext({
    viewport: project.viewport,
    isMobile: project.isMobile,
    hasTouch: project.hasTouch,
    deviceScaleFactor: project.deviceScaleFactor,
    locale: 'en-US',
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  return { context, page, problems: () => [...problems] };
}

/** The csv-analyzer server on a free port serving `distDir`: the end-to-end tests' own start-up
 *  (`target/release/csv-analyzer serve`, a temporary data dir). */
export function startAppServer(repoRoot, distDir = path.join(repoRoot, 'dist')) {
  return startServer({ distDir });
}
