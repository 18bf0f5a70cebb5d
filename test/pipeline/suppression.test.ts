import { emptyStoreData, type StoreData } from '../../src/pipeline/ports.js';
import { addFindings, markSlackPosted } from '../../src/pipeline/records.js';
import type { SuppressionRule } from '../../src/pipeline/rules.js';
import {
  isSuppressed,
  listSlackPostable,
  listTeamsPostable,
  suppressFinding,
  SUPPRESSION_ACTOR,
} from '../../src/pipeline/suppression.js';
import { makeFinding } from '../store/support.js';

const NOW = new Date('2025-03-10T12:00:00.000Z');
const RULE: SuppressionRule = {
  accessKeyId: null,
  userName: 'ci-*',
  creatorArn: null,
  reason: 'CI rotates its deploy keys every hour',
  until: null,
};

function ids(list: { finding: { id: string } }[]): string[] {
  return list.map((stored) => stored.finding.id);
}

function storeTwo(): StoreData {
  const data = emptyStoreData();
  addFindings(data, [makeFinding(1), makeFinding(2)], NOW);
  return data;
}

describe('suppressFinding', () => {
  it('resolves the finding as expected', () => {
    const data = storeTwo();
    const stored = data.findings[makeFinding(1).id]!;

    expect(suppressFinding(stored, RULE, NOW)).toBe(true);

    expect(stored.state).toBe('resolved');
    expect(stored.resolution).toBe('expected');
    expect(stored.updatedAt).toBe('2025-03-10T12:00:00.000Z');
    expect(stored.suppressed).toEqual({
      reason: 'CI rotates its deploy keys every hour',
      matchedAt: '2025-03-10T12:00:00.000Z',
    });
    expect(isSuppressed(stored)).toBe(true);
  });

  it('records the rule reason in the history', () => {
    const stored = storeTwo().findings[makeFinding(1).id]!;
    suppressFinding(stored, RULE, NOW);
    expect(stored.history).toEqual([
      {
        action: 'resolve',
        from: 'open',
        to: 'resolved',
        resolution: 'expected',
        actor: { platform: 'rules', id: 'keyhunt-rules', name: 'suppression rule' },
        at: '2025-03-10T12:00:00.000Z',
        reason: 'CI rotates its deploy keys every hour',
      },
    ]);
    expect(stored.history[0]!.actor).not.toBe(SUPPRESSION_ACTOR);
  });

  it('leaves a triaged finding unchanged', () => {
    const stored = storeTwo().findings[makeFinding(1).id]!;
    stored.state = 'acknowledged';
    const before = structuredClone(stored);

    expect(suppressFinding(stored, RULE, NOW)).toBe(false);
    expect(stored).toEqual(before);
  });
});

describe('postable lists', () => {
  it('Slack list skips suppressed findings', () => {
    const data = storeTwo();
    suppressFinding(data.findings[makeFinding(1).id]!, RULE, NOW);
    expect(ids(listSlackPostable(data))).toEqual([makeFinding(2).id]);
  });

  it('Slack list skips posted findings', () => {
    const data = storeTwo();
    markSlackPosted(data, makeFinding(2).id, { channel: 'C0123', ts: '1.2', postedAt: NOW.toISOString() });
    expect(ids(listSlackPostable(data))).toEqual([makeFinding(1).id]);
  });

  it('Teams list skips suppressed findings', () => {
    const data = storeTwo();
    suppressFinding(data.findings[makeFinding(2).id]!, RULE, NOW);
    expect(ids(listTeamsPostable(data, 'conv-any'))).toEqual([makeFinding(1).id]);
  });
});
