// Shared by the harness pages. The benchmark file itself is built in the page by the bench
// (bench.mjs, loadFileInto): fetched once from the bench's static server into a Blob, so every
// tool reads the same in-memory File.

export function setStatus(text) {
  document.getElementById('status').textContent = text;
}
