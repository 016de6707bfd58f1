// Page memory during an analysis, read through the DevTools protocol:
//   - JS heap: `Runtime.getHeapUsage` (usedSize) of the page and of every dedicated worker;
//   - array buffers: the same call's `backingStorageSize` (ArrayBuffers, e.g. file slices);
//   - wasm memory: the byte length of every `WebAssembly.Memory` object in the page and its
//     workers, found with `Runtime.queryObjects` (so the app needs no hook), or, in DuckDB's
//     worker, where that call crashes the renderer, from the list its wrapper keeps
//     (harness/duckdb_worker.js);
//   - renderer RSS: the resident size of Chromium's renderer processes (from /proc), a
//     cross-check that also counts what the protocol does not show.
// A wasm memory never shrinks, so the last reading holds its peak even for a worker that
// answered nothing while it ran (see `sample`).
// Workers are reached through a non-flattened auto-attach on the page's CDP session
// (`Target.sendMessageToTarget`), since Playwright's CDPSession only talks to its own target.
// `Runtime.queryObjects` runs a full GC of the isolate it looks in, so it is run at the start
// and the end of a measurement, and in a worker only until that worker's memories are found;
// in between, the known Memory objects are polled, which costs no GC.

import { readFile } from 'node:fs/promises';

const MB = 1024 * 1024;
const QUERY_RETRY_MS = 500;
const QUERY_GIVE_UP_AFTER = 10;
const BUSY_AFTER_MS = 250;
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms, null));

class Isolate {
  constructor(name, send) {
    this.name = name;
    this.send = send;
    this.memories = null; // objectId of an array of WebAssembly.Memory objects
    this.memoryCount = 0;
    this.queries = 0;
    this.lastQuery = 0;
    this.alive = true;
    this.inflight = null; // the pending reading, at most one at a time
    this.last = { heap: 0, buffers: 0, wasm: 0 };
  }

  /** Finds the WebAssembly.Memory objects of this isolate: the list a harness keeps in
   *  `__benchWasmMemories` if there is one, else by `Runtime.queryObjects` (a full GC). */
  async queryMemories() {
    this.queries += 1;
    this.lastQuery = Date.now();
    const kept = await this.send('Runtime.evaluate', {
      expression: 'globalThis.__benchWasmMemories',
      objectGroup: 'bench-memory',
    });
    if (kept.result.type === 'object' && kept.result.subtype === 'array') {
      this.memories = kept.result.objectId;
      const count = await this.send('Runtime.callFunctionOn', {
        objectId: this.memories,
        functionDeclaration: 'function () { return this.length; }',
        returnByValue: true,
      });
      this.memoryCount = count.result.value;
      return;
    }
    const proto = await this.send('Runtime.evaluate', {
      expression: 'WebAssembly.Memory.prototype',
      objectGroup: 'bench-memory',
    });
    const found = await this.send('Runtime.queryObjects', {
      prototypeObjectId: proto.result.objectId,
      objectGroup: 'bench-memory',
    });
    this.memories = found.objects.objectId;
    const count = await this.send('Runtime.callFunctionOn', {
      objectId: this.memories,
      functionDeclaration: 'function () { return this.length; }',
      returnByValue: true,
    });
    this.memoryCount = count.result.value;
  }

  async wasmBytes() {
    if (!this.memories) return 0;
    const sizes = await this.send('Runtime.callFunctionOn', {
      objectId: this.memories,
      functionDeclaration: 'function () { return this.reduce((sum, m) => sum + m.buffer.byteLength, 0); }',
      returnByValue: true,
    });
    return sizes.result.value;
  }

  async sample() {
    const [usage, wasm] = await Promise.all([this.send('Runtime.getHeapUsage'), this.wasmBytes()]);
    this.last = { heap: usage.usedSize, buffers: usage.backingStorageSize || 0, wasm };
    return this.last;
  }
}

export class MemorySampler {
  /** @param {import('playwright-core').BrowserContext} context */
  static async attach(context, page, browserSession) {
    const cdp = await context.newCDPSession(page);
    const sampler = new MemorySampler(cdp, browserSession);
    await sampler.#init();
    return sampler;
  }

  constructor(cdp, browserSession) {
    this.cdp = cdp;
    this.browserSession = browserSession;
    this.isolates = new Map();
    this.pending = new Map();
    this.nextId = 0;
    this.samples = [];
    this.timer = null;
    this.rendererPids = [];
  }

  async #init() {
    this.isolates.set('page', new Isolate('page', (method, params = {}) => this.cdp.send(method, params)));
    this.cdp.on('Target.attachedToTarget', (event) => {
      const { sessionId, targetInfo } = event;
      if (targetInfo.type !== 'worker') return;
      const send = (method, params = {}) =>
        new Promise((resolve, reject) => {
          const id = ++this.nextId;
          this.pending.set(id, { resolve, reject, sessionId });
          this.cdp
            .send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
            .catch((error) => {
              this.pending.delete(id);
              reject(error);
            });
        });
      const name = `worker ${targetInfo.url.split('/').pop()}`;
      this.isolates.set(sessionId, new Isolate(name, send));
    });
    this.cdp.on('Target.receivedMessageFromTarget', (event) => {
      const message = JSON.parse(event.message);
      const waiter = message.id !== undefined && this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error) waiter.reject(new Error(`${message.error.message} (${message.error.code})`));
      else waiter.resolve(message.result);
    });
    this.cdp.on('Target.detachedFromTarget', ({ sessionId }) => {
      const isolate = this.isolates.get(sessionId);
      if (isolate) isolate.alive = false;
      this.isolates.delete(sessionId);
      for (const [id, waiter] of this.pending) {
        if (waiter.sessionId === sessionId) {
          this.pending.delete(id);
          waiter.reject(new Error('worker gone'));
        }
      }
    });
    // waitForDebuggerOnStart must stay false: with Playwright's own session also holding the
    // worker, Chromium 156's renderer crashes when a second session asks to pause it.
    await this.cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  }

  async #refreshRendererPids() {
    if (!this.browserSession) return;
    const info = await this.browserSession.send('SystemInfo.getProcessInfo');
    this.rendererPids = info.processInfo.filter((p) => p.type === 'renderer').map((p) => p.id);
  }

  async #rendererRss() {
    let total = 0;
    for (const pid of this.rendererPids) {
      try {
        const status = await readFile(`/proc/${pid}/status`, 'utf8');
        const match = /VmRSS:\s+(\d+) kB/.exec(status);
        if (match) total += Number(match[1]) * 1024;
      } catch {
        // the process is gone
      }
    }
    return total;
  }

  /** Garbage-collects every isolate, finds its wasm memories and takes the first reading
   *  (the baseline of the growth): call before `start`. */
  async settle() {
    await this.#refreshRendererPids();
    for (const isolate of [...this.isolates.values()]) {
      try {
        await isolate.send('HeapProfiler.collectGarbage');
        await isolate.queryMemories();
      } catch {
        // a worker that just went away
      }
    }
    await this.sample({ wait: true });
  }

  /**
   * One reading: sums over the page and its live workers. An isolate busy in a long synchronous
   * call (DuckDB's worker answers nothing until its query ends) keeps its last reading and gets
   * no new request until it answers, unless `wait` (the final reading, once the work is over).
   */
  async sample({ wait = false } = {}) {
    const now = Date.now();
    const parts = {};
    let heap = 0;
    let buffers = 0;
    let wasm = 0;
    const readings = await Promise.all(
      [...this.isolates].map(async ([key, isolate]) => {
        if (!isolate.inflight) {
          isolate.inflight = (async () => {
            if (
              key !== 'page' &&
              isolate.memoryCount === 0 &&
              now - isolate.lastQuery > (isolate.queries < QUERY_GIVE_UP_AFTER ? QUERY_RETRY_MS : 5_000)
            ) {
              await isolate.queryMemories();
            }
            return isolate.sample();
          })()
            .catch(() => null) // a worker that went away between the listing and the call
            .finally(() => {
              isolate.inflight = null;
            });
        }
        const fresh = wait ? isolate.inflight : Promise.race([isolate.inflight, delay(BUSY_AFTER_MS)]);
        const s = (await fresh) ?? (isolate.alive ? isolate.last : null);
        return s && [isolate.name, s];
      }),
    );
    for (const [name, s] of readings.filter(Boolean)) {
      heap += s.heap;
      buffers += s.buffers;
      wasm += s.wasm;
      parts[name] = s;
    }
    const rss = await this.#rendererRss();
    const sample = { t: now, heap, buffers, wasm, total: heap + buffers + wasm, rss, parts };
    this.samples.push(sample);
    return sample;
  }

  start(intervalMs = 100) {
    let last = 0;
    const loop = async () => {
      if (!this.timer) return;
      try {
        if (Date.now() - last > 1_000) {
          last = Date.now();
          await this.#refreshRendererPids();
        }
        await this.sample();
      } catch {
        // keep sampling
      }
      if (this.timer) this.timer = setTimeout(loop, intervalMs);
    };
    this.timer = setTimeout(loop, 0);
  }

  /** Stops sampling, takes a last reading (after finding late wasm memories) and summarises. */
  async stop() {
    clearTimeout(this.timer);
    this.timer = null;
    // First a reading of everything as it is (an isolate that was busy all along, like a page
    // parsing on its main thread, has its garbage still there), then one after looking again
    // for wasm memories (a GC, so it is the last).
    await this.sample({ wait: true });
    for (const isolate of this.isolates.values()) {
      try {
        await isolate.inflight;
        await isolate.queryMemories();
      } catch {
        // gone
      }
    }
    await this.sample({ wait: true });
    return summarise(this.samples);
  }

  async detach() {
    for (const isolate of this.isolates.values()) {
      await isolate.send('Runtime.releaseObjectGroup', { objectGroup: 'bench-memory' }).catch(() => {});
    }
    await this.cdp.detach().catch(() => {});
  }
}

/** Before (first sample), peak and growth of each series, in MB. */
export function summarise(samples) {
  if (samples.length === 0) return null;
  const first = samples[0];
  const out = { samples: samples.length };
  for (const key of ['total', 'heap', 'buffers', 'wasm', 'rss']) {
    const peak = Math.max(...samples.map((s) => s[key]));
    out[key] = { before_mb: round(first[key] / MB), peak_mb: round(peak / MB), growth_mb: round((peak - first[key]) / MB) };
  }
  const peakSample = samples.reduce((a, b) => (b.total > a.total ? b : a));
  out.at_peak = Object.fromEntries(
    Object.entries(peakSample.parts).map(([name, s]) => [
      name,
      { heap_mb: round(s.heap / MB), buffers_mb: round(s.buffers / MB), wasm_mb: round(s.wasm / MB) },
    ]),
  );
  return out;
}

function round(x) {
  return Math.round(x * 10) / 10;
}
