/**
 * The process-wide request pacing for CloudTrail LookupEvents. AWS allows 2 requests per second per account
 * and Region, shared by every caller, so main builds one limiter and every LookupEvents caller (the poller,
 * chat commands, enrichment) waits on it before each request.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { KeyhuntError } from '../errors.js';

/** LookupEvents' fixed quota: 2 requests per second per account and Region, not adjustable. */
export const LOOKUP_EVENTS_MAX_REQUESTS_PER_SECOND = 2;

export interface RateLimiterOptions {
  requestsPerSecond: number;
  /** Monotonic clock in milliseconds; performance.now by default. */
  now?: () => number;
  /** Waits `ms`; rejects when `signal` aborts. The default is node:timers/promises setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Spaces requests at least 1/requestsPerSecond apart, in the order callers asked. Unlike a token bucket with
 * a burst, it never sends two requests closer together, so any one-second window contains at most
 * `requestsPerSecond` of them.
 */
export class RateLimiter {
  readonly requestsPerSecond: number;
  readonly intervalMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private nextSlotMs = Number.NEGATIVE_INFINITY;

  constructor(options: RateLimiterOptions) {
    const rate = options.requestsPerSecond;
    if (!Number.isFinite(rate) || rate <= 0) {
      throw new RangeError(`requestsPerSecond must be a positive number, got ${rate}.`);
    }
    this.requestsPerSecond = rate;
    this.intervalMs = 1000 / rate;
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
  }

  /**
   * Waits until the caller may send one request. The slot is reserved at once, so waits never overlap.
   * Rejects with the abort reason as soon as `signal` aborts. An aborted wait gives its slot back when no
   * later caller has reserved one after it.
   */
  async acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    const now = this.now();
    const slot = Math.max(now, this.nextSlotMs);
    this.nextSlotMs = slot + this.intervalMs;
    if (slot <= now) return;

    try {
      await this.sleep(slot - now, signal);
      // A replaced sleep may ignore the signal, so check again before the caller sends.
      signal?.throwIfAborted();
    } catch (error) {
      if (signal?.aborted && this.nextSlotMs === slot + this.intervalMs) this.nextSlotMs = slot;
      throw error;
    }
  }

  /** Runs `request` in the next free slot and returns its result. Rejects when `signal` aborts the wait. */
  async schedule<T>(request: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    return request();
  }
}

/**
 * Creates the LookupEvents limiter from KEYHUNT_MAX_RPS. Throws when the rate is above the AWS quota, because
 * a faster pace only turns into throttling errors for every caller in the account.
 */
export function createLookupRateLimiter(
  requestsPerSecond: number = LOOKUP_EVENTS_MAX_REQUESTS_PER_SECOND,
  options: Omit<RateLimiterOptions, 'requestsPerSecond'> = {},
): RateLimiter {
  if (!(requestsPerSecond > 0 && requestsPerSecond <= LOOKUP_EVENTS_MAX_REQUESTS_PER_SECOND)) {
    throw new KeyhuntError(
      'LOOKUP_RATE_INVALID',
      `KEYHUNT_MAX_RPS is ${requestsPerSecond}: set a number above 0 and at most ` +
        `${LOOKUP_EVENTS_MAX_REQUESTS_PER_SECOND}, the LookupEvents quota per account and Region.`,
    );
  }
  return new RateLimiter({ ...options, requestsPerSecond });
}
