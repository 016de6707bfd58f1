// DuckDB-WASM side of the throughput comparison: one single-threaded bundle ("eh" or "mvp",
// never the pthread "coi" one), instantiated in its worker, then
// `SUMMARIZE SELECT * FROM read_csv('file.csv')` over the in-memory File registered as a
// browser file handle (DuckDB reads it in slices with FileReaderSync in its worker).

import * as duckdb from '/nm/@duckdb/duckdb-wasm/dist/duckdb-browser.mjs';

import { setStatus } from './common.mjs';

const DIST = '/nm/@duckdb/duckdb-wasm/dist/';
let file;
let db;
let connection;

window.bench = {
  version: duckdb.PACKAGE_VERSION,

  /** The benchmark file, a File the bench built in this page. */
  useFile(f) {
    file = f;
    setStatus(`file of ${file.size} bytes`);
  },

  /** Starts the worker and instantiates `bundle`; returns the seconds it took. */
  async instantiate(bundle) {
    if (bundle !== 'eh' && bundle !== 'mvp') {
      throw new Error(`single-threaded bundles only (eh, mvp), not ${bundle}`);
    }
    const started = performance.now();
    // DuckDB's worker script, inside a wrapper that lets the bench see its wasm memory.
    const script = `${DIST}duckdb-browser-${bundle}.worker.js`;
    const worker = new Worker(`/harness/duckdb_worker.js?script=${encodeURIComponent(script)}`);
    db = new duckdb.AsyncDuckDB(new duckdb.VoidLogger(), worker);
    await db.instantiate(`${DIST}duckdb-${bundle}.wasm`);
    connection = await db.connect();
    const version = (await connection.query('SELECT version() AS v')).getChild('v').get(0);
    setStatus(`DuckDB ${version} ready`);
    return { seconds: (performance.now() - started) / 1000, engine: version };
  },

  /** Registers the file and runs SUMMARIZE on it; the timer covers the query only. */
  async summarize() {
    await db.registerFileHandle('file.csv', file, duckdb.DuckDBDataProtocol.BROWSER_FILEREADER, true);
    const started = performance.now();
    const table = await connection.query("SUMMARIZE SELECT * FROM read_csv('file.csv')");
    const seconds = (performance.now() - started) / 1000;
    const names = table.getChild('column_name').toArray();
    const counts = table.getChild('count').toArray();
    const rows = Number(counts[0]);
    setStatus(`summarized ${rows} rows and ${names.length} columns in ${seconds.toFixed(2)} s`);
    return { seconds, rows, columns: names.length };
  },
};
setStatus('ready');
