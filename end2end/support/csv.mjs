// Test files: a generated CSV with a known shape, and a binary file.

/** `rows` data rows; columns id (integer), price (float), quantity (integer, every 10th
 *  missing), city (categorical), comment (text). */
export function generateCsv(rows) {
  const cities = ['Paris', 'Lyon', 'Lille', 'Nantes', 'Brest'];
  const lines = ['id,price,quantity,city,comment'];
  for (let i = 1; i <= rows; i++) {
    const price = ((i * 37) % 1000) / 10 + 0.25;
    const quantity = i % 10 === 0 ? '' : String((i * 7) % 50);
    const city = cities[i % cities.length];
    const comment = `"row ${i}, note ${(i * 13) % 97}"`;
    lines.push(`${i},${price.toFixed(2)},${quantity},${city},${comment}`);
  }
  return { columns: 5, rows, buffer: Buffer.from(lines.join('\n') + '\n', 'utf8') };
}

/** A small PNG-like binary blob: NUL bytes right at the start. */
export function binaryFile() {
  const bytes = Buffer.alloc(4096);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  for (let i = 8; i < bytes.length; i++) {
    bytes[i] = (i * 31) % 256;
  }
  return bytes;
}
