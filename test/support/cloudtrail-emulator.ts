/**
 * A local CloudTrail LookupEvents server for tests. The real @aws-sdk/client-cloudtrail client talks to it
 * over AWS JSON 1.1 (`POST /`, `X-Amz-Target: CloudTrail_20131101.LookupEvents`), so tests exercise the
 * SDK's serializers, error parsing and our retry code without any AWS account.
 *
 * It serves the records it was given, newest first, within an inclusive time range and the 90 days of
 * history before the emulator clock. Faults can be injected: throttling above a request rate, the next
 * requests failing, a seeded failure probability, and records that become visible only at a later
 * emulator-clock time (late delivery).
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import {
  encodeToken,
  LookupError,
  parseBody,
  parseQuery,
  toEvent,
  toStored,
} from './cloudtrail-emulator-wire.js';
import type { Query, Reply, StoredRecord } from './cloudtrail-emulator-wire.js';

export const LOOKUP_EVENTS_TARGET = 'CloudTrail_20131101.LookupEvents';
export const HISTORY_MS = 90 * 24 * 60 * 60 * 1000;

export type FaultKind =
  'throttling' | 'internal-error' | 'service-unavailable' | 'connection-reset' | 'access-denied';

export interface EmulatorOptions {
  /** Emulator time in epoch ms. It decides late delivery and the 90-day history. Defaults to Date.now. */
  clock?: () => number;
  /** Accepted requests per real-time second before ThrottlingException; null or absent for no limit. */
  maxRequestsPerSecond?: number | null;
  /** Probability in [0, 1] that a request fails with HTTP 500, drawn from a seeded generator. */
  failureProbability?: number;
  seed?: number;
}

export interface AddRecordOptions {
  /** Emulator-clock time (epoch ms) from which the records are returned; visible at once when absent. */
  visibleAtMs?: number;
}

/** One request the emulator received, for assertions. */
export interface EmulatorCall {
  target: string | null;
  input: Record<string, unknown> | null;
  status: number;
  /** `__type` of the error response, or 'connection-reset'; null on success. */
  errorType: string | null;
  eventIds: string[];
  nextToken: string | null;
  /** performance.now() when the request body was complete. */
  receivedAt: number;
}

/** Reads records from a CloudTrail delivery file (`{"Records": [...]}`) or a JSON array of records. */
export function readRecordsFile(path: string): Record<string, unknown>[] {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  const records = Array.isArray(parsed) ? parsed : (parsed as { Records?: unknown }).Records;
  if (!Array.isArray(records)) throw new Error(`${path} contains neither a Records array nor a JSON array`);
  return records as Record<string, unknown>[];
}

/** Returns a deterministic generator of numbers in [0, 1) (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class CloudTrailEmulator {
  readonly calls: EmulatorCall[] = [];
  private readonly records = new Map<string, StoredRecord>();
  private readonly faults: (FaultKind | null)[] = [];
  private readonly acceptedAt: number[] = [];
  private readonly clock: () => number;
  private readonly random: () => number;
  private maxRequestsPerSecond: number | null;
  private failureProbability: number;
  private server: http.Server | null = null;
  private url = '';

  constructor(options: EmulatorOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.maxRequestsPerSecond = options.maxRequestsPerSecond ?? null;
    this.failureProbability = options.failureProbability ?? 0;
    this.random = seededRandom(options.seed ?? 1);
  }

  /** Starts a server on 127.0.0.1 and an ephemeral port, with the given records. */
  static async start(
    options: EmulatorOptions = {},
    records: Record<string, unknown>[] = [],
  ): Promise<CloudTrailEmulator> {
    const emulator = new CloudTrailEmulator(options);
    emulator.addRecords(records);
    await emulator.listen();
    return emulator;
  }

  /** Base URL for the SDK's `endpoint` option or AWS_ENDPOINT_URL_CLOUDTRAIL. */
  get endpoint(): string {
    return this.url;
  }

  /** Adds records; a record with an eventID already present replaces it, as a redelivery would. */
  addRecords(records: Iterable<Record<string, unknown>>, options: AddRecordOptions = {}): void {
    for (const record of records) {
      const stored = toStored(record, options.visibleAtMs ?? Number.NEGATIVE_INFINITY);
      this.records.set(stored.eventId, stored);
    }
  }

  addRecordsFile(path: string, options: AddRecordOptions = {}): void {
    this.addRecords(readRecordsFile(path), options);
  }

  /**
   * Makes `count` requests fail with the given fault, before any other check, after `skip` requests that
   * are served normally. Faults queue up behind the ones already injected.
   */
  failNext(count: number, kind: FaultKind = 'internal-error', skip = 0): void {
    for (let i = 0; i < skip; i++) this.faults.push(null);
    for (let i = 0; i < count; i++) this.faults.push(kind);
  }

  setMaxRequestsPerSecond(limit: number | null): void {
    this.maxRequestsPerSecond = limit;
  }

  setFailureProbability(probability: number): void {
    this.failureProbability = probability;
  }

  /** Calls that returned events or an empty page, as opposed to errors. */
  successfulCalls(): EmulatorCall[] {
    return this.calls.filter((call) => call.status === 200);
  }

  async listen(): Promise<void> {
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      const call: EmulatorCall = {
        target: typeof target === 'string' ? target : null,
        input: null,
        status: 0,
        errorType: null,
        eventIds: [],
        nextToken: null,
        receivedAt: performance.now(),
      };
      this.calls.push(call);

      const fault = this.faults.shift() ?? undefined;
      if (fault === 'connection-reset') {
        call.errorType = 'connection-reset';
        req.socket.destroy();
        return;
      }
      const reply = this.reply(req, Buffer.concat(chunks).toString('utf8'), call, fault);
      Object.assign(call, { status: reply.status, errorType: reply.errorType });
      call.eventIds = reply.eventIds;
      call.nextToken = reply.nextToken;
      res.writeHead(reply.status, {
        'content-type': 'application/x-amz-json-1.1',
        'x-amzn-requestid': `emulator-${this.calls.length}`,
      });
      res.end(JSON.stringify(reply.body));
    });
  }

  private reply(
    req: http.IncomingMessage,
    body: string,
    call: EmulatorCall,
    fault: FaultKind | undefined,
  ): Reply {
    try {
      if (req.method !== 'POST' || (req.url ?? '/') !== '/') {
        throw new LookupError('UnknownOperationException', `${req.method} ${req.url} is not served`, 404);
      }
      if (call.target !== LOOKUP_EVENTS_TARGET) {
        throw new LookupError('UnknownOperationException', `X-Amz-Target ${call.target} is not supported`);
      }
      const input = parseBody(body);
      call.input = input;
      this.applyFaults(fault);
      return this.lookup(input);
    } catch (caught) {
      // An unexpected error is an emulator bug, so respond 500 with its message for the test to show.
      const error =
        caught instanceof LookupError
          ? caught
          : new LookupError('InternalFailure', `Emulator bug: ${String(caught)}`, 500);
      return {
        status: error.status,
        body: { __type: error.type, message: error.message },
        errorType: error.type,
        eventIds: [],
        nextToken: null,
      };
    }
  }

  private applyFaults(fault: FaultKind | undefined): void {
    if (fault === 'throttling') throw new LookupError('ThrottlingException', 'Rate exceeded');
    if (fault === 'internal-error') throw new LookupError('InternalFailure', 'Injected internal error', 500);
    if (fault === 'service-unavailable') throw new LookupError('ServiceUnavailable', 'Injected outage', 503);
    if (fault === 'access-denied') {
      throw new LookupError(
        'AccessDeniedException',
        'User is not authorized to perform: cloudtrail:LookupEvents',
      );
    }
    if (this.failureProbability > 0 && this.random() < this.failureProbability) {
      throw new LookupError('InternalFailure', 'Injected random internal error', 500);
    }
    if (this.maxRequestsPerSecond !== null) {
      const now = performance.now();
      while (this.acceptedAt.length > 0 && now - this.acceptedAt[0]! >= 1000) this.acceptedAt.shift();
      if (this.acceptedAt.length >= this.maxRequestsPerSecond)
        throw new LookupError('ThrottlingException', 'Rate exceeded');
      this.acceptedAt.push(now);
    }
  }

  private lookup(input: Record<string, unknown>): Reply {
    const query = parseQuery(input, this.clock());
    const matching = [...this.records.values()]
      .filter((stored) => this.matches(stored, query))
      .sort((a, b) => b.timeMs - a.timeMs || (a.eventId < b.eventId ? 1 : -1));
    const page = matching.slice(query.offset, query.offset + query.maxResults);
    const end = query.offset + page.length;
    const nextToken =
      end < matching.length ? encodeToken({ offset: end, asOf: query.asOf, params: query.paramsKey }) : null;
    const body: Record<string, unknown> = { Events: page.map(toEvent) };
    if (nextToken) body.NextToken = nextToken;
    return { status: 200, body, errorType: null, eventIds: page.map((stored) => stored.eventId), nextToken };
  }

  private matches(stored: StoredRecord, query: Query): boolean {
    if (query.insightsOnly) return false;
    if (stored.visibleAtMs > query.asOf) return false;
    if (stored.timeMs < query.asOf - HISTORY_MS) return false;
    if (stored.timeMs < query.startMs || stored.timeMs > query.endMs) return false;
    return query.attribute === null || stored.fields[query.attribute.key].includes(query.attribute.value);
  }
}
