/**
 * Teams activities as the Bot Connector service delivers them to /api/messages, for the Teams tests.
 */
import { BOT_ID, TENANT_ID, TRIAGER_AAD_ID } from './fixtures.js';

export const CHANNEL_ID = '19:security-general@thread.tacv2';
export const GROUP_CHAT_ID = '19:meeting-group-chat@thread.v2';
export const PERSONAL_CHAT_ID = 'a:1personal-chat-with-dana';

export interface ActivityOptions {
  serviceUrl: string;
  conversationId?: string;
  conversationType?: 'channel' | 'groupChat' | 'personal';
  aadObjectId?: string | null;
  userName?: string;
  tenantId?: string;
}

type Activity = Record<string, unknown>;

let nextActivityId = 1;

function base(type: string, options: ActivityOptions): Activity {
  const conversationId = options.conversationId ?? CHANNEL_ID;
  const conversationType = options.conversationType ?? 'channel';
  const tenantId = options.tenantId ?? TENANT_ID;
  const from: Record<string, unknown> = { id: '29:dana-mri', name: options.userName ?? 'Dana Smith' };
  const aadObjectId = options.aadObjectId === undefined ? TRIAGER_AAD_ID : options.aadObjectId;
  if (aadObjectId !== null) from['aadObjectId'] = aadObjectId;

  const channelData: Record<string, unknown> = { tenant: { id: tenantId } };
  if (conversationType === 'channel') {
    channelData['team'] = { id: CHANNEL_ID, name: 'Security' };
    channelData['channel'] = { id: conversationId.split(';')[0], name: 'General' };
  }
  return {
    type,
    id: `incoming-${nextActivityId++}`,
    timestamp: '2023-07-10T13:00:00.000Z',
    channelId: 'msteams',
    serviceUrl: options.serviceUrl,
    from,
    recipient: { id: BOT_ID, name: 'keyhunt' },
    conversation: {
      id: conversationId,
      conversationType,
      tenantId,
      isGroup: conversationType !== 'personal',
      ...(conversationType === 'groupChat' ? { name: 'Incident bridge' } : {}),
    },
    channelData,
  };
}

/** Builds the conversationUpdate Teams sends when the bot is added to a team, group chat or personal scope. */
export function botAdded(options: ActivityOptions): Activity {
  return { ...base('conversationUpdate', options), membersAdded: [{ id: BOT_ID }] };
}

export function botRemoved(options: ActivityOptions): Activity {
  return { ...base('conversationUpdate', options), membersRemoved: [{ id: BOT_ID }] };
}

export function installationUpdate(action: 'add' | 'remove', options: ActivityOptions): Activity {
  return { ...base('installationUpdate', options), action };
}

export function channelDeleted(deletedChannelId: string, options: ActivityOptions): Activity {
  const activity = base('conversationUpdate', options);
  const channelData = activity['channelData'] as Record<string, unknown>;
  return {
    ...activity,
    channelData: {
      ...channelData,
      eventType: 'channelDeleted',
      channel: { id: deletedChannelId, name: 'Old' },
    },
  };
}

/** Builds a message to the bot. In channels and group chats the text starts with the bot's mention, as Teams sends it. */
export function message(text: string, options: ActivityOptions): Activity {
  const mentioned = (options.conversationType ?? 'channel') !== 'personal';
  const mention = '<at>keyhunt</at>';
  return {
    ...base('message', options),
    text: mentioned ? `${mention} ${text}` : text,
    textFormat: 'plain',
    entities: mentioned
      ? [{ type: 'mention', text: mention, mentioned: { id: BOT_ID, name: 'keyhunt' } }]
      : [],
  };
}

/** Builds the adaptiveCard/action invoke Teams sends when someone presses an Action.Execute button. */
export function cardAction(
  verb: string,
  data: Record<string, unknown>,
  options: ActivityOptions & { replyToId?: string; trigger?: 'manual' | 'automatic' },
): Activity {
  return {
    ...base('invoke', options),
    name: 'adaptiveCard/action',
    replyToId: options.replyToId ?? 'posted-card-1',
    value: { action: { type: 'Action.Execute', verb, data }, trigger: options.trigger ?? 'manual' },
  };
}
