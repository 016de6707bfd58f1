// The public status page (/status) in Chromium, desktop and phone: served with JavaScript off,
// it shows each component's state as the probes measured it (one probe against a live local
// target, one against a closed port), the 90 daily bars, the response-time chart; names are
// escaped; axe-core finds no serious or critical violation; screenshots kept.

import AxeBuilder from '@axe-core/playwright';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { VIEWPORTS, launchBrowser, openPage } from '../support/browser.mjs';
import { startServer } from '../support/server.mjs';
import { SCREENSHOTS } from '../support/suite.mjs';

const HOSTILE_NAME = 'Database <b>primary</b>';

let server;
let browser;
let target;
let configDir;

/** A port where nothing listens (bound, then released). */
async function closedPort() {
  const socket = net.createServer();
  await new Promise((resolve) => socket.listen(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise((resolve) => socket.close(resolve));
  return port;
}

before(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  target = http.createServer((_, response) => response.end('the app'));
  await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
  configDir = await mkdtemp(path.join(tmpdir(), 'csv-analyzer-status-'));
  const config = path.join(configDir, 'status.toml');
  await writeFile(
    config,
    `[status]
failure_threshold = 2
success_threshold = 1

[[status.components]]
name = "App"
description = "The browser app"
probes = ["app"]

[[status.components]]
name = "${HOSTILE_NAME}"
probes = ["database"]

[[probes]]
name = "app"
kind = "http"
interval_seconds = 1
timeout_ms = 900
[probes.http]
url = "http://127.0.0.1:${target.address().port}/"

[[probes]]
name = "database"
kind = "tcp"
interval_seconds = 1
timeout_ms = 500
tcp = { address = "127.0.0.1:${await closedPort()}" }
`,
  );
  server = await startServer({ args: ['--config', config] });
  browser = await launchBrowser();
  // Until both probes have run often enough to cross their thresholds.
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await (await fetch(`${server.url}/api/status`)).json();
    const states = Object.fromEntries(status.components.map((c) => [c.name, c.status]));
    if (states.App === 'operational' && states[HOSTILE_NAME] === 'major_outage') break;
    if (Date.now() > deadline) throw new Error(`the components did not settle: ${JSON.stringify(states)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await new Promise((resolve) => target?.close(resolve));
  await rm(configDir, { recursive: true, force: true });
});

for (const project of VIEWPORTS) {
  describe(`status page (${project.name})`, () => {
    test('readable without JavaScript: states, daily bars, chart, escaped names', async () => {
      const context = await browser.newContext({
        viewport: project.viewport,
        isMobile: project.isMobile,
        hasTouch: project.hasTouch,
        javaScriptEnabled: false,
      });
      try {
        const page = await context.newPage();
        const response = await page.goto(`${server.url}/status`);
        assert.equal(response.status(), 200);
        assert.match(response.headers()['content-security-policy'] ?? '', /script-src/);
        await page.getByRole('heading', { level: 1 }).waitFor();
        assert.match(await page.getByRole('status').first().innerText(), /major outage|outage/i);

        const app = page.locator('li.component', { has: page.getByRole('heading', { name: 'App', exact: true }) });
        assert.match(await app.innerText(), /Operational/);
        const database = page.locator('li.component', { has: page.getByRole('heading', { name: HOSTILE_NAME }) });
        assert.match(await database.innerText(), /Major outage/);
        // The name shows as text: no <b> element was made from it.
        assert.equal(await database.locator('h3 b').count(), 0);

        assert.equal(await app.locator('.bars [role="listitem"]').count(), 90, 'one bar per day');
        assert.ok(await page.locator('svg.chart').count() > 0, 'a response-time chart');
        await page.screenshot({ path: path.join(SCREENSHOTS, `status-${project.name}.png`), fullPage: true });
      } finally {
        await context.close();
      }
    });

    test('fits the viewport; no serious or critical accessibility violation, no page error', async () => {
      const { context, page, problems } = await openPage(browser, project);
      try {
        await page.goto(`${server.url}/status`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `no sideways scrolling (${overflow} px)`);
        const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        const serious = results.violations
          .filter((v) => v.impact === 'serious' || v.impact === 'critical')
          .map((v) => `${v.impact}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
        assert.deepEqual(serious, []);
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });
  });
}
