// PapaParse side of the throughput comparison, written the way a web page typically does it:
// `Papa.parse(file, { header: true, dynamicTyping: true })` collects every row (main thread,
// the File read in chunks by PapaParse), then one pass of plain JS statistics per column:
// count, missing, mean, standard deviation, min, max, and distinct values for text columns.

import { setStatus } from './common.mjs';

const Papa = window.Papa;
let file;

function parse(input) {
  return new Promise((resolve, reject) => {
    Papa.parse(input, {
      header: true,
      dynamicTyping: true,
      skipEmptyLines: true,
      complete: resolve,
      error: reject,
    });
  });
}

/** Per-column statistics over the parsed rows (objects keyed by the header). */
export function statistics(fields, rows) {
  const columns = fields.map((name) => ({
    name,
    count: 0,
    missing: 0,
    numbers: 0,
    mean: 0,
    m2: 0,
    min: Infinity,
    max: -Infinity,
    distinct: new Set(),
  }));
  for (const row of rows) {
    for (const column of columns) {
      let value = row[column.name];
      if (value === null || value === undefined || value === '') {
        column.missing += 1;
        continue;
      }
      column.count += 1;
      if (value instanceof Date) {
        value = value.getTime(); // dynamicTyping turns ISO 8601 strings into Dates
      }
      if (typeof value === 'number' || typeof value === 'boolean') {
        const x = Number(value);
        column.numbers += 1;
        const delta = x - column.mean; // Welford
        column.mean += delta / column.numbers;
        column.m2 += delta * (x - column.mean);
        if (x < column.min) column.min = x;
        if (x > column.max) column.max = x;
      } else {
        column.distinct.add(value);
      }
    }
  }
  return columns.map((c) => {
    const text = c.distinct.size > 0;
    return {
      name: c.name,
      kind: text ? 'text' : 'number',
      count: c.count,
      missing: c.missing,
      mean: text ? null : c.mean,
      std: text || c.numbers < 2 ? null : Math.sqrt(c.m2 / (c.numbers - 1)),
      min: text ? null : c.min,
      max: text ? null : c.max,
      distinct: text ? c.distinct.size : null,
    };
  });
}

window.bench = {
  /** The benchmark file, a File the bench built in this page. */
  useFile(f) {
    file = f;
    setStatus(`file of ${file.size} bytes`);
  },

  /** Parses the File and computes the statistics; the timer covers both. */
  async profile() {
    const started = performance.now();
    const result = await parse(file);
    const parsed = performance.now();
    const stats = statistics(result.meta.fields, result.data);
    const seconds = (performance.now() - started) / 1000;
    const rows = result.data.length;
    setStatus(`profiled ${rows} rows and ${stats.length} columns in ${seconds.toFixed(2)} s`);
    return {
      seconds,
      parseSeconds: (parsed - started) / 1000,
      rows,
      columns: stats.length,
      errors: result.errors.length,
      sample: stats.slice(0, 2),
    };
  },
};
setStatus('ready');
