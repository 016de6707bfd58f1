// Real-user monitoring from the browser: the release build in Chromium, served by the real
// server, sends beacons (POST /api/rum) whose web vitals agree with Google's web-vitals library
// measuring the same page load, and which report thrown errors, Rust panics, worker crashes
// and analysis timings — until the user turns reporting off in the footer.
//
// The server is started with a 500 ms flush interval (CSV_ANALYZER_RUM__FLUSH_INTERVAL_MS) so
// that beacons leave while the page lives. When the server has no GET /api/rum/config (real-user
// monitoring not built into it), the tests answer that request themselves and check the
// beacons the page sends without their status (the run says so).

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ProfilePage } from '../pages/profile_page.mjs';
import { BeaconRecorder, addWebVitals, consentCheckbox, webVitalsOf } from '../pages/rum.mjs';
import { VIEWPORTS, launchBrowser, openPage, workerNamed } from '../support/browser.mjs';
import { generateCsv } from '../support/csv.mjs';
import { startServer } from '../support/server.mjs';

const FLUSH_INTERVAL_MS = 500;
process.env.CSV_ANALYZER_RUM__FLUSH_INTERVAL_MS ??= String(FLUSH_INTERVAL_MS);
// Every test's page shares 127.0.0.1's budget.
process.env.CSV_ANALYZER_RUM__RATE_LIMIT_PER_MINUTE ??= '100000';

/** What the tests answer on GET /api/rum/config when the server does not. */
const STAND_IN_CONFIG = { enabled: true, sample_rate: 1, flush_interval_ms: FLUSH_INTERVAL_MS };
const MAX_BEACON_BYTES = 64 * 1024;

let server;
let browser;
/** The server's own RUM config, or null when it has none. */
let serverConfig = null;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  try {
    const response = await fetch(`${server.url}/api/rum/config`);
    serverConfig = response.ok ? await response.json() : null;
  } catch {
    serverConfig = null;
  }
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A page whose beacons are recorded; with `webVitals`, the web-vitals library measures it too. */
async function open(project, { webVitals = false } = {}) {
  const { context, page, problems } = await openPage(browser, project);
  const beacons = new BeaconRecorder(context);
  if (!serverConfig) {
    await context.route('**/api/rum/config', (route) => route.fulfill({ json: STAND_IN_CONFIG }));
  }
  if (webVitals) {
    await addWebVitals(context);
  }
  return { context, page, problems, beacons };
}

/** Every beacon was answered 202 — checked when the server receives beacons. */
async function assertAccepted(t, beacons) {
  const statuses = await beacons.settled();
  if (!serverConfig) {
    t.diagnostic('the server has no /api/rum/config: beacons checked as sent, not as answered');
    return;
  }
  assert.ok(statuses.length > 0, 'no beacon was seen answered');
  assert.deepEqual(statuses.filter((s) => s !== 202), [], `statuses: ${statuses.join(', ')}`);
}

/** `actual` is within 10% (or 5 ms, whichever is larger) of `expected`. */
function assertClose(name, actual, expected) {
  const tolerance = Math.max(5, 0.1 * expected);
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${name}: the app reported ${actual}, web-vitals ${expected} (tolerance ${tolerance})`,
  );
}

/** Tells `page` it is hidden, as the browser does when the user switches tabs: the headless
 *  browser never hides a page by itself. */
function hide(page) {
  return page.evaluate(() => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
  });
}

/** How many `name` vitals of `route` the server has stored in its last 5 minutes, from
 *  GET /api/rum/summary; null when the server has no such summary. */
async function storedVitals(name, route) {
  try {
    const response = await fetch(`${server.url}/api/rum/summary`);
    if (!response.ok) {
      return null;
    }
    const summary = await response.json();
    const rows = summary.windows?.find((w) => w.window === '5m')?.vitals_by_route;
    if (!Array.isArray(rows)) {
      return null;
    }
    return rows.filter((r) => r.name === name && r.route === route).reduce((n, r) => n + r.count, 0);
  } catch {
    return null;
  }
}

async function poll(read, accept, what, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await read();
    if (accept(value)) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeout} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const project of VIEWPORTS) {
  describe(`real-user monitoring (${project.name})`, () => {
    test('a page load reports LCP, FCP and TTFB as web-vitals measures them', async (t) => {
      const { context, page, problems, beacons } = await open(project, { webVitals: true });
      try {
        const view = new ProfilePage(page);
        await view.open(server.url);
        // FCP when painted, TTFB after load: both leave with the next flush.
        const fcp = await beacons.vital('FCP');
        const ttfb = await beacons.vital('TTFB');
        // An input makes LCP final, for the app and for web-vitals alike.
        await page.getByRole('heading', { name: 'Profile a file' }).click();
        const lcp = await beacons.vital('LCP');
        const reference = await poll(
          () => webVitalsOf(page),
          (v) => v.LCP !== undefined && v.FCP !== undefined && v.TTFB !== undefined,
          'web-vitals',
        );
        t.diagnostic(`app: LCP ${lcp}, FCP ${fcp}, TTFB ${ttfb}; web-vitals: ${JSON.stringify(reference)}`);
        assertClose('LCP', lcp, reference.LCP);
        assertClose('FCP', fcp, reference.FCP);
        assertClose('TTFB', ttfb, reference.TTFB);

        // The context: a route template, the tab's random session, buckets of the device.
        const event = beacons.events().find((e) => e.type === 'vital' && e.name === 'LCP');
        assert.match(event.session, /^[0-9a-f]{32}$/);
        assert.equal(event.context.route, '/');
        assert.equal(event.context.browser, 'chromium');
        assert.equal(event.context.device, project.isMobile ? 'mobile' : 'desktop');
        assert.equal(event.context.viewport, project.viewport.width >= 1280 ? '1280+' : '360-767');
        const navigation = beacons.events().find((e) => e.type === 'navigation');
        assert.ok(navigation, 'no navigation timing');
        assertClose('navigation ttfb_ms', navigation.ttfb_ms, reference.TTFB);
        assert.ok(navigation.load_ms >= navigation.dom_content_loaded_ms);
        for (const beacon of beacons.beacons) {
          assert.match(beacon.contentType, /^text\/plain/);
          assert.ok(beacon.text.length <= MAX_BEACON_BYTES && beacon.body.events.length <= 100);
        }

        // Hidden, the page sends CLS, and INP (the click was an interaction). Playwright cannot
        // hide a headless page, so the page is told it is hidden the way the browser would tell
        // it — both the app and web-vitals listen to the same event.
        await hide(page);
        const cls = await beacons.waitForEvent((e) => e.type === 'vital' && e.name === 'CLS', 'CLS');
        const inp = await beacons.waitForEvent((e) => e.type === 'vital' && e.name === 'INP', 'INP');
        const reference2 = await poll(() => webVitalsOf(page), (v) => v.INP !== undefined && v.CLS !== undefined, 'web-vitals INP and CLS');
        t.diagnostic(`app: CLS ${cls.value}, INP ${inp.value}; web-vitals: CLS ${reference2.CLS}, INP ${reference2.INP}`);
        assert.ok(Math.abs(cls.value - reference2.CLS) <= 0.01, `CLS ${cls.value} vs ${reference2.CLS}`);
        assertClose('INP', inp.value, reference2.INP);
        // The same tab, the same session.
        assert.equal(new Set(beacons.events().map((e) => e.session)).size, 1);

        await assertAccepted(t, beacons);
        if (serverConfig) {
          assert.deepEqual(problems(), []);
        }
      } finally {
        await context.close();
      }
    });
  });
}

describe('real-user monitoring: errors, timings, consent', () => {
  const project = VIEWPORTS[0];

  test('leaving the page sends what is left (as the server stored it)', async (t) => {
    const { context, page, beacons } = await open(project);
    try {
      const before = await storedVitals('INP', '/drift');
      if (before === null) {
        t.skip('the server has no GET /api/rum/summary: a beacon sent while the page unloads cannot be seen by Playwright');
        return;
      }
      await page.goto(`${server.url}/drift`);
      await page.getByRole('heading', { level: 1, name: /drift/i }).click();
      await beacons.vital('LCP');
      // The beacon sent on pagehide carries INP; Playwright does not report requests of a
      // page that is being replaced, so it is looked for where it arrives.
      await page.goto(`${server.url}/`);
      await poll(() => storedVitals('INP', '/drift'), (n) => n > before, 'INP of /drift stored by the server');
    } finally {
      await context.close();
    }
  });

  test('a thrown JS error and a Rust panic each produce an error event', async (t) => {
    const { context, page, beacons } = await open(project);
    try {
      const view = new ProfilePage(page);
      await view.open(server.url);
      await page.evaluate(() => {
        setTimeout(() => {
          throw new Error('rum e2e: thrown on purpose');
        });
      });
      const thrown = await beacons.waitForEvent(
        (e) => e.type === 'error' && e.message.includes('thrown on purpose'),
        'the thrown error',
      );
      assert.equal(thrown.kind, 'error');
      assert.match(thrown.fingerprint, /^[0-9a-f]{16}$/);
      assert.ok(Number.isInteger(thrown.line) && Number.isInteger(thrown.column));
      assert.match(thrown.stack ?? '', /thrown on purpose/);

      // An image that does not load, a fetch that fails: sources without their query.
      await page.evaluate(() => {
        const image = document.createElement('img');
        image.alt = '';
        image.src = '/rum-e2e-missing.png?token=secret';
        document.body.append(image);
        fetch('http://127.0.0.1:1/rum-e2e?token=secret').catch(() => {});
      });
      const resource = await beacons.waitForEvent((e) => e.type === 'error' && e.kind === 'resource', 'the resource error');
      assert.equal(resource.source, `${server.url}/rum-e2e-missing.png`);
      assert.equal(resource.message, '<img> failed to load');
      const fetchError = await beacons.waitForEvent((e) => e.type === 'error' && e.kind === 'fetch', 'the failed fetch');
      assert.equal(fetchError.source, 'http://127.0.0.1:1/rum-e2e');
      assert.ok(!beacons.beacons.some((b) => b.text.includes('token=secret')), 'a query string was sent');

      // A panic of the page's Rust code (its only way in: the documented console hook).
      const outcome = await page.evaluate(() => {
        try {
          window.wasmBindings.rumCheckPanic();
          return 'returned';
        } catch (error) {
          return String(error);
        }
      });
      assert.notEqual(outcome, 'returned');
      const panic = await beacons.waitForEvent((e) => e.type === 'error' && e.kind === 'panic', 'the panic');
      assert.match(panic.message, /RUM check/);
      assert.match(panic.source, /app\/src\/rum\/mod\.rs$/);
      assert.ok(panic.line > 0);
      assert.match(panic.fingerprint, /^[0-9a-f]{16}$/);
      assert.notEqual(panic.fingerprint, thrown.fingerprint);
      // The user still sees the crash message.
      await page.getByRole('alert').filter({ hasText: 'Something went wrong' }).waitFor();
      await assertAccepted(t, beacons);
    } finally {
      await context.close();
    }
  });

  test('a worker that dies mid-analysis is reported by the page', async (t) => {
    const { context, page, beacons } = await open(project);
    try {
      const view = new ProfilePage(page);
      await view.open(server.url);
      await view.dropLargeCsv('secret-name.csv', 'x,y\n', 'x,y\n'.repeat(1 << 18), 256);
      await view.waitForBytesRead();
      const worker = await workerNamed(page, 'analysis');
      await worker.evaluate(() =>
        setTimeout(() => {
          throw new Error('simulated crash');
        }),
      );
      await view.alert.waitFor({ timeout: 10_000 });
      const crash = await beacons.waitForEvent((e) => e.type === 'error' && e.kind === 'panic', 'the worker crash');
      assert.match(crash.message, /^analysis worker: .*simulated crash/);
      assert.ok(!beacons.beacons.some((b) => b.text.includes('secret-name')), 'a file name was sent');
      await assertAccepted(t, beacons);
    } finally {
      await context.close();
    }
  });

  test('an analysis produces a timing event, with buckets and no names', async (t) => {
    const { context, page, beacons, problems } = await open(project);
    try {
      const view = new ProfilePage(page);
      await view.open(server.url);
      await view.chooseFile('orders.csv', generateCsv(50_000).buffer);
      await view.waitForStatus(/50,000 rows/);
      const timing = await beacons.waitForEvent((e) => e.type === 'timing' && e.name === 'profile', 'the profile timing');
      assert.deepEqual(
        { name: timing.name, thread: timing.thread, size: timing.size, rows: timing.rows },
        { name: 'profile', thread: 'worker', size: '1-10MB', rows: '10k-100k' },
      );
      assert.ok(timing.duration_ms > 0 && timing.duration_ms < 60_000, `${timing.duration_ms} ms`);
      // Its time per 10,000 rows: duration × 10,000 / 50,000, two significant digits (so within
      // 5 % of the exact figure), never the row count.
      const per10k = timing.ms_per_10k_rows;
      assert.equal(typeof per10k, 'number', 'the profile timing has ms_per_10k_rows');
      assert.equal(Number(per10k.toPrecision(2)), per10k, `${per10k}: more than two significant digits`);
      assert.ok(Math.abs(per10k - timing.duration_ms / 5) <= 0.05 * per10k, `${per10k} for ${timing.duration_ms} ms`);
      // The worker's phases go with it: reading the slices and the engine, within the whole.
      const read = await beacons.waitForEvent((e) => e.type === 'timing' && e.name === 'read', 'the read timing');
      const parse = await beacons.waitForEvent((e) => e.type === 'timing' && e.name === 'parse', 'the parse timing');
      for (const phase of [read, parse]) {
        assert.deepEqual({ thread: phase.thread, size: phase.size, rows: phase.rows }, { thread: 'worker', size: '1-10MB', rows: '10k-100k' });
        assert.ok(!('ms_per_10k_rows' in phase), `a ${phase.name} phase carries ms_per_10k_rows`);
      }
      assert.ok(parse.duration_ms > 0, `parse ${parse.duration_ms} ms`);
      assert.ok(read.duration_ms + parse.duration_ms <= timing.duration_ms, `${read.duration_ms} + ${parse.duration_ms} > ${timing.duration_ms}`);
      // A file that is not a CSV: its error names it on the page, never in a beacon.
      await view.dropFile('secret-marker.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]));
      await view.alert.waitFor();
      await page.waitForTimeout(3 * FLUSH_INTERVAL_MS);
      for (const needle of ['orders', 'price', 'quantity', 'Paris', 'secret-marker']) {
        assert.ok(!beacons.beacons.some((b) => b.text.includes(needle)), `"${needle}" was sent`);
      }
      await assertAccepted(t, beacons);
      if (serverConfig) {
        assert.deepEqual(problems(), []);
      }
    } finally {
      await context.close();
    }
  });

  test('turning reporting off in the footer stops beacons, and is remembered', async (t) => {
    const { context, page, beacons } = await open(project);
    try {
      const view = new ProfilePage(page);
      await view.open(server.url);
      const consent = consentCheckbox(page);
      assert.equal(await consent.isChecked(), true, 'reporting is on by default');
      await beacons.vital('FCP');

      await consent.uncheck();
      const sent = beacons.beacons.length;
      // An error, an analysis, several flush intervals, and leaving the page: nothing leaves.
      await page.evaluate(() => {
        setTimeout(() => {
          throw new Error('rum e2e: after consent was withdrawn');
        });
      });
      await view.chooseFile('orders.csv', generateCsv(100).buffer);
      await view.waitForStatus(/100 rows/);
      await page.waitForTimeout(4 * FLUSH_INTERVAL_MS);
      const configRequests = beacons.configRequests;
      await page.reload();
      await page.getByRole('heading', { name: 'Profile a file' }).waitFor();
      assert.equal(await consentCheckbox(page).isChecked(), false, 'the choice was forgotten');
      assert.equal(await page.evaluate(() => localStorage.getItem('csv-analyzer.rum-consent')), 'off');
      await page.waitForTimeout(4 * FLUSH_INTERVAL_MS);
      assert.equal(beacons.beacons.length, sent, 'a beacon left after reporting was turned off');
      assert.equal(beacons.configRequests, configRequests, 'the config was asked for without consent');

      // Back on: reporting resumes.
      await consentCheckbox(page).check();
      await page.evaluate(() => {
        setTimeout(() => {
          throw new Error('rum e2e: consent given again');
        });
      });
      await beacons.waitForEvent((e) => e.type === 'error' && e.message.includes('consent given again'), 'the error after consent');
      assert.ok(!beacons.events().some((e) => e.type === 'error' && e.message.includes('withdrawn')));
      await assertAccepted(t, beacons);
    } finally {
      await context.close();
    }
  });
});
