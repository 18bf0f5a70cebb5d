/**
 * Checks the parsed body of a signed Slack request before Bolt receives it. Bolt 5.1.0's HTTPReceiver reads
 * `body.ssl_check` outside any try block, so a body that is not an object ends the process. A body of a kind
 * no keyhunt listener handles is never acknowledged, and Bolt responds to it with 404 only after 3 seconds.
 * The checks follow the order in which Bolt 5.1.0 picks the listener type (`getTypeAndConversation`).
 */
import { TRIAGE_ACTION_PATTERN } from './actions.js';

export type BodyCheck = { ok: true } | { ok: false; reason: string };

const OK: BodyCheck = { ok: true };

/** Fields of a slash command payload that the `/keyhunt` listener and Bolt's `respond()` read. */
const COMMAND_FIELDS = ['text', 'user_id', 'channel_id', 'response_url'] as const;

/** Accepts the bodies keyhunt handles: ssl_check, url_verification, `commandName` and triage clicks. */
export function checkSlackRequestBody(body: unknown, commandName: string): BodyCheck {
  if (!isRecord(body)) return reject(`the body is ${describeValue(body)}, not an object`);
  if (body['ssl_check'] === '1') return OK;
  if (body['type'] === 'url_verification') {
    return typeof body['challenge'] === 'string' ? OK : reject('a url_verification request has no challenge');
  }
  if (body['event'] !== undefined) return reject('an Events API event, and keyhunt subscribes to no events');
  if (body['command'] !== undefined) return checkCommand(body, commandName);
  if (body['name'] !== undefined || body['type'] === 'block_suggestion') {
    return reject('an options request, and keyhunt has no menus with external options');
  }
  if (body['actions'] !== undefined || body['type'] === 'dialog_submission') return checkBlockActions(body);
  if (body['type'] === undefined) return reject('the body has no type, command or actions');
  return reject(`the type ${describeValue(body['type'])} is not one keyhunt handles`);
}

function checkCommand(body: Record<string, unknown>, commandName: string): BodyCheck {
  const command = body['command'];
  if (command !== commandName) {
    return reject(`the command ${describeValue(command)} is not ${commandName}`);
  }
  const missing = COMMAND_FIELDS.filter((field) => typeof body[field] !== 'string');
  if (missing.length > 0) return reject(`the ${commandName} command has no string ${missing.join(', ')}`);
  return OK;
}

function checkBlockActions(body: Record<string, unknown>): BodyCheck {
  if (body['type'] !== 'block_actions') {
    return reject(`the interactive payload type ${describeValue(body['type'])} is not block_actions`);
  }
  const user = body['user'];
  if (!isRecord(user) || typeof user['id'] !== 'string')
    return reject('the block_actions payload has no user.id');
  // Bolt reads `channel.id` whenever `channel` is present, and `team.id` unless `team` is null.
  if (body['channel'] !== undefined && !isRecord(body['channel'])) {
    return reject(`the channel is ${describeValue(body['channel'])}, not an object`);
  }
  if (body['team'] !== undefined && body['team'] !== null && !isRecord(body['team'])) {
    return reject(`the team is ${describeValue(body['team'])}, not an object`);
  }
  const actions = body['actions'];
  if (!Array.isArray(actions) || actions.length === 0) {
    return reject('the block_actions payload has no actions');
  }
  // Bolt passes only the first action to listeners.
  const action: unknown = actions[0];
  if (!isRecord(action) || typeof action['action_id'] !== 'string' || typeof action['type'] !== 'string') {
    return reject('the first action has no string action_id and type');
  }
  if (!TRIAGE_ACTION_PATTERN.test(action['action_id'])) {
    return reject(`the action_id ${describeValue(action['action_id'])} is not a keyhunt triage action`);
  }
  return OK;
}

function reject(reason: string): BodyCheck {
  return { ok: false, reason };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names a JSON value for a log line: strings quoted and cut to 60 characters, other values by kind. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const text = value.length > 60 ? `${value.slice(0, 59)}…` : value;
    return JSON.stringify(text);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'undefined') return 'missing';
  return `the ${typeof value} ${String(value)}`;
}

/** Ids that name who sent a Slack request and what it requested, for log lines about it. */
export interface SlackRequestIds {
  teamId?: string;
  userId?: string;
  channelId?: string;
  actionId?: string;
  command?: string;
}

/** Reads the ids of a slash command or interactive payload, leaving out fields that are not strings. */
export function describeRequestIds(body: unknown): SlackRequestIds {
  if (!isRecord(body)) return {};
  const team = readRecord(body, 'team');
  const user = readRecord(body, 'user');
  const channel = readRecord(body, 'channel');
  const actions = body['actions'];
  const action: unknown = Array.isArray(actions) ? actions[0] : undefined;
  const ids: SlackRequestIds = {
    teamId: readString(body, 'team_id') ?? readString(team, 'id') ?? readString(user, 'team_id'),
    userId: readString(body, 'user_id') ?? readString(user, 'id'),
    channelId: readString(body, 'channel_id') ?? readString(channel, 'id'),
    actionId: isRecord(action) ? readString(action, 'action_id') : undefined,
    command: readString(body, 'command'),
  };
  return Object.fromEntries(
    Object.entries(ids).filter(([, value]) => value !== undefined),
  ) as SlackRequestIds;
}

function readRecord(body: Record<string, unknown>, field: string): Record<string, unknown> {
  const value = body[field];
  return isRecord(value) ? value : {};
}

function readString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  return typeof value === 'string' ? value : undefined;
}
