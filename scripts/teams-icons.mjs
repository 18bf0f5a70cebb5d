#!/usr/bin/env node
/**
 * Draws the two icons of the Teams app package and writes them as PNG files:
 * - color.png, 192x192: a white key on keyhunt's accent color, filling the square as Teams expects;
 * - outline.png, 32x32: the same key in white on a transparent background, as Teams requires for outlines.
 *
 * Deterministic: the same script always draws the same pixels. Shapes are sampled 4x4 per pixel for smooth
 * edges. The PNG encoder is the minimum the format needs: IHDR, one IDAT (zlib), IEND, each with its CRC-32.
 *
 * Usage: node scripts/teams-icons.mjs [--out FOLDER]   (default: manifests/teams)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

/** Must match `accentColor` in manifests/teams/manifest.json. */
export const ACCENT_COLOR = [0x1b, 0x5e, 0x9e];
const SAMPLES_PER_AXIS = 4;

/** Tests whether (x, y) of a unit square lies on the key: a ring (the bow), a shaft and two teeth. */
function isInsideKey(x, y, scale) {
  const dx = x - 0.3;
  const dy = y - 0.5;
  const distance = Math.sqrt(dx * dx + dy * dy);
  const ring = distance <= 0.2 * scale && distance >= 0.09 * scale;
  const shaft = x >= 0.45 && x <= 0.86 && Math.abs(y - 0.5) <= 0.055 * scale;
  const tooth = (left, right) => x >= left && x <= right && y >= 0.5 && y <= 0.5 + 0.16 * scale;
  return ring || shaft || tooth(0.66, 0.73) || tooth(0.78, 0.86);
}

/** Fraction of a pixel covered by the key, from SAMPLES_PER_AXIS² samples. */
function keyCoverage(px, py, size, scale) {
  let inside = 0;
  for (let sy = 0; sy < SAMPLES_PER_AXIS; sy++) {
    for (let sx = 0; sx < SAMPLES_PER_AXIS; sx++) {
      const x = (px + (sx + 0.5) / SAMPLES_PER_AXIS) / size;
      const y = (py + (sy + 0.5) / SAMPLES_PER_AXIS) / size;
      if (isInsideKey(x, y, scale)) inside++;
    }
  }
  return inside / (SAMPLES_PER_AXIS * SAMPLES_PER_AXIS);
}

/** Returns RGBA pixels, row by row. */
export function drawColorIcon(size = 192) {
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const coverage = keyCoverage(px, py, size, 1);
      const offset = (py * size + px) * 4;
      for (let channel = 0; channel < 3; channel++) {
        pixels[offset + channel] = Math.round(ACCENT_COLOR[channel] * (1 - coverage) + 255 * coverage);
      }
      pixels[offset + 3] = 255;
    }
  }
  return pixels;
}

/** Returns RGBA pixels: white everywhere, with the key's coverage as alpha. The outline is drawn thicker. */
export function drawOutlineIcon(size = 32) {
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const offset = (py * size + px) * 4;
      pixels.fill(255, offset, offset + 3);
      pixels[offset + 3] = Math.round(255 * keyCoverage(px, py, size, 1.15));
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG defines it (ISO 3309), over the chunk type and data. */
export function crc32(bytes) {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

/** Encodes RGBA pixels as an 8-bit RGBA PNG, each row with filter type 0 (none). */
export function encodePng(width, height, rgba) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(6, 9); // color type: RGBA
  const rows = [];
  for (let y = 0; y < height; y++) {
    rows.push(Buffer.from([0]), rgba.subarray(y * width * 4, (y + 1) * width * 4));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function parseOutFolder(args) {
  const index = args.indexOf('--out');
  if (index === -1) return join(dirname(fileURLToPath(import.meta.url)), '..', 'manifests', 'teams');
  const folder = args[index + 1];
  if (!folder) throw new Error('--out needs a folder, such as --out manifests/teams');
  return resolve(folder);
}

function main() {
  const folder = parseOutFolder(process.argv.slice(2));
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'color.png'), encodePng(192, 192, drawColorIcon(192)));
  writeFileSync(join(folder, 'outline.png'), encodePng(32, 32, drawOutlineIcon(32)));
  process.stdout.write(`Wrote color.png (192x192) and outline.png (32x32) to ${folder}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    process.stderr.write(`teams-icons: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}
