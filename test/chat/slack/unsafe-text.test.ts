/**
 * Control and bidirectional-override characters in CloudTrail values never reach a Slack message: each
 * becomes U+FFFD, as on the Teams cards.
 */
import { describe, expect, it } from '@jest/globals';
import { buildEscalationNotice, buildFindingMessage } from '../../../src/chat/slack/blocks.js';
import { describeFindingBrief } from '../../../src/chat/slack/finding-text.js';
import { escapeMrkdwn, inlineCode, slackDate } from '../../../src/chat/slack/mrkdwn.js';
import { replaceUnsafeCharacters } from '../../../src/chat/text.js';
import { sampleFinding, storedFinding } from '../../support/slack-harness.js';

/** Unsafe characters other than the line feed, which composed mrkdwn uses between its own lines. */
const UNSAFE_EXCEPT_LINE_FEED =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** Lists the paths of all strings in a JSON value that contain an unsafe character. */
function findUnsafeStrings(value: unknown, path = '$'): string[] {
  if (typeof value === 'string') return UNSAFE_EXCEPT_LINE_FEED.test(value) ? [path] : [];
  if (Array.isArray(value))
    return value.flatMap((item, index) => findUnsafeStrings(item, `${path}[${index}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => findUnsafeStrings(item, `${path}.${key}`));
  }
  return [];
}

const base = sampleFinding();
const hostile = sampleFinding({
  userName: 'eve\nSeverity: Low\u202e',
  accountId: '111122223333\u200f',
  region: 'us-east-1\r',
  creator: {
    ...base.creator,
    arn: 'arn:aws:iam::111122223333:user/\u2066admin\u2069',
    sourceIPAddress: '203.0.113.9\u200e',
    userAgent: 'aws-cli/2.15.0 \u202egnp.exe\u0007',
  },
  usage: { ...base.usage, eventNames: ['ListBuckets\u0000'], sourceIPAddresses: ['198.51.100.20\u0085'] },
  severityReasons: ['The key was used from 198.51.100.20\u202e'],
});

describe('unsafe characters in Slack text', () => {
  it('replaces them everywhere in a finding message', () => {
    const message = buildFindingMessage(storedFinding(hostile));

    expect(findUnsafeStrings(message)).toEqual([]);
  });

  it('replaces them in the plain_text header', () => {
    const message = buildFindingMessage(storedFinding(hostile));

    const header = message.blocks[0] as { text: { text: string } };
    expect(header.text.text).toBe(
      ':large_orange_circle: High: access key of eve\ufffdSeverity: Low\ufffd created and deleted within 3m 55s',
    );
  });

  it('keeps the user name on one line in its field', () => {
    const message = buildFindingMessage(storedFinding(hostile));

    const facts = message.blocks[1] as { fields: Array<{ text: string }> };
    expect(facts.fields[0]!.text).toBe('*Key owner*\n`eve\ufffdSeverity: Low\ufffd`');
  });

  it('replaces them in the fallback text', () => {
    const message = buildFindingMessage(storedFinding(hostile));

    expect(message.text).toContain('of eve\ufffdSeverity: Low\ufffd was created');
  });

  it('replaces them in an escalation notice', () => {
    const entry = {
      action: 'escalate' as const,
      from: 'open' as const,
      to: 'escalated' as const,
      resolution: null,
      actor: { platform: 'teams' as const, id: 'aad-1', name: 'Dana\u202e Smith' },
      at: '2025-03-01T10:30:00Z',
    };

    const notice = buildEscalationNotice(storedFinding(hostile), entry, null, null);

    expect(findUnsafeStrings(notice)).toEqual([]);
    expect(notice.text).toContain('Dana\ufffd Smith (Teams)');
  });

  it('replaces them in a list line', () => {
    expect(findUnsafeStrings(describeFindingBrief(hostile))).toEqual([]);
  });
});

describe('mrkdwn helpers with unsafe characters', () => {
  it('escapeMrkdwn replaces line breaks and overrides', () => {
    expect(escapeMrkdwn('a\nb\u202ec<d')).toBe('a\ufffdb\ufffdc&lt;d');
  });

  it('inlineCode replaces them inside the span', () => {
    expect(inlineCode('gnp\u202e.exe\t')).toBe('`gnp\ufffd.exe\ufffd`');
  });

  it('slackDate escapes its fallback text', () => {
    // V8's Date.parse ignores text in parentheses, so this parses, and the `>` must not end the token early.
    const iso = 'Mar 1 2025 10:00:00 GMT (a>b)';

    expect(slackDate(iso)).toBe('<!date^1740823200^{date_num} {time_secs}|Mar 1 2025 10:00:00 GMT (a&gt;b)>');
  });

  it('replaceUnsafeCharacters keeps ordinary text', () => {
    expect(replaceUnsafeCharacters('arn:aws:iam::111122223333:user/alice ü 日本')).toBe(
      'arn:aws:iam::111122223333:user/alice ü 日本',
    );
  });
});
