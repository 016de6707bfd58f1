// Where the time of one 100 MB profile goes, in the page's own clock: the drop, each worker's
// `done` message (the analysis and the hash), and the result on screen. A diagnostic for
// bench.mjs's throughput figure, not a benchmark of its own:
//   node bench/browser/probe_phases.mjs [FILE]     (default bench/data/reference.csv)
// Needs the built app (dist/), target/release/csv-analyzer and the file (bench/browser/run.sh
// makes all three).

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { AnalyzerPage } from './pages/analyzer_page.mjs';
import { launchBrowser, openPage, startAppServer } from './lib/browser.mjs';
import { startStaticServer } from './lib/static_server.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const file = path.resolve(process.argv[2] || path.join(repoRoot, 'bench', 'data', 'reference.csv'));

// Wraps Worker so that every `done` message is stamped with performance.now() as it arrives.
function stampWorkers() {
  window.__phases = { done: [] };
  const Original = window.Worker;
  window.Worker = class extends Original {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        const type = event.data && event.data.type;
        if (type === 'done') {
          window.__phases.done.push({
            at: performance.now(),
            result_bytes: (event.data.result || '').length,
            read_ms: event.data.read_ms,
            parse_ms: event.data.parse_ms,
          });
        }
      });
    }
  };
}

const server = await startAppServer(repoRoot);
const files = await startStaticServer({ 'data.csv': file });
const browser = await launchBrowser();
try {
  const { page, problems } = await openPage(browser);
  await page.addInitScript(stampWorkers);
  // Same origin for the app's Content-Security-Policy; the bytes come from the static server.
  await page.route('**/__probe__/data.csv', (route) => route.continue({ url: `${files.url}/data/data.csv` }));
  const app = new AnalyzerPage(page);
  await app.open(server.url);
  const handle = await page.evaluateHandle(async () => {
    const blob = await (await fetch('/__probe__/data.csv')).blob();
    return new File([blob], 'data.csv', { type: 'text/csv' });
  });
  await page.waitForTimeout(500);
  await page.evaluate(() => {
    window.__phases.dropped = performance.now();
    new MutationObserver((_, observer) => {
      const status = document.querySelector('.view > p.status');
      if (status && / rows and /.test(status.textContent)) {
        window.__phases.shown = performance.now();
        observer.disconnect();
      }
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  await app.dropFile(handle);
  const shown = await app.waitForResult();
  const phases = await page.evaluate(() => window.__phases);
  const since = (t) => `${Math.round(t - phases.dropped)} ms`;
  console.log(`rows ${shown.rows}, app reports ${shown.reportedSeconds} s`);
  for (const done of phases.done) {
    console.log(`done after ${since(done.at)}: result ${done.result_bytes} chars, read ${Math.round(done.read_ms)} ms, parse ${Math.round(done.parse_ms)} ms`);
  }
  console.log(`shown after ${since(phases.shown)}`);
  if (problems().length) console.log('problems:', problems());
} finally {
  await browser.close();
  await server.stop();
  await files.stop();
}
