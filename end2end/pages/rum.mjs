// Real-user monitoring as a test sees it: the footer's consent checkbox (found by its label),
// and the beacons the page sends to POST /api/rum, recorded from the browser context (pages
// and workers) with their parsed bodies and, once answered, their status.

import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { repoRoot } from '../support/server.mjs';

export const CONSENT_LABEL = /^(Report anonymous timings and errors|Transmettre les mesures de temps et les erreurs anonymes)$/;

/** The footer's consent checkbox of `page`. */
export function consentCheckbox(page) {
  return page.getByRole('checkbox', { name: CONSENT_LABEL });
}

/** Records every beacon of `context`. */
export class BeaconRecorder {
  /** @param {import('playwright-core').BrowserContext} context */
  constructor(context) {
    /** @type {{url: string, contentType: string, text: string, body: any, status: number | null}[]} */
    this.beacons = [];
    /** GET /api/rum/config requests seen. */
    this.configRequests = 0;
    context.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/rum/config') {
        this.configRequests += 1;
      }
      if (request.method() !== 'POST' || url.pathname !== '/api/rum') {
        return;
      }
      const text = request.postDataBuffer()?.toString('utf8') ?? '';
      let body = null;
      try {
        body = JSON.parse(text);
      } catch {
        // Kept as text: the test that reads it fails with the text in its message.
      }
      const beacon = { url: request.url(), contentType: request.headers()['content-type'] ?? '', text, body, status: null };
      this.beacons.push(beacon);
      request
        .response()
        .then((response) => {
          beacon.status = response?.status() ?? null;
        })
        .catch(() => {});
    });
  }

  /** Every event sent so far, each with its beacon's context and session. */
  events() {
    return this.beacons.flatMap((beacon) =>
      (beacon.body?.events ?? []).map((event) => ({ ...event, context: beacon.body.context, session: beacon.body.session })),
    );
  }

  /** Waits for an event that `predicate` accepts; returns it. */
  async waitForEvent(predicate, what, timeout = 15_000) {
    const deadline = Date.now() + timeout;
    for (;;) {
      const found = this.events().find(predicate);
      if (found) {
        return found;
      }
      if (Date.now() > deadline) {
        const seen = this.events().map((e) => `${e.type}:${e.name ?? e.kind ?? ''}`);
        throw new Error(`no beacon event "${what}" within ${timeout} ms; events seen: ${seen.join(', ') || 'none'}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The vital `name` (LCP, FCP…) the app reported, waiting for it. */
  async vital(name, timeout) {
    const event = await this.waitForEvent((e) => e.type === 'vital' && e.name === name, `vital ${name}`, timeout);
    return event.value;
  }

  /** Waits until every beacon sent has its answer (beacons sent while a page unloads may
   *  never be seen answered: those count as answered after `timeout`). */
  async settled(timeout = 5_000) {
    const deadline = Date.now() + timeout;
    while (this.beacons.some((b) => b.status === null) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.beacons.filter((b) => b.status !== null).map((b) => b.status);
  }
}

/** Adds Google's web-vitals library (its IIFE build, from end2end/node_modules) to every page
 *  of `context`, before the page's own scripts, recording each vital's latest value in
 *  `window.__webVitals`. */
export async function addWebVitals(context) {
  const library = await readFile(path.join(repoRoot, 'end2end', 'node_modules', 'web-vitals', 'dist', 'web-vitals.iife.js'), 'utf8');
  await context.addInitScript({
    content: `${library}
window.__webVitals = {};
for (const on of ['onLCP', 'onFCP', 'onTTFB', 'onCLS', 'onINP']) {
  webVitals[on]((metric) => { window.__webVitals[metric.name] = metric.value; }, { reportAllChanges: true });
}`,
  });
}

/** What web-vitals reported in `page` so far: `{LCP, FCP, TTFB, CLS, INP}` (missing ones absent). */
export function webVitalsOf(page) {
  return page.evaluate(() => ({ ...window.__webVitals }));
}
