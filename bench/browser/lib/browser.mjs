// Debian's Chromium driven by playwright-core (no browser download), with the same launch
// arguments as end2end/support/browser.mjs, and the csv-analyzer server on a free port.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const DESKTOP = { name: 'desktop', viewport: { width: 1280, height: 800 }, isMobile: false, hasTouch: false, deviceScaleFactor: 1 };
export const PHONE = { name: 'phone', viewport: { width: 360, height: 640 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A fresh context (empty cache) and page; `problems()` lists page errors and failed requests. */
export async function openPage(browser, project = DESKTOP) {
  const context = await browser.newContext({
    viewport: project.viewport,
    isMobile: project.isMobile,
    hasTouch: project.hasTouch,
    deviceScaleFactor: project.deviceScaleFactor,
    locale: 'en-US',
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('crash', () => problems.push('the page crashed'));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`);
  });
  return { context, page, problems: () => [...problems] };
}

const LISTENING = /^csv-analyzer listening on (http:\/\/\S+)$/;

/** Starts `target/release/csv-analyzer serve` on 127.0.0.1:0, serving `distDir`, with a
 *  temporary data dir. */
export async function startAppServer(repoRoot, distDir = path.join(repoRoot, 'dist')) {
  const binary = path.join(repoRoot, 'target', 'release', 'csv-analyzer');
  const dataDir = await mkdtemp(path.join(tmpdir(), 'csv-analyzer-bench-'));
  const child = spawn(
    binary,
    ['serve', '--addr', '127.0.0.1:0', '--dist-dir', distDir, '--data-dir', dataDir],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const url = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    const timer = setTimeout(() => fail('no "listening" line within 20 s'), 20_000);
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
      lines.on('line', () => {}); // keep draining stdout
      resolve(match[1].replace(/\/$/, ''));
    });
  });
  return {
    url,
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
