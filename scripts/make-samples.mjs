#!/usr/bin/env node
// @ts-check
/**
 * Writes keyhunt's bundled samples: one day of CloudTrail for the example account 111122223333, as gzipped
 * S3 delivery files under samples/AWSLogs/. Deterministic: the same seed and Node version give the same
 * bytes (gzip output can change with the zlib that Node bundles). Run `node scripts/make-samples.mjs` and
 * commit the result; samples/README.md describes the planted cases.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createCast, plantedRecords } from './make-samples.cases.mjs';
import { ACCOUNT_ID, REGION, createRandom, randomInt, randomText } from './make-samples.records.mjs';
import { backgroundRecords } from './make-samples.traffic.mjs';

const SEED = 20240312;
const SAMPLES_DIR = fileURLToPath(new URL('../samples/', import.meta.url));
const FIVE_MINUTES_MS = 5 * 60 * 1000;
/** CloudTrail delivers a record about 5 to 15 minutes after its eventTime. */
const DELIVERY_DELAY_SECONDS = [300, 900];
/** Share of 5-minute windows whose records CloudTrail spreads over two files. */
const SPLIT_WINDOW_SHARE = 0.3;
const FILE_SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** @typedef {Record<string, unknown>} CloudTrailRecord */
/** @typedef {{ windowStart: number, records: CloudTrailRecord[] }} DeliveryFile */

/**
 * Groups records into delivery files: each record lands in the 5-minute window of its delivery time, and
 * some windows are split over two files, as CloudTrail does.
 * @param {() => number} random @param {CloudTrailRecord[]} records @returns {DeliveryFile[]}
 */
function deliver(random, records) {
  /** @type {Map<number, CloudTrailRecord[]>} */
  const windows = new Map();
  for (const record of records) {
    const delay = randomInt(random, DELIVERY_DELAY_SECONDS[0], DELIVERY_DELAY_SECONDS[1]) * 1000;
    const delivered = Date.parse(/** @type {string} */ (record.eventTime)) + delay;
    const windowStart = Math.floor(delivered / FIVE_MINUTES_MS) * FIVE_MINUTES_MS;
    windows.set(windowStart, [...(windows.get(windowStart) ?? []), record]);
  }

  /** @type {DeliveryFile[]} */
  const files = [];
  for (const windowStart of [...windows.keys()].sort((a, b) => a - b)) {
    const inWindow = /** @type {CloudTrailRecord[]} */ (windows.get(windowStart));
    if (inWindow.length > 1 && random() < SPLIT_WINDOW_SHARE) {
      const first = inWindow.filter(() => random() < 0.5);
      const second = inWindow.filter((record) => !first.includes(record));
      for (const part of [first, second]) if (part.length > 0) files.push({ windowStart, records: part });
    } else {
      files.push({ windowStart, records: inWindow });
    }
  }
  return files;
}

/**
 * Delivers the record with `eventId` a second time, in the file after the one that contains it.
 * @param {DeliveryFile[]} files @param {string} eventId
 */
function deliverTwice(files, eventId) {
  const index = files.findIndex((file) => file.records.some((record) => record.eventID === eventId));
  const original = files[index]?.records.find((record) => record.eventID === eventId);
  const next = files[index + 1];
  if (!original || !next) throw new Error(`cannot deliver event ${eventId} twice: no file after it`);
  next.records.push(structuredClone(original));
}

/** @param {() => number} random @param {DeliveryFile} file */
function filePath(random, file) {
  const iso = new Date(file.windowStart).toISOString();
  const [year, month, day] = iso.slice(0, 10).split('-');
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}Z`;
  const name = `${ACCOUNT_ID}_CloudTrail_${REGION}_${stamp}_${randomText(random, 16, FILE_SUFFIX_ALPHABET)}.json.gz`;
  return join(
    SAMPLES_DIR,
    'AWSLogs',
    ACCOUNT_ID,
    'CloudTrail',
    REGION,
    String(year),
    String(month),
    String(day),
    name,
  );
}

function main() {
  const random = createRandom(SEED);
  const cast = createCast(random);
  const planted = plantedRecords(random, cast);
  const records = [...backgroundRecords(random, cast), ...planted.records].sort((a, b) => {
    const byTime = String(a.eventTime).localeCompare(String(b.eventTime));
    return byTime !== 0 ? byTime : String(a.eventID).localeCompare(String(b.eventID));
  });

  const files = deliver(random, records);
  deliverTwice(files, planted.duplicateEventId);

  rmSync(join(SAMPLES_DIR, 'AWSLogs'), { recursive: true, force: true });
  for (const file of files) {
    const path = filePath(random, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, gzipSync(JSON.stringify({ Records: file.records })));
  }
  process.stdout.write(
    `wrote ${records.length + 1} records in ${files.length} files under ${SAMPLES_DIR}AWSLogs\n`,
  );
}

main();
