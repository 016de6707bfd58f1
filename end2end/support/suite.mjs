// The set-up every browser test file shares: the real server on a free port and one Chromium,
// started before the file's tests and stopped after them.

import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before } from 'node:test';

import { launchBrowser } from './browser.mjs';
import { repoRoot, startServer } from './server.mjs';

/** Where the tests keep their screenshots (CI artifacts). */
export const SCREENSHOTS = path.join(repoRoot, 'end2end', 'screenshots');

/** Registers the file's `before`/`after`: `ready(server, browser)` receives them once started. */
export function serverAndBrowser(ready) {
  let server;
  let browser;
  before(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    server = await startServer();
    browser = await launchBrowser();
    ready(server, browser);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
}
