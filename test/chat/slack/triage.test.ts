/**
 * Clicks on finding messages, sent as signed block_actions requests to the real Bolt app, with the resulting
 * Web API calls read from the Slack API fake.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { StoredFinding } from '../../../src/pipeline/ports.js';
import { blockActionsBody, postSigned, type ClickFields } from '../../support/slack-signing.js';
import {
  CHANNEL_ID,
  sampleFinding,
  startSlackHarness,
  storedFinding,
  waitFor,
  type HarnessOptions,
  type SlackHarness,
} from '../../support/slack-harness.js';
import type { RecordedCall } from '../../support/slack-api-fake.js';

const NOW = new Date('2025-03-01T12:00:00Z');
const MESSAGE_TS = '1699999999.000100';
const FINDING_ID = 'kh-3f9a2c71d0';
const NOW_TOKEN = '<!date^1740830400^{date_num} {time_secs}|2025-03-01T12:00:00.000Z>';

function postedFinding(): StoredFinding {
  return {
    ...storedFinding(sampleFinding()),
    slack: { channel: CHANNEL_ID, ts: MESSAGE_TS, postedAt: '2025-03-01T10:21:00Z', historyPosted: 0 },
  };
}

type Block = { type: string; block_id?: string; elements?: Array<{ action_id?: string; text?: string }> };

function stateLine(call: RecordedCall): string | undefined {
  const blocks = call.args.blocks as Block[];
  return blocks.find((block) => block.block_id === 'finding.state')?.elements?.[0]?.text;
}

function actionIds(call: RecordedCall): Array<string | undefined> {
  const blocks = call.args.blocks as Block[];
  return (
    blocks.find((block) => block.type === 'actions')?.elements?.map((element) => element.action_id) ?? []
  );
}

describe('triage clicks', () => {
  let harness: SlackHarness;
  const changed: string[] = [];

  async function start(options: HarnessOptions = {}): Promise<void> {
    changed.length = 0;
    harness = await startSlackHarness({
      findings: [postedFinding()],
      ...options,
      app: { clock: () => NOW, onTriageChanged: async (id) => void changed.push(id), ...options.app },
    });
  }

  afterEach(async () => {
    await harness.close();
  });

  function click(fields: Partial<ClickFields> & Pick<ClickFields, 'actionId'>): Promise<{ status: number }> {
    const body = blockActionsBody({
      userId: 'UALICE',
      userName: 'alice',
      channelId: CHANNEL_ID,
      messageTs: MESSAGE_TS,
      value: FINDING_ID,
      responseUrl: harness.fake.responseUrl('click'),
      ...fields,
    });
    return postSigned(harness.eventsUrl, body);
  }

  it('acknowledges, updates the message and replies in the thread', async () => {
    await start();
    const result = await click({ actionId: 'finding.acknowledge' });
    expect(result.status).toBe(200);
    await waitFor(() => changed.length === 1, 5000, 'onTriageChanged');

    const stored = harness.store.read().findings[FINDING_ID]!;
    expect(stored.state).toBe('acknowledged');
    expect(stored.history).toEqual([
      {
        action: 'acknowledge',
        from: 'open',
        to: 'acknowledged',
        resolution: null,
        actor: { platform: 'slack', id: 'UALICE', name: 'alice' },
        at: '2025-03-01T12:00:00.000Z',
      },
    ]);

    const updates = harness.fake.callsTo('chat.update');
    expect(updates).toHaveLength(1);
    expect(updates[0]!.args.channel).toBe(CHANNEL_ID);
    expect(updates[0]!.args.ts).toBe(MESSAGE_TS);
    expect(stateLine(updates[0]!)).toBe(
      `State: *Acknowledged* by <@UALICE> at ${NOW_TOKEN} · Finding \`${FINDING_ID}\``,
    );
    expect(actionIds(updates[0]!)).toEqual(['finding.escalate', 'finding.resolve']);
    expect((updates[0]!.args.blocks as Block[])[0]!.type).toBe('header');

    const replies = harness.fake.callsTo('chat.postMessage');
    expect(replies).toHaveLength(1);
    expect(replies[0]!.args.thread_ts).toBe(MESSAGE_TS);
    expect(replies[0]!.args.text).toBe(`<@UALICE> acknowledged this finding at ${NOW_TOKEN}.`);
    expect(stored.slack?.historyPosted).toBe(1);
    expect(changed).toEqual([FINDING_ID]);
  });

  it('changes state once on a double click and tells the late clicker', async () => {
    await start();
    await Promise.all([
      click({ actionId: 'finding.acknowledge' }),
      click({ actionId: 'finding.acknowledge', userId: 'UBOB', userName: 'bob' }),
    ]);
    await waitFor(
      () => harness.fake.callsTo('chat.postEphemeral').length === 1 && changed.length === 1,
      5000,
      'both clicks',
    );

    const stored = harness.store.read().findings[FINDING_ID]!;
    expect(stored.history).toHaveLength(1);
    const winner = stored.history[0]!.actor;
    const loser = winner.id === 'UALICE' ? 'UBOB' : 'UALICE';
    const ephemeral = harness.fake.callsTo('chat.postEphemeral')[0]!;
    expect(ephemeral.args.user).toBe(loser);
    expect(ephemeral.args.channel).toBe(CHANNEL_ID);
    expect(ephemeral.args.text).toBe(
      `${winner.name} already set it to acknowledged at 2025-03-01T12:00:00.000Z.`,
    );
    expect(harness.fake.callsTo('chat.update')).toHaveLength(1);
  });

  it('rejects a user who is not a triager and changes nothing', async () => {
    await start({ config: { triagers: ['UALICE', 'S0SECOPS'] } });
    harness.fake.userGroups.S0SECOPS = ['UCAROL'];
    await click({ actionId: 'finding.acknowledge', userId: 'UMALLORY', userName: 'mallory' });
    await waitFor(() => harness.fake.callsTo('chat.postEphemeral').length === 1, 5000, 'the rejection');

    const ephemeral = harness.fake.callsTo('chat.postEphemeral')[0]!;
    expect(ephemeral.args.user).toBe('UMALLORY');
    expect(ephemeral.args.text).toBe(
      'Only <@UALICE>, <!subteam^S0SECOPS> can triage keyhunt findings. Nothing was changed.',
    );
    expect(harness.store.read().findings[FINDING_ID]!.state).toBe('open');
    expect(harness.store.read().findings[FINDING_ID]!.history).toEqual([]);
    expect(harness.fake.callsTo('chat.update')).toHaveLength(0);
    expect(changed).toEqual([]);
  });

  it('lets a member of a triager group act', async () => {
    await start({ config: { triagers: ['UALICE', 'S0SECOPS'] } });
    harness.fake.userGroups.S0SECOPS = ['UCAROL'];
    await click({ actionId: 'finding.acknowledge', userId: 'UCAROL', userName: 'carol' });
    await waitFor(() => changed.length === 1, 5000, 'the change');
    expect(harness.store.read().findings[FINDING_ID]!.history[0]!.actor.id).toBe('UCAROL');
    expect(harness.fake.callsTo('usergroups.users.list')[0]!.args.usergroup).toBe('S0SECOPS');
  });

  it('resolves with the reason from the menu and offers reopen', async () => {
    await start();
    await click({
      actionId: 'finding.resolve',
      kind: 'static_select',
      value: `${FINDING_ID}|false-positive`,
    });
    await waitFor(() => changed.length === 1, 5000, 'the change');

    const stored = harness.store.read().findings[FINDING_ID]!;
    expect(stored.state).toBe('resolved');
    expect(stored.resolution).toBe('false-positive');
    const update = harness.fake.callsTo('chat.update')[0]!;
    expect(stateLine(update)).toBe(
      `State: *Resolved as false positive* by <@UALICE> at ${NOW_TOKEN} · Finding \`${FINDING_ID}\``,
    );
    expect(actionIds(update)).toEqual(['finding.reopen']);
    expect(harness.fake.callsTo('chat.postMessage')[0]!.args.text).toBe(
      `<@UALICE> resolved this finding as *false positive* at ${NOW_TOKEN}.`,
    );
  });

  it('mentions and cross-posts an escalation', async () => {
    await start({ config: { escalationMention: '<!subteam^S0ONCALL>', escalationChannelId: 'CESCALATE' } });
    await click({ actionId: 'finding.escalate' });
    await waitFor(() => changed.length === 1, 5000, 'the change');

    const posts = harness.fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(2);
    expect(posts[0]!.args.thread_ts).toBe(MESSAGE_TS);
    expect(posts[0]!.args.text).toBe(`<!subteam^S0ONCALL> <@UALICE> escalated this finding at ${NOW_TOKEN}.`);
    expect(posts[1]!.args.channel).toBe('CESCALATE');
    expect(posts[1]!.args.text).toBe(
      `<!subteam^S0ONCALL> <@UALICE> escalated finding \`${FINDING_ID}\`: :large_orange_circle: High: access key of alice ` +
        `created and deleted within 3m 55s. <https://keyhunt-test.slack.com/archives/${CHANNEL_ID}/p1699999999000100|Open the finding>`,
    );
  });

  it('tells the clicker when nothing is left to change', async () => {
    await start();
    await click({ actionId: 'finding.reopen' });
    await waitFor(() => harness.fake.callsTo('chat.postEphemeral').length === 1, 5000, 'the ephemeral');
    expect(harness.fake.callsTo('chat.postEphemeral')[0]!.args.text).toBe('It is already open.');
    expect(harness.store.read().findings[FINDING_ID]!.history).toEqual([]);
  });

  it('tells the clicker about an unknown finding', async () => {
    await start();
    await click({ actionId: 'finding.acknowledge', value: 'kh-gone' });
    await waitFor(() => harness.fake.callsTo('chat.postEphemeral').length === 1, 5000, 'the ephemeral');
    expect(harness.fake.callsTo('chat.postEphemeral')[0]!.args.text).toBe(
      'No finding with id kh-gone is stored.',
    );
  });
});
