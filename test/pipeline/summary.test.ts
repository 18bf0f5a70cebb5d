import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { silentLogger } from '../../src/log.js';
import {
  emptyStoreData,
  type Store,
  type StoredFinding,
  type TriageHistoryEntry,
} from '../../src/pipeline/ports.js';
import {
  buildDailySummary,
  createDailySummaryJob,
  hasScheduledTimePassedToday,
  localDate,
  scheduleWithNodeCron,
  type DailySummary,
  type ScheduleJob,
  type SummarySender,
} from '../../src/pipeline/summary.js';
import { openStore } from '../../src/store/index.js';
import { makeTempDir, sampleFinding, storedFinding } from '../support/slack-harness.js';

const alice = { platform: 'slack' as const, id: 'UALICE', name: 'alice' };

describe('localDate and the schedule check', () => {
  it('reads the local date in a timezone', () => {
    const lateUtc = new Date('2025-03-01T23:30:00Z');
    expect(localDate(lateUtc, 'UTC')).toBe('2025-03-01');
    expect(localDate(lateUtc, 'Europe/Paris')).toBe('2025-03-02');
    expect(localDate(lateUtc, 'America/Los_Angeles')).toBe('2025-03-01');
  });

  const cases: Array<[string, string, string, string, boolean]> = [
    ['before 09:00 UTC', '0 9 * * *', 'UTC', '2025-03-01T08:59:59Z', false],
    ['at 09:00 UTC', '0 9 * * *', 'UTC', '2025-03-01T09:00:00Z', true],
    ['09:00 Paris is 08:00 UTC in winter', '0 9 * * *', 'Europe/Paris', '2025-03-01T08:00:00Z', true],
    ['07:59 UTC is before 09:00 Paris', '0 9 * * *', 'Europe/Paris', '2025-03-01T07:59:00Z', false],
    [
      '02:30 skipped by the spring change, after it',
      '30 2 * * *',
      'Europe/Paris',
      '2025-03-30T01:10:00Z',
      true,
    ],
    [
      '02:30 skipped by the spring change, before it',
      '30 2 * * *',
      'Europe/Paris',
      '2025-03-30T00:50:00Z',
      false,
    ],
    [
      '02:30 repeated by the autumn change, first pass',
      '30 2 * * *',
      'Europe/Paris',
      '2025-10-26T00:40:00Z',
      true,
    ],
    ['a weekday schedule on a Saturday', '0 9 * * 1-5', 'UTC', '2025-03-01T10:00:00Z', false],
    ['a weekday schedule on a Monday', '0 9 * * 1-5', 'UTC', '2025-03-03T10:00:00Z', true],
    ['the first of several runs a day', '0 6,18 * * *', 'UTC', '2025-03-01T07:00:00Z', true],
  ];
  it.each(cases)('%s', (_name, cron, timezone, now, expected) => {
    expect(hasScheduledTimePassedToday(cron, timezone, new Date(now))).toBe(expected);
  });
});

function escalated(id: string, userName: string, at: string, storedAt: string): StoredFinding {
  const entry: TriageHistoryEntry = {
    action: 'escalate',
    from: 'open',
    to: 'escalated',
    resolution: null,
    actor: alice,
    at,
  };
  return {
    ...storedFinding(sampleFinding({ id, userName }), storedAt),
    state: 'escalated',
    history: [entry],
  };
}

describe('buildDailySummary', () => {
  const now = new Date('2025-03-02T09:00:00Z');

  it('counts, ranks and lists the last 24 hours', () => {
    const data = emptyStoreData();
    const add = (stored: StoredFinding): void => void (data.findings[stored.finding.id] = stored);
    const oldOpen = storedFinding(
      sampleFinding({ id: 'kh-old', userName: 'carol', deletedAt: '2025-02-20T10:00:00Z' }),
      '2025-02-20T10:10:00Z',
    );
    const newOpen = storedFinding(
      sampleFinding({ id: 'kh-new', severity: 'critical', deletedAt: '2025-03-02T08:00:00Z' }),
      '2025-03-02T08:10:00Z',
    );
    const bobs = escalated('kh-bob', 'bob', '2025-03-01T20:00:00Z', '2025-03-01T19:00:00Z');
    bobs.finding.deletedAt = '2025-03-01T18:50:00Z';
    const aliceAgain = storedFinding(
      sampleFinding({ id: 'kh-alice2', severity: 'low', deletedAt: '2025-03-01T12:00:00Z' }),
    );
    [oldOpen, newOpen, bobs, aliceAgain].forEach(add);
    data.poll.health.incompletePolls = 5;
    data.summaries.pollCountersAtLastSummary = {
      incompletePolls: 3,
      throttles: 0,
      at: '2025-03-01T09:00:00.000Z',
    };

    const summary = buildDailySummary(data, { now, timezone: 'Europe/Paris' });
    expect(summary.localDate).toBe('2025-03-02');
    expect(summary.from).toBe('2025-03-01T09:00:00.000Z');
    expect(summary.total).toBe(3);
    expect(summary.bySeverity).toEqual({ critical: 1, high: 1, medium: 0, low: 1 });
    expect(summary.byState).toEqual({ open: 2, acknowledged: 0, escalated: 1, resolved: 0 });
    expect(summary.unacknowledged.map((item) => [item.stored.finding.id, item.waitingMs])).toEqual([
      ['kh-old', Date.parse('2025-03-02T09:00:00Z') - Date.parse('2025-02-20T10:10:00Z')],
      ['kh-alice2', Date.parse('2025-03-02T09:00:00Z') - Date.parse('2025-03-01T10:20:00Z')],
      ['kh-new', 50 * 60_000],
    ]);
    expect(summary.topUsers).toEqual([
      { userName: 'alice', count: 2 },
      { userName: 'bob', count: 1 },
    ]);
    expect(summary.escalations.map((item) => item.stored.finding.id)).toEqual(['kh-bob']);
    expect(summary.health.incompletePolls).toBe(2);
  });
});

class RecordingSender implements SummarySender {
  readonly sent: Array<{ summary: DailySummary; resend: boolean }> = [];
  failures = 0;
  constructor(readonly platform: string) {}
  async send(summary: DailySummary, options: { resend: boolean }): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error(`${this.platform} is down`);
    }
    this.sent.push({ summary, resend: options.resend });
  }
}

const noScheduler: ScheduleJob = () => ({ stop: () => undefined });

describe('createDailySummaryJob', () => {
  let temp: { dir: string; remove: () => Promise<void> };
  let store: Store;
  let now: Date;

  beforeEach(async () => {
    temp = await makeTempDir();
    store = await openStore({ path: join(temp.dir, 'keyhunt.json'), logger: silentLogger() });
    now = new Date('2025-03-01T10:00:00Z');
  });

  afterEach(async () => {
    await store.close();
    await temp.remove();
  });

  function job(senders: SummarySender[], jobStore: Store = store) {
    return createDailySummaryJob({
      store: jobStore,
      senders,
      cron: '0 9 * * *',
      timezone: 'Europe/Paris',
      clock: () => now,
      logger: silentLogger(),
      scheduleJob: noScheduler,
    });
  }

  it('sends once at start when the time has passed, then not again', async () => {
    const slack = new RecordingSender('slack');
    const daily = job([slack]);
    expect(await daily.start()).toBe('sent');
    expect(await daily.runIfDue()).toBe('already-sent');
    await daily.stop();
    expect(slack.sent).toHaveLength(1);
    expect(slack.sent[0]!.resend).toBe(false);
    expect(store.read().summaries.sentDates).toEqual(['2025-03-01']);
    expect(store.read().summaries.deliveries).toEqual({});
  });

  it('does not send before the scheduled time', async () => {
    now = new Date('2025-03-01T07:30:00Z');
    const slack = new RecordingSender('slack');
    expect(await job([slack]).runIfDue()).toBe('not-due');
    expect(slack.sent).toEqual([]);
  });

  it('sends once when runs overlap', async () => {
    const slack = new RecordingSender('slack');
    const daily = job([slack]);
    const outcomes = await Promise.all([daily.runIfDue(), daily.runIfDue()]);
    expect(outcomes).toEqual(['sent', 'already-sent']);
    expect(slack.sent).toHaveLength(1);
  });

  it('sends once across a restart on the same store file', async () => {
    const slack = new RecordingSender('slack');
    expect(await job([slack]).start()).toBe('sent');
    await store.close();

    store = await openStore({ path: join(temp.dir, 'keyhunt.json'), logger: silentLogger() });
    now = new Date('2025-03-01T18:00:00Z');
    expect(await job([slack]).start()).toBe('already-sent');
    expect(slack.sent).toHaveLength(1);

    now = new Date('2025-03-02T08:30:00Z');
    expect(await job([slack]).runIfDue()).toBe('sent');
    expect(store.read().summaries.sentDates).toEqual(['2025-03-01', '2025-03-02']);
  });

  it('marks a resend after a crash during the send', async () => {
    await store.update((data) => {
      data.summaries.deliveries = { '2025-03-01': { slack: 'sending' } };
    });
    const slack = new RecordingSender('slack');
    expect(await job([slack]).runIfDue()).toBe('sent');
    expect(slack.sent.map((item) => item.resend)).toEqual([true]);
  });

  it('retries only the platform that failed', async () => {
    const slack = new RecordingSender('slack');
    const teams = new RecordingSender('teams');
    teams.failures = 1;
    const daily = job([slack, teams]);
    expect(await daily.runIfDue()).toBe('failed');
    expect(store.read().summaries.deliveries).toEqual({ '2025-03-01': { slack: 'sent', teams: 'failed' } });
    expect(store.read().summaries.sentDates).toEqual([]);

    expect(await daily.runIfDue()).toBe('sent');
    expect(slack.sent).toHaveLength(1);
    expect(teams.sent.map((item) => item.resend)).toEqual([false]);
    expect(store.read().summaries.sentDates).toEqual(['2025-03-01']);
  });

  it('records the poller counters for the next summary', async () => {
    await store.update((data) => {
      data.poll.health.incompletePolls = 4;
      data.poll.health.throttles = 9;
    });
    await job([new RecordingSender('slack')]).runIfDue();
    expect(store.read().summaries.pollCountersAtLastSummary).toEqual({
      incompletePolls: 4,
      throttles: 9,
      at: '2025-03-01T10:00:00.000Z',
    });
  });

  it('waits for the running poll before reading the store', async () => {
    const slack = new RecordingSender('slack');
    let endPoll = (): void => undefined;
    const poll = new Promise<void>((resolve) => {
      endPoll = resolve;
    });
    const daily = createDailySummaryJob({
      store,
      senders: [slack],
      cron: '0 9 * * *',
      timezone: 'Europe/Paris',
      clock: () => now,
      logger: silentLogger(),
      scheduleJob: noScheduler,
      waitForPoll: () => poll,
    });

    const run = daily.runIfDue();
    await store.update((data) => {
      data.poll.health.lastSuccessAt = '2025-03-01T09:59:58.000Z';
    });
    endPoll();

    expect(await run).toBe('sent');
    expect(slack.sent[0]!.summary.health.lastSuccessAt).toBe('2025-03-01T09:59:58.000Z');
  });

  it('ends a run waiting for a poll at stop', async () => {
    const slack = new RecordingSender('slack');
    const daily = createDailySummaryJob({
      store,
      senders: [slack],
      cron: '0 9 * * *',
      timezone: 'Europe/Paris',
      clock: () => now,
      logger: silentLogger(),
      scheduleJob: noScheduler,
      waitForPoll: () => new Promise<void>(() => undefined),
    });

    const run = daily.runIfDue();
    await daily.stop();

    expect(await run).toBe('stopped');
    expect(slack.sent).toEqual([]);
  });

  it('schedules the daily run and the recheck', async () => {
    const scheduled: Array<{ name: string; cron: string; timezone: string }> = [];
    const daily = createDailySummaryJob({
      store,
      senders: [],
      cron: '0 9 * * *',
      timezone: 'Europe/Paris',
      clock: () => now,
      logger: silentLogger(),
      scheduleJob: ({ name, cron, timezone }) => {
        scheduled.push({ name, cron, timezone });
        return { stop: () => undefined };
      },
    });
    expect(await daily.start()).toBe('no-senders');
    expect(scheduled).toEqual([
      { name: 'daily-summary', cron: '0 9 * * *', timezone: 'Europe/Paris' },
      { name: 'daily-summary-recheck', cron: '*/15 * * * *', timezone: 'Europe/Paris' },
    ]);
    await daily.stop();
  });

  it('rejects an invalid cron expression and timezone', () => {
    const options = {
      store,
      senders: [],
      clock: () => now,
      logger: silentLogger(),
      scheduleJob: noScheduler,
    };
    expect(() => createDailySummaryJob({ ...options, cron: 'every morning', timezone: 'UTC' })).toThrow(
      'Invalid summary cron expression "every morning". Set KEYHUNT_SUMMARY_CRON, such as "0 9 * * *".',
    );
    expect(() => createDailySummaryJob({ ...options, cron: '0 9 * * *', timezone: 'Mars/Olympus' })).toThrow(
      RangeError,
    );
  });
});

describe('scheduleWithNodeCron', () => {
  it('runs a job on its cron and stops', async () => {
    let runs = 0;
    const handle = scheduleWithNodeCron({
      name: 'test-every-second',
      cron: '* * * * * *',
      timezone: 'UTC',
      run: async () => void (runs += 1),
      logger: silentLogger(),
    });
    const started = Date.now();
    while (runs === 0 && Date.now() - started < 3000) await new Promise((resolve) => setTimeout(resolve, 50));
    await handle.stop();
    expect(runs).toBeGreaterThan(0);
  });
});
