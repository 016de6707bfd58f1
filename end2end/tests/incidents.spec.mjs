// The incident flow end to end (issue 9's "must show"), with the real server, its real alert
// engine and headless Chromium: an induced burst of 5xx answers (64 clients against a
// concurrency limit of 2, answered 503 by the server itself) → HighErrorRate fires → an
// incident opens with the "Application Down" playbook → an on-call engineer signs in,
// acknowledges it, ticks playbook steps, works and resolves it in the pages → a post-mortem
// draft exists with the timeline → `csv-analyzer audit verify` passes; then one audit row
// altered in the database → `audit verify` fails at that row. The pages are checked and
// photographed on a desktop and a phone viewport.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';

import { VIEWPORTS, launchBrowser } from '../support/browser.mjs';
import { startServer } from '../support/server.mjs';
import { SCREENSHOTS } from '../support/suite.mjs';

const run = promisify(execFile);
const PASSWORD = 'an on-call password long enough';

let server;
let browser;
let configDir;
let token;
let incident;

/** Runs the server's binary on the server's data directory; `input` goes to stdin. */
function cli(args, input = '') {
  return new Promise((resolve) => {
    const child = spawn(server.binary, [...args, '--data-dir', server.dataDir], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A command that reads nothing may exit before its stdin is written.
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

async function api(pathname) {
  const response = await fetch(`${server.url}${pathname}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(response.status, 200, `${pathname}: ${response.status}`);
  return response.json();
}

/** Clicks `target` (a link, or a form's button answered 303) and waits for the next page
 *  load, which must be `url`. */
async function clickTo(page, target, url) {
  await Promise.all([page.waitForEvent('load'), target.click()]);
  if (page.url() !== url) {
    const alert = await page.locator('[role="alert"], body').first().innerText();
    assert.fail(`landed on ${page.url()}, not ${url}: ${alert.slice(0, 300)}`);
  }
}

async function signIn(page) {
  await page.goto(`${server.url}/login?next=/incidents`);
  await page.getByLabel('Name').fill('alice');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${server.url}/incidents`);
}

before(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  configDir = await mkdtemp(path.join(tmpdir(), 'csv-analyzer-incidents-'));
  const config = path.join(configDir, 'incidents.toml');
  // Two requests at once, metrics sampled every second, rules every 2 s, HighErrorRate over
  // 30 s without `for`, so the burst shows within seconds.
  await writeFile(
    config,
    `[limits]
concurrency = 2
[metrics]
sample_interval_seconds = 1
[synthetic]
enabled = false
[alerting]
evaluation_interval_seconds = 2
[[alerting.rules]]
name = "HighErrorRate"
window_seconds = 30
for_seconds = 0
`,
  );
  server = await startServer({ args: ['--config', config] });
  const added = await cli(['user', 'add', '--admin', 'alice', '--config', config], `${PASSWORD}\n`);
  assert.equal(added.code, 0, added.stderr);
  const made = await cli(['token', 'create', '--name', 'e2e', '--role', 'viewer', '--config', config]);
  assert.equal(made.code, 0, made.stderr);
  token = made.stdout.trim();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await rm(configDir, { recursive: true, force: true });
});

describe('incidents end to end', () => {
  test('a 5xx burst opens an incident with the Application Down playbook', async () => {
    const until = Date.now() + 12_000;
    let unavailable = 0;
    let answered = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (Date.now() < until) {
          try {
            const response = await fetch(`${server.url}/api/rum/summary`);
            await response.arrayBuffer();
            answered += 1;
            if (response.status === 503) unavailable += 1;
          } catch {
            // A refused connection is not an answer.
          }
        }
      }),
    );
    assert.ok(unavailable > 100 && unavailable / answered > 0.02, `${unavailable} of ${answered} were 503`);

    const deadline = Date.now() + 60_000;
    for (;;) {
      const open = await api('/api/incidents?open=true');
      incident = open.find((i) => i.playbook === 'application-down');
      if (incident) break;
      assert.ok(Date.now() < deadline, `no incident from HighErrorRate: ${JSON.stringify(open)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal(incident.created_by, 'alerting');
    assert.equal(incident.severity, 'SEV2', 'a critical alert is a SEV2');
    const detail = await api(`/api/incidents/${incident.id}`);
    assert.equal(detail.alerts[0].rule, 'HighErrorRate');
    assert.match(detail.playbook.title, /^Application Down/);
  });

  test('the on-call engineer works it in the pages, to a post-mortem draft', async () => {
    assert.ok(incident, 'the incident of the previous test');
    const context = await browser.newContext({ viewport: VIEWPORTS[0].viewport });
    try {
      const page = await context.newPage();
      await signIn(page);
      await clickTo(page, page.getByRole('link', { name: incident.title }), `${server.url}/incidents/${incident.id}`);
      assert.match(await page.getByRole('heading', { level: 2, name: /Playbook/ }).innerText(), /Application Down/);
      await clickTo(page, page.getByRole('button', { name: 'Acknowledge' }), `${server.url}/incidents/${incident.id}`);
      assert.match(await page.locator('#acknowledged').innerText(), /alice/);
      for (const step of ['diagnosis-1', 'diagnosis-2', 'resolution-1']) {
        await clickTo(page, page.locator(`#step-${step}`).getByRole('button', { name: 'Done' }), `${server.url}/incidents/${incident.id}`);
        assert.equal(await page.locator(`#step-${step} [aria-label="done"]`).count(), 1, step);
      }
      for (const state of ['triaged', 'diagnosing']) {
        await page.getByLabel('Move to').selectOption(state);
        await clickTo(page, page.getByRole('button', { name: 'Move' }), `${server.url}/incidents/${incident.id}`);
        assert.equal(await page.locator('#state').innerText(), state);
      }
      await page.getByLabel('Note', { exact: true }).fill('Restarted web; the error rate is back under 0.1%.');
      await clickTo(page, page.getByRole('button', { name: 'Add note' }), `${server.url}/incidents/${incident.id}`);
      await page.getByLabel('Visibility').selectOption('public');
      await page.getByLabel('Update', { exact: true }).fill('Errors on the API are fixed; we are watching.');
      await clickTo(page, page.getByRole('button', { name: 'Post update' }), `${server.url}/incidents/${incident.id}`);
      await page.getByLabel('Move to').selectOption('resolved');
      await clickTo(page, page.getByRole('button', { name: 'Move' }), `${server.url}/incidents/${incident.id}`);
      assert.equal(await page.locator('#state').innerText(), 'resolved');
      const timeline = await page.locator('ol.timeline').innerText();
      for (const line of [/acknowledged/i, /playbook step/i, /Restarted web/, /resolved/]) {
        assert.match(timeline, line);
      }
      // The SEV2's post-mortem draft, made on resolution, with the incident's timeline.
      const postmortem = await page.locator('#postmortem').innerText();
      assert.match(postmortem, /draft/);
      assert.match(postmortem, /More than 2% of requests/);
      const exported = await fetch(`${server.url}/api/incidents/${incident.id}/postmortem.md`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(exported.status, 200);
      const markdown = await exported.text();
      for (const line of [/## Timeline/, /acknowledged/, /Restarted web/, /diagnosing → resolved/, /## Root cause/]) {
        assert.match(markdown, line);
      }
      await page.screenshot({ path: path.join(SCREENSHOTS, 'incident-desktop.png'), fullPage: true });

      const status = await (await fetch(`${server.url}/api/status`)).json();
      assert.equal(status.incidents[0].incident_updates[0].body, 'Errors on the API are fixed; we are watching.');
    } finally {
      await context.close();
    }
  });

  test('the pages fit a phone', async () => {
    assert.ok(incident, 'the incident of the first test');
    const phone = VIEWPORTS[1];
    const context = await browser.newContext({
      viewport: phone.viewport,
      isMobile: phone.isMobile,
      hasTouch: phone.hasTouch,
      deviceScaleFactor: 2,
    });
    try {
      const page = await context.newPage();
      await signIn(page);
      for (const [pathname, name] of [
        ['/incidents', 'incidents-phone.png'],
        [`/incidents/${incident.id}`, 'incident-phone.png'],
      ]) {
        await page.goto(`${server.url}${pathname}`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 1, `${pathname} is ${overflow}px wider than the phone`);
        await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
      }
    } finally {
      await context.close();
    }
  });

  test('audit verify passes, then fails at an altered row', async () => {
    const intact = await cli(['audit', 'verify']);
    assert.equal(intact.code, 0, intact.stderr);
    assert.match(intact.stdout, /^audit trail intact: \d+ rows/);
    const rows = Number(/intact: (\d+) rows/.exec(intact.stdout)[1]);
    assert.ok(rows >= 8, `${rows} rows`);
    // Alter one row in the middle, as someone with access to the database file could.
    const target = Math.ceil(rows / 2);
    await run('python3', [
      '-c',
      'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); ' +
        'c.execute("UPDATE audit_log SET actor = \'mallory\' WHERE id = ?", (int(sys.argv[2]),)); c.commit()',
      path.join(server.dataDir, 'csv-analyzer.db'),
      String(target),
    ]);
    const broken = await cli(['audit', 'verify']);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, new RegExp(`broken at row ${target}:`));
  });
});
