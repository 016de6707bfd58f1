// Privacy, tested: every request the page (and its worker) makes while files holding a
// marker value are analysed is recorded, and none carries the marker — not in its URL, its
// headers or its body (RUM beacons and error reports included). Nor does the page keep the
// marker in its storage.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ProfilePage } from '../pages/profile_page.mjs';
import { VIEWPORTS, openPage } from '../support/browser.mjs';
import { serverAndBrowser } from '../support/suite.mjs';

const MARKER = 'PRIVACY-MARKER-7f3a9c';
// Beacons leave every 500 ms, so the recorder sees them while the page lives (Playwright does
// not report a beacon sent by a page being unloaded).
const FLUSH_INTERVAL_MS = 500;
process.env.CSV_ANALYZER_RUM__FLUSH_INTERVAL_MS ??= String(FLUSH_INTERVAL_MS);

let server;
let browser;

serverAndBrowser((s, b) => {
  server = s;
  browser = b;
});

/** A CSV whose cells, header and file name carry the marker in several forms. */
function markedCsv(rows) {
  const lines = [`id,${MARKER}_column,label,prediction`];
  for (let i = 0; i < rows; i++) {
    const cls = ['a', 'b', 'c'][i % 3];
    lines.push(`${i},${MARKER}-${i % 7},${cls},${i % 5 === 0 ? 'a' : cls}`);
  }
  return Buffer.from(lines.join('\n') + '\n', 'utf8');
}

/** Records every request of `context` (pages and workers), with its body. */
function recordRequests(context) {
  const requests = [];
  context.on('request', (request) => {
    requests.push({
      url: request.url(),
      method: request.method(),
      headers: request.headers(),
      body: request.postDataBuffer()?.toString('latin1') ?? '',
    });
  });
  return requests;
}

function carriers(requests) {
  const needles = [MARKER, encodeURIComponent(MARKER), Buffer.from(MARKER).toString('base64')];
  return requests
    .filter((r) => needles.some((n) => r.url.includes(n) || r.body.includes(n) || JSON.stringify(r.headers).includes(n)))
    .map((r) => `${r.method} ${r.url}`);
}

for (const project of VIEWPORTS) {
  describe(`privacy (${project.name})`, () => {
    test('analysing a file sends none of its content', async () => {
      const { context, page, problems } = await openPage(browser, project);
      const requests = recordRequests(context);
      try {
        const view = new ProfilePage(page);
        await view.open(server.url);
        await view.chooseFile(`${MARKER}.csv`, markedCsv(500));
        await view.waitForStatus(/500 rows/);
        // A bad file too: its error must not travel either.
        await view.dropFile(`${MARKER}.png`, Buffer.concat([Buffer.from([0x89, 0, 0, 0]), Buffer.from(MARKER)]));
        await view.alert.waitFor();
        // Let the page's beacons leave (timings, errors, vitals), then leave the page too.
        await page.waitForTimeout(4 * FLUSH_INTERVAL_MS);
        await page.goto(`${server.url}/drift`);
        await page.waitForTimeout(2 * FLUSH_INTERVAL_MS);

        assert.ok(requests.length > 0, 'no request recorded at all: the recorder is broken');
        assert.ok(requests.some((r) => r.url.includes('worker')), 'the worker script request was not recorded');
        const beacons = requests.filter((r) => r.url.endsWith('/api/rum') && r.method === 'POST');
        assert.ok(beacons.length > 0, 'no RUM beacon was recorded: the test would not see one carrying the marker');
        assert.ok(
          beacons.some((b) => b.body.includes('"type":"timing"')),
          'the analysis timing beacon was not recorded',
        );
        assert.deepEqual(carriers(requests), []);
        const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
        assert.ok(!stored.includes(MARKER), `the marker is in the page's storage: ${stored}`);
        assert.deepEqual(problems(), []);
      } finally {
        await context.close();
      }
    });

    test('the recorder sees a body that carries the marker (self-check)', async () => {
      const { context, page } = await openPage(browser, project);
      const requests = recordRequests(context);
      try {
        await page.goto(`${server.url}/`);
        await page.evaluate((marker) => navigator.sendBeacon('/api/does-not-matter', marker), MARKER);
        await page.waitForTimeout(300);
        assert.equal(carriers(requests).length, 1, 'a beacon carrying the marker went unseen');
      } finally {
        await context.close();
      }
    });
  });
}
