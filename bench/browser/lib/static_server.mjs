// A small static server for the comparison harnesses (DuckDB-WASM, PapaParse): the harness
// pages, the npm packages they need (served from bench/browser/node_modules, no CDN) and the
// benchmark CSV files. It listens on its own port; dist/ is never touched.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
  '.csv': 'text/csv; charset=utf-8',
};

/** Only these package folders are served under /nm/. */
const PACKAGES = ['@duckdb/duckdb-wasm/dist', 'apache-arrow', 'flatbuffers', 'tslib', 'papaparse'];

/**
 * Starts the server on 127.0.0.1 and a free port.
 * @param {Record<string, string>} dataFiles URL name under /data/ → path of a CSV file
 */
export async function startStaticServer(dataFiles = {}) {
  const server = http.createServer(async (request, response) => {
    try {
      const url = new URL(request.url, 'http://localhost');
      const file = resolve(decodeURIComponent(url.pathname), dataFiles);
      if (!file) {
        response.writeHead(404).end('not found');
        return;
      }
      const info = await stat(file);
      if (!info.isFile()) {
        response.writeHead(404).end('not found');
        return;
      }
      response.writeHead(200, {
        'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-store',
        // The app's page (another origin) fetches the benchmark files from here.
        'access-control-allow-origin': '*',
      });
      if (request.method === 'HEAD') {
        response.end();
        return;
      }
      createReadStream(file).pipe(response);
    } catch (error) {
      if (!response.headersSent) {
        response.writeHead(error.code === 'ENOENT' ? 404 : 500);
      }
      response.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

function resolve(pathname, dataFiles) {
  if (pathname.startsWith('/data/')) {
    return dataFiles[pathname.slice('/data/'.length)] || null;
  }
  if (pathname.startsWith('/harness/')) {
    return inside(path.join(benchDir, 'harness'), pathname.slice('/harness/'.length));
  }
  if (pathname.startsWith('/nm/')) {
    const rest = pathname.slice('/nm/'.length);
    if (!PACKAGES.some((pkg) => rest.startsWith(`${pkg}/`))) {
      return null;
    }
    return inside(path.join(benchDir, 'node_modules'), rest);
  }
  return null;
}

function inside(root, relative) {
  const file = path.resolve(root, relative);
  return file.startsWith(root + path.sep) ? file : null;
}
