// Checks a built app (run.sh, after Trunk): every file index.html names with an integrity hash
// matches it, and every wasm validates. Prints what is wrong on one line and exits 1.
// Usage: node bench/browser/lib/check_dist.mjs DIST_DIR

import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';

const dist = process.argv[2];
const html = readFileSync(`${dist}/index.html`, 'utf8');
const bad = [];
for (const [, href, sri] of html.matchAll(/href="\/([^"]+)"[^>]*integrity="(sha384-[^"]+)"/g)) {
  const actual = `sha384-${createHash('sha384').update(readFileSync(`${dist}/${href}`)).digest('base64')}`;
  if (actual !== sri) bad.push(`${href} does not match its integrity hash`);
}
const wasm = readdirSync(dist).filter((name) => name.endsWith('.wasm'));
if (wasm.length === 0) bad.push('no .wasm file');
for (const name of wasm) {
  if (!WebAssembly.validate(readFileSync(`${dist}/${name}`))) bad.push(`${name} is not valid wasm`);
}
if (bad.length) {
  console.log(bad.join('; '));
  process.exit(1);
}
