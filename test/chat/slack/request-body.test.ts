/**
 * The shape check of signed Slack request bodies, which runs before Bolt receives a request.
 */
import { describe, expect, it } from '@jest/globals';
import {
  checkSlackRequestBody,
  describeRequestIds,
  describeValue,
} from '../../../src/chat/slack/request-body.js';

const COMMAND = '/keyhunt';

const click = {
  type: 'block_actions',
  team: { id: 'T0KEYHUNT' },
  user: { id: 'UALICE' },
  channel: { id: 'CFINDINGS' },
  actions: [{ type: 'button', action_id: 'finding.acknowledge', value: 'kh-3f9a2c71d0' }],
};

const command = {
  command: COMMAND,
  text: 'help',
  user_id: 'UALICE',
  channel_id: 'CFINDINGS',
  response_url: 'http://127.0.0.1:1/response/1',
};

describe('checkSlackRequestBody', () => {
  it.each<[string, unknown]>([
    ['ssl_check', { ssl_check: '1' }],
    ['url_verification', { type: 'url_verification', challenge: 'abc' }],
    ['/keyhunt command', command],
    ['triage click', click],
    ['click with team null', { ...click, team: null }],
    ['click without channel', { ...click, channel: undefined }],
  ])('accepts %s', (_name, body) => {
    expect(checkSlackRequestBody(body, COMMAND)).toEqual({ ok: true });
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'the body is null, not an object'],
    ['number', 5, 'the body is the number 5, not an object'],
    ['string', 'text', 'the body is "text", not an object'],
    ['boolean', true, 'the body is the boolean true, not an object'],
    ['array', [], 'the body is an array, not an object'],
    ['empty object', {}, 'the body has no type, command or actions'],
    ['unknown type', { type: 'shortcut' }, 'the type "shortcut" is not one keyhunt handles'],
    ['numeric type', { type: 5 }, 'the type the number 5 is not one keyhunt handles'],
    ['challenge missing', { type: 'url_verification' }, 'a url_verification request has no challenge'],
    ['event', { event: 5 }, 'an Events API event, and keyhunt subscribes to no events'],
    [
      'event before command',
      { event: {}, command: COMMAND },
      'an Events API event, and keyhunt subscribes to no events',
    ],
    ['other command', { ...command, command: '/other' }, 'the command "/other" is not /keyhunt'],
    ['command array', { ...command, command: ['/keyhunt'] }, 'the command an array is not /keyhunt'],
    [
      'command fields missing',
      { command: COMMAND },
      'the /keyhunt command has no string text, user_id, channel_id, response_url',
    ],
    ['options request', { name: 'x' }, 'an options request, and keyhunt has no menus with external options'],
    [
      'dialog',
      { type: 'dialog_submission' },
      'the interactive payload type "dialog_submission" is not block_actions',
    ],
    [
      'legacy buttons',
      { type: 'interactive_message', actions: [] },
      'the interactive payload type "interactive_message" is not block_actions',
    ],
    ['click without user', { ...click, user: undefined }, 'the block_actions payload has no user.id'],
    ['click user id number', { ...click, user: { id: 5 } }, 'the block_actions payload has no user.id'],
    ['click channel null', { ...click, channel: null }, 'the channel is null, not an object'],
    ['click team string', { ...click, team: 'T1' }, 'the team is "T1", not an object'],
    ['click actions empty', { ...click, actions: [] }, 'the block_actions payload has no actions'],
    ['click actions object', { ...click, actions: {} }, 'the block_actions payload has no actions'],
    ['click action null', { ...click, actions: [null] }, 'the first action has no string action_id and type'],
    [
      'click action without type',
      { ...click, actions: [{ action_id: 'finding.acknowledge' }] },
      'the first action has no string action_id and type',
    ],
    [
      'other action',
      { ...click, actions: [{ type: 'button', action_id: 'other' }] },
      'the action_id "other" is not a keyhunt triage action',
    ],
  ])('rejects %s', (_name, body, reason) => {
    expect(checkSlackRequestBody(body, COMMAND)).toEqual({ ok: false, reason });
  });
});

describe('describeValue', () => {
  it('cuts long strings to 60 characters', () => {
    expect(describeValue('x'.repeat(100))).toBe(`"${'x'.repeat(59)}…"`);
  });

  it('names a missing value', () => {
    expect(describeValue(undefined)).toBe('missing');
  });
});

describe('describeRequestIds', () => {
  it('reads a slash command', () => {
    expect(describeRequestIds({ ...command, team_id: 'T0KEYHUNT' })).toEqual({
      teamId: 'T0KEYHUNT',
      userId: 'UALICE',
      channelId: 'CFINDINGS',
      command: COMMAND,
    });
  });

  it('reads a click', () => {
    expect(describeRequestIds(click)).toEqual({
      teamId: 'T0KEYHUNT',
      userId: 'UALICE',
      channelId: 'CFINDINGS',
      actionId: 'finding.acknowledge',
    });
  });

  it('takes the team from the user of an org-wide click', () => {
    const body = { ...click, team: null, user: { id: 'UALICE', team_id: 'T0OTHER' } };
    expect(describeRequestIds(body)['teamId']).toBe('T0OTHER');
  });

  it('leaves out values that are not strings', () => {
    expect(describeRequestIds({ user: { id: 5 }, actions: [null], command: ['/keyhunt'] })).toEqual({});
  });

  it('returns nothing for a body that is not an object', () => {
    expect(describeRequestIds(null)).toEqual({});
  });
});
