// Starts the real server binary on a free port and stops it again.
//
// The server prints `csv-analyzer listening on http://127.0.0.1:PORT` as the first line on
// stdout. E2E_BASE_URL points the tests at a server that is already running instead (e.g.
// `python3 -m http.server -d dist`), which is handy while the server is being built.
// E2E_DIST_DIR serves another build of the app than dist/ (e.g. one made with
// `trunk build --release --offline --dist /tmp/dist-x` while dist/ is being rebuilt).

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const LISTENING = /^csv-analyzer listening on (http:\/\/\S+)$/;
const START_TIMEOUT_MS = 20_000;

/** Starts `csv-analyzer serve` ($CSV_ANALYZER_BIN, default target/release/csv-analyzer) on 127.0.0.1:0 with a temporary data dir,
 *  serving `distDir` (default: E2E_DIST_DIR, else dist/), with `args` added to `serve`'s
 *  (e.g. `['--config', file]`). The browser benchmarks
 *  (bench/browser) start their server with this too. */
export async function startServer({ distDir, args = [] } = {}) {
  if (process.env.E2E_BASE_URL && !distDir && args.length === 0) {
    return { url: process.env.E2E_BASE_URL.replace(/\/$/, ''), stop: async () => {} };
  }
  const binary = process.env.CSV_ANALYZER_BIN || path.join(repoRoot, 'target', 'release', 'csv-analyzer');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'csv-analyzer-e2e-'));
  const child = spawn(
    binary,
    ['serve', '--addr', '127.0.0.1:0', '--dist-dir', distDir || process.env.E2E_DIST_DIR || path.join(repoRoot, 'dist'), '--data-dir', dataDir, ...args],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const url = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    const timer = setTimeout(() => fail(`no "listening" line within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    function fail(why) {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`cannot start ${binary}: ${why}\n--- server stderr ---\n${stderr}`));
    }
    child.once('error', (error) => fail(error.message));
    exited.then(({ code, signal }) => fail(`it exited (code ${code}, signal ${signal})`));
    lines.once('line', (line) => {
      const match = LISTENING.exec(line.trim());
      if (!match) {
        fail(`unexpected first line on stdout: ${JSON.stringify(line)}`);
        return;
      }
      clearTimeout(timer);
      // Keep draining stdout so the server never blocks on a full pipe.
      lines.on('line', () => {});
      resolve(match[1].replace(/\/$/, ''));
    });
  });

  return {
    url,
    binary,
    dataDir,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
