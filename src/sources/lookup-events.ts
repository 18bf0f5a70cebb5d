/**
 * CloudTrail event history through the LookupEvents API: the KeyEventSource the poller and enrichment use.
 *
 * CreateAccessKey and DeleteAccessKey are read with two queries because one EventName attribute matches one
 * name. Each query follows NextToken with exactly the parameters of its first page, as AWS requires. Every
 * request waits on the shared rate limiter, and throttling, 5xx and network failures are retried with
 * exponential backoff and full jitter. When the retries run out the read is returned as incomplete. An
 * AbortSignal stops the rate limiter wait, the request in flight and the backoff at once, and the read is
 * returned as incomplete with the failure code LOOKUP_ABORTED.
 */
import { LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import type {
  CloudTrailClient,
  Event,
  LookupEventsCommandInput,
  LookupEventsCommandOutput,
} from '@aws-sdk/client-cloudtrail';
import type { Logger } from 'pino';
import { setTimeout as delay } from 'node:timers/promises';
import type {
  EventRead,
  KeyEventSource,
  KeyUseRead,
  LookedUpEvent,
  LookupFailure,
  LookupStats,
} from '../pipeline/ports.js';
import {
  abortedLookupFailure,
  classifyLookupError,
  describeLookupFailure,
  isRetryable,
} from './lookup-errors.js';
import { parseKeyUses } from './lookup-uses.js';
import type { RateLimiter } from './rate-limiter.js';

/** LookupEvents returns at most 50 events a page; the default has changed over time, so it is always set. */
export const LOOKUP_PAGE_SIZE = 50;

export type LookupAttributeKey = 'EventName' | 'AccessKeyId' | 'EventId' | 'Username' | 'EventSource';

export interface LookupRetryOptions {
  /** Tries per request, the first one included. */
  maxAttempts: number;
  /** Upper bound of the first retry delay; each further retry doubles it up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** About 0.5 + 1 + 2 + 4 + 8 + 16 + 20 seconds at most between the 8 tries, 51.5 s in the worst case. */
export const DEFAULT_LOOKUP_RETRY: LookupRetryOptions = {
  maxAttempts: 8,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
};

export interface LookupEventsSourceOptions {
  client: Pick<CloudTrailClient, 'send'>;
  /** The one limiter of the process; every LookupEvents caller must share it. */
  rateLimiter: RateLimiter;
  logger: Logger;
  retry?: Partial<LookupRetryOptions>;
  /** Waits between retries and rejects when `signal` aborts; tests pass one that returns at once. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of the jitter, in [0, 1). */
  random?: () => number;
}

type PageResult = { output: LookupEventsCommandOutput } | { failure: LookupFailure };

function emptyStats(): LookupStats {
  return { requests: 0, pages: 0, throttles: 0, retries: 0 };
}

function addStats(total: LookupStats, part: LookupStats): void {
  total.requests += part.requests;
  total.pages += part.pages;
  total.throttles += part.throttles;
  total.retries += part.retries;
}

function toLookedUpEvent(event: Event): LookedUpEvent {
  return {
    eventId: event.EventId ?? null,
    eventName: event.EventName ?? null,
    eventTime: event.EventTime ? event.EventTime.getTime() : null,
    cloudTrailEvent: event.CloudTrailEvent ?? null,
  };
}

/** Returns a full-jitter backoff delay: uniform in [0, min(maxDelayMs, baseDelayMs * 2^(retry - 1))). */
export function backoffDelayMs(retry: number, options: LookupRetryOptions, random: () => number): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

export class LookupEventsSource implements KeyEventSource {
  private readonly client: Pick<CloudTrailClient, 'send'>;
  private readonly rateLimiter: RateLimiter;
  private readonly logger: Logger;
  private readonly retry: LookupRetryOptions;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;

  constructor(options: LookupEventsSourceOptions) {
    this.client = options.client;
    this.rateLimiter = options.rateLimiter;
    this.logger = options.logger.child({ component: 'lookup-events' });
    this.retry = { ...DEFAULT_LOOKUP_RETRY, ...options.retry };
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.random = options.random ?? Math.random;
    if (!(Number.isInteger(this.retry.maxAttempts) && this.retry.maxAttempts >= 1)) {
      throw new RangeError(
        `retry.maxAttempts must be a whole number of at least 1, got ${this.retry.maxAttempts}.`,
      );
    }
  }

  async readKeyEvents(fromMs: number, toMs: number, signal?: AbortSignal): Promise<EventRead> {
    const read: EventRead = { events: [], complete: true, failure: null, ...emptyStats() };
    for (const eventName of ['CreateAccessKey', 'DeleteAccessKey']) {
      const part = await this.lookupEvents({ key: 'EventName', value: eventName }, fromMs, toMs, signal);
      read.events.push(...part.events);
      addStats(read, part);
      if (!part.complete) {
        // The caller reads the whole window again, so the other query would only spend quota.
        return { ...read, complete: false, failure: part.failure };
      }
    }
    return read;
  }

  async lookupKeyUses(
    accessKeyId: string,
    fromMs: number,
    toMs: number,
    signal?: AbortSignal,
  ): Promise<KeyUseRead> {
    const read = await this.lookupEvents({ key: 'AccessKeyId', value: accessKeyId }, fromMs, toMs, signal);
    const { uses, skipped } = parseKeyUses(read.events, accessKeyId);
    if (skipped > 0)
      this.logger.warn({ accessKeyId, skipped }, 'Skipped key use records that could not be read');
    const stats: LookupStats = {
      requests: read.requests,
      pages: read.pages,
      throttles: read.throttles,
      retries: read.retries,
    };
    return { ...stats, uses: read.complete ? uses : null, skipped, failure: read.failure };
  }

  /**
   * Reads every event matching one lookup attribute with eventTime in [fromMs, toMs]. The range is widened to
   * whole seconds, the precision of LookupEvents. Returns the events read so far when a page fails for good
   * or `signal` aborts.
   */
  async lookupEvents(
    attribute: { key: LookupAttributeKey; value: string },
    fromMs: number,
    toMs: number,
    signal?: AbortSignal,
  ): Promise<EventRead> {
    const read: EventRead = { events: [], complete: true, failure: null, ...emptyStats() };
    if (toMs < fromMs) return read;

    const input: LookupEventsCommandInput = {
      StartTime: new Date(Math.floor(fromMs / 1000) * 1000),
      EndTime: new Date(Math.ceil(toMs / 1000) * 1000),
      LookupAttributes: [{ AttributeKey: attribute.key, AttributeValue: attribute.value }],
      MaxResults: LOOKUP_PAGE_SIZE,
    };
    const seenTokens = new Set<string>();
    let nextToken: string | undefined;
    do {
      const page = await this.sendWithRetry(
        nextToken ? { ...input, NextToken: nextToken } : input,
        read,
        attribute,
        signal,
      );
      if ('failure' in page) return { ...read, complete: false, failure: page.failure };

      read.pages += 1;
      read.events.push(...(page.output.Events ?? []).map(toLookedUpEvent));
      nextToken = page.output.NextToken || undefined;
      if (nextToken && seenTokens.has(nextToken)) {
        const failure = { code: 'LOOKUP_FAILED', message: 'LookupEvents returned the same NextToken twice.' };
        return { ...read, complete: false, failure };
      }
      if (nextToken) seenTokens.add(nextToken);
    } while (nextToken);

    this.logger.debug(
      { attribute: attribute.key, value: attribute.value, pages: read.pages, events: read.events.length },
      'Read events',
    );
    return read;
  }

  /**
   * Sends one request, retrying throttling and transient failures. Counts into `stats`. Returns the aborted
   * failure, without logging an error, once `signal` aborts.
   */
  private async sendWithRetry(
    input: LookupEventsCommandInput,
    stats: LookupStats,
    attribute: { key: string; value: string },
    signal: AbortSignal | undefined,
  ): Promise<PageResult> {
    for (let attempt = 1; ; attempt++) {
      if (!(await this.waitUnlessAborted(this.rateLimiter.acquire(signal), signal))) {
        return this.aborted(attribute);
      }
      stats.requests += 1;
      try {
        return { output: await this.client.send(new LookupEventsCommand(input), { abortSignal: signal }) };
      } catch (error) {
        if (signal?.aborted) return this.aborted(attribute);
        const kind = classifyLookupError(error);
        if (kind === 'throttling') stats.throttles += 1;
        if (!isRetryable(kind) || attempt >= this.retry.maxAttempts) {
          const failure = describeLookupFailure(error, kind, attempt);
          this.logger.error(
            { err: error, code: failure.code, attribute: attribute.key, value: attribute.value, attempt },
            failure.message,
          );
          return { failure };
        }
        const waitMs = backoffDelayMs(attempt, this.retry, this.random);
        const fields = {
          attribute: attribute.key,
          value: attribute.value,
          attempt,
          waitMs,
          error: String(error),
        };
        if (kind === 'throttling') this.logger.debug(fields, 'LookupEvents was throttled; retrying');
        else this.logger.warn(fields, 'LookupEvents failed; retrying');
        stats.retries += 1;
        if (!(await this.waitUnlessAborted(this.sleep(waitMs, signal), signal)))
          return this.aborted(attribute);
      }
    }
  }

  /**
   * Waits for `wait` and returns true, or returns false when `signal` aborted, whether the wait rejected for
   * it or ignored it. Other rejections are rethrown.
   */
  private async waitUnlessAborted(wait: Promise<void>, signal: AbortSignal | undefined): Promise<boolean> {
    try {
      await wait;
    } catch (error) {
      if (signal?.aborted) return false;
      throw error;
    }
    return !signal?.aborted;
  }

  private aborted(attribute: { key: string; value: string }): PageResult {
    this.logger.debug(
      { attribute: attribute.key, value: attribute.value },
      'Stopped a LookupEvents read because it was aborted',
    );
    return { failure: abortedLookupFailure() };
  }
}
