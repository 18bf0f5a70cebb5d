import { Writable } from 'node:stream';

import pino from 'pino';

import type { Logger } from '../../src/log.js';
import { silentLogger } from '../../src/log.js';
import { scheduleJob, ScheduleError, validateCron, validateTimeZone } from '../../src/schedule/scheduler.js';
import type { ScheduledJob } from '../../src/schedule/scheduler.js';

/** Fires only at 04:05 on 29 February, so in practice never during a test run. */
const RARELY = '5 4 29 2 *';
const CLOCK_TIME = new Date('2024-03-01T12:00:00Z');

let jobs: ScheduledJob[] = [];

function track(job: ScheduledJob): ScheduledJob {
  jobs.push(job);
  return job;
}

function capturingLogger(): { logger: Logger; messages: string[] } {
  const messages: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      messages.push((JSON.parse(chunk.toString()) as { msg: string }).msg);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), messages };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

afterEach(async () => {
  await Promise.all(jobs.map((job) => job.stop()));
  jobs = [];
});

describe('validateCron', () => {
  it('accepts five and six fields', () => {
    expect(() => validateCron('*/5 * * * *')).not.toThrow();
    expect(() => validateCron('30 */5 * * * *')).not.toThrow();
  });

  it('rejects the wrong number of fields', () => {
    expect(() => validateCron('*/5 * * *', 'KEYHUNT_POLL_CRON')).toThrow(
      'KEYHUNT_POLL_CRON "*/5 * * *" has 4 fields: use 5 fields (minute hour day-of-month month day-of-week), ' +
        'or 6 with seconds first, such as "*/5 * * * *".',
    );
  });

  it('names the invalid field', () => {
    let caught: unknown;
    try {
      validateCron('99 * * * *', 'KEYHUNT_POLL_CRON');
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(ScheduleError);
    expect((caught as ScheduleError).code).toBe('SCHEDULE_INVALID');
    expect((caught as ScheduleError).message).toBe(
      'KEYHUNT_POLL_CRON "99 * * * *": the minute field "99" is invalid: use 0-59, a list (0,30), a range ' +
        '(0-29) or a step (*/15). Cron expressions use 5 fields (minute hour day-of-month month day-of-week), ' +
        'or 6 with seconds first, such as "*/5 * * * *".',
    );
  });
});

describe('validateTimeZone', () => {
  it('accepts an IANA zone', () => {
    expect(() => validateTimeZone('Europe/Berlin')).not.toThrow();
  });

  it('rejects an unknown zone', () => {
    expect(() => validateTimeZone('Mars/Olympus', 'KEYHUNT_TIMEZONE')).toThrow(
      'KEYHUNT_TIMEZONE "Mars/Olympus" is not a known IANA time zone, such as UTC or Europe/Berlin.',
    );
  });
});

describe('scheduleJob', () => {
  it('passes the clock time to the job', async () => {
    const times: Date[] = [];
    const job = track(
      scheduleJob({
        name: 'poll',
        cron: RARELY,
        run: (now) => times.push(now),
        logger: silentLogger(),
        clock: () => CLOCK_TIME,
      }),
    );

    const outcome = await job.trigger();

    expect(outcome).toBe('completed');
    expect(times).toEqual([CLOCK_TIME]);
  });

  it('skips a firing while a run is going', async () => {
    const { logger, messages } = capturingLogger();
    const gate = deferred();
    let runs = 0;
    const job = track(
      scheduleJob({
        name: 'poll',
        cron: RARELY,
        logger,
        run: async () => {
          runs += 1;
          await gate.promise;
        },
      }),
    );

    const first = job.trigger();
    const second = await job.trigger();
    gate.resolve();

    expect(second).toBe('skipped');
    expect(await first).toBe('completed');
    expect(runs).toBe(1);
    expect(messages).toContain('Skipped a run because the previous run is still going');
  });

  it('logs a failed run and runs again', async () => {
    const { logger, messages } = capturingLogger();
    let calls = 0;
    const job = track(
      scheduleJob({
        name: 'poll',
        cron: RARELY,
        logger,
        run: () => {
          calls += 1;
          if (calls === 1) throw new Error('LookupEvents denied');
        },
      }),
    );

    expect(await job.trigger()).toBe('failed');
    expect(await job.trigger()).toBe('completed');
    expect(messages).toContain('Job failed');
  });

  it('waits for the running job on stop', async () => {
    const gate = deferred();
    const order: string[] = [];
    const job = scheduleJob({
      name: 'poll',
      cron: RARELY,
      logger: silentLogger(),
      run: async () => {
        await gate.promise;
        order.push('job finished');
      },
    });

    const run = job.trigger();
    const stopped = job.stop().then(() => order.push('stop resolved'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    order.push('gate opened');
    gate.resolve();
    await Promise.all([run, stopped]);

    expect(order).toEqual(['gate opened', 'job finished', 'stop resolved']);
    expect(await job.trigger()).toBe('stopped');
    expect(job.nextRun()).toBeNull();
  });

  it('fires on the schedule', async () => {
    const fired = deferred();
    const job = track(
      scheduleJob({ name: 'every-second', cron: '* * * * * *', logger: silentLogger(), run: fired.resolve }),
    );

    await fired.promise;

    expect(job.nextRun()).toBeInstanceOf(Date);
  });

  it('reports the next run in its time zone', () => {
    const job = track(
      scheduleJob({
        name: 'summary',
        cron: '0 9 * * *',
        timezone: 'Asia/Tokyo',
        logger: silentLogger(),
        run: () => undefined,
      }),
    );

    const next = job.nextRun();

    expect(next?.getUTCHours()).toBe(0);
    expect(next?.getUTCMinutes()).toBe(0);
  });

  it('rejects an invalid expression before scheduling', () => {
    expect(() =>
      scheduleJob({
        name: 'poll',
        cron: 'every 5 minutes',
        logger: silentLogger(),
        run: () => undefined,
        setting: 'KEYHUNT_POLL_CRON',
      }),
    ).toThrow(/^KEYHUNT_POLL_CRON "every 5 minutes" has 3 fields/);
  });
});
