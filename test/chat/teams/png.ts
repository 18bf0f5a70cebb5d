/**
 * A small PNG reader for checking the Teams icons: it verifies the signature and every chunk's CRC-32, and
 * decodes 8-bit RGB or RGBA images with any of the five row filters into RGBA pixels.
 */
import { inflateSync } from 'node:zlib';

export interface DecodedPng {
  width: number;
  height: number;
  colorType: number;
  /** RGBA, row by row. */
  pixels: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export function decodePng(file: Buffer): DecodedPng {
  if (!file.subarray(0, 8).equals(SIGNATURE)) throw new Error('Not a PNG: the signature is wrong.');
  let offset = 8;
  let header: Buffer | null = null;
  const data: Buffer[] = [];
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const typeAndData = file.subarray(offset + 4, offset + 8 + length);
    const type = typeAndData.subarray(0, 4).toString('ascii');
    if (crc32(typeAndData) !== file.readUInt32BE(offset + 8 + length))
      throw new Error(`Chunk ${type} has a wrong CRC.`);
    if (type === 'IHDR') header = typeAndData.subarray(4);
    if (type === 'IDAT') data.push(typeAndData.subarray(4));
    offset += 12 + length;
    if (type === 'IEND') break;
  }
  if (!header) throw new Error('The PNG has no IHDR chunk.');

  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  const bitDepth = header.readUInt8(8);
  const colorType = header.readUInt8(9);
  if (bitDepth !== 8 || (colorType !== 2 && colorType !== 6)) {
    throw new Error(
      `Only 8-bit RGB or RGBA is supported, got bit depth ${bitDepth} and color type ${colorType}.`,
    );
  }
  const channels = colorType === 6 ? 4 : 3;
  const raw = unfilter(inflateSync(Buffer.concat(data)), width, height, channels);
  const pixels = Buffer.alloc(width * height * 4, 255);
  for (let index = 0; index < width * height; index++) {
    raw.copy(pixels, index * 4, index * channels, index * channels + channels);
  }
  return { width, height, colorType, pixels };
}

function unfilter(filtered: Buffer, width: number, height: number, channels: number): Buffer {
  const stride = width * channels;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = filtered[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const value = filtered[y * (stride + 1) + 1 + x]!;
      const left = x >= channels ? out[y * stride + x - channels]! : 0;
      const up = y > 0 ? out[(y - 1) * stride + x]! : 0;
      const upLeft = x >= channels && y > 0 ? out[(y - 1) * stride + x - channels]! : 0;
      out[y * stride + x] = (value + predict(filter, left, up, upLeft)) & 0xff;
    }
  }
  return out;
}

function predict(filter: number, left: number, up: number, upLeft: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return left;
    case 2:
      return up;
    case 3:
      return Math.floor((left + up) / 2);
    case 4: {
      const estimate = left + up - upLeft;
      const toLeft = Math.abs(estimate - left);
      const toUp = Math.abs(estimate - up);
      const toUpLeft = Math.abs(estimate - upLeft);
      if (toLeft <= toUp && toLeft <= toUpLeft) return left;
      return toUp <= toUpLeft ? up : upLeft;
    }
    default:
      throw new Error(`Unknown PNG row filter ${filter}.`);
  }
}
