// Writes the browser block of docs/benchmarks.md (between `<!-- browser:start -->` and
// `<!-- browser:end -->`) from bench.mjs's results: one table of measures against the issue's
// budgets, the side-by-side throughput table, and the transfer size of each file. The rest of
// the document is left as it is; when the markers are missing, an "In the browser" section is
// added before "## The engine alone" (or at the end).

import { readFile, writeFile } from 'node:fs/promises';

const START = '<!-- browser:start -->';
const END = '<!-- browser:end -->';
const BEFORE = '## The engine alone';

const fixed = (x, digits) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x.toFixed(digits));
const grouped = (n) => n.toLocaleString('en-US');
const verdict = (ok) => (ok === null ? 'not measured' : ok ? 'pass' : '**miss**');
const atMost = (value, budget) => (value === null || value === undefined ? null : value <= budget);
const atLeast = (value, budget) => (value === null || value === undefined ? null : value >= budget);
const utc = (iso) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

export async function writeReport(docPath, results, big) {
  const doc = await readFile(docPath, 'utf8');
  const block = `${START}\n${render(results, big)}${END}`;
  let out;
  const start = doc.indexOf(START);
  const end = doc.indexOf(END);
  if (start !== -1 && end > start) {
    out = doc.slice(0, start) + block + doc.slice(end + END.length);
  } else {
    const section = `## In the browser\n\n${block}\n\n`;
    const at = doc.indexOf(BEFORE);
    out = at === -1 ? `${doc.trimEnd()}\n\n${section.trimEnd()}\n` : doc.slice(0, at) + section + doc.slice(at);
  }
  await writeFile(docPath, out);
}

export function render(r, big) {
  const b = r.budgets;
  const lines = [];
  const row = (...cells) => lines.push(`| ${cells.join(' | ')} |`);
  const t = r.throughput;
  const app = t?.csv_analyzer;

  lines.push(
    `Measured ${utc(r.measured_at)} on ${r.machine} (load average ${r.load_average_at_start} at the start: ` +
      `the cores are shared), headless Chromium ${r.chromium} (Debian's ` +
      `\`/usr/bin/chromium\`, driven by playwright-core), by \`${r.command}\`; benchmark file ` +
      `\`${r.data.file}\` (${fixed(r.data.bytes / 1e6, 1)} MB, ${grouped(r.data.rows)} rows). ` +
      `Every figure of a tool is next to the others' from the same run: compare the ratios.`,
    '',
  );

  row('measure', 'value', 'budget', 'result');
  row('---', '---', '---', '---');
  if (r.transfer) {
    const kb = r.transfer.app_brotli11_kb;
    row(
      'transfer size of the app: every wasm + js + css file of the build, brotli q11',
      `${fixed(kb, 1)} KiB (${fixed(r.transfer.first_visit_brotli11_kb, 1)} KiB before the first analysis)`,
      `≤ ${b.transfer_kb} KB`,
      verdict(atMost(kb, b.transfer_kb)),
    );
  }
  if (r.lcp) {
    for (const [name, lcp] of Object.entries(r.lcp)) {
      row(
        `LCP of a cold load on 127.0.0.1, ${name} ${lcp.viewport} (median of ${lcp.lcp_runs_s.length})`,
        `${fixed(lcp.lcp_median_s, 3)} s`,
        `≤ ${fixed(b.lcp_s, 1)} s`,
        verdict(atMost(lcp.lcp_median_s, b.lcp_s)),
      );
    }
  }
  if (r.lighthouse) {
    const lh = r.lighthouse;
    const what = `Lighthouse ${lh.version}, mobile emulation, simulated throttling${lh.ran ? `, median of ${lh.runs}` : ''}`;
    if (lh.ran) {
      const perf = `${lh.performance_median} (runs: ${(lh.per_run ?? []).map((x) => x.performance).join(', ')}; LCP ${fixed(lh.lcp_median_s, 2)} s, TBT ${lh.tbt_median_ms} ms${lh.per_run?.[0]?.lcp_element ? `; LCP element: ${lh.per_run[0].lcp_element.slice(0, 50).replace(/\|/g, '\\|')}` : ''})`;
      row(`${what}: performance`, perf, `≥ ${b.lighthouse}`, verdict(atLeast(lh.performance_median, b.lighthouse)));
      row(`${what}: accessibility`, String(lh.accessibility_median), `≥ ${b.lighthouse}`, verdict(atLeast(lh.accessibility_median, b.lighthouse)));
    } else {
      row(`${what}: performance, accessibility`, `did not run (${lh.failures[0]?.runtime_error?.code ?? `exit ${lh.failures[0]?.exit}`})`, `≥ ${b.lighthouse}`, verdict(null));
    }
  }
  if (t) {
    row(
      'throughput of the 100 MB file vs DuckDB-WASM (same in-memory File)',
      t.ratio_vs_duckdb === undefined ? 'not measured' : `${fixed(t.ratio_vs_duckdb, 2)}× (${fixed(app.mb_per_s, 1)} vs ${fixed(t.duckdb_wasm.mb_per_s, 1)} MB/s)`,
      `≥ ${b.throughput_ratio_vs_duckdb}×`,
      verdict(atLeast(t.ratio_vs_duckdb, b.throughput_ratio_vs_duckdb)),
    );
    row(
      'throughput vs PapaParse + plain JS statistics',
      t.ratio_vs_papaparse === undefined ? 'not measured' : `${fixed(t.ratio_vs_papaparse, 2)}× (${fixed(app.mb_per_s, 1)} vs ${fixed(t.papaparse.mb_per_s, 1)} MB/s)`,
      '—',
      '',
    );
    if (app?.ok) {
      row(
        `page memory growth during the 100 MB analysis (JS heap + array buffers + wasm memory, page and worker; max of ${app.runs})${app.sketched ? ', sketch mode' : ''}`,
        `${fixed(app.memory_growth_mb_max, 1)} MiB`,
        `≤ ${b.memory_growth_mb} MB`,
        verdict(atMost(app.memory_growth_mb_max, b.memory_growth_mb)),
      );
      row(
        `longest main-thread task during the 100 MB analysis (max of ${app.runs})`,
        `${app.longest_task_ms_max} ms`,
        `≤ ${b.longest_task_ms} ms`,
        verdict(atMost(app.longest_task_ms_max, b.longest_task_ms)),
      );
    } else if (app) {
      row('CSV Analyzer on the 100 MB file', `failed: ${app.errors?.[0] ?? 'unknown'}`, 'completes', verdict(false));
    }
  }
  if (big) {
    const when = big.carried_over ? ` (carried over from ${utc(big.measured_at)})` : '';
    const size = `1 GB${big.bytes ? ` (${fixed(big.bytes / 1e9, 2)} GB)` : ''}`;
    if (big.ok) {
      const rowsOk = big.rows === big.expected_rows;
      row(
        `the ${size} file (\`${big.file}\`) in Chromium${when}`,
        `completes: ${grouped(big.rows)} rows${rowsOk ? '' : ` (file has ${grouped(big.expected_rows)})`} in ${fixed(big.seconds, 1)} s (${fixed(big.mb_per_s, 1)} MB/s)`,
        'completes, no OOM',
        verdict(rowsOk),
      );
      row(
        `page memory growth during the ${size} analysis${big.sketched ? ', sketch mode' : ''}${when}`,
        `${fixed(big.memory.total.growth_mb, 1)} MiB`,
        `≤ ${b.memory_growth_mb} MB`,
        verdict(atMost(big.memory.total.growth_mb, b.memory_growth_mb)),
      );
      row(`longest main-thread task during the ${size} analysis${when}`, `${big.longest_task_ms} ms`, `≤ ${b.longest_task_ms} ms`, verdict(atMost(big.longest_task_ms, b.longest_task_ms)));
    } else {
      row(`the ${size} file in Chromium${when}`, `failed${big.crashed ? ' (the page crashed)' : ''}: ${big.error}`, 'completes, no OOM', verdict(false));
    }
  } else {
    row('the 1 GB file in Chromium', 'not run (`BIG=1`)', 'completes, no OOM', verdict(null));
  }

  if (t) {
    lines.push(
      '',
      `Side by side on the same in-memory File (median of ${r.runs.throughput} round${r.runs.throughput === 1 ? '' : 's'}, ` +
        'each run in a fresh browser; MB = 10⁶ bytes, memory in MiB). Every tool is timed in the page\'s own clock ' +
        '(`performance.now()`, as the DevTools round trips of the harness would add to one tool and not the others): ' +
        'CSV Analyzer from the `drop` event to the status line stating the rows (reading, analysis, SHA-256 and ' +
        "rendering included); DuckDB-WASM's time is the query alone (instantiation and file registration excluded); " +
        "PapaParse's is the parse plus the statistics:",
      '',
    );
    row('tool', 'rows × columns', 'seconds', 'MB/s', 'CSV Analyzer ÷ tool (throughput)', 'memory growth (max)', 'peak JS heap / wasm', 'longest main-thread task');
    row('---', '---', '---', '---', '---', '---', '---', '---');
    const tools = [
      ['CSV Analyzer (its UI: drop → result shown; engine in a Web Worker)', app],
      [`DuckDB-WASM \`SUMMARIZE\`, ${t.duckdb_wasm.package ?? ''}${t.duckdb_wasm.engine ? `, DuckDB ${t.duckdb_wasm.engine}` : ''} (query only)`, t.duckdb_wasm],
      [`${t.papaparse.package ?? 'PapaParse'} (\`header\`, \`dynamicTyping\`) + plain JS statistics, main thread`, t.papaparse],
    ];
    for (const [name, x] of tools) {
      if (!x?.ok) {
        row(name, `failed: ${x?.errors?.[0] ?? 'unknown'}`, '', '', '', '', '', '');
        continue;
      }
      row(
        name,
        `${grouped(x.rows)} × ${x.columns}`,
        fixed(x.seconds_median, 2),
        fixed(x.mb_per_s, 1),
        app?.ok ? `${fixed(app.mb_per_s / x.mb_per_s, 2)}×` : '—',
        `${fixed(x.memory_growth_mb_max, 1)}`,
        `${fixed(x.heap_peak_mb_max, 1)} / ${fixed(x.wasm_peak_mb_max, 1)}`,
        `${x.longest_task_ms_max} ms`,
      );
    }
  }

  if (r.transfer) {
    lines.push('', 'Transfer size per file of the build (KiB = 1024 bytes; brotli at quality 11, what a server would precompress):', '');
    row('file', 'fetched', 'raw KiB', 'brotli q11 KiB', 'as served KiB');
    row('---', '---', '---', '---', '---');
    for (const f of r.transfer.files) {
      const sections = f.wasm_custom_sections ? ` (custom sections: ${f.wasm_custom_sections.join(', ') || 'none'})` : '';
      row(
        `\`${f.path}\`${f.counted ? '' : ' (not counted)'}${sections}`,
        f.phase,
        fixed(f.bytes / 1024, 1),
        fixed(f.brotli11 / 1024, 1),
        f.served === null ? '—' : `${fixed(f.served / 1024, 1)} (${f.encoding})`,
      );
    }
  }

  lines.push(
    '',
    'How: `bench/browser/run.sh` builds the app (`scripts/build-app.sh`: Trunk release, `wasm-opt -Oz`) and the',
    'server, generates the data with `bench-gen`, serves the app with `csv-analyzer serve` on 127.0.0.1 and',
    'runs `bench/browser/bench.mjs`. Each tool run gets a fresh browser; the file is fetched into a',
    'Blob inside the page and handed over as a File (CSV Analyzer: a `drop` on its drop zone), so no',
    'megabytes cross the DevTools protocol and no tool reads from disk. Memory is read over CDP every',
    '100 ms in the page and in each dedicated worker (`Runtime.getHeapUsage`: used heap + array-buffer',
    'backing stores; the `WebAssembly.Memory` objects found with `Runtime.queryObjects`, or for DuckDB,',
    'whose worker crashes on that call and answers nothing while a query runs, kept by a wrapper of its',
    'worker; a wasm memory never shrinks, so its last reading is its peak). The page is not cross-origin',
    'isolated, so `performance.measureUserAgentSpecificMemory` is unavailable. Growth is the peak minus',
    'the reading just before the drop, after a GC. Long tasks come from a `longtask` PerformanceObserver in',
    'the page. LCP is the last `largest-contentful-paint` entry of a cold load with an empty cache.',
    'Lighthouse runs its CLI with `CHROME_PATH=/usr/bin/chromium`, default (mobile) settings. The full',
    'results, per run, are in `bench/data/browser-results.json`.',
    '',
  );
  return lines.join('\n');
}
