import { createLookupRateLimiter, RateLimiter } from '../../src/sources/rate-limiter.js';

/** A clock that only moves when the limiter sleeps, so waits are exact and instant. */
function fakeTime() {
  let now = 1_000;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
    advance: (ms: number) => {
      now += ms;
    },
    sleeps,
  };
}

describe('RateLimiter', () => {
  it('spaces concurrent callers one interval apart', async () => {
    const time = fakeTime();
    const waits: number[] = [];
    // This sleep leaves the clock alone, as if all five callers asked within the same millisecond.
    const limiter = new RateLimiter({
      requestsPerSecond: 2,
      now: time.now,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    await Promise.all([1, 2, 3, 4, 5].map(() => limiter.acquire()));

    expect(waits).toEqual([500, 1000, 1500, 2000]);
  });

  it('lets a request through at once after idle time', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ requestsPerSecond: 2, now: time.now, sleep: time.sleep });

    await limiter.acquire();
    time.advance(5_000);
    await limiter.acquire();

    expect(time.sleeps).toEqual([]);
  });

  it('waits the rest of the interval for a quick second request', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ requestsPerSecond: 1, now: time.now, sleep: time.sleep });

    await limiter.acquire();
    time.advance(300);
    await limiter.acquire();

    expect(time.sleeps).toEqual([700]);
  });

  it('paces real requests', async () => {
    const limiter = new RateLimiter({ requestsPerSecond: 20 });
    const started = performance.now();

    for (let i = 0; i < 5; i++) await limiter.schedule(async () => i);

    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
  });

  it('rejects an aborted wait', async () => {
    const time = fakeTime();
    const waits: number[] = [];
    // This sleep ends only by its signal, so the limiter cannot move on by itself.
    const limiter = new RateLimiter({
      requestsPerSecond: 2,
      now: time.now,
      sleep: (ms, signal) =>
        new Promise((_resolve, reject) => {
          waits.push(ms);
          signal?.addEventListener('abort', () => reject(signal.reason));
        }),
    });
    await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);

    controller.abort();

    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(waits).toEqual([500]);
  });

  it('gives an aborted slot back', async () => {
    const time = fakeTime();
    const controller = new AbortController();
    const limiter = new RateLimiter({
      requestsPerSecond: 2,
      now: time.now,
      sleep: async (ms, signal) => {
        time.sleeps.push(ms);
        if (signal) controller.abort();
      },
    });
    await limiter.acquire();
    await expect(limiter.acquire(controller.signal)).rejects.toMatchObject({ name: 'AbortError' });

    await limiter.acquire();

    expect(time.sleeps).toEqual([500, 500]);
  });

  it('rejects an aborted signal without a wait', async () => {
    const time = fakeTime();
    const limiter = new RateLimiter({ requestsPerSecond: 2, now: time.now, sleep: time.sleep });
    await limiter.acquire();

    await expect(limiter.acquire(AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
    await limiter.acquire();

    expect(time.sleeps).toEqual([500]);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new RateLimiter({ requestsPerSecond: 0 })).toThrow(/positive number, got 0/);
  });
});

describe('createLookupRateLimiter', () => {
  it('defaults to the LookupEvents quota', () => {
    expect(createLookupRateLimiter().requestsPerSecond).toBe(2);
  });

  it('accepts a lower rate', () => {
    expect(createLookupRateLimiter(0.5).intervalMs).toBe(2000);
  });

  it('rejects a rate above the quota', () => {
    expect(() => createLookupRateLimiter(3)).toThrow(
      'KEYHUNT_MAX_RPS is 3: set a number above 0 and at most 2, the LookupEvents quota per account and Region.',
    );
  });
});
