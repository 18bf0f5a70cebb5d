/**
 * The Adaptive Cards keyhunt sends to Teams: exact content, actions per state, and validity according to
 * Microsoft's adaptivecards library for schema 1.5.
 */
import type { CardElement } from '../../../src/chat/teams/card-elements.js';
import { cleanValue, describeState } from '../../../src/chat/teams/card-text.js';
import { MAX_USER_AGENT_CHARS } from '../../../src/chat/text.js';
import {
  REFRESH_VERB,
  RESOLUTION_INPUT_ID,
  buildFindingCard,
  decodeVerb,
} from '../../../src/chat/teams/cards.js';
import { buildSummaryCard } from '../../../src/chat/teams/list-cards.js';
import { buildHelpCard, buildQueryCard } from '../../../src/chat/teams/query-cards.js';
import { emptyStoreData, type StoredFinding, type TriageState } from '../../../src/pipeline/ports.js';
import { evaluateQuery, parseQuery } from '../../../src/pipeline/query.js';
import { buildDailySummary } from '../../../src/pipeline/summary.js';
import { validateAdaptiveCard } from './adaptive-card-validator.js';
import { historyEntry, sampleFinding, storedFinding } from './fixtures.js';

const NOW = new Date('2023-07-10T13:00:00.000Z');

/** Collects every element of a card, depth first, including inlines, actions and nested cards. */
function elements(node: unknown): CardElement[] {
  if (Array.isArray(node)) return node.flatMap(elements);
  if (typeof node !== 'object' || node === null) return [];
  const record = node as Record<string, unknown>;
  const children = Object.values(record).flatMap(elements);
  return typeof record['type'] === 'string' ? [record as CardElement, ...children] : children;
}

function texts(node: unknown, type: 'TextRun' | 'TextBlock'): string[] {
  return elements(node)
    .filter((element) => element.type === type)
    .map((element) => element['text'] as string);
}

function topActions(card: Record<string, unknown>): Array<{ type: string; title: string; verb?: string }> {
  return (card['actions'] as Array<{ type: string; title: string; verb?: string }>).map(
    ({ type, title, verb }) => (verb === undefined ? { type, title } : { type, title, verb }),
  );
}

function withState(state: TriageState, overrides: Partial<StoredFinding> = {}): StoredFinding {
  return storedFinding({ state, ...overrides });
}

describe('finding card', () => {
  test('is valid for every state', () => {
    const states: TriageState[] = ['open', 'acknowledged', 'escalated', 'resolved'];
    for (const state of states) {
      expect({ state, problems: validateAdaptiveCard(buildFindingCard(withState(state))) }).toEqual({
        state,
        problems: [],
      });
    }
  });

  test('is valid with notice and history', () => {
    const card = buildFindingCard(withState('acknowledged', { history: [historyEntry()] }), {
      notice: { text: 'You acknowledged this finding.', style: 'good' },
      includeHistory: true,
    });

    expect(validateAdaptiveCard(card)).toEqual([]);
  });

  test('uses version 1.5 with a refresh action', () => {
    const card = buildFindingCard(withState('open'));

    expect(card.version).toBe('1.5');
    expect(card['refresh']).toEqual({
      action: {
        type: 'Action.Execute',
        title: 'Refresh',
        verb: REFRESH_VERB,
        data: { findingId: 'kh-3f9a2c71d0' },
      },
    });
  });

  test('open finding offers acknowledge, escalate and resolve', () => {
    expect(topActions(buildFindingCard(withState('open')))).toEqual([
      { type: 'Action.Execute', title: 'Acknowledge', verb: 'finding.acknowledge' },
      { type: 'Action.Execute', title: 'Escalate', verb: 'finding.escalate' },
      { type: 'Action.ShowCard', title: 'Resolve…' },
    ]);
  });

  test('acknowledged finding offers escalate and resolve', () => {
    expect(topActions(buildFindingCard(withState('acknowledged'))).map((action) => action.title)).toEqual([
      'Escalate',
      'Resolve…',
    ]);
  });

  test('escalated finding offers resolve only', () => {
    expect(topActions(buildFindingCard(withState('escalated'))).map((action) => action.title)).toEqual([
      'Resolve…',
    ]);
  });

  test('resolved finding offers reopen only', () => {
    expect(topActions(buildFindingCard(withState('resolved')))).toEqual([
      { type: 'Action.Execute', title: 'Reopen', verb: 'finding.reopen' },
    ]);
  });

  test('resolve form asks for the reason', () => {
    const card = buildFindingCard(withState('open'));
    const form = (card['actions'] as CardElement[]).find((action) => action.type === 'Action.ShowCard')!;
    const input = elements(form).find((element) => element.type === 'Input.ChoiceSet')!;
    const submit = elements(form).find((element) => element.type === 'Action.Execute')!;

    expect(input['id']).toBe(RESOLUTION_INPUT_ID);
    expect(input['isRequired']).toBe(true);
    expect(input['choices']).toEqual([
      { title: 'True positive', value: 'true-positive' },
      { title: 'False positive', value: 'false-positive' },
      { title: 'Expected', value: 'expected' },
    ]);
    expect(submit).toMatchObject({ verb: 'finding.resolve', data: { findingId: 'kh-3f9a2c71d0' } });
  });

  test('shows the same facts as the Slack message', () => {
    const runs = texts(buildFindingCard(withState('open')), 'TextRun');

    expect(runs).toEqual(
      expect.arrayContaining([
        'High: ',
        'access key of alice created and deleted within 3m 55s',
        'AKIAEXAMPLEKEY000001 in account 111122223333, us-east-1',
        'Open: nobody has triaged it yet.',
        '2023-07-10 12:20:34 UTC',
        '2023-07-10 12:24:29 UTC',
        '3m 55s',
        'arn:aws:iam::111122223333:user/alice',
        '198.51.100.7',
        'create-event-0001',
        'delete-event-0001',
        'Used in 3 calls.',
        'Calls: GetCallerIdentity, ListBuckets',
        'From: 203.0.113.9',
        '2 keys created, 2 deleted, 0 failed creates, 1 failed delete',
        'T1098.001',
        ' Account Manipulation: Additional Cloud Credentials',
        '• The key was used from an IP address that did not create it.',
        'Finding kh-3f9a2c71d0',
      ]),
    );
  });

  test('lists creator and deleter counts when they differ from the owner', () => {
    const finding = sampleFinding({
      createdForAnotherUser: true,
      creatorIsDeleter: false,
      creator: { ...sampleFinding().creator, arn: 'arn:aws:iam::111122223333:user/admin', userName: 'admin' },
      deleter: { ...sampleFinding().deleter, arn: 'arn:aws:iam::111122223333:user/ops', userName: 'ops' },
      creatorCounts: { keysCreated: 5, keysDeleted: 0, failedCreates: 0, failedDeletes: 0 },
      deleterCounts: { keysCreated: 0, keysDeleted: 4, failedCreates: 0, failedDeletes: 0 },
    });
    const runs = texts(buildFindingCard(storedFinding({}, finding)), 'TextRun');

    expect(runs).toContain('Creator arn:aws:iam::111122223333:user/admin: ');
    expect(runs).toContain('5 keys created, 0 deleted, 0 failed creates, 0 failed deletes');
    expect(runs).toContain('Deleter arn:aws:iam::111122223333:user/ops: ');
    expect(runs).toContain('The key was created for another user.');
  });

  test('unknown usage is stated', () => {
    const finding = sampleFinding({
      usage: {
        available: false,
        count: 0,
        eventNames: [],
        sourceIPAddresses: [],
        firstUsedAt: null,
        lastUsedAt: null,
      },
    });

    expect(texts(buildFindingCard(storedFinding({}, finding)), 'TextRun')).toContain(
      'Unknown: no CloudTrail records from the key’s lifetime were read, so unused cannot be claimed.',
    );
  });

  test('truncates a long user agent', () => {
    const userAgent = `Boto3/1.28.0 ${'x'.repeat(900)}`;
    const finding = sampleFinding({
      creator: { ...sampleFinding().creator, userAgent, userAgentClass: 'sdk' },
    });
    const run = texts(buildFindingCard(storedFinding({}, finding)), 'TextRun').find((text) =>
      text.startsWith('AWS SDK: '),
    )!;

    expect(run).toBe(`AWS SDK: ${userAgent.slice(0, MAX_USER_AGENT_CHARS - 1)}…`);
  });

  test('keeps untrusted text out of Markdown', () => {
    const userAgent = '[Reset your password](https://evil.example) **now** \u202egnp.exe';
    const finding = sampleFinding({ creator: { ...sampleFinding().creator, userAgent } });
    const card = buildFindingCard(storedFinding({}, finding));

    expect(texts(card, 'TextBlock').filter((text) => text.includes('evil.example'))).toEqual([]);
    expect(texts(card, 'TextRun')).toContain(
      `AWS CLI: [Reset your password](https://evil.example) **now** \ufffdgnp.exe`,
    );
  });

  test('state line names who changed it and where', () => {
    const resolved = withState('resolved', {
      resolution: 'expected',
      history: [
        historyEntry({
          action: 'resolve',
          to: 'resolved',
          resolution: 'expected',
          actor: { platform: 'teams', id: 'x', name: 'Lee Chen' },
        }),
      ],
    });
    const reopened = withState('open', {
      history: [
        historyEntry({
          action: 'reopen',
          from: 'resolved',
          to: 'open',
          actor: { platform: 'cli', id: 'ops', name: 'ops' },
        }),
      ],
    });

    expect(describeState(resolved)).toBe(
      'Resolved as expected by Lee Chen (Teams) at 2023-07-10 12:40:00 UTC.',
    );
    expect(describeState(reopened)).toBe('Open: reopened by ops (CLI) at 2023-07-10 12:40:00 UTC.');
  });
});

test('decodeVerb maps only keyhunt verbs', () => {
  expect(decodeVerb('finding.refresh')).toEqual({ kind: 'refresh' });
  expect(decodeVerb('finding.resolve')).toEqual({ kind: 'triage', action: 'resolve' });
  expect(decodeVerb('finding.delete')).toBeNull();
  expect(decodeVerb(undefined)).toBeNull();
});

test('cleanValue replaces control characters', () => {
  expect(cleanValue('a\nb\u0007c\u2066d')).toBe('a\ufffdb\ufffdc\ufffdd');
});

describe('list cards', () => {
  function dataWithFindings() {
    const data = emptyStoreData();
    data.findings['kh-3f9a2c71d0'] = storedFinding();
    data.findings['kh-0000000002'] = storedFinding(
      {
        state: 'escalated',
        history: [historyEntry({ action: 'escalate', to: 'escalated', at: '2023-07-10T12:50:00.000Z' })],
      },
      sampleFinding({ id: 'kh-0000000002', userName: null, severity: 'critical' }),
    );
    return data;
  }

  test('every command reply is valid', () => {
    const data = dataWithFindings();
    for (const text of [
      'last 24h',
      'status',
      'show kh-3f9a2c71d0',
      'show kh-missing',
      'user alice',
      'user nobody',
      'help',
      'frobnicate',
    ]) {
      const card = buildQueryCard(evaluateQuery(parseQuery(text), data, { now: NOW }));
      expect({ text, problems: validateAdaptiveCard(card) }).toEqual({ text, problems: [] });
    }
  });

  test('help leaves out the share modifier', () => {
    const runs = texts(buildHelpCard(), 'TextRun');

    expect(runs).toContain('status: ');
    expect(runs.some((text) => text.includes('share'))).toBe(false);
  });

  test('summary card is valid and counts findings', () => {
    const summary = buildDailySummary(dataWithFindings(), { now: NOW, timezone: 'Europe/Berlin' });
    const card = buildSummaryCard(summary, { resend: true });
    const runs = texts(card, 'TextRun');

    expect(validateAdaptiveCard(card)).toEqual([]);
    expect(texts(card, 'TextBlock')).toContain('keyhunt daily summary for 2023-07-10');
    expect(runs).toContain('An earlier send of this summary was interrupted, so it may appear twice.');
    expect(runs).toContain('Critical 1 · High 1 · Medium 0 · Low 0');
    expect(runs).toContain('Open 1 · Escalated 1 · Acknowledged 0 · Resolved 0');
    expect(runs).toContain(
      '2023-07-10 12:50:00 UTC: Dana Smith (Slack) escalated kh-0000000002 · Critical · unknown user · key AKIAEXAMPLEKEY000001 · deleted 2023-07-10 12:24:29 UTC · Escalated',
    );
    expect(runs).toContain('alice: 1 finding');
  });

  test('long lists are cut with a count', () => {
    const data = emptyStoreData();
    for (let index = 0; index < 20; index++) {
      const id = `kh-${String(index).padStart(10, '0')}`;
      data.findings[id] = storedFinding(
        {},
        sampleFinding({ id, accessKeyId: `AKIAEXAMPLEKEY${String(index).padStart(6, '0')}` }),
      );
    }
    const card = buildQueryCard(evaluateQuery(parseQuery('last 24h'), data, { now: NOW }));

    expect(texts(card, 'TextRun')).toContain('… and 5 more');
  });
});
