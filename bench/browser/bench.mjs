// The browser benchmarks of issue 5 ("Budgets"), run by bench/browser/run.sh:
//   1. transfer size of the app: every wasm, js and css file of the build, brotli q11 (and which of
//      them a first visit and a first analysis fetch);
//   2. LCP of a cold load on 127.0.0.1 (median of 5) and Lighthouse scores (mobile, median of 3);
//   3. in-browser analysis throughput of the 100 MB benchmark file, CSV Analyzer (through its
//      UI) side by side with DuckDB-WASM (SUMMARIZE) and PapaParse + plain JS statistics, on
//      the same in-memory file, with the page's memory growth; and, with BIG=1, the 1 GB file.
// Prints a JSON summary; `--write` rewrites the browser block of docs/benchmarks.md.
//
// Usage: node bench/browser/bench.mjs [--write]   (run.sh builds and generates the data first)
// Environment: DATA (100 MB CSV), BIG_DATA (1 GB CSV, measured when BIG=1), RUNS (3),
// LCP_RUNS (5), LIGHTHOUSE_RUNS (3), ONLY (comma list of: transfer,lcp,lighthouse,throughput,big),
// DIST_DIR (the built app, default dist/), BENCH_COMMAND (the command shown in the report),
// TOOLS (comma list of: csv_analyzer,duckdb_wasm,papaparse; for debugging, all by default).

import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { arch, cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import zlib from 'node:zlib';

import { CHROMIUM, CHROMIUM_ARGS, DESKTOP, PHONE, launchBrowser, openPage, startAppServer } from './lib/browser.mjs';
import { MemorySampler } from './lib/memory.mjs';
import { writeReport } from './lib/report.mjs';
import { benchDir, startStaticServer } from './lib/static_server.mjs';
import { AnalyzerPage } from './pages/analyzer_page.mjs';

const repoRoot = path.resolve(benchDir, '..', '..');
const env = process.env;
const WRITE = process.argv.includes('--write');
const RUNS = Number(env.RUNS || 3);
const LCP_RUNS = Number(env.LCP_RUNS || 5);
const LIGHTHOUSE_RUNS = Number(env.LIGHTHOUSE_RUNS || 3);
const BIG = env.BIG === '1';
const DATA = path.resolve(repoRoot, env.DATA || 'bench/data/reference.csv');
const BIG_DATA = path.resolve(repoRoot, env.BIG_DATA || 'bench/data/big.csv');
const ONLY = env.ONLY ? new Set(env.ONLY.split(',')) : null;
const wanted = (part) => (ONLY ? ONLY.has(part) : part !== 'big' || BIG);
const DUCKDB_BUNDLE = env.DUCKDB_BUNDLE || 'eh';
const TOOLS = env.TOOLS ? new Set(env.TOOLS.split(',')) : null;
const DIST = path.resolve(repoRoot, env.DIST_DIR || 'dist');

const BUDGETS = {
  transfer_kb: 500,
  lcp_s: 1.0,
  lighthouse: 90,
  throughput_ratio_vs_duckdb: 3,
  memory_growth_mb: 128,
  longest_task_ms: 200,
};

const log = (...args) => console.error('bench-browser:', ...args);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x, digits = 2) => (x === null || x === undefined ? x : Number(x.toFixed(digits)));
const MB = 1e6;

// --- 1. transfer size ----------------------------------------------------------------------

function brotli11(buffer) {
  return zlib.brotliCompressSync(buffer, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buffer.length,
    },
  }).length;
}

function smallCsv(rows) {
  const lines = ['id,price,city'];
  for (let i = 1; i <= rows; i++) lines.push(`${i},${(i * 0.37).toFixed(2)},${['Paris', 'Lyon', 'Brest'][i % 3]}`);
  return Buffer.from(lines.join('\n') + '\n');
}

/** Names of the custom sections of a wasm module ("name" and "producers" are gone once
 *  wasm-opt has run without -g). */
function wasmCustomSections(buffer) {
  const names = [];
  let at = 8; // magic + version
  const leb = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = buffer[at++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) return value;
    }
  };
  while (at < buffer.length) {
    const id = buffer[at++];
    const size = leb();
    const end = at + size;
    if (id === 0) {
      const length = leb();
      names.push(buffer.subarray(at, at + length).toString('utf8'));
    }
    at = end;
  }
  return names;
}

/** Every wasm, js and css file of dist/ (brotli q11 each; the budget counts them all, whether
 *  or not a visit fetches them), with the phase in which the browser fetched it. */
async function measureTransfer(browser, appUrl) {
  const { context, page, problems } = await openPage(browser, DESKTOP);
  const fetched = new Map(); // path → { phase, served bytes, content-encoding }
  let phase = 'first visit';
  context.on('requestfinished', async (request) => {
    const url = request.url();
    if (!url.startsWith(appUrl) || fetched.has(new URL(url).pathname)) return;
    const when = phase;
    const response = await request.response().catch(() => null);
    const sizes = await request.sizes().catch(() => null);
    fetched.set(new URL(url).pathname, {
      phase: when,
      served: sizes ? sizes.responseBodySize : null,
      encoding: response?.headers()['content-encoding'] || 'identity',
    });
  });
  try {
    const app = new AnalyzerPage(page);
    await app.open(appUrl);
    await page.waitForLoadState('networkidle');
    // The worker and its wasm may only be fetched when the first file is analysed.
    phase = 'first analysis';
    await app.chooseSmallFile('small.csv', smallCsv(1000));
    await app.waitForResult(60_000);
    await page.waitForTimeout(500);
  } finally {
    await context.close();
  }
  const files = [];
  for (const name of await readdir(DIST)) {
    if (!/\.(wasm|js|css|html)$/.test(name)) continue;
    const body = await readFile(path.join(DIST, name));
    const seen = fetched.get(`/${name}`) ?? (name === 'index.html' ? fetched.get('/') : undefined);
    files.push({
      path: name,
      counted: !name.endsWith('.html'),
      phase: seen?.phase ?? 'not fetched',
      bytes: body.length,
      brotli11: brotli11(body),
      served: seen?.served ?? null,
      encoding: seen?.encoding ?? null,
      wasm_custom_sections: name.endsWith('.wasm') ? wasmCustomSections(body) : undefined,
    });
  }
  files.sort((a, b) => b.brotli11 - a.brotli11);
  const sum = (list, key) => list.reduce((s, f) => s + (f[key] || 0), 0);
  const counted = files.filter((f) => f.counted);
  return {
    files,
    app_brotli11_kb: round(sum(counted, 'brotli11') / 1024, 1),
    app_raw_kb: round(sum(counted, 'bytes') / 1024, 1),
    first_visit_brotli11_kb: round(sum(counted.filter((f) => f.phase === 'first visit'), 'brotli11') / 1024, 1),
    as_served_kb: round(sum(files.filter((f) => f.served !== null), 'served') / 1024, 1),
    problems: problems(),
  };
}

// --- 2. LCP and Lighthouse -----------------------------------------------------------------

async function lcpOnce(browser, appUrl, project) {
  const { context, page, problems } = await openPage(browser, project);
  try {
    await context.addInitScript(() => {
      window.__benchLcp = [];
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          window.__benchLcp.push({
            time: entry.startTime,
            size: entry.size,
            element: entry.element ? `${entry.element.tagName.toLowerCase()}: ${(entry.element.textContent || '').trim().slice(0, 40)}` : null,
          });
        }
      }).observe({ type: 'largest-contentful-paint', buffered: true });
    });
    const app = new AnalyzerPage(page);
    await page.goto(`${appUrl}/`, { waitUntil: 'load' });
    await app.waitUntilShown();
    await page.waitForTimeout(1_000); // later, larger paints would still be reported
    const result = await page.evaluate(() => ({
      entries: window.__benchLcp,
      fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    }));
    const last = result.entries.at(-1);
    return {
      lcp_s: last ? last.time / 1000 : null,
      fcp_s: result.fcp === null ? null : result.fcp / 1000,
      element: last?.element ?? null,
      problems: problems(),
    };
  } finally {
    await context.close();
  }
}

async function measureLcp(browser, appUrl) {
  const out = {};
  for (const project of [DESKTOP, PHONE]) {
    const runs = [];
    for (let i = 0; i < LCP_RUNS; i++) runs.push(await lcpOnce(browser, appUrl, project));
    const lcps = runs.map((r) => r.lcp_s).filter((x) => x !== null);
    out[project.name] = {
      viewport: `${project.viewport.width}×${project.viewport.height}`,
      lcp_median_s: lcps.length ? round(median(lcps), 3) : null,
      lcp_runs_s: runs.map((r) => round(r.lcp_s, 3)),
      fcp_median_s: round(median(runs.map((r) => r.fcp_s ?? NaN)), 3),
      lcp_element: runs.at(-1)?.element,
      problems: [...new Set(runs.flatMap((r) => r.problems))],
    };
  }
  return out;
}

function runLighthouseOnce(appUrl, outFile) {
  const flags = [...CHROMIUM_ARGS, '--disable-dev-shm-usage'].join(' ');
  const cli = path.join(benchDir, 'node_modules', 'lighthouse', 'cli', 'index.js');
  const args = [
    cli,
    `${appUrl}/`,
    '--output=json',
    `--output-path=${outFile}`,
    '--only-categories=performance,accessibility',
    `--chrome-flags=${flags}`,
    '--quiet',
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      env: { ...env, CHROME_PATH: CHROMIUM },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4_000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr });
    });
  });
}

async function measureLighthouse(appUrl) {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-lighthouse-'));
  const version = JSON.parse(await readFile(path.join(benchDir, 'node_modules', 'lighthouse', 'package.json'), 'utf8')).version;
  const runs = [];
  const failures = [];
  try {
    for (let i = 0; i < LIGHTHOUSE_RUNS; i++) {
      const outFile = path.join(dir, `run-${i}.json`);
      const { code, signal, stderr } = await runLighthouseOnce(appUrl, outFile);
      let report = null;
      try {
        report = JSON.parse(await readFile(outFile, 'utf8'));
      } catch {
        // no report written
      }
      const perf = report?.categories?.performance?.score;
      const a11y = report?.categories?.accessibility?.score;
      if (code !== 0 || perf === null || perf === undefined || a11y === null || a11y === undefined) {
        failures.push({
          exit: code,
          signal,
          runtime_error: report?.runtimeError ?? null,
          stderr_tail: stderr.trim().split('\n').slice(-8).join('\n'),
        });
        continue;
      }
      const audit = (id) => report.audits[id]?.numericValue ?? null;
      runs.push({
        performance: Math.round(perf * 100),
        accessibility: Math.round(a11y * 100),
        lcp_s: round(audit('largest-contentful-paint') / 1000, 2),
        fcp_s: round(audit('first-contentful-paint') / 1000, 2),
        tbt_ms: Math.round(audit('total-blocking-time')),
        cls: round(audit('cumulative-layout-shift'), 3),
        lcp_element: report.audits['largest-contentful-paint-element']?.details?.items?.[0]?.items?.[0]?.node?.nodeLabel ?? null,
        main_thread_s: round(audit('mainthread-work-breakdown') / 1000, 2),
        failed_a11y_audits: Object.values(report.audits)
          .filter((a) => report.categories.accessibility.auditRefs.some((r) => r.id === a.id && r.weight > 0) && a.score === 0)
          .map((a) => a.id),
        emulation: report.configSettings?.formFactor,
        throttling: report.configSettings?.throttlingMethod,
        user_agent_chromium: report.environment?.hostUserAgent?.match(/Chrome\/[\d.]+/)?.[0] ?? null,
      });
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (runs.length === 0) {
    return { version, ran: false, failures };
  }
  return {
    version,
    ran: true,
    runs: runs.length,
    performance_median: median(runs.map((r) => r.performance)),
    accessibility_median: median(runs.map((r) => r.accessibility)),
    lcp_median_s: round(median(runs.map((r) => r.lcp_s)), 2),
    tbt_median_ms: median(runs.map((r) => r.tbt_ms)),
    per_run: runs,
    failures,
  };
}

// --- 3. throughput and memory --------------------------------------------------------------

/** The benchmark file as a File in `page`, fetched once from the static server. In the app's
 *  page the request goes to a same-origin URL that Playwright redirects to the static server
 *  (the app's Content-Security-Policy allows `connect-src 'self'` only). */
async function loadFileInto(page, originUrl, staticUrl, name) {
  const local = `${originUrl}/__bench__/${name}`;
  if (!originUrl.startsWith(staticUrl)) {
    await page.route(local, (route) => route.continue({ url: `${staticUrl}/data/${name}` }));
  }
  const started = performance.now();
  const handle = await page.evaluateHandle(
    async ({ url, name }) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}`);
      return new File([await response.blob()], name, { type: 'text/csv' });
    },
    { url: local.startsWith(staticUrl) ? `${staticUrl}/data/${name}` : local, name },
  );
  const size = await handle.evaluate((file) => file.size);
  if (!originUrl.startsWith(staticUrl)) await page.unroute(local);
  return { handle, size, seconds: (performance.now() - started) / 1000 };
}

/** Main-thread long tasks (> 50 ms) of `page`, from a PerformanceObserver; `resetLongTasks`
 *  starts the count afresh (after the sampler's own GC, which is not the app's work). */
async function observeLongTasks(page) {
  await page.evaluate(() => {
    window.__benchLongest = 0;
    window.__benchLongTasks = 0;
    window.__benchCountLongTasks = (entries) => {
      for (const entry of entries) {
        window.__benchLongTasks += 1;
        window.__benchLongest = Math.max(window.__benchLongest, entry.duration);
      }
    };
    window.__benchObserver = new PerformanceObserver((list) => window.__benchCountLongTasks(list.getEntries()));
    window.__benchObserver.observe({ type: 'longtask' });
  });
}

const resetLongTasks = (page) =>
  page.evaluate(() => {
    window.__benchObserver.takeRecords();
    window.__benchLongest = 0;
    window.__benchLongTasks = 0;
  });

/** The long tasks so far, including entries not yet delivered to the observer. */
const readLongTasks = (page) =>
  page.evaluate(() => {
    window.__benchCountLongTasks(window.__benchObserver.takeRecords());
    return { longest_task_ms: Math.round(window.__benchLongest), long_tasks: window.__benchLongTasks };
  });

/** Runs `action` with the memory sampler going; returns its result and the memory summary. */
async function sampled(context, page, browserSession, action) {
  const sampler = await MemorySampler.attach(context, page, browserSession);
  try {
    await sampler.settle();
    sampler.start(100);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const started = performance.now();
    const result = await action();
    const wall = (performance.now() - started) / 1000;
    const memory = await sampler.stop();
    return { result, wall, memory };
  } finally {
    await sampler.detach();
  }
}

/** Runs `run(browser, browserSession)` in a browser of its own, so that one tool's leftovers
 *  (or a crash) cannot touch the next; a failure becomes `{ ok: false, error }`. */
async function inFreshBrowser(run) {
  let browser = null;
  try {
    browser = await launchBrowser();
    const browserSession = await browser.newBrowserCDPSession();
    return await run(browser, browserSession);
  } catch (error) {
    return { ok: false, error: error.message.split('\n')[0] };
  } finally {
    await browser?.close().catch(() => {});
  }
}

const describeRun = (r) =>
  r.ok
    ? `${r.seconds.toFixed(2)} s, ${(r.bytes / MB / r.seconds).toFixed(1)} MB/s, ${r.rows} rows, ` +
      `memory growth ${r.memory.total.growth_mb} MiB, longest task ${r.longest_task_ms} ms`
    : `failed: ${r.error}`;

async function runApp(browser, browserSession, appUrl, staticUrl, dataName, timeoutMs) {
  const { context, page, problems } = await openPage(browser, DESKTOP);
  let crashed = false;
  page.on('crash', () => {
    crashed = true;
  });
  try {
    const app = new AnalyzerPage(page);
    await app.open(appUrl);
    const file = await loadFileInto(page, appUrl, staticUrl, dataName);
    await observeLongTasks(page);
    const { result, wall, memory } = await sampled(context, page, browserSession, async () => {
      await resetLongTasks(page);
      await app.armStopwatch();
      await app.dropFile(file.handle);
      const shown = await app.waitForResult(timeoutMs);
      const inPage = await app.readStopwatch();
      return { ...shown, inPage, ...(await readLongTasks(page)) };
    });
    if (result.inPage === null) throw new Error('the stopwatch did not see the drop and the result');
    return {
      ok: true,
      bytes: file.size,
      seconds: result.inPage, // timed in the page, from the drop to the result on screen
      wall_seconds: wall,
      app_reported_seconds: result.reportedSeconds,
      sketched: result.sketched,
      rows: result.rows,
      columns: result.columns,
      status: result.text,
      memory,
      longest_task_ms: result.longest_task_ms,
      long_tasks: result.long_tasks,
      problems: problems(),
    };
  } catch (error) {
    return { ok: false, crashed, error: error.message.split('\n')[0], problems: problems() };
  } finally {
    await context.close().catch(() => {});
  }
}

async function runHarness(browser, browserSession, staticUrl, dataName, tool) {
  const { context, page, problems } = await openPage(browser, DESKTOP);
  try {
    await page.goto(`${staticUrl}/harness/${tool}.html`);
    await page.waitForFunction(() => window.bench);
    const file = await loadFileInto(page, staticUrl, staticUrl, dataName);
    await page.evaluate((f) => {
      window.__benchFile = f;
    }, file.handle);
    await page.evaluate(() => window.bench.useFile(window.__benchFile));
    let setup = null;
    if (tool === 'duckdb') {
      setup = await page.evaluate((bundle) => window.bench.instantiate(bundle), DUCKDB_BUNDLE);
    }
    await observeLongTasks(page);
    const { result, wall, memory } = await sampled(context, page, browserSession, async () => {
      await resetLongTasks(page);
      const done = await page.evaluate((t) => (t === 'duckdb' ? window.bench.summarize() : window.bench.profile()), tool);
      return { ...done, ...(await readLongTasks(page)) };
    });
    return {
      ok: true,
      bytes: file.size,
      seconds: result.seconds, // timed in the page, around the query / parse + statistics
      wall_seconds: wall,
      rows: result.rows,
      columns: result.columns,
      setup,
      detail: tool === 'papaparse' ? { parse_seconds: result.parseSeconds, errors: result.errors } : undefined,
      memory,
      longest_task_ms: result.longest_task_ms,
      long_tasks: result.long_tasks,
      problems: problems(),
    };
  } catch (error) {
    return { ok: false, error: error.message.split('\n')[0], problems: problems() };
  } finally {
    await context.close().catch(() => {});
  }
}

function summariseTool(runs) {
  const ok = runs.filter((r) => r.ok);
  if (ok.length === 0) return { ok: false, errors: runs.map((r) => r.error) };
  const seconds = median(ok.map((r) => r.seconds));
  const growth = median(ok.map((r) => r.memory.total.growth_mb));
  return {
    ok: true,
    runs: ok.length,
    failed_runs: runs.length - ok.length,
    bytes: ok[0].bytes,
    rows: ok[0].rows,
    columns: ok[0].columns,
    seconds_median: round(seconds, 3),
    seconds_runs: ok.map((r) => round(r.seconds, 3)),
    mb_per_s: round(ok[0].bytes / MB / seconds, 1),
    memory_growth_mb_median: round(growth, 1),
    memory_growth_mb_max: Math.max(...ok.map((r) => r.memory.total.growth_mb)),
    heap_peak_mb_max: Math.max(...ok.map((r) => r.memory.heap.peak_mb)),
    wasm_peak_mb_max: Math.max(...ok.map((r) => r.memory.wasm.peak_mb)),
    renderer_rss_growth_mb_median: round(median(ok.map((r) => r.memory.rss.growth_mb)), 1),
    longest_task_ms_max: Math.max(...ok.map((r) => r.longest_task_ms)),
    sketched: ok[0].sketched,
    app_reported_seconds_median:
      ok[0].app_reported_seconds === undefined ? undefined : round(median(ok.map((r) => r.app_reported_seconds ?? NaN)), 3),
    per_run: runs,
  };
}

async function measureThroughput(appUrl, staticUrl) {
  const tools = {
    csv_analyzer: ['CSV Analyzer', (b, s) => runApp(b, s, appUrl, staticUrl, 'data.csv', 600_000)],
    duckdb_wasm: [`DuckDB-WASM (${DUCKDB_BUNDLE} bundle)`, (b, s) => runHarness(b, s, staticUrl, 'data.csv', 'duckdb')],
    papaparse: ['PapaParse', (b, s) => runHarness(b, s, staticUrl, 'data.csv', 'papaparse')],
  };
  const runs = Object.fromEntries(Object.keys(tools).map((tool) => [tool, []]));
  for (let round_ = 1; round_ <= RUNS; round_++) {
    for (const [tool, [name, run]] of Object.entries(tools)) {
      if (TOOLS && !TOOLS.has(tool)) continue;
      log(`throughput round ${round_}/${RUNS}: ${name}`);
      const result = await inFreshBrowser(run);
      log(`  ${describeRun(result)}`);
      runs[tool].push(result);
    }
  }
  const out = Object.fromEntries(Object.entries(runs).map(([tool, r]) => [tool, summariseTool(r)]));
  const versions = async (pkg) =>
    JSON.parse(await readFile(path.join(benchDir, 'node_modules', pkg, 'package.json'), 'utf8')).version;
  out.duckdb_wasm.package = `@duckdb/duckdb-wasm ${await versions('@duckdb/duckdb-wasm')} (${DUCKDB_BUNDLE} bundle)`;
  out.duckdb_wasm.engine = out.duckdb_wasm.per_run?.find((r) => r.ok)?.setup?.engine ?? null;
  out.papaparse.package = `papaparse ${await versions('papaparse')}`;
  if (out.csv_analyzer.ok && out.duckdb_wasm.ok) {
    out.ratio_vs_duckdb = round(out.csv_analyzer.mb_per_s / out.duckdb_wasm.mb_per_s, 2);
  }
  if (out.csv_analyzer.ok && out.papaparse.ok) {
    out.ratio_vs_papaparse = round(out.csv_analyzer.mb_per_s / out.papaparse.mb_per_s, 2);
  }
  return out;
}

async function measureBig(appUrl, staticUrl) {
  log('1 GB file: CSV Analyzer (one run)');
  const run = await inFreshBrowser((b, s) => runApp(b, s, appUrl, staticUrl, 'big.csv', 1_800_000));
  log(`  ${describeRun(run)}`);
  if (run.ok) {
    run.mb_per_s = round(run.bytes / MB / run.seconds, 1);
  }
  return run;
}

// --- main ----------------------------------------------------------------------------------

async function countRows(file) {
  let lines = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 22 })) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
  }
  return lines - 1; // the header
}

async function main() {
  const started = new Date();
  const dataFiles = { 'data.csv': DATA };
  if (wanted('big')) dataFiles['big.csv'] = BIG_DATA;
  for (const file of Object.values(dataFiles)) await stat(file);

  const appServer = await startAppServer(repoRoot, DIST);
  const staticServer = await startStaticServer(dataFiles);
  const browser = await launchBrowser();
  log(`app at ${appServer.url}, harnesses at ${staticServer.url}, ${CHROMIUM} ${browser.version()}`);

  const results = {
    measured_at: started.toISOString(),
    machine: `${arch()}, ${cpus().length} × ${cpus()[0].model.trim()}`,
    load_average_at_start: round(loadavg()[0], 1),
    chromium: browser.version(),
    command: env.BENCH_COMMAND || `node bench/browser/bench.mjs${WRITE ? ' --write' : ''}`,
    runs: { throughput: RUNS, lcp: LCP_RUNS, lighthouse: LIGHTHOUSE_RUNS },
    data: { file: path.relative(repoRoot, DATA), bytes: (await stat(DATA)).size, rows: await countRows(DATA) },
    budgets: BUDGETS,
  };
  try {
    if (wanted('transfer')) {
      log('transfer size');
      results.transfer = await measureTransfer(browser, appServer.url);
    }
    if (wanted('lcp')) {
      log(`LCP (${LCP_RUNS} cold loads per viewport)`);
      results.lcp = await measureLcp(browser, appServer.url);
    }
    if (wanted('lighthouse')) {
      log(`Lighthouse (${LIGHTHOUSE_RUNS} runs)`);
      results.lighthouse = await measureLighthouse(appServer.url);
    }
    if (wanted('throughput')) {
      results.throughput = await measureThroughput(appServer.url, staticServer.url);
    }
    if (wanted('big')) {
      results.big = await measureBig(appServer.url, staticServer.url);
      results.big.file = path.relative(repoRoot, BIG_DATA);
      results.big.expected_rows = await countRows(BIG_DATA);
      results.big.measured_at = new Date().toISOString();
    }
  } finally {
    await browser.close();
    await staticServer.stop();
    await appServer.stop();
  }
  results.finished_at = new Date().toISOString();

  const outDir = path.join(repoRoot, 'bench', 'data');
  await mkdir(outDir, { recursive: true });
  await writeFile(path.join(outDir, 'browser-results.json'), JSON.stringify(results, null, 2) + '\n');
  if (results.big) {
    await writeFile(path.join(outDir, 'browser-big-results.json'), JSON.stringify(results.big, null, 2) + '\n');
  }
  process.stdout.write(JSON.stringify(compact(results), null, 2) + '\n');
  if (WRITE) {
    let big = results.big ?? null;
    if (!big) {
      try {
        big = JSON.parse(await readFile(path.join(outDir, 'browser-big-results.json'), 'utf8'));
        big.carried_over = true;
      } catch {
        big = null;
      }
    }
    await writeReport(path.join(repoRoot, 'docs', 'benchmarks.md'), results, big);
    log('rewrote the browser block of docs/benchmarks.md');
  }
}

/** The summary without the per-run details (those stay in bench/data/browser-results.json). */
function compact(results) {
  return JSON.parse(
    JSON.stringify(results, (key, value) => (key === 'per_run' || key === 'at_peak' ? undefined : value)),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
