import { emptyStoreData, type StoreData, type TeamsConversation } from '../../src/pipeline/ports.js';
import {
  addFindings,
  countByState,
  findingsDeletedBetween,
  findingsForUser,
  listUnpostedSlack,
  listUnpostedTeams,
  markSlackPosted,
  markTeamsPosted,
} from '../../src/pipeline/records.js';
import { makeActor, makeFinding } from '../store/support.js';

const NOW = new Date('2025-03-10T12:00:00.000Z');
const LATER = new Date('2025-03-11T12:00:00.000Z');
const SLACK_REF = { channel: 'C0123', ts: '1741608000.000100', postedAt: NOW.toISOString() };

function ids(list: { finding: { id: string } }[]): string[] {
  return list.map((stored) => stored.finding.id);
}

function teamsRef(conversationId: string) {
  return { conversationId, activityId: 'activity-1', postedAt: NOW.toISOString() };
}

function conversation(id: string, addedAt: Date, active = true): TeamsConversation {
  return {
    id,
    reference: { conversation: { id } },
    name: 'Security',
    active,
    inactiveReason: active ? null : 'The app was removed (403)',
    addedAt: addedAt.toISOString(),
    updatedAt: addedAt.toISOString(),
  };
}

describe('addFindings', () => {
  it('stores new findings as open and unposted', () => {
    const data = emptyStoreData();

    const added = addFindings(data, [makeFinding(1)], NOW);

    expect(added).toEqual([
      {
        finding: makeFinding(1),
        state: 'open',
        resolution: null,
        history: [],
        storedAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
        slack: null,
        teams: {},
      },
    ]);
    expect(data.findings['kh-0000000001']).toBe(added[0]);
  });

  it('returns only findings not stored before', () => {
    const data = emptyStoreData();
    addFindings(data, [makeFinding(1)], NOW);
    data.findings['kh-0000000001']!.state = 'resolved';

    const added = addFindings(data, [makeFinding(1), makeFinding(2), makeFinding(2)], LATER);

    expect(ids(added)).toEqual(['kh-0000000002']);
    expect(data.findings['kh-0000000001']?.state).toBe('resolved');
    expect(data.findings['kh-0000000001']?.storedAt).toBe(NOW.toISOString());
  });
});

describe('Slack posting', () => {
  it('lists unposted findings oldest deletion first', () => {
    const data = emptyStoreData();
    addFindings(data, [makeFinding(3), makeFinding(1), makeFinding(2)], NOW);
    markSlackPosted(data, 'kh-0000000002', SLACK_REF);

    expect(ids(listUnpostedSlack(data))).toEqual(['kh-0000000001', 'kh-0000000003']);
  });

  it('orders equal deletion times by access key id', () => {
    const data = emptyStoreData();
    const deletedAt = '2025-03-01T00:00:00.000Z';
    addFindings(
      data,
      [
        makeFinding(1, { accessKeyId: 'AKIAZ', deletedAt }),
        makeFinding(2, { accessKeyId: 'AKIAB', deletedAt }),
      ],
      NOW,
    );

    expect(ids(listUnpostedSlack(data))).toEqual(['kh-0000000002', 'kh-0000000001']);
  });

  it('returns null when marking an unknown finding', () => {
    const data = emptyStoreData();

    expect(markSlackPosted(data, 'kh-missing', SLACK_REF)).toBeNull();
  });

  it('stores the post reference', () => {
    const data = emptyStoreData();
    addFindings(data, [makeFinding(1)], NOW);

    const marked = markSlackPosted(data, 'kh-0000000001', SLACK_REF);

    expect(marked?.slack).toEqual(SLACK_REF);
  });
});

describe('Teams posting', () => {
  function dataWithConversations(): StoreData {
    const data = emptyStoreData();
    data.teams.conversations['conv-old'] = conversation('conv-old', new Date('2025-01-01T00:00:00.000Z'));
    data.teams.conversations['conv-new'] = conversation('conv-new', LATER);
    data.teams.conversations['conv-removed'] = conversation(
      'conv-removed',
      new Date('2025-01-01T00:00:00.000Z'),
      false,
    );
    addFindings(data, [makeFinding(1), makeFinding(2)], NOW);
    addFindings(data, [makeFinding(3)], LATER);
    return data;
  }

  it('lists findings not yet posted to that conversation', () => {
    const data = dataWithConversations();
    markTeamsPosted(data, 'kh-0000000001', 'conv-old', teamsRef('conv-old'));

    expect(ids(listUnpostedTeams(data, 'conv-old'))).toEqual(['kh-0000000002', 'kh-0000000003']);
  });

  it('skips findings stored before the conversation was added', () => {
    const data = dataWithConversations();

    expect(ids(listUnpostedTeams(data, 'conv-new'))).toEqual(['kh-0000000003']);
  });

  it('lists nothing for an inactive conversation', () => {
    const data = dataWithConversations();

    expect(listUnpostedTeams(data, 'conv-removed')).toEqual([]);
  });

  it('lists every unposted finding for an unrecorded conversation', () => {
    const data = dataWithConversations();

    expect(ids(listUnpostedTeams(data, 'conv-unknown'))).toEqual([
      'kh-0000000001',
      'kh-0000000002',
      'kh-0000000003',
    ]);
  });

  it('stores the post reference per conversation', () => {
    const data = dataWithConversations();

    markTeamsPosted(data, 'kh-0000000001', 'conv-old', teamsRef('conv-old'));
    markTeamsPosted(data, 'kh-0000000001', 'conv-new', teamsRef('conv-new'));

    expect(Object.keys(data.findings['kh-0000000001']!.teams).sort()).toEqual(['conv-new', 'conv-old']);
  });

  it('rejects a reference for another conversation', () => {
    const data = dataWithConversations();

    expect(() => markTeamsPosted(data, 'kh-0000000001', 'conv-old', teamsRef('conv-new'))).toThrow(
      'markTeamsPosted got conversation id conv-old but a post reference for conv-new',
    );
    expect(data.findings['kh-0000000001']!.teams).toEqual({});
  });

  it('returns null when marking an unknown finding', () => {
    const data = dataWithConversations();

    expect(markTeamsPosted(data, 'kh-missing', 'conv-old', teamsRef('conv-old'))).toBeNull();
  });
});

describe('findingsDeletedBetween', () => {
  it('includes the start and excludes the end', () => {
    const data = emptyStoreData();
    // makeFinding(n) deletes its key at 2025-03-01T00:00Z plus n minutes.
    addFindings(data, [makeFinding(0), makeFinding(1), makeFinding(2), makeFinding(3)], NOW);
    const fromMs = Date.parse('2025-03-01T00:01:00.000Z');
    const toMs = Date.parse('2025-03-01T00:03:00.000Z');

    expect(ids(findingsDeletedBetween(data, fromMs, toMs))).toEqual(['kh-0000000001', 'kh-0000000002']);
  });
});

describe('findingsForUser', () => {
  it('matches key owner, creator or deleter ignoring case', () => {
    const data = emptyStoreData();
    addFindings(
      data,
      [
        makeFinding(1, { userName: 'Alice' }),
        makeFinding(2, { userName: 'bob', creator: makeActor('alice', 'c-2') }),
        makeFinding(3, { userName: 'bob', deleter: makeActor('ALICE', 'd-3') }),
        makeFinding(4, { userName: 'bob' }),
        makeFinding(5, { userName: null, creator: makeActor(null, 'c-5'), deleter: makeActor(null, 'd-5') }),
      ],
      NOW,
    );

    expect(ids(findingsForUser(data, 'alice'))).toEqual(['kh-0000000001', 'kh-0000000002', 'kh-0000000003']);
  });
});

describe('countByState', () => {
  it('counts every state', () => {
    const data = emptyStoreData();
    addFindings(data, [makeFinding(1), makeFinding(2), makeFinding(3)], NOW);
    data.findings['kh-0000000002']!.state = 'escalated';
    data.findings['kh-0000000003']!.state = 'escalated';

    expect(countByState(data)).toEqual({ open: 1, acknowledged: 0, escalated: 2, resolved: 0 });
  });
});
