import { describe, expect, it } from '@jest/globals';
import {
  ACTIONS_BLOCK_ID,
  buildChangeReply,
  buildEscalationNotice,
  buildFindingMessage,
  decodeActionValue,
  encodeResolveValue,
  type KnownBlock,
} from '../../../src/chat/slack/blocks.js';
import { escapeMrkdwn, inlineCode } from '../../../src/chat/slack/mrkdwn.js';
import { truncate } from '../../../src/chat/text.js';
import type { StoredFinding, TriageHistoryEntry } from '../../../src/pipeline/ports.js';
import { sampleFinding, storedFinding } from '../../support/slack-harness.js';

function actionsOf(blocks: KnownBlock[]): Array<Record<string, unknown>> {
  const block = blocks.find(
    (candidate) => 'block_id' in candidate && candidate.block_id === ACTIONS_BLOCK_ID,
  );
  return block && block.type === 'actions'
    ? (block.elements as unknown as Array<Record<string, unknown>>)
    : [];
}

function sectionTexts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((block) => {
    if (block.type === 'section' && block.text) return [block.text.text];
    if (block.type === 'context')
      return block.elements.map((element) => ('text' in element ? element.text : ''));
    return [];
  });
}

const alice = { platform: 'slack' as const, id: 'UALICE', name: 'alice' };

function triaged(state: StoredFinding['state'], entry: TriageHistoryEntry): StoredFinding {
  return { ...storedFinding(sampleFinding()), state, resolution: entry.resolution, history: [entry] };
}

describe('buildFindingMessage', () => {
  it('builds the header, facts and fallback text', () => {
    const message = buildFindingMessage(storedFinding(sampleFinding()));
    expect(message.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: ':large_orange_circle: High: access key of alice created and deleted within 3m 55s',
        emoji: true,
      },
    });
    expect(message.blocks[1]).toEqual({
      type: 'section',
      fields: [
        { type: 'mrkdwn', text: '*Key owner*\n`alice`' },
        { type: 'mrkdwn', text: '*Access key*\n`AKIAEXAMPLE000000001`' },
        { type: 'mrkdwn', text: '*Account*\n`111122223333` (us-east-1)' },
        { type: 'mrkdwn', text: '*Lifetime*\n3m 55s' },
        { type: 'mrkdwn', text: '*Created*\n<!date^1740823205^{date_num} {time_secs}|2025-03-01T10:00:05Z>' },
        { type: 'mrkdwn', text: '*Deleted*\n<!date^1740823440^{date_num} {time_secs}|2025-03-01T10:04:00Z>' },
      ],
    });
    expect(message.text).toBe(
      'High: access key AKIAEXAMPLE000000001 of alice was created and deleted within 3m 55s in account 111122223333. State: Open.',
    );
  });

  it('describes creator, deleter, use, counts, MITRE and reasons', () => {
    const texts = sectionTexts(buildFindingMessage(storedFinding(sampleFinding())).blocks);
    expect(texts[0]).toBe(
      '*Created by* `arn:aws:iam::111122223333:user/admin` from `203.0.113.9` with AWS CLI ' +
        '(`aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64`)\n' +
        '*Deleted by* the same principal, `arn:aws:iam::111122223333:user/admin` from `203.0.113.9` with AWS CLI ' +
        '(`aws-cli/2.15.0 Python/3.11.6 Linux/6.1 exe/x86_64`)\n' +
        '_The key was created for another user._',
    );
    expect(texts[1]).toBe(
      '*Key use*\nUsed in 2 calls.\nCalls: `ListBuckets`, `GetCallerIdentity`\nFrom: `198.51.100.20`\n' +
        'First <!date^1740823260^{date_num} {time_secs}|2025-03-01T10:01:00Z>, last <!date^1740823350^{date_num} {time_secs}|2025-03-01T10:02:30Z>',
    );
    expect(texts[2]).toBe(
      '*Activity of `alice` in the scanned period*\n2 keys created, 2 deleted, 0 failed creates, 1 failed delete\n' +
        '*Activity of `arn:aws:iam::111122223333:user/admin`*\n3 keys created, 3 deleted, 1 failed create, 0 failed deletes',
    );
    expect(texts[3]).toBe(
      '*MITRE ATT&amp;CK*\n<https://attack.mitre.org/techniques/T1098/001/|T1098.001> Account Manipulation: Additional Cloud Credentials',
    );
    expect(texts[4]).toBe('*Why high*\n• The key lived 3m 55s, under 1 hour\n• The key was used in 2 calls');
    expect(texts[5]).toBe('State: *Open* · Finding `kh-3f9a2c71d0`');
  });

  it('says when key use is unknown or none', () => {
    const unknown = sampleFinding({
      usage: {
        available: false,
        count: 0,
        eventNames: [],
        sourceIPAddresses: [],
        firstUsedAt: null,
        lastUsedAt: null,
      },
    });
    const unused = sampleFinding({
      usage: {
        available: true,
        count: 0,
        eventNames: [],
        sourceIPAddresses: [],
        firstUsedAt: null,
        lastUsedAt: null,
      },
    });
    expect(sectionTexts(buildFindingMessage(storedFinding(unknown)).blocks)[1]).toBe(
      '*Key use*\nUnknown: no CloudTrail records from the key’s lifetime were read, so unused cannot be claimed.',
    );
    expect(sectionTexts(buildFindingMessage(storedFinding(unused)).blocks)[1]).toBe(
      '*Key use*\nNot used during its lifetime.',
    );
  });

  it('escapes CloudTrail text and truncates long user agents', () => {
    const hostile = sampleFinding({
      userName: 'eve<@U0ADMIN>&co',
      creator: {
        ...sampleFinding().creator,
        arn: 'arn:aws:iam::111122223333:user/<!channel>',
        userAgent: `<script>${'x'.repeat(200)}`,
        userAgentClass: 'other',
      },
      severityReasons: ['Created by <!here> & friends'],
    });
    const message = buildFindingMessage(storedFinding(hostile));
    // The header is plain_text, which Slack shows literally without parsing mentions, so only mrkdwn is checked.
    const all = JSON.stringify({ text: message.text, blocks: message.blocks.slice(1) });
    expect(all).not.toContain('<@U0ADMIN>');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<!here>');
    expect(all).not.toContain('<script>');
    const texts = sectionTexts(message.blocks);
    expect(texts[0]).toContain(`with other client (\`&lt;script&gt;${'x'.repeat(71)}…\`)`);
    expect(texts[4]).toBe('*Why high*\n• Created by &lt;!here&gt; &amp; friends');
    expect(message.text).toContain('of eve&lt;@U0ADMIN&gt;&amp;co was created');
  });

  it('offers acknowledge, escalate and resolve while open', () => {
    const actions = actionsOf(buildFindingMessage(storedFinding(sampleFinding())).blocks);
    expect(actions).toEqual([
      {
        type: 'button',
        action_id: 'finding.acknowledge',
        text: { type: 'plain_text', text: 'Acknowledge' },
        value: 'kh-3f9a2c71d0',
        style: 'primary',
      },
      {
        type: 'button',
        action_id: 'finding.escalate',
        text: { type: 'plain_text', text: 'Escalate' },
        value: 'kh-3f9a2c71d0',
        style: 'danger',
      },
      {
        type: 'static_select',
        action_id: 'finding.resolve',
        placeholder: { type: 'plain_text', text: 'Resolve as…' },
        options: [
          { text: { type: 'plain_text', text: 'True positive' }, value: 'kh-3f9a2c71d0|true-positive' },
          { text: { type: 'plain_text', text: 'False positive' }, value: 'kh-3f9a2c71d0|false-positive' },
          { text: { type: 'plain_text', text: 'Expected' }, value: 'kh-3f9a2c71d0|expected' },
        ],
      },
    ]);
  });

  it('shows who acknowledged and drops the acknowledge button', () => {
    const stored = triaged('acknowledged', {
      action: 'acknowledge',
      from: 'open',
      to: 'acknowledged',
      resolution: null,
      actor: alice,
      at: '2025-03-01T11:00:00.000Z',
    });
    const message = buildFindingMessage(stored);
    expect(actionsOf(message.blocks).map((element) => element.action_id)).toEqual([
      'finding.escalate',
      'finding.resolve',
    ]);
    expect(sectionTexts(message.blocks)).toContain(
      'State: *Acknowledged* by <@UALICE> at <!date^1740826800^{date_num} {time_secs}|2025-03-01T11:00:00.000Z> · Finding `kh-3f9a2c71d0`',
    );
  });

  it('offers only reopen once resolved, naming the resolution', () => {
    const stored = triaged('resolved', {
      action: 'resolve',
      from: 'open',
      to: 'resolved',
      resolution: 'false-positive',
      actor: { platform: 'teams', id: 'entra-1', name: 'Bob <Ops>' },
      at: '2025-03-01T11:00:00.000Z',
    });
    const message = buildFindingMessage(stored);
    expect(actionsOf(message.blocks)).toEqual([
      {
        type: 'button',
        action_id: 'finding.reopen',
        text: { type: 'plain_text', text: 'Reopen' },
        value: 'kh-3f9a2c71d0',
      },
    ]);
    expect(sectionTexts(message.blocks)).toContain(
      'State: *Resolved as false positive* by Bob &lt;Ops&gt; (Teams) at <!date^1740826800^{date_num} {time_secs}|2025-03-01T11:00:00.000Z> · Finding `kh-3f9a2c71d0`',
    );
  });
});

describe('decodeActionValue', () => {
  it('decodes buttons and resolve options', () => {
    expect(decodeActionValue('finding.acknowledge', 'kh-1')).toEqual({
      action: 'acknowledge',
      findingId: 'kh-1',
      resolution: null,
    });
    expect(decodeActionValue('finding.reopen', 'kh-1')).toEqual({
      action: 'reopen',
      findingId: 'kh-1',
      resolution: null,
    });
    expect(decodeActionValue('finding.resolve', encodeResolveValue('kh-1', 'expected'))).toEqual({
      action: 'resolve',
      findingId: 'kh-1',
      resolution: 'expected',
    });
  });

  it('rejects values it did not build', () => {
    expect(decodeActionValue('finding.delete', 'kh-1')).toBeNull();
    expect(decodeActionValue('finding.acknowledge', undefined)).toBeNull();
    expect(decodeActionValue('finding.resolve', 'kh-1')).toBeNull();
    expect(decodeActionValue('finding.resolve', 'kh-1|maybe')).toBeNull();
    expect(decodeActionValue('finding.resolve', '|expected')).toBeNull();
  });
});

describe('thread replies', () => {
  const at = '2025-03-01T11:00:00.000Z';
  const date = '<!date^1740826800^{date_num} {time_secs}|2025-03-01T11:00:00.000Z>';

  it('records each kind of change', () => {
    const entry = (
      action: TriageHistoryEntry['action'],
      resolution: TriageHistoryEntry['resolution'] = null,
    ): TriageHistoryEntry => ({
      action,
      from: 'open',
      to: 'acknowledged',
      resolution,
      actor: alice,
      at,
    });
    expect(buildChangeReply(entry('acknowledge'), null).text).toBe(
      `<@UALICE> acknowledged this finding at ${date}.`,
    );
    expect(buildChangeReply(entry('escalate'), '<!subteam^S0SEC>').text).toBe(
      `<!subteam^S0SEC> <@UALICE> escalated this finding at ${date}.`,
    );
    expect(buildChangeReply(entry('escalate'), null).text).toBe(
      `<@UALICE> escalated this finding at ${date}.`,
    );
    expect(buildChangeReply(entry('resolve', 'true-positive'), null).text).toBe(
      `<@UALICE> resolved this finding as *true positive* at ${date}.`,
    );
    expect(buildChangeReply(entry('reopen'), null).text).toBe(`<@UALICE> reopened this finding at ${date}.`);
  });

  it('links the escalation notice to the finding', () => {
    const entry: TriageHistoryEntry = {
      action: 'escalate',
      from: 'open',
      to: 'escalated',
      resolution: null,
      actor: alice,
      at,
    };
    const notice = buildEscalationNotice(
      storedFinding(sampleFinding()),
      entry,
      'https://x.slack.com/archives/C1/p1',
      '<@UONCALL>',
    );
    expect(notice.text).toBe(
      '<@UONCALL> <@UALICE> escalated finding `kh-3f9a2c71d0`: :large_orange_circle: High: access key of alice created and deleted within 3m 55s. <https://x.slack.com/archives/C1/p1|Open the finding>',
    );
  });
});

describe('mrkdwn helpers', () => {
  it('escapes the three control characters', () => {
    expect(escapeMrkdwn('a & b < c > d')).toBe('a &amp; b &lt; c &gt; d');
  });

  it('keeps backticks from ending code spans', () => {
    expect(inlineCode('a`b')).toBe("`a'b`");
  });

  it('truncates with an ellipsis', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
  });
});
