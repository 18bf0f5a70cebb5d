import { normalizeRecord } from '../../src/detect/index.js';
import type { KeyEvent } from '../../src/detect/types.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/detect/types.js';
import { emptyStoreData } from '../../src/pipeline/ports.js';
import type { LookedUpEvent, PollHealth, PollState } from '../../src/pipeline/ports.js';
import { parseLookedUpEvents } from '../../src/pipeline/poll-records.js';
import { applyKeyEvents, markSeen, prunePollState } from '../../src/pipeline/poll-state.js';
import { computePollWindow, quietWarningDue } from '../../src/pipeline/poll-window.js';
import { createKeyRecord, deleteKeyRecord, iamUser } from '../support/records.js';

const T0 = Date.parse('2024-03-01T12:00:00Z');
const OPTIONS = { thresholdMs: DAY_MS, deliveryLagMs: 20 * MINUTE_MS };

function keyEvent(
  action: 'create' | 'delete',
  accessKeyId: string,
  timeMs: number,
  errorCode?: string,
): KeyEvent {
  const options = {
    accessKeyId,
    time: new Date(timeMs).toISOString(),
    eventId: `${action}-${accessKeyId}-${timeMs}`,
    identity: iamUser('admin'),
    userName: 'ci',
    ...(errorCode ? { errorCode } : {}),
  };
  const record = action === 'create' ? createKeyRecord(options) : deleteKeyRecord(options);
  const event = normalizeRecord(record).keyEvent;
  if (!event) throw new Error(`test record for ${accessKeyId} did not normalize`);
  return event;
}

function lookedUp(event: KeyEvent | null, overrides: Partial<LookedUpEvent> = {}): LookedUpEvent {
  return {
    eventId: event?.eventId ?? null,
    eventName: event?.action === 'create' ? 'CreateAccessKey' : 'DeleteAccessKey',
    eventTime: event?.time ?? null,
    cloudTrailEvent: null,
    ...overrides,
  };
}

function asLookedUp(action: 'create' | 'delete', accessKeyId: string, timeMs: number): LookedUpEvent {
  const options = {
    accessKeyId,
    time: new Date(timeMs).toISOString(),
    eventId: `${action}-${accessKeyId}`,
    identity: iamUser('admin'),
  };
  const record = action === 'create' ? createKeyRecord(options) : deleteKeyRecord(options);
  return {
    eventId: options.eventId,
    eventName: String(record.eventName),
    eventTime: timeMs,
    cloudTrailEvent: JSON.stringify(record),
  };
}

function emptyPoll(): PollState {
  return emptyStoreData().poll;
}

function health(overrides: Partial<PollHealth>): PollHealth {
  return { ...emptyPoll().health, ...overrides };
}

describe('computePollWindow', () => {
  it('starts threshold plus lag back without a cursor', () => {
    const window = computePollWindow(null, T0, OPTIONS);

    expect(window.fromMs).toBe(T0 - DAY_MS - 20 * MINUTE_MS);
    expect(window.toMs).toBe(T0);
    expect(window.catchingUp).toBe(false);
  });

  it('starts the lag before the cursor', () => {
    const window = computePollWindow(new Date(T0 - 5 * MINUTE_MS).toISOString(), T0, OPTIONS);

    expect(window.fromMs).toBe(T0 - 25 * MINUTE_MS);
    expect(window.catchingUp).toBe(false);
  });

  it('marks a gap over an hour as catching up', () => {
    const window = computePollWindow(new Date(T0 - 2 * HOUR_MS).toISOString(), T0, OPTIONS);

    expect(window.catchingUp).toBe(true);
    expect(window.clamped).toBe(false);
  });

  it('clamps the start to 90 days', () => {
    const window = computePollWindow(new Date(T0 - 120 * DAY_MS).toISOString(), T0, OPTIONS);

    expect(window.fromMs).toBe(T0 - 90 * DAY_MS);
    expect(window.clamped).toBe(true);
    expect(window.requestedFromMs).toBe(T0 - 120 * DAY_MS - 20 * MINUTE_MS);
  });

  it('treats a cursor in the future as now', () => {
    const window = computePollWindow(new Date(T0 + HOUR_MS).toISOString(), T0, OPTIONS);

    expect(window.fromMs).toBe(T0 - 20 * MINUTE_MS);
  });
});

describe('quietWarningDue', () => {
  const WEEK = 7 * DAY_MS;
  const seen = new Date(T0).toISOString();

  it('stays quiet within the limit', () => {
    expect(quietWarningDue(health({ lastEventSeenAt: seen }), T0 + WEEK - 1, WEEK).due).toBe(false);
  });

  it('warns when the limit is first passed', () => {
    const state = health({
      lastEventSeenAt: seen,
      lastAttemptAt: new Date(T0 + WEEK - MINUTE_MS).toISOString(),
    });

    expect(quietWarningDue(state, T0 + WEEK + MINUTE_MS, WEEK)).toEqual({ due: true, quietSinceMs: T0 });
  });

  it('repeats once a day', () => {
    const attempt = (ms: number) =>
      health({ lastEventSeenAt: seen, lastAttemptAt: new Date(ms).toISOString() });

    expect(quietWarningDue(attempt(T0 + WEEK + 5 * MINUTE_MS), T0 + WEEK + 10 * MINUTE_MS, WEEK).due).toBe(
      false,
    );
    expect(
      quietWarningDue(attempt(T0 + WEEK + DAY_MS - MINUTE_MS), T0 + WEEK + DAY_MS + MINUTE_MS, WEEK).due,
    ).toBe(true);
  });

  it('counts from the first attempt when nothing was seen', () => {
    const state = health({ firstAttemptAt: seen, lastAttemptAt: seen });

    expect(quietWarningDue(state, T0 + WEEK, WEEK)).toEqual({ due: true, quietSinceMs: T0 });
  });

  it('needs a reference time', () => {
    expect(quietWarningDue(health({}), T0, WEEK)).toEqual({ due: false, quietSinceMs: null });
  });
});

describe('parseLookedUpEvents', () => {
  it('returns unseen key events oldest first', () => {
    const parsed = parseLookedUpEvents(
      [asLookedUp('delete', 'AKIAB', T0), asLookedUp('create', 'AKIAA', T0 - MINUTE_MS)],
      {},
    );

    expect(parsed.keyEvents.map((event) => event.eventId)).toEqual(['create-AKIAA', 'delete-AKIAB']);
    expect(parsed.newSeenEventIds).toEqual({ 'create-AKIAA': T0 - MINUTE_MS, 'delete-AKIAB': T0 });
    expect(parsed.newestKeyEventMs).toBe(T0);
  });

  it('drops seen and repeated event ids', () => {
    const event = asLookedUp('create', 'AKIAA', T0);

    const parsed = parseLookedUpEvents([event, event, asLookedUp('create', 'AKIAB', T0)], {
      'create-AKIAB': T0,
    });

    expect(parsed.keyEvents.map((keyEvent) => keyEvent.eventId)).toEqual(['create-AKIAA']);
    expect(parsed.duplicates).toBe(2);
    expect(parsed.newestKeyEventMs).toBe(T0);
  });

  it('rejects invalid JSON and records it as seen', () => {
    const broken = {
      eventId: 'broken',
      eventName: 'CreateAccessKey',
      eventTime: T0,
      cloudTrailEvent: '{"eventID": "broken",',
    };

    const parsed = parseLookedUpEvents([broken, lookedUp(null)], {});

    expect(parsed.rejected).toEqual([
      { eventId: 'broken', eventName: 'CreateAccessKey', reason: 'invalid-json' },
      { eventId: null, eventName: 'DeleteAccessKey', reason: 'invalid-json' },
    ]);
    expect(parsed.newSeenEventIds).toEqual({ broken: T0 });
    expect(parsed.keyEvents).toEqual([]);
  });

  it('rejects a record that is not a key event', () => {
    const record = { eventID: 'other', eventName: 'ListUsers', eventTime: '2024-03-01T12:00:00Z' };
    const event = {
      eventId: 'other',
      eventName: 'ListUsers',
      eventTime: T0,
      cloudTrailEvent: JSON.stringify(record),
    };

    expect(parseLookedUpEvents([event], {}).rejected[0]?.reason).toBe('not-a-key-event');
  });
});

describe('applyKeyEvents', () => {
  it('pairs in either order', () => {
    const poll = emptyPoll();

    const result = applyKeyEvents(
      poll,
      [
        keyEvent('delete', 'AKIAA', T0),
        keyEvent('create', 'AKIAB', T0),
        keyEvent('create', 'AKIAA', T0 - HOUR_MS),
      ],
      DAY_MS,
    );

    expect(result.pairs.map((pair) => pair.create.accessKeyId)).toEqual(['AKIAA']);
    expect(Object.keys(poll.pendingCreates)).toEqual(['AKIAB']);
    expect(poll.pendingDeletes).toEqual({});
    expect(poll.recentKeyEvents).toHaveLength(3);
  });

  it('counts a pair outside the threshold', () => {
    const poll = emptyPoll();

    const result = applyKeyEvents(
      poll,
      [keyEvent('create', 'AKIAA', T0 - 2 * DAY_MS), keyEvent('delete', 'AKIAA', T0)],
      DAY_MS,
    );

    expect(result.pairs).toEqual([]);
    expect(result.pairsOutsideWindow).toBe(1);
  });

  it('counts failed calls without pending them', () => {
    const poll = emptyPoll();

    applyKeyEvents(poll, [keyEvent('create', 'AKIAA', T0, 'LimitExceeded')], DAY_MS);

    expect(poll.pendingCreates).toEqual({});
    expect(poll.recentKeyEvents[0]?.errorCode).toBe('LimitExceeded');
  });

  it('ignores seen event ids', () => {
    const poll = emptyPoll();
    const create = keyEvent('create', 'AKIAA', T0);
    markSeen(poll, { [create.eventId]: create.time });

    applyKeyEvents(poll, [create], DAY_MS);

    expect(poll.pendingCreates).toEqual({});
  });
});

describe('prunePollState', () => {
  const PRUNE = { ...OPTIONS, keyEventHistoryMs: 7 * DAY_MS };

  it('keeps pending events for threshold plus lag', () => {
    const poll = emptyPoll();
    applyKeyEvents(
      poll,
      [
        keyEvent('create', 'AKIAOLD', T0 - DAY_MS - 21 * MINUTE_MS),
        keyEvent('create', 'AKIANEW', T0 - DAY_MS - 19 * MINUTE_MS),
      ],
      DAY_MS,
    );

    const counts = prunePollState(poll, T0, PRUNE);

    expect(Object.keys(poll.pendingCreates)).toEqual(['AKIANEW']);
    expect(counts.pendingCreates).toBe(1);
  });

  it('keeps seen ids back to the window start with a margin', () => {
    const poll = emptyPoll();
    markSeen(poll, { old: T0 - 81 * MINUTE_MS, kept: T0 - 79 * MINUTE_MS });

    prunePollState(poll, T0, PRUNE);

    expect(Object.keys(poll.seenEventIds)).toEqual(['kept']);
  });

  it('keeps key events for the history period', () => {
    const poll = emptyPoll();
    applyKeyEvents(
      poll,
      [
        keyEvent('create', 'AKIAA', T0 - 8 * DAY_MS, 'Denied'),
        keyEvent('create', 'AKIAB', T0 - DAY_MS, 'Denied'),
      ],
      DAY_MS,
    );

    const counts = prunePollState(poll, T0, PRUNE);

    expect(poll.recentKeyEvents.map((event) => event.time)).toEqual([T0 - DAY_MS]);
    expect(counts.recentKeyEvents).toBe(1);
  });
});
